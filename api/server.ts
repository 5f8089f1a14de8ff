// `npm run api`: the HTTP API as its own process, against the services the environment names.
import { apiEnvSchema, loadTemporalRoleEnvOrExit } from '../config/env';
import { createEventBus } from '../events/create-bus';
import { closeGracefully } from '../observability/graceful-shutdown';
import { createLogger, logFatalErrors } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import { createDb } from '../store/db';
import { runMigrations } from '../store/migrate';
import { connectClient } from '../temporal/client';
import { appFromEnv } from './app';

async function main(): Promise<void> {
  const env = loadTemporalRoleEnvOrExit(apiEnvSchema);
  const tracing = startTracing('integration-sync-api');
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'api' });
  logFatalErrors(logger);
  const db = createDb(env.DATABASE_URL, { max: env.DATABASE_POOL_SIZE });
  await runMigrations(db);
  const bus = createEventBus(env);
  const temporal = await connectClient(env);
  const app = await appFromEnv(env, { db, bus, temporal, logger });
  // Before listening: a SIGTERM that follows "Server listening" at once must find the handler in place.
  // Open requests get the request timeout to finish, then a little for the connections to close.
  closeGracefully(logger, env.API_REQUEST_TIMEOUT + 5_000, async () => {
    await app.close();
    await Promise.all([temporal.connection.close(), bus.close(), db.end(), tracing.shutdown()]);
  });
  await app.listen({ host: env.API_HOST, port: env.API_PORT });
}

main().catch((err) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
