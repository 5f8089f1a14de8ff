// `npm run worker`: one worker process against the services the environment names. Run as many as the load needs.
import { loadTemporalRoleEnvOrExit, workerEnvSchema } from '../config/env';
import { createEventBus } from '../events/create-bus';
import { setEventValidation } from '../events/envelope';
import { SpillingEventBus } from '../events/spilling-bus';
import { createLogger, logFatalErrors } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import { serveMetrics } from '../observability/metrics';
import { createDb } from '../store/db';
import { runMigrations } from '../store/migrate';
import { connectClient } from '../temporal/client';
import { installTemporalRuntime } from '../temporal/runtime';
import { createInboundConsumer } from './inbound-consumer';
import { workerFromEnv } from './run-worker';

async function main(): Promise<void> {
  const env = loadTemporalRoleEnvOrExit(workerEnvSchema);
  setEventValidation(env.EVENT_VALIDATION);
  const tracing = startTracing('integration-sync-worker');
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'worker' });
  logFatalErrors(logger);
  installTemporalRuntime(logger, { metricsPort: env.TEMPORAL_METRICS_PORT });
  const metricsServer = env.WORKER_METRICS_PORT ? await serveMetrics(env.WORKER_METRICS_PORT) : undefined;
  const db = createDb(env.DATABASE_URL, { max: env.DATABASE_POOL_SIZE });
  await runMigrations(db);
  const bus = createEventBus(env, db);
  if (bus instanceof SpillingEventBus) bus.startRelay(logger);
  const { worker, close: closeWorker } = await workerFromEnv(env, { db, bus, tracing });
  const temporal = env.REDIS_URL && env.RUN_CONSUMER ? await connectClient(env) : undefined;
  const consumer = temporal && env.REDIS_URL ? createInboundConsumer({ ...env, REDIS_URL: env.REDIS_URL }, { temporal, db, logger }) : undefined;
  await consumer?.start();
  logger.info({ taskQueue: env.TASK_QUEUE, bus: bus.kind, consumer: Boolean(consumer) }, 'worker started');
  // Worker.run resolves after SIGINT/SIGTERM once in-flight tasks finished or were handed back.
  await worker.run();
  await consumer?.stop();
  await temporal?.connection.close();
  await closeWorker();
  metricsServer?.close();
  await bus.close();
  await db.end();
  await tracing.shutdown();
  logger.info('worker stopped');
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
