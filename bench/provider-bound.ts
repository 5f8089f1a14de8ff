// Figure 6: a paged sync against the fake Shopify enforcing a plan's query cost bucket, with the plan's pace
// (Standard: 2,000 points restoring 100/s). The floor is the bucket's own: each query can start only once the bucket
// has restored what the queries before it spent plus what it asks for, beyond the bucket's size (the fake computes it).
import { advanceWatermark } from '../store/checkpoints';
import { seedShop, syncThroughTemporal, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { figure, timed, type Figure } from './figures';

export async function measureProviderBound(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const { orders, maximumAvailable, restoreRate } = sizes.providerBound;
  const worker = await env.startWorker();
  const ratios: number[] = [];
  const throttled: number[] = [];
  try {
    for (let rep = 1; rep <= sizes.reps; rep++) {
      // A fresh shop each time: its bucket starts full, as the floor assumes.
      const shop = await startFakeShopifyProcess({ generatedOrders: orders, throttle: { maximumAvailable, restoreRate } });
      try {
        const id = await seedShop(env, shop.baseUrl, { rateLimitPerSecond: restoreRate, rateLimitBurst: maximumAvailable });
        // An incremental window (fewer orders than a bulk export is worth): the sync pages, query after query.
        await advanceWatermark(env.db, id, 'Order', '2025-12-31T00:00:00.000Z');
        const { ms } = await timed(() => syncThroughTemporal(env.client, env.taskQueue, id, { mode: 'incremental' }));
        const stats = await shop.stats();
        const floorSeconds = stats.floorMs / 1000;
        ratios.push(ms / 1000 / floorSeconds);
        throttled.push(stats.rateLimited);
        ctx.log(`provider-bound rep ${rep}: ${(ms / 1000).toFixed(1)} s against a floor of ${floorSeconds.toFixed(1)} s (${stats.pointsSpent} points), ${stats.rateLimited} answered THROTTLED`);
      } finally {
        await shop.stop();
      }
    }
  } finally {
    await worker.stop();
  }
  return [
    figure(`provider-bound sync time / bucket floor (${orders} orders, ${maximumAvailable} points restoring ${restoreRate}/s)`, '×', ratios, { text: '≤ 1.05', met: (m) => m <= 1.05 }),
    figure('provider-bound: queries answered THROTTLED', 'queries', throttled),
  ];
}
