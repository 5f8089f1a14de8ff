// Figure 9: a Shopify backfill through a bulk export against the same orders paged through GraphQL queries. Paging is
// bound by the plan's query cost bucket, so its wall time at a plan's limits is its points over the plan's restore
// rate (the fake counts points as Shopify does); it is measured on a smaller window, at the largest plan's pace, and
// scaled by points per order. The bulk export runs the whole size through the pipeline.
import { advanceWatermark } from '../store/checkpoints';
import { seedShop, syncThroughTemporal, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { figure, timed, type Figure } from './figures';

/** GraphQL Admin API restore rates (points per second) by plan. */
const PLANS = { Standard: 100, Plus: 1_000 };

export async function measureBackfill(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const { bulkOrders, pagedOrders } = sizes.backfill;
  const worker = await env.startWorker();
  const bulkSeconds: number[] = [];
  const pointsPerOrder: number[] = [];
  const pagedSeconds: number[] = [];
  try {
    for (let rep = 1; rep <= sizes.reps; rep++) {
      const shop = await startFakeShopifyProcess({ generatedOrders: bulkOrders });
      try {
        // The Standard plan's pace: a bulk export spends a few points, whatever the size.
        const bulk = await seedShop(env, shop.baseUrl, { rateLimitPerSecond: PLANS.Standard, rateLimitBurst: 2_000 });
        const { ms } = await timed(() => syncThroughTemporal(env.client, env.taskQueue, bulk, { mode: 'full_refresh' }));
        bulkSeconds.push(ms / 1000);
        const afterBulk = await shop.stats();
        ctx.log(`backfill rep ${rep}: bulk export of ${bulkOrders} orders in ${(ms / 1000).toFixed(1)} s, ${afterBulk.pointsSpent} points`);

        // The same orders paged: an incremental window of `pagedOrders` below the bulk threshold, at the largest pace.
        const paged = await seedShop(env, shop.baseUrl, { rateLimitPerSecond: 2_000, rateLimitBurst: 40_000 });
        await advanceWatermark(env.db, paged, 'Order', new Date(Date.parse('2026-01-01T00:00:00Z') + (bulkOrders - pagedOrders) * 1000).toISOString());
        const run = await timed(() => syncThroughTemporal(env.client, env.taskQueue, paged, { mode: 'incremental' }));
        const points = (await shop.stats()).pointsSpent - afterBulk.pointsSpent;
        pointsPerOrder.push(points / run.result.state.recordsFetched);
        pagedSeconds.push(run.ms / 1000);
        ctx.log(`backfill rep ${rep}: ${run.result.state.recordsFetched} orders paged in ${(run.ms / 1000).toFixed(1)} s, ${points} points`);
      } finally {
        await shop.stop();
      }
    }
  } finally {
    await worker.stop();
  }
  const pagedAt = (rate: number, orders: number) => pointsPerOrder.map((p) => (p * orders) / rate);
  return [
    figure(`backfill of ${bulkOrders.toLocaleString('en')} orders: bulk export`, 's', bulkSeconds),
    figure(`backfill: paged GraphQL, query cost per order (${pagedOrders.toLocaleString('en')} paged)`, 'points', pointsPerOrder),
    figure(`backfill: paged GraphQL pipeline time per 1,000 orders (largest plan's pace)`, 's', pagedSeconds.map((s) => (s / pagedOrders) * 1000)),
    figure(`backfill of ${bulkOrders.toLocaleString('en')} orders paged, Standard plan (${PLANS.Standard} points/s)`, 's', pagedAt(PLANS.Standard, bulkOrders)),
    figure(`backfill of ${bulkOrders.toLocaleString('en')} orders paged, Plus plan (${PLANS.Plus} points/s)`, 's', pagedAt(PLANS.Plus, bulkOrders)),
    figure(`backfill of 1,000,000 orders paged, Standard plan`, 'h', pagedAt(PLANS.Standard, 1_000_000).map((s) => s / 3600)),
    figure(`backfill of 1,000,000 orders: bulk export (scaled from ${bulkOrders.toLocaleString('en')})`, 'min', bulkSeconds.map((s) => (s * (1_000_000 / bulkOrders)) / 60)),
  ];
}
