// WORKER_MAX_CONCURRENT_ACTIVITIES bounds what one worker process runs at once: with one slot, two syncs take
// turns chunk by chunk, so their providers are never called at the same time.
import { integrationSync } from '../../workflows';
import { FakeShopify } from '../support/fake-shopify';
import { manualSync } from '../support/manual-sync';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { createShopIntegration } from '../support/seed';

const TOKEN = 'shpat_limits';
const TENANT = 'tenant-limits';

describe('worker concurrency limits', () => {
  let env: IntegrationEnv;
  const shops: FakeShopify[] = [];

  beforeAll(async () => {
    env = await createIntegrationEnv();
  });

  afterAll(async () => {
    await Promise.all(shops.map((s) => s.stop()));
    await env?.close();
  });

  /** Two syncs of two shops started together; how long the two shops were being called at the same time. */
  async function overlapOfTwoSyncs(workerEnv: Record<string, string>): Promise<number> {
    const worker = await env.startWorker(workerEnv);
    const pair = await Promise.all([0, 1].map(() => new FakeShopify({ accessToken: TOKEN, pageDelayMs: 100 }).start()));
    shops.push(...pair);
    const handles = await Promise.all(
      pair.map(async (shop) => {
        shop.addOrders(200);
        const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
        return env.client.workflow.start(integrationSync, manualSync(env.taskQueue, integrationId, TENANT, { tuning: { pageSize: 50, chunkMaxRecords: 100 } }));
      }),
    );
    for (const handle of handles) expect(await handle.result()).toMatchObject({ status: 'completed', created: 200 });
    await worker.stop();
    let overlapMs = 0;
    for (const a of pair[0]!.answered) for (const b of pair[1]!.answered) overlapMs += Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
    return overlapMs;
  }

  it('runs two syncs side by side by default, and one activity at a time with WORKER_MAX_CONCURRENT_ACTIVITIES=1', async () => {
    expect(await overlapOfTwoSyncs({})).toBeGreaterThan(0);
    expect(await overlapOfTwoSyncs({ WORKER_MAX_CONCURRENT_ACTIVITIES: '1', WORKER_MAX_CACHED_WORKFLOWS: '10', DATABASE_POOL_SIZE: '2' })).toBe(0);
  });
});
