import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';

import { dataConverterFor, type PayloadEncryptionEnv } from './data-converter';

export interface TemporalEnv extends PayloadEncryptionEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
}

export async function connectClient(env: TemporalEnv): Promise<Client> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const dataConverter = dataConverterFor(env);
  return new Client({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    ...(dataConverter ? { dataConverter } : {}),
    // Starts and signals carry the caller's trace context into the workflow (no-op when tracing is off).
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
}
