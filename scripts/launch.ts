// `npm start`: the whole service on its embedded defaults in one command: Temporal dev server, PostgreSQL, one worker and the API.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appFromEnv } from '../api/app';
import { launcherEnvSchema, loadEnvOrExit } from '../config/env';
import { createEventBus } from '../events/create-bus';
import { SpillingEventBus } from '../events/spilling-bus';
import { createLogger, logFatalErrors } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import { createDb } from '../store/db';
import { embeddedDataDir, startEmbeddedPostgres } from '../store/embedded';
import { ensureDatabase } from '../store/ensure-database';
import { runMigrations } from '../store/migrate';
import { connectClient } from '../temporal/client';
import { startDevServer } from '../temporal/dev-server';
import { requireTool } from './tools';
import { applySchedules, scheduleSettingsFromEnv } from '../temporal/schedules';
import { installTemporalRuntime } from '../temporal/runtime';
import { workerFromEnv } from '../workers/run-worker';

const EMBEDDED_PG_PORT = 54329;
const DATABASE = 'integration_sync';
const TEMPORAL_UI_PORT = 8233;

type Stop = () => Promise<unknown>;

async function main(): Promise<void> {
  const env = loadEnvOrExit(launcherEnvSchema);
  const tracing = startTracing('integration-sync');
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'launcher' });
  logFatalErrors(logger);
  const dataDir = path.resolve(env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const stops: Stop[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => logger.warn({ err }, 'stop failed'));
    process.exit(code);
  };
  // `on`, not `once`: a second Ctrl-C with no handler would end it mid-shutdown, leaving PostgreSQL and the dev server
  // running. npm start runs this with `node --import tsx`, not the tsx command: tsx relays a signal to its child and
  // kills the child outright unless the child reports the signal within 30 ms, which a worker busy on a page does not.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // A closed terminal: the Temporal dev server runs in a process group of its own, so only this stops it.
  process.on('SIGHUP', () => void shutdown(0));
  stops.push(() => tracing.shutdown());

  try {
    const temporalPort = Number(env.TEMPORAL_ADDRESS.split(':').pop());
    const temporalServer = await startDevServer({
      binary: requireTool('temporal'),
      port: temporalPort,
      uiPort: TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal.db'),
      namespace: env.TEMPORAL_NAMESPACE,
      pidFile: path.join(dataDir, 'temporal.pid'),
    });
    stops.push(temporalServer.stop);
    logger.info({ address: temporalServer.address }, 'temporal dev server started');

    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ databaseDir: embeddedDataDir(dataDir), port: EMBEDDED_PG_PORT, persistent: true });
      stops.push(pg.stop);
      await ensureDatabase(pg.adminUrl, DATABASE);
      databaseUrl = pg.urlFor(DATABASE);
      logger.info({ dataDir: pg.dataDir, port: EMBEDDED_PG_PORT }, 'embedded postgres started');
    }
    const db = createDb(databaseUrl, { max: env.DATABASE_POOL_SIZE });
    stops.push(() => db.end());
    const applied = await runMigrations(db);
    logger.info({ applied }, 'migrations applied');

    const encryptionKey = loadOrCreateEncryptionKey(env.ENCRYPTION_KEY, dataDir);
    const bus = createEventBus(env, db);
    if (bus instanceof SpillingEventBus) bus.startRelay(logger);
    stops.push(() => bus.close());

    installTemporalRuntime(logger);
    const adminApiKey = env.ADMIN_API_KEY ?? loadOrCreateSecret(dataDir, 'admin-api.key', () => randomBytes(24).toString('hex'));
    // What every role of this process shares: the dev server's address and the key made on first start.
    const roleEnv = { ...env, temporal: { address: temporalServer.address, namespace: env.TEMPORAL_NAMESPACE }, ENCRYPTION_KEY: encryptionKey };
    const { worker, close: closeWorker } = await workerFromEnv(roleEnv, { db, bus, tracing });
    const running = worker.run();
    stops.push(async () => {
      // The SDK stops the worker on SIGINT/SIGTERM itself; shut it down only if that has not begun.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await closeWorker();
    });

    const temporal = await connectClient(roleEnv);
    stops.push(() => temporal.connection.close());
    const schedules = await applySchedules(temporal, scheduleSettingsFromEnv(env));
    logger.info({ schedules }, 'schedules applied');
    const app = await appFromEnv({ ...roleEnv, ADMIN_API_KEY: adminApiKey }, { db, bus, temporal, logger });
    await app.listen({ host: env.API_HOST, port: env.API_PORT });
    stops.push(() => app.close());

    const api = `http://localhost:${env.API_PORT}`;
    process.stdout.write(
      [
        '',
        'Integration Sync is running:',
        `  API            ${api}`,
        `  API docs       ${api}/docs`,
        `  Temporal UI    ${temporalServer.uiUrl}`,
        `  Data           ${dataDir} (Temporal), ${env.DATABASE_URL ? 'DATABASE_URL' : embeddedDataDir(dataDir)} (PostgreSQL)`,
        `  Event bus      ${bus.kind}`,
        `  Admin API key  ${env.ADMIN_API_KEY ? 'ADMIN_API_KEY' : path.join(dataDir, 'admin-api.key')} (POST /tenants, POST /tenants/:id/api-keys)`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    running.catch((err: unknown) => {
      logger.error({ err }, 'worker stopped unexpectedly');
      void shutdown(1);
    });
  } catch (err) {
    logger.error({ err }, 'start failed');
    await shutdown(1);
  }
}

/** The embedded default needs no keys from the user: each is made on first start and kept in the data dir. */
function loadOrCreateSecret(dataDir: string, name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, make(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function loadOrCreateEncryptionKey(given: Buffer<ArrayBuffer> | undefined, dataDir: string): Buffer<ArrayBuffer> {
  return given ?? Buffer.from(loadOrCreateSecret(dataDir, 'encryption.key', () => randomBytes(32).toString('hex')), 'hex');
}

void main();
