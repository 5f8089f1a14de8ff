// The servers a test run, the benchmark and the fault suite share: a Temporal dev server, PostgreSQL with a migrated
// template database, Redis, and the bundled workflow code. Started once per run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb } from '../../store/db';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../store/embedded';
import { ensureDatabase } from '../../store/ensure-database';
import { runMigrations } from '../../store/migrate';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../workers/options';
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
  /** Takes one server down for `downMs` and brings it back on the same port (durable stacks keep their data). */
  restart(server: 'temporal' | 'postgres' | 'redis', downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `dataDir` receives the workflow bundle. `durable` (the fault suite): Temporal keeps its workflows in a SQLite file,
 * PostgreSQL its data and Redis an append-only file, so each survives a restart as in production.
 */
export async function startStack(options: { dataDir: string; durable?: boolean }): Promise<Stack> {
  mkdirSync(options.dataDir, { recursive: true });
  const [temporalPort, pgPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const pgDir = path.join(os.tmpdir(), `integration-sync-test-${process.pid}-${pgPort}`, 'postgres');
  const durable = options.durable ?? false;
  const startTemporal = () => startDevServer({ port: temporalPort, ...(durable ? { dbFile: path.join(options.dataDir, 'temporal.sqlite') } : {}) });
  const startPostgres = () => startEmbeddedPostgres({ databaseDir: pgDir, port: pgPort, persistent: durable });
  const startRedis = () => startRedisServer(redisPort, durable ? ['--appendonly', 'yes', '--dir', options.dataDir] : []);
  const [temporal, postgres, redis, bundle] = await Promise.all([
    startTemporal(),
    startPostgres(),
    startRedis(),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quietLogger }),
  ]);

  await ensureDatabase(postgres.adminUrl, TEMPLATE);
  const db = createDb(postgres.urlFor(TEMPLATE));
  await runMigrations(db);
  await db.end();

  const workflowBundlePath = path.join(options.dataDir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  const stack: Stack = {
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
    restart: async (server, downMs) => {
      if (server === 'temporal') {
        // Killed, not stopped: the way a crashed server goes.
        await stack.temporal.stop('SIGKILL');
        await sleep(downMs);
        stack.temporal = await startTemporal();
      } else if (server === 'postgres') {
        await stack.postgres.stop();
        await sleep(downMs);
        stack.postgres = await startPostgres();
      } else {
        await stack.redis.stop();
        await sleep(downMs);
        stack.redis = await startRedis();
      }
    },
    stop: async () => {
      await Promise.allSettled([stack.temporal.stop(), stack.postgres.stop(), stack.redis.stop()]);
      rmSync(path.dirname(pgDir), { recursive: true, force: true });
    },
  };
  return stack;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};
