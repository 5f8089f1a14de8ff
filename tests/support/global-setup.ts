// Starts once per run what every integration test shares: a Temporal dev server, PostgreSQL with a migrated template database, and Redis.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb } from '../../store/db';
import { startEmbeddedPostgres } from '../../store/embedded';
import { ensureDatabase } from '../../store/ensure-database';
import { runMigrations } from '../../store/migrate';
import { startDevServer } from '../../temporal/dev-server';
import { freePort } from './free-port';
import { startRedisServer } from './redis-server';
import { SERVERS_FILE, TEST_DATA_DIR, type TestServers } from './servers-file';

const TEMPLATE = 'integration_sync_template';

export default async function globalSetup(): Promise<void> {
  rmSync(TEST_DATA_DIR, { recursive: true, force: true });
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  const [temporalPort, pgPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const pgDir = path.join(os.tmpdir(), `integration-sync-test-${process.pid}`, 'postgres');

  const stops: Array<() => Promise<void>> = [];
  globalThis.__integrationServers = { stops, pgDir };

  const [temporal, pg, redis, bundle] = await Promise.all([
    startDevServer({ port: temporalPort }),
    startEmbeddedPostgres({ databaseDir: pgDir, port: pgPort, persistent: false }),
    startRedisServer(redisPort),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
  ]);
  stops.push(temporal.stop, pg.stop, redis.stop);

  await ensureDatabase(pg.adminUrl, TEMPLATE);
  const db = createDb(pg.urlFor(TEMPLATE));
  await runMigrations(db);
  await db.end();

  const workflowBundlePath = path.join(TEST_DATA_DIR, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  const servers: TestServers = {
    temporalAddress: temporal.address,
    postgresAdminUrl: pg.adminUrl,
    postgresUrlTemplate: pg.urlFor('{database}'),
    templateDatabase: TEMPLATE,
    redisUrl: redis.url,
    workflowBundlePath,
  };
  writeFileSync(SERVERS_FILE, JSON.stringify(servers, null, 2));
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};

declare global {
  var __integrationServers: { stops: Array<() => Promise<void>>; pgDir: string } | undefined;
}
