import { Client, Connection } from '@temporalio/client';

export interface TemporalEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
}

export async function connectClient(env: TemporalEnv): Promise<Client> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}
