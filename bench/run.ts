// `npm run bench`: starts its own Temporal dev server, PostgreSQL and Redis, takes every figure of docs/BENCHMARKS.md,
// prints one table and writes bench/results/latest.json. `--quick`: every measurement, tiny (what `npm test` runs).
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createIntegrationEnv } from '../tests/support/integration-env';
import type { TestServers } from '../tests/support/servers-file';
import { startStack } from '../tests/support/stack';
import { FULL, QUICK, type BenchContext, type Sizes } from './context';
import { printTable, type Figure } from './figures';
import { measureBackfill } from './backfill';
import { measureDueCheck } from './due-check';
import { measureMemory } from './memory';
import { measureProviderBound } from './provider-bound';
import { measureThroughput } from './throughput';
import { measureConcurrentSyncs } from './concurrent-syncs';
import { measureWebhookLatency } from './webhook-latency';

const MEASUREMENTS: Record<string, (ctx: BenchContext) => Promise<Figure[]>> = {
  throughput: measureThroughput,
  memory: measureMemory,
  webhooks: measureWebhookLatency,
  'due-check': measureDueCheck,
  'provider-bound': measureProviderBound,
  backfill: measureBackfill,
  'two-workers': measureConcurrentSyncs,
};

const USAGE = `usage: npm run bench -- [--quick] [--only ${Object.keys(MEASUREMENTS).join(',')}] [--records N[,M…]] [--memory-records N,M] [--reps N] [--out FILE] [--servers FILE] [--temporal-file [--sqlite-pragmas P=V,…]]`;

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive whole number, got "${value}"\n${USAGE}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, servers: { type: 'string' }, records: { type: 'string' }, 'memory-records': { type: 'string' }, reps: { type: 'string' }, 'temporal-file': { type: 'boolean' }, 'sqlite-pragmas': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(USAGE);
  const only = values.only?.split(',') ?? Object.keys(MEASUREMENTS);
  const unknown = only.filter((name) => !MEASUREMENTS[name]);
  if (unknown.length) throw new Error(`unknown measurement ${unknown.join(', ')}\n${USAGE}`);
  const sizes: Sizes = { ...(values.quick ? QUICK : FULL) };
  if (values.records) sizes.throughputRecords = values.records.split(',').map((n) => positiveInt('--records', n));
  if (values.reps) sizes.reps = positiveInt('--reps', values.reps);
  if (values['memory-records']) {
    const [small, large] = values['memory-records'].split(',').map((n) => positiveInt('--memory-records', n));
    if (!small || !large) throw new Error(`--memory-records takes two sizes, e.g. 100000,1000000\n${USAGE}`);
    sizes.memoryRecords = [small, large];
  }
  const root = path.resolve(__dirname, '..');
  const out = values.out ?? path.join(root, 'bench', 'results', values.quick ? 'quick.json' : 'latest.json');
  const dataDir = path.join(root, '.data', `bench-${process.pid}`);

  const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  // The full run takes memory and concurrency on the worker as it ships: compiled, with the compose file's Node flags
  // (BENCH_WORKER_SHIPPED=0: the TypeScript sources through tsx instead, as the quick run and the tests do).
  if (!values.quick && process.env.BENCH_WORKER_SHIPPED === undefined && only.some((name) => name === 'memory' || name === 'two-workers')) {
    process.env.BENCH_WORKER_SHIPPED = '1';
    log('building the shipped worker (npm run build)');
    execSync('npm run build', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  // --servers: the servers file of a running test stack (npm test runs the quick bench on its own servers).
  const servers = values.servers ? (JSON.parse(readFileSync(values.servers, 'utf8')) as TestServers) : undefined;
  if (!servers) log('starting Temporal dev server, PostgreSQL and Redis');
  // --temporal-file: Temporal on a SQLite file, as `npm start` runs it (its pragmas, or --sqlite-pragmas; '' for SQLite's own).
  const pragmas = values['sqlite-pragmas'];
  const temporalFile = values['temporal-file'] ? { ...(pragmas !== undefined ? { sqlitePragmas: pragmas.split(',').filter(Boolean) } : {}) } : undefined;
  const stack = servers ? undefined : await startStack({ dataDir, ...(temporalFile ? { temporalFile } : {}) });
  const env = await createIntegrationEnv(servers ?? stack!.servers);
  const stop = async () => {
    await env.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Ctrl-C must not leave a Temporal server, PostgreSQL or workers behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  const figures: Figure[] = [];
  try {
    for (const name of only) {
      log(`measuring ${name}`);
      figures.push(...(await MEASUREMENTS[name]!({ env, sizes, log })));
    }
  } finally {
    await stop();
  }

  const table = printTable(figures);
  console.log(table);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        takenAt: new Date().toISOString(),
        mode: values.quick ? 'quick' : 'full',
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
        node: process.version,
        commit: gitCommit(root),
        sizes,
        figures,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${path.relative(root, out)}`);
}

function gitCommit(root: string): string | null {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
