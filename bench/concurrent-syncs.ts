// Figure 7: many integrations syncing at once, with one and with two worker processes on the same task queue.
import { benchWorker, seedShop, syncThroughTemporal, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { figure, timed, type Figure } from './figures';

export async function measureConcurrentSyncs(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const { integrations, recordsEach } = sizes.concurrent;
  const shop = await startFakeShopifyProcess({ generatedOrders: recordsEach });
  const figures: Figure[] = [];
  const shape = benchWorker();
  try {
    for (const workerCount of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: workerCount }, () => env.startWorker(shape.extraEnv, shape.options)));
      const rates: number[] = [];
      try {
        for (let rep = 1; rep <= sizes.reps; rep++) {
          const ids = await Promise.all(Array.from({ length: integrations }, () => seedShop(env, shop.baseUrl)));
          const { ms } = await timed(() => Promise.all(ids.map((id) => syncThroughTemporal(env.client, env.taskQueue, id))));
          rates.push((integrations * recordsEach) / (ms / 1000));
          ctx.log(`${integrations} syncs at once, ${workerCount} worker(s), rep ${rep}: ${(ms / 1000).toFixed(1)} s`);
        }
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      figures.push(figure(`${integrations} syncs at once, ${workerCount} worker process${workerCount > 1 ? 'es' : ''}${shape.label}`, 'records/s', rates));
    }
  } finally {
    await shop.stop();
  }
  return figures;
}
