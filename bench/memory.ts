// Figure 2: the worker's peak RSS over a small and a ten times larger sync, sampled every 100 ms. Flat means the
// worker holds a page at a time, not the sync.
import { benchWorker, seedShop, syncThroughTemporal, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { figure, sampleRss, type Figure } from './figures';

export async function measureMemory(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const figures: Figure[] = [];
  const shape = benchWorker();
  const worker = await env.startWorker(shape.extraEnv, shape.options);
  try {
    for (const records of sizes.memoryRecords) {
      const shop = await startFakeShopifyProcess({ generatedOrders: records });
      try {
        const sampler = sampleRss(worker.child.pid!);
        const started = Date.now();
        const { state } = await syncThroughTemporal(env.client, env.taskQueue, await seedShop(env, shop.baseUrl));
        const { startMb, peakMb } = sampler.stop();
        if (state.created !== records) throw new Error(`memory run stored ${state.created} of ${records}`);
        const flags = shape.label;
        if (figures.length === 0) figures.push(figure(`worker RSS before the first sync${flags}`, 'MB', [startMb]));
        figures.push(figure(`worker peak RSS, ${records.toLocaleString('en-US')} records${flags}`, 'MB', [peakMb], { text: '≤ 300 MB', met: (m) => m <= 300 }));
        ctx.log(`memory: ${records} records, peak ${peakMb.toFixed(0)} MB, ${Math.round(records / ((Date.now() - started) / 1000))} records/s`);
      } finally {
        await shop.stop();
      }
    }
  } finally {
    await worker.stop();
  }
  return figures;
}
