// Figure 6: a sync against the fake Shopify enforcing its documented leaky bucket (40 requests, leaking 2/s), with the
// connector's default pace. The provider lets the first `bucket` requests through at once and one per 1/leak s after.
import { seedShop, syncThroughTemporal, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { figure, timed, type Figure } from './figures';

export async function measureProviderBound(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const { pages, pageSize, bucket, leakPerSecond } = sizes.providerBound;
  const minimumSeconds = Math.max(0, pages - bucket) / leakPerSecond;
  const worker = await env.startWorker();
  const ratios: number[] = [];
  const throttled: number[] = [];
  try {
    for (let rep = 1; rep <= sizes.reps; rep++) {
      // A fresh shop each time: its bucket starts empty, as the minimum assumes.
      const shop = await startFakeShopifyProcess({ generatedOrders: pages * pageSize, rateLimit: { bucket, leakPerSecond } });
      try {
        // No rateLimitPerSecond: the connector's documented default pace applies.
        const id = await seedShop(env, shop.baseUrl, { rateLimitPerSecond: undefined });
        const { ms } = await timed(() => syncThroughTemporal(env.client, env.taskQueue, id, { tuning: { pageSize } }));
        const stats = await shop.stats();
        ratios.push(ms / 1000 / minimumSeconds);
        throttled.push(stats.rateLimited);
        ctx.log(`provider-bound rep ${rep}: ${(ms / 1000).toFixed(1)} s against a minimum of ${minimumSeconds} s, ${stats.rateLimited} answered 429`);
      } finally {
        await shop.stop();
      }
    }
  } finally {
    await worker.stop();
  }
  return [
    figure(`provider-bound sync time / provider minimum (${pages} pages, min ${minimumSeconds} s)`, '×', ratios, { text: '≤ 1.05', met: (m) => m <= 1.05 }),
    figure('provider-bound: requests answered 429', 'requests', throttled),
  ];
}
