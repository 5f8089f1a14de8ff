// The servers a test run, the benchmark and the fault suite share: a Temporal dev server, PostgreSQL with a migrated
// template database, Redis, and the bundled workflow code. Started once per run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb } from '../../store/db';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../store/embedded';
import { ensureDatabase } from '../../store/ensure-database';
import { runMigrations } from '../../store/migrate';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { freePort } from './free-port';
import { startRedisServer, type RedisServer } from './redis-server';
import type { TestServers } from './servers-file';

const TEMPLATE = 'integration_sync_template';

export interface Stack {
  servers: TestServers;
  temporal: DevServer;
  postgres: EmbeddedPostgresServer;
  redis: RedisServer;
  /** Where PostgreSQL keeps its files (removed by stop). */
  pgDir: string;
  stop(): Promise<void>;
}

/** `dataDir` receives the workflow bundle; `temporalDbFile` makes the dev server keep workflows across a restart. */
export async function startStack(options: { dataDir: string; temporalDbFile?: string }): Promise<Stack> {
  mkdirSync(options.dataDir, { recursive: true });
  const [temporalPort, pgPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const pgDir = path.join(os.tmpdir(), `integration-sync-test-${process.pid}-${pgPort}`, 'postgres');
  const [temporal, postgres, redis, bundle] = await Promise.all([
    startDevServer({ port: temporalPort, ...(options.temporalDbFile ? { dbFile: options.temporalDbFile } : {}) }),
    startEmbeddedPostgres({ databaseDir: pgDir, port: pgPort, persistent: false }),
    startRedisServer(redisPort),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
  ]);

  await ensureDatabase(postgres.adminUrl, TEMPLATE);
  const db = createDb(postgres.urlFor(TEMPLATE));
  await runMigrations(db);
  await db.end();

  const workflowBundlePath = path.join(options.dataDir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  return {
    servers: {
      temporalAddress: temporal.address,
      postgresAdminUrl: postgres.adminUrl,
      postgresUrlTemplate: postgres.urlFor('{database}'),
      templateDatabase: TEMPLATE,
      redisUrl: redis.url,
      workflowBundlePath,
    },
    temporal,
    postgres,
    redis,
    pgDir,
    stop: async () => {
      await Promise.allSettled([temporal.stop(), postgres.stop(), redis.stop()]);
      rmSync(path.dirname(pgDir), { recursive: true, force: true });
    },
  };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};
