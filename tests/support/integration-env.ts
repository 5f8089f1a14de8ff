// Per test file: its own database (cloned from the migrated template), Redis key prefix and task queue, so files cannot collide.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { RedisEventBus } from '../../events/redis-bus';
import { createDb, type Db } from '../../store/db';
import { ensureDatabase } from '../../store/ensure-database';
import { connectTemporal } from '../../temporal/start-outcome';
import { SERVERS_FILE, type TestServers } from './servers-file';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface RoleOptions {
  /** Run the `npm run build` output (dist/) on plain Node instead of the TypeScript sources through tsx. */
  compiled?: boolean;
  /** Node flags that NODE_OPTIONS refuses (--cpu-prof): given on the command line. */
  nodeArgs?: string[];
}

export interface IntegrationEnv {
  servers: TestServers;
  databaseUrl: string;
  db: Db;
  keyPrefix: string;
  taskQueue: string;
  bus: RedisEventBus;
  client: Client;
  encryptionKey: string;
  /** The environment a worker or API process of this file runs with. */
  processEnv: Record<string, string>;
  /**
   * Runs the production worker entry point as a child process, so a test can kill it without killing itself. An
   * empty value in `extraEnv` unsets that variable. `compiled`: the `npm run build` output under dist/ on plain Node.
   */
  startWorker(extraEnv?: Record<string, string>, options?: RoleOptions): Promise<WorkerProcess>;
  /** The production API entry point as a child process, listening on `port`. */
  startApi(port: number, extraEnv?: Record<string, string>, options?: RoleOptions): Promise<WorkerProcess>;
  close(): Promise<void>;
}

/** `servers` defaults to the ones the test run's global setup started; the benchmark passes its own. */
export async function createIntegrationEnv(servers: TestServers = JSON.parse(readFileSync(SERVERS_FILE, 'utf8')) as TestServers): Promise<IntegrationEnv> {
  const suffix = randomBytes(4).toString('hex');
  const database = `test_${suffix}`;
  await ensureDatabase(servers.postgresAdminUrl, database, servers.templateDatabase);
  const databaseUrl = servers.postgresUrlTemplate.replace('{database}', database);
  const db = createDb(databaseUrl);
  const keyPrefix = `test:${suffix}:`;
  const taskQueue = `test-${suffix}`;
  const encryptionKey = randomBytes(32).toString('hex');
  const bus = new RedisEventBus({ url: servers.redisUrl, keyPrefix, stream: 'events', streamMaxLen: 1_000_000, liveFeedMaxLen: 10_000 });
  const connection = await connectTemporal({ address: servers.temporalAddress });
  const client = new Client({ connection });
  const processEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    REDIS_URL: servers.redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    EVENT_STREAM: 'events',
    ENCRYPTION_KEY: encryptionKey,
    WORKFLOW_BUNDLE_PATH: servers.workflowBundlePath,
    LOG_LEVEL: 'info',
    // Every event a test's worker builds is checked against the catalogue; the benchmark measures without.
    EVENT_VALIDATION: process.env.EVENT_VALIDATION ?? '',
    // The fake providers listen on plain HTTP on loopback.
    ALLOW_INSECURE_PROVIDER_URLS: 'true',
  };
  const workers = new Set<WorkerProcess>();

  /** Runs one of the project's entry points as a child process and waits until it logs `readyText`. */
  const startRole = async (entry: string, readyText: string, extraEnv: Record<string, string>, options: RoleOptions = {}): Promise<WorkerProcess> => {
    const args = [...(options.nodeArgs ?? []), ...(options.compiled ? [path.join(ROOT, 'dist', `${entry}.js`)] : ['--import', 'tsx', path.join(ROOT, `${entry}.ts`)])];
    const childEnv = Object.fromEntries(Object.entries({ PATH: process.env.PATH ?? '', ...processEnv, ...extraEnv }).filter(([, value]) => value !== ''));
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const started = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        // The tail is enough to explain a failure; a long benchmark run must not keep every log line.
        output = (output + chunk.toString()).slice(-65_536);
        if (output.includes(readyText)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before it started:\n${output}`)));
    });
    const worker: WorkerProcess = {
      child,
      output: () => output,
      stop: async (signal = 'SIGTERM') => {
        workers.delete(worker);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill(signal);
        await gone;
      },
    };
    workers.add(worker);
    await started;
    return worker;
  };
  const startWorker = (extraEnv: Record<string, string> = {}, options?: RoleOptions) => startRole(path.join('workers', 'main'), '"worker started"', extraEnv, options);
  const startApi = (port: number, extraEnv: Record<string, string> = {}, options?: RoleOptions) =>
    startRole(path.join('api', 'server'), 'Server listening', { API_HOST: '127.0.0.1', API_PORT: String(port), ...extraEnv }, options);

  return {
    servers,
    databaseUrl,
    db,
    keyPrefix,
    taskQueue,
    bus,
    client,
    encryptionKey,
    processEnv,
    startWorker,
    startApi,
    close: async () => {
      await Promise.all([...workers].map((w) => w.stop()));
      await Promise.allSettled([bus.close(), connection.close(), db.end()]);
      const admin = new PgClient({ connectionString: servers.postgresAdminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
