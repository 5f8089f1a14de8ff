// `npm run consumer`: the inbound event consumer as its own process (workers also run it unless RUN_CONSUMER=false).
import { consumerEnvSchema, loadTemporalRoleEnvOrExit } from '../config/env';
import { closeGracefully } from '../observability/graceful-shutdown';
import { createLogger, logFatalErrors } from '../observability/logger';
import { createDb } from '../store/db';
import { connectClient } from '../temporal/client';
import { createInboundConsumer } from './inbound-consumer';

async function main(): Promise<void> {
  const env = loadTemporalRoleEnvOrExit(consumerEnvSchema);
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'consumer' });
  logFatalErrors(logger);
  const db = createDb(env.DATABASE_URL, { max: env.DATABASE_POOL_SIZE });
  const temporal = await connectClient(env);
  const consumer = createInboundConsumer(env, { temporal, db, logger });
  await consumer.start();
  // Before the line that says it started: a signal that follows it at once must find the handler in place.
  closeGracefully(logger, 30_000, async () => {
    await consumer.stop();
    await Promise.all([temporal.connection.close(), db.end()]);
  });
  logger.info({ stream: env.INBOUND_STREAM }, 'consumer started');
}

main().catch((err) => {
  process.stderr.write(`consumer failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
