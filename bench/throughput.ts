// Figures 1, 3 and 8: records/s through Temporal against the raw pipeline and the BullMQ peer, and history events per
// 1,000 records. Repetitions interleave the three, so a noisy moment of the machine hits each of them alike.
import { once } from 'node:events';
import { runBullmqSync, startBullmqWorker } from './bullmq-peer';
import { historyEvents, newRef, pipelineEnvOf, seedShop, syncThroughTemporal, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { CpuMeter, pidListeningOn } from './cpu';
import { figure, timed, type Figure } from './figures';
import { runRawInProcess } from './raw-pipeline';

export async function measureThroughput(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const shop = await startFakeShopifyProcess({ generatedOrders: sizes.records });
  const worker = await env.startWorker();
  const bullEnv = { ...pipelineEnvOf(env), BULLMQ_QUEUE: `bench-${env.taskQueue}` };
  const bull = startBullmqWorker(bullEnv);
  const bullExited = once(bull, 'exit').then(([code]) => Promise.reject(new Error(`the BullMQ worker exited with ${String(code)}`)));
  bullExited.catch(() => undefined);
  const raw: number[] = [];
  const temporal: number[] = [];
  const bullmq: number[] = [];
  const history: number[] = [];
  // CPU µs per record of each process, around each engine's sync (the servers' share measured during Temporal's).
  const cpu: Record<string, number[]> = { worker: [], raw: [], bullmq: [], postgres: [], redis: [], temporalServer: [], provider: [] };
  const perRecordUs = (ms: number) => (ms * 1000) / sizes.records;
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
    if (created !== sizes.records) throw new Error(`${what} stored ${created} of ${sizes.records} records`);
  };
  try {
    const engines = {
      raw: async () => {
        const r = await runRawInProcess(bullEnv, newRef(await seedShop(env, shop.baseUrl)), 'Order');
        expect('raw pipeline', r.counters.created);
        raw.push(sizes.records / (r.ms / 1000));
        cpu.raw!.push(perRecordUs(r.cpuMs));
      },
      temporal: async () => {
        const integrationId = await seedShop(env, shop.baseUrl);
        temporalMeter.start();
        const t = await timed(() => syncThroughTemporal(env.client, env.taskQueue, integrationId));
        for (const [name, ms] of Object.entries(temporalMeter.delta())) cpu[name]!.push(perRecordUs(ms));
        expect('Temporal', t.result.state.created);
        temporal.push(sizes.records / (t.ms / 1000));
        history.push(((await historyEvents(env.client, t.result.workflowId, t.result.firstRunId)) / sizes.records) * 1000);
      },
      bullmq: async () => {
        const bullRef = newRef(await seedShop(env, shop.baseUrl));
        bullMeter.start();
        const b = await timed(() => Promise.race([runBullmqSync(bullEnv, bullRef, 'Order'), bullExited]));
        cpu.bullmq!.push(perRecordUs(bullMeter.delta().bullmq ?? 0));
        expect('BullMQ', b.result.created);
        bullmq.push(sizes.records / (b.ms / 1000));
      },
    };
    const order = ['raw', 'temporal', 'bullmq'] as const;
    for (let rep = 0; rep < sizes.reps; rep++) {
      // Each repetition starts with another engine, so none always runs on the coldest (or warmest) database.
      for (let i = 0; i < order.length; i++) {
        const engine = order[(rep + i) % order.length]!;
        ctx.log(`throughput rep ${rep + 1}: ${engine}`);
        await engines[engine]();
      }
      ctx.log(`throughput rep ${rep + 1}: raw ${raw.at(-1)!.toFixed(0)}/s, temporal ${temporal.at(-1)!.toFixed(0)}/s, bullmq ${bullmq.at(-1)!.toFixed(0)}/s`);
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
  // A process the bench could not find (no /proc, or a server on another host) has no samples and no figure.
  const cpuFigure = (name: string, samples: number[], goal?: number) =>
    samples.length ? [figure(name, 'µs CPU/record', samples, goal === undefined ? undefined : { text: `≤ ${goal} µs`, met: (m) => m <= goal })] : [];
  return [
    // Led by what a record costs in CPU, process by process: unlike records/s it does not move with the machine's other load.
    ...cpuFigure('Temporal worker CPU per record', cpu.worker!, 60),
    ...cpuFigure('raw pipeline process CPU per record (start-up included)', cpu.raw!),
    ...cpuFigure('BullMQ worker CPU per record', cpu.bullmq!),
    ...cpuFigure('PostgreSQL CPU per record (Temporal sync)', cpu.postgres!, 30),
    ...cpuFigure('Redis CPU per record (Temporal sync)', cpu.redis!),
    ...cpuFigure('Temporal server CPU per record', cpu.temporalServer!),
    ...cpuFigure('fake provider CPU per record (Temporal sync)', cpu.provider!),
    figure('raw pipeline (no Temporal)', 'records/s', raw),
    figure('Temporal, 1 worker', 'records/s', temporal, { text: '≥ 15,000 records/s', met: (m) => m >= 15_000 }),
    figure('Temporal / raw', '×', ratios, { text: '≥ 0.85', met: (m) => m >= 0.85 }),
    figure('BullMQ peer, 1 worker', 'records/s', bullmq),
    figure('history events per 1,000 records', 'events', history, { text: '≤ 3', met: (m) => m <= 3 }),
  ];
}
