// Figures 1, 3 and 8: records/s through Temporal against the raw pipeline and the BullMQ peer, and history events per
// 1,000 records. Repetitions interleave the three, so a noisy moment of the machine hits each of them alike.
import { once } from 'node:events';
import { runBullmqSync, startBullmqWorker } from './bullmq-peer';
import { historyEvents, newRef, pipelineEnvOf, seedShop, syncThroughTemporal, type BenchContext } from './context';
import { prepareBulkResult, startFakeShopifyProcess } from './fake-shopify-process';
import { CpuMeter, cpuMsByThread, pidListeningOn } from './cpu';
import { figure, timed, type Figure } from './figures';
import { runRawInProcess } from './raw-pipeline';
import type { Db } from '../store/db';

export async function measureThroughput(ctx: BenchContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  // The Temporal path's fixed cost per sync weighs less the larger the sync: the ratio must hold at each size.
  for (const records of ctx.sizes.throughputRecords) figures.push(...(await throughputAt(ctx, records)));
  return figures;
}

async function throughputAt(ctx: BenchContext, records: number): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const shop = await startFakeShopifyProcess({ generatedOrders: records });
  await prepareBulkResult(shop.baseUrl);
  const worker = await env.startWorker();
  const bullEnv = { ...pipelineEnvOf(env), BULLMQ_QUEUE: `bench-${env.taskQueue}` };
  const bull = startBullmqWorker(bullEnv);
  const bullExited = once(bull, 'exit').then(([code]) => Promise.reject(new Error(`the BullMQ worker exited with ${String(code)}`)));
  bullExited.catch(() => undefined);
  const raw: number[] = [];
  const temporal: number[] = [];
  const onePart: number[] = [];
  const bullmq: number[] = [];
  const history: number[] = [];
  // CPU µs per record of each process, around each engine's sync (the servers' share measured during Temporal's).
  const cpu: Record<string, number[]> = { worker: [], raw: [], bullmq: [], postgres: [], redis: [], temporalServer: [], provider: [] };
  const perRecordUs = (ms: number) => (ms * 1000) / records;
  const portOf = (url: string) => Number(new URL(url.includes('://') ? url : `tcp://${url}`).port);
  const servers = {
    worker: { pid: worker.child.pid },
    postgres: { pid: pidListeningOn(portOf(env.servers.postgresAdminUrl)), tree: true },
    redis: { pid: pidListeningOn(portOf(env.servers.redisUrl)) },
    temporalServer: { pid: pidListeningOn(portOf(env.servers.temporalAddress)), tree: true },
    provider: { pid: shop.pid },
  };
  const temporalMeter = new CpuMeter(servers);
  const bullMeter = new CpuMeter({ bullmq: { pid: bull.pid } });
  const expect = (what: string, created: number) => {
    if (created !== records) throw new Error(`${what} stored ${created} of ${records} records`);
  };
  try {
    const engines = {
      raw: async () => {
        const r = await runRawInProcess(bullEnv, newRef(await seedShop(env, shop.baseUrl)), 'Order');
        expect('raw pipeline', r.counters.created);
        raw.push(records / (r.ms / 1000));
        cpu.raw!.push(perRecordUs(r.cpuMs));
      },
      temporal: async () => {
        const integrationId = await seedShop(env, shop.baseUrl);
        const maintenanceBefore = await shardsMaintenance(env.db);
        temporalMeter.start();
        const threads = cpuMsByThread(worker.child.pid!);
        const t = await timed(() => syncThroughTemporal(env.client, env.taskQueue, integrationId));
        const spent = temporalMeter.delta();
        ctx.log(`throughput ${records}: the worker's threads, µs CPU/record: ${threadShares(worker.child.pid!, threads, records)}`);
        for (const [name, ms] of Object.entries(spent)) cpu[name]!.push(perRecordUs(ms));
        // PostgreSQL's share includes its own upkeep of the shards table the repetitions keep growing: said beside it.
        const maintenance = await shardsMaintenance(env.db);
        ctx.log(`throughput ${records}: PostgreSQL ${perRecordUs(spent.postgres ?? 0).toFixed(0)} µs/record during the Temporal sync, which ran beside ${maintenance.vacuums - maintenanceBefore.vacuums} autovacuum(s) and ${maintenance.analyzes - maintenanceBefore.analyzes} autoanalyze(s) of shards (${maintenance.rows} rows)`);
        expect('Temporal', t.result.state.created);
        temporal.push(records / (t.ms / 1000));
        history.push(((await historyEvents(env.client, t.result.workflowId, t.result.firstRunId)) / records) * 1000);
      },
      // A bulk export read as one chain of chunks, as the raw pipeline and the peer read it: the Temporal path's own
      // cost, like for like (the default reads a large export as parts at once).
      onePart: async () => {
        const integrationId = await seedShop(env, shop.baseUrl);
        const t = await timed(() => syncThroughTemporal(env.client, env.taskQueue, integrationId, { tuning: { bulkParts: 1 } }));
        expect('Temporal, one part', t.result.state.created);
        onePart.push(records / (t.ms / 1000));
      },
      bullmq: async () => {
        const bullRef = newRef(await seedShop(env, shop.baseUrl));
        bullMeter.start();
        const threads = cpuMsByThread(bull.pid!);
        const b = await timed(() => Promise.race([runBullmqSync(bullEnv, bullRef, 'Order'), bullExited]));
        cpu.bullmq!.push(perRecordUs(bullMeter.delta().bullmq ?? 0));
        ctx.log(`throughput ${records}: the BullMQ worker's threads, µs CPU/record: ${threadShares(bull.pid!, threads, records)}`);
        expect('BullMQ', b.result.created);
        bullmq.push(records / (b.ms / 1000));
      },
    };
    const order = ['raw', 'temporal', 'bullmq', 'onePart'] as const;
    for (let rep = 0; rep < sizes.reps; rep++) {
      // Each repetition starts with another engine, so none always runs on the coldest (or warmest) database.
      for (let i = 0; i < order.length; i++) {
        const engine = order[(rep + i) % order.length]!;
        ctx.log(`throughput ${records} rep ${rep + 1}: ${engine}`);
        await engines[engine]();
      }
      ctx.log(`throughput ${records} rep ${rep + 1}: raw ${raw.at(-1)!.toFixed(0)}/s, temporal ${temporal.at(-1)!.toFixed(0)}/s (one part ${onePart.at(-1)!.toFixed(0)}/s), bullmq ${bullmq.at(-1)!.toFixed(0)}/s`);
    }
  } finally {
    if (bull.exitCode === null) {
      bull.kill('SIGTERM');
      await bullExited.catch(() => undefined);
    }
    await worker.stop();
    await shop.stop();
  }
  const ratios = temporal.map((t, i) => t / raw[i]!);
  const onePartRatios = onePart.map((t, i) => t / raw[i]!);
  const overBullmq = temporal.map((t, i) => t / bullmq[i]!);
  const at = ` (${records.toLocaleString('en-US')} records)`;
  // A process the bench could not find (no /proc, or a server on another host) has no samples and no figure.
  const cpuFigure = (name: string, samples: number[], goal?: { text: string; at: number }) =>
    samples.length ? [figure(`${name}${at}`, 'µs CPU/record', samples, goal && { text: goal.text, met: (m) => m <= goal.at })] : [];
  return [
    // Led by what a record costs in CPU, process by process: unlike records/s it does not move with the machine's other load.
    ...cpuFigure('Temporal worker CPU per record', cpu.worker!, { text: '≤ 60 µs (first bar ≤ 120)', at: 60 }),
    ...cpuFigure('raw pipeline process CPU per record, start-up included', cpu.raw!),
    ...cpuFigure('BullMQ worker CPU per record', cpu.bullmq!),
    ...cpuFigure('PostgreSQL CPU per record, Temporal sync', cpu.postgres!, { text: '≤ 30 µs', at: 30 }),
    ...cpuFigure('Redis CPU per record, Temporal sync', cpu.redis!),
    ...cpuFigure('Temporal server CPU per record', cpu.temporalServer!),
    ...cpuFigure('fake provider CPU per record, Temporal sync', cpu.provider!),
    figure(`raw pipeline (no Temporal)${at}`, 'records/s', raw),
    figure(`Temporal, 1 worker${at}`, 'records/s', temporal),
    figure(`BullMQ peer, 1 worker${at}`, 'records/s', bullmq),
    figure(`Temporal, 1 worker, export read as one part${at}`, 'records/s', onePart),
    figure(`Temporal / raw${at}`, '×', ratios, { text: '≥ 0.95', met: (m) => m >= 0.95 }),
    figure(`Temporal, one part / raw${at}`, '×', onePartRatios, { text: '≥ 0.95', met: (m) => m >= 0.95 }),
    figure(`Temporal / BullMQ peer${at}`, '×', overBullmq, { text: '≥ 1.0', met: (m) => m >= 1 }),
    figure(`history events per 1,000 records${at}`, 'events', history, { text: '≤ 3', met: (m) => m <= 3 }),
  ];
}

/** µs CPU per record of each thread of `pid` since `before` (cpuMsByThread), the largest first: where a process's share goes. */
function threadShares(pid: number, before: Map<string, number>, records: number): string {
  return [...cpuMsByThread(pid)]
    .map(([name, ms]) => [name, ((ms - (before.get(name) ?? 0)) * 1000) / records] as const)
    .filter(([, us]) => us >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(1)}`)
    .join(', ');
}

/** Autovacuum and autoanalyze runs of the shards table so far, and its rows. */
async function shardsMaintenance(db: Db): Promise<{ vacuums: number; analyzes: number; rows: number }> {
  const { rows } = await db.query<{ vacuums: string; analyzes: string; rows: string }>(
    `SELECT autovacuum_count AS vacuums, autoanalyze_count AS analyzes, n_live_tup AS rows FROM pg_stat_user_tables WHERE relname = 'shards'`,
  );
  return { vacuums: Number(rows[0]?.vacuums ?? 0), analyzes: Number(rows[0]?.analyzes ?? 0), rows: Number(rows[0]?.rows ?? 0) };
}
