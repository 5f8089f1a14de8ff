import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';

import { connectOrExplain, type TemporalConnection } from './connection-settings';
import { dataConverterFor, type PayloadEncryptionEnv } from './data-converter';
import { connectTemporal } from './start-outcome';

export interface TemporalEnv extends PayloadEncryptionEnv {
  temporal: TemporalConnection;
}

export async function connectClient(env: TemporalEnv): Promise<Client> {
  const { namespace, ...options } = env.temporal;
  const connection = await connectOrExplain(options, () => connectTemporal(options));
  const dataConverter = dataConverterFor(env);
  return new Client({
    connection,
    namespace,
    ...(dataConverter ? { dataConverter } : {}),
    // Starts and signals carry the caller's trace context into the workflow (no-op when tracing is off).
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
}
