// The servers a test run, the benchmark and the fault suite share: a Temporal dev server, PostgreSQL with a migrated
// template database, Redis, and the bundled workflow code. Started once per run.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb } from '../../store/db';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../store/embedded';
import { ensureDatabase } from '../../store/ensure-database';
import { runMigrations } from '../../store/migrate';
import { requireTool } from '../../scripts/tools';
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
  /**
   * Takes one server down for `downFor` (milliseconds, or until the promise it returns settles) and brings it back on
   * the same port (durable stacks keep their data).
   */
  restart(server: 'temporal' | 'postgres' | 'redis', downFor: number | (() => Promise<void>)): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `dataDir` receives the workflow bundle. `durable` (the fault suite): Temporal keeps its workflows in a SQLite file,
 * PostgreSQL its data and Redis an append-only file, so each survives a restart as in production.
 */
export async function startStack(options: { dataDir: string; durable?: boolean; temporalFile?: { sqlitePragmas?: readonly string[] } }): Promise<Stack> {
  mkdirSync(options.dataDir, { recursive: true });
  const pgDir = path.join(os.tmpdir(), `integration-sync-test-${process.pid}-${randomBytes(4).toString('hex')}`, 'postgres');
  const durable = options.durable ?? false;
  // `temporalFile` alone: Temporal on a SQLite file as `npm start` runs it, the rest as usual (the bench's option).
  const temporalFile = durable || options.temporalFile ? { dbFile: path.join(options.dataDir, 'temporal.sqlite'), ...options.temporalFile } : {};
  const startTemporal = (port: number) => startDevServer({ binary: requireTool('temporal'), port, ...temporalFile });
  const startPostgres = (port: number) => startEmbeddedPostgres({ databaseDir: pgDir, port, persistent: durable });
  const startRedis = (port: number) => startRedisServer(port, durable ? ['--appendonly', 'yes', '--dir', options.dataDir] : []);
  const servers = [onFreshPort(startTemporal), onFreshPort(startPostgres), onFreshPort(startRedis)] as const;
  const bundling = bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quietLogger });
  await Promise.allSettled([...servers, bundling]);
  // Nothing left running behind a failed set-up: no teardown comes for it.
  const stopAll = async () => {
    await Promise.allSettled(servers.map((server) => server.then(([started]) => started.stop())));
    rmSync(path.dirname(pgDir), { recursive: true, force: true });
  };
  const [[temporal, temporalPort], [postgres, pgPort], [redis, redisPort], bundle] = await Promise.all([...servers, bundling]).catch(async (err: unknown) => {
    await stopAll();
    throw err;
  });

  try {
    await ensureDatabase(postgres.adminUrl, TEMPLATE);
    const db = createDb(postgres.urlFor(TEMPLATE));
    await runMigrations(db).finally(() => db.end());
  } catch (err) {
    await stopAll();
    throw err;
  }

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
    restart: async (server, downFor) => {
      const down = () => (typeof downFor === 'number' ? sleep(downFor) : downFor());
      if (server === 'temporal') {
        // Killed, not stopped: the way a crashed server goes.
        await stack.temporal.stop('SIGKILL');
        await down();
        stack.temporal = await startTemporal(temporalPort);
      } else if (server === 'postgres') {
        await stack.postgres.stop();
        await down();
        stack.postgres = await startPostgres(pgPort);
      } else {
        await stack.redis.stop();
        await down();
        stack.redis = await startRedis(redisPort);
      }
    },
    stop: async () => {
      await Promise.allSettled([stack.temporal.stop(), stack.postgres.stop(), stack.redis.stop()]);
      rmSync(path.dirname(pgDir), { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * Starts a server on a port picked just before. Temporal's dev server takes several random ports of its own while
 * PostgreSQL is still initialising, so a picked port can be taken by the time a server binds it: then another one.
 */
async function onFreshPort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<[T, number]> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return [await start(port), port];
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};
