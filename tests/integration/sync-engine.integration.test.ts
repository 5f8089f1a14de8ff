import { randomUUID } from 'node:crypto';
import { getSyncStateQuery, integrationSync } from '../../workflows';
import type { SyncInput, SyncState } from '../../contracts/sync';
import { syncWorkflowId } from '../../contracts/sync';
import type { EventEnvelope } from '../../events/envelope';
import { dedupe, ofType, readStream } from '../support/events';
import { FakeShopify } from '../support/fake-shopify';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { manualSync } from '../support/manual-sync';
import { createShopIntegration, shardCount } from '../support/seed';

const TOKEN = 'shpat_test_token';
const TENANT = 'tenant-sync';

/** A test environment with a worker, and a fake shop holding `orders` orders behind one integration. */
async function shopWithWorker(orders: number): Promise<{ env: IntegrationEnv; shop: FakeShopify; integrationId: string }> {
  const env = await createIntegrationEnv();
  const shop = await new FakeShopify({ accessToken: TOKEN }).start();
  shop.addOrders(orders);
  const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
  await env.startWorker();
  return { env, shop, integrationId };
}

describe('integrationSync against a fake Shopify', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let integrationId: string;

  beforeAll(async () => ({ env, shop, integrationId } = await shopWithWorker(1_000)));
  afterAll(async () => {
    await shop?.stop();
    await env?.close();
  });

  const run = async (overrides: Partial<SyncInput> = {}) => {
    const correlationId = randomUUID();
    const state = await env.client.workflow.execute(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'incremental', correlationId, tuning: { pageSize: 25 }, ...overrides }],
    });
    const events = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId);
    return { state, events, correlationId };
  };

  const storedOrders = () => shardCount(env.db, integrationId);

  it('stores 1,000 orders in 40 pages exactly once and announces each exactly once', async () => {
    const { state, events } = await run();
    expect(state).toMatchObject({ status: 'completed', pagesFetched: 40, recordsFetched: 1_000, created: 1_000, updated: 0, rejected: 0 });
    expect(await storedOrders()).toBe(1_000);
    const seen = dedupe(events);
    expect(seen).toHaveLength(events.length);
    expect(ofType(seen, 'integration.data.mapped')).toHaveLength(1_000);
    expect(ofType(seen, 'integration.sync.order.created')).toHaveLength(1_000);
    const batches = ofType(seen, 'integration.data.raw.batch') as Array<EventEnvelope<'integration.data.raw.batch'>>;
    expect(batches.map((b) => b.data.batchSize)).toEqual(Array(40).fill(25));
    expect(ofType(seen, 'integration.data.raw')).toHaveLength(0);
    expect(ofType(seen, 'integration.sync.started')).toHaveLength(1);
    const [completed] = ofType(seen, 'integration.sync.completed') as Array<EventEnvelope<'integration.sync.completed'>>;
    expect(completed!.data).toMatchObject({ totalOrders: 1_000, createdOrders: 1_000, updatedOrders: 0, rejectedOrders: 0 });
    // A Go time.Duration: integer nanoseconds. A 1,000-order sync takes more than 10 ms and less than two minutes.
    expect(Number.isInteger(completed!.data.duration)).toBe(true);
    expect(completed!.data.duration).toBeGreaterThan(10_000_000);
    expect(completed!.data.duration).toBeLessThan(120 * 1e9);
    const mapped = ofType(seen, 'integration.data.mapped') as Array<EventEnvelope<'integration.data.mapped'>>;
    expect(new Set(mapped.map((m) => m.data.idempotencyKey)).size).toBe(1_000);
    expect(mapped[0]!.data.idempotencyKey).toBe(`${integrationId}-${mapped[0]!.data.externalId}-${state.syncTaskId}`);
    const row = await env.db.query('SELECT last_sync_status, last_sync_counts, last_sync_task_id, next_sync_at, sync_interval_seconds FROM integrations WHERE id = $1', [integrationId]);
    expect(row.rows[0]).toMatchObject({ last_sync_status: 'completed', last_sync_counts: expect.objectContaining({ created: 1_000 }), last_sync_task_id: state.syncTaskId });
    // A manual sync counts as this interval's: the due check does not start another one a minute later.
    expect(row.rows[0].next_sync_at.getTime()).toBeGreaterThanOrEqual(Date.parse(state.startedAt) + row.rows[0].sync_interval_seconds * 1000);
  });

  it('keeps money exact and maps line items from the recorded payloads', async () => {
    const { rows } = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND external_id = '5000000000'`, [integrationId]);
    expect(rows[0].data).toMatchObject({ orderNumber: '#1001', totalPrice: '598.94', currency: 'USD', status: 'partially_refunded' });
    const withItems = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND external_id = '5000000001'`, [integrationId]);
    expect(withItems.rows[0].data.lineItems[0]).toMatchObject({ externalId: '50000000010', title: 'IPod Nano - 8gb', price: '199.00', quantity: 1 });
    // The recorded GraphQL answer's order (GBP; GraphQL writes whole amounts as "0.0").
    const recorded = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND external_id = '5000000002'`, [integrationId]);
    expect(recorded.rows[0].data).toMatchObject({ totalPrice: '49.95', currency: 'GBP', status: 'paid', lineItems: [{ title: 'All School Day Long', quantity: 5, price: '49.95' }] });
  });

  it('finds nothing new in the same data, and exactly the 10 changed orders after a change', async () => {
    const again = await run({ mode: 'full_refresh' });
    expect(again.state).toMatchObject({ status: 'completed', created: 0, updated: 0, unchanged: 1_000 });
    expect(again.events.filter((e) => e.type.startsWith('integration.sync.order.'))).toHaveLength(0);
    expect(ofType(again.events, 'integration.data.mapped')).toHaveLength(0);

    shop.touchOrders(10, new Date('2026-06-01T00:00:00Z'));
    const changed = await run();
    // Incremental from the high-water mark: the search's updated_at:>= is inclusive, so the last order of the
    // previous sync comes again (unchanged) with the 10 changed ones.
    expect(changed.state).toMatchObject({ status: 'completed', updated: 10, created: 0, unchanged: 1, recordsFetched: 11 });
    expect(ofType(dedupe(changed.events), 'integration.sync.order.updated')).toHaveLength(10);
    expect(await storedOrders()).toBe(1_000);
  });

  it('rejects invalid orders one by one and still completes the sync', async () => {
    const bad = shop.addOrders(5, new Date('2026-07-01T00:00:00Z'));
    bad[0]!.totalPriceSet = { shopMoney: { amount: 'twelve', currencyCode: 'USD' } };
    bad[1]!.displayFinancialStatus = null;
    bad[2]!.createdAt = 'not a date';
    shop.addOrders(20, new Date('2026-07-02T00:00:00Z'));
    const { state, events } = await run({ tuning: { pageSize: 10 } });
    expect(state).toMatchObject({ status: 'completed', created: 22, rejected: 3 });
    const seen = dedupe(events);
    const rejected = ofType(seen, 'integration.sync.order.rejected') as Array<EventEnvelope<'integration.sync.order.rejected'>>;
    expect(rejected.map((r) => r.data.externalId).sort()).toEqual(bad.slice(0, 3).map((o) => o.legacyResourceId).sort());
    expect(rejected[0]!.data.reason).toMatch(/totalPrice|status|createdAt/);
    const failed = ofType(seen, 'integration.data.mapping.failed') as Array<EventEnvelope<'integration.data.mapping.failed'>>;
    expect(failed).toHaveLength(3);
    expect(failed[0]!.data.retryAttempt).toBe(0);
    // Pages of at most BATCH_THRESHOLD records announce each raw record on its own.
    expect(ofType(seen, 'integration.data.raw')).toHaveLength(state.recordsFetched);
    expect(ofType(seen, 'integration.data.raw.batch')).toHaveLength(0);
    const letters = await env.db.query('SELECT external_id, error, raw FROM dead_letters WHERE integration_id = $1', [integrationId]);
    expect(letters.rows).toHaveLength(3);
    expect(letters.rows.find((l) => l.external_id === bad[0]!.legacyResourceId)).toMatchObject({
      error: expect.stringContaining('totalPrice'),
      raw: expect.objectContaining({ totalPriceSet: { shopMoney: { amount: 'twelve', currencyCode: 'USD' } } }),
    });
  });

  it('fails with a typed, non-retryable error when the provider refuses the token', async () => {
    const other = await createShopIntegration(env, shop.baseUrl, TENANT, 'shpat_revoked_0001');
    const correlationId = randomUUID();
    const failure = await env.client.workflow
      .execute(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(other), args: [{ integrationId: other, tenantId: TENANT, trigger: 'manual', correlationId }] })
      .catch((err: unknown) => err);
    expect(String((failure as { cause?: { cause?: { type?: string } } }).cause?.cause?.type)).toBe('AuthExpired');
    const events = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId);
    const [failed] = ofType(events, 'integration.sync.failed') as Array<EventEnvelope<'integration.sync.failed'>>;
    expect(failed!.data.error).toContain('401');
    expect(failed!.data.error).not.toContain('shpat_revoked_0001');
  });

  it('answers getSyncState while running, with counters that rise', async () => {
    shop.options.pageDelayMs = 100;
    try {
      const handle = await env.client.workflow.start(integrationSync, {
        taskQueue: env.taskQueue,
        workflowId: syncWorkflowId(integrationId),
        args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), tuning: { pageSize: 25, chunkMaxRecords: 100 } }],
      });
      const seen: SyncState[] = [];
      for (;;) {
        const state = await handle.query(getSyncStateQuery);
        if (state.status !== 'running') break;
        seen.push(state);
        await new Promise((r) => setTimeout(r, 150));
      }
      const final = await handle.result();
      const fetched = seen.map((s) => s.recordsFetched);
      expect(fetched).toEqual([...fetched].sort((a, b) => a - b));
      expect(new Set(fetched.filter((f) => f > 0 && f < final.recordsFetched)).size).toBeGreaterThanOrEqual(2);
      expect(seen.every((s) => s.syncTaskId === final.syncTaskId)).toBe(true);
      expect(final.status).toBe('completed');
    } finally {
      shop.options.pageDelayMs = 0;
    }
  });
});

describe('integrationSync: long syncs, provider limits and visibility', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let integrationId: string;

  beforeAll(async () => ({ env, shop, integrationId } = await shopWithWorker(600)));
  afterAll(async () => {
    await shop?.stop();
    await env?.close();
  });

  it('continues as new between chunks and keeps one unbroken state and sync task', async () => {
    const workflowId = syncWorkflowId(integrationId);
    const correlationId = randomUUID();
    const state = await env.client.workflow.execute(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId,
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId, tuning: { pageSize: 25, chunkMaxRecords: 100, chunksPerRun: 2 } }],
    });
    expect(state).toMatchObject({ status: 'completed', recordsFetched: 600, created: 600, pagesFetched: 24 });
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const events = dedupe(await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId);
    const mapped = ofType(events, 'integration.data.mapped') as Array<EventEnvelope<'integration.data.mapped'>>;
    expect(new Set(mapped.map((m) => m.data.syncTaskId))).toEqual(new Set([state.syncTaskId]));
    expect(ofType(events, 'integration.sync.started')).toHaveLength(1);
    expect(ofType(events, 'integration.sync.completed')).toHaveLength(1);
  });

  it('paces by the bucket the shop reports, waits out a THROTTLED answer and 5xx answers, and completes', async () => {
    // A bucket far smaller than the integration's configured pace (a full refresh runs as a bulk export: a 10-point
    // mutation, then a 1-point lookup per page): after the first answer's throttleStatus the sync keeps within it.
    shop.options.throttle = { maximumAvailable: 12, restoreRate: 4 };
    const throttledBefore = shop.rateLimited;
    shop.failNext(2, 503);
    shop.failNext(1, 'THROTTLED');
    try {
      const state = await env.client.workflow.execute(integrationSync, {
        taskQueue: env.taskQueue,
        workflowId: syncWorkflowId(integrationId),
        args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), tuning: { pageSize: 25 } }],
      });
      expect(state).toMatchObject({ status: 'completed', recordsFetched: 600, unchanged: 600 });
      // Only the THROTTLED answer served on purpose: the pace never asked for more than the bucket held.
      expect(shop.rateLimited - throttledBefore).toBe(1);
    } finally {
      delete shop.options.throttle;
    }
  });

  it('is findable by its search attributes', async () => {
    const query = `IntegrationId = "${integrationId}" AND TenantId = "${TENANT}" AND Provider = "shopify" AND SyncStatus = "completed"`;
    let found = 0;
    for (let attempt = 0; attempt < 50 && found === 0; attempt++) {
      for await (const _run of env.client.workflow.list({ query })) found += 1;
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toBeGreaterThan(0);
  });

  it('stores a record with NUL characters in its strings (PostgreSQL refuses them) and keeps the sync going', async () => {
    const nulShop = await new FakeShopify({ accessToken: TOKEN }).start();
    try {
      const [clean, nested, broken] = nulShop.addOrders(3);
      expect(clean).toBeDefined();
      // A recorded order with a NUL in a nested string (a line item title, its note) stores with U+FFFD in its place,
      // as does half a surrogate pair (valid JSON, refused by jsonb).
      nested!.lineItems = [{ ...nested!.lineItems[0]!, title: 'IPod\u0000 Nano \ud83c' }];
      nested!.note = 'gift\u0000wrap';
      // One whose total is unreadable because of a NUL is dead-lettered; its raw copy and the error quote it.
      broken!.totalPriceSet = { shopMoney: { amount: '12\u0000.00', currencyCode: 'USD' } };
      const id = await createShopIntegration(env, nulShop.baseUrl, TENANT, TOKEN);
      const state = await env.client.workflow.execute(integrationSync, manualSync(env.taskQueue, id, TENANT));
      expect(state).toMatchObject({ status: 'completed', created: 2, rejected: 1 });
      const stored = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND external_id = $2`, [id, nested!.legacyResourceId]);
      expect(stored.rows[0].data.lineItems[0].title).toBe('IPod\uFFFD Nano \uFFFD');
      const dead = await env.db.query(`SELECT raw, error FROM dead_letters WHERE integration_id = $1`, [id]);
      expect(dead.rows).toHaveLength(1);
      expect(dead.rows[0].raw.totalPriceSet.shopMoney.amount).toBe('12\uFFFD.00');
      expect(dead.rows[0].error).toContain('totalPrice');
    } finally {
      await nulShop.stop();
    }
  });

  it('finds orders deleted without a webhook by a full listing: on full refresh and every reconcileEveryHours, never without read_all_orders', async () => {
    const reconcileShop = await new FakeShopify({ accessToken: TOKEN }).start();
    const partialShop = await new FakeShopify({ accessToken: TOKEN, scopes: ['read_orders'] }).start();
    const events = async (correlationId: string, type: string) =>
      (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId && e.type === type) as Array<EventEnvelope<'integration.sync.order.deleted'>>;
    const sync = async (id: string, input: Partial<SyncInput>) => {
      const options = manualSync(env.taskQueue, id, TENANT, input);
      return { state: await env.client.workflow.execute(integrationSync, options), correlationId: options.args[0].correlationId };
    };
    try {
      const orders = reconcileShop.addOrders(30).map((o) => o.legacyResourceId);
      const id = await createShopIntegration(env, reconcileShop.baseUrl, TENANT, TOKEN);
      expect((await sync(id, { mode: 'incremental' })).state).toMatchObject({ status: 'completed', created: 30, deleted: 0 });
      for (const gone of orders.slice(0, 3)) reconcileShop.orders.delete(Number(gone));
      // Not due: the clock started at the first sync (everything it stored, it saw).
      expect((await sync(id, { mode: 'incremental' })).state).toMatchObject({ status: 'completed', deleted: 0 });

      const full = await sync(id, { mode: 'full_refresh' });
      expect(full.state).toMatchObject({ status: 'completed', recordsFetched: 27, unchanged: 27, deleted: 3 });
      expect((await events(full.correlationId, 'integration.sync.order.deleted')).map((e) => e.data.externalId).sort()).toEqual(orders.slice(0, 3).sort());
      expect((await env.db.query(`SELECT count(*)::int AS n FROM reconciliation_seen`)).rows[0].n).toBe(0);

      // A day after the last one, an incremental sync lists everything once more.
      reconcileShop.orders.delete(Number(orders[3]));
      await env.db.query(`UPDATE sync_checkpoints SET reconciled_at = now() - interval '25 hours' WHERE integration_id = $1`, [id]);
      const due = await sync(id, { mode: 'incremental' });
      expect(due.state).toMatchObject({ status: 'completed', recordsFetched: 26, deleted: 1 });
      expect((await events(due.correlationId, 'integration.data.deleted')).map((e) => (e.data as unknown as { externalId: string }).externalId)).toEqual([orders[3]]);
      expect((await sync(id, { mode: 'incremental' })).state).toMatchObject({ status: 'completed', deleted: 0 });

      // Orders older than 60 days are invisible without read_all_orders: not seeing them does not mean they are gone.
      partialShop.addOrders(5, new Date(Date.now() - 3_600_000));
      const partial = await createShopIntegration(env, partialShop.baseUrl, TENANT, TOKEN);
      await env.db.query(`INSERT INTO shards (tenant_id, integration_id, entity_type, external_id, data, content_hash, sync_task_id, last_change) VALUES ($1, $2, 'Order', '1', '{}', 'x', 'old', 'created')`, [TENANT, partial]);
      expect((await sync(partial, { mode: 'full_refresh' })).state).toMatchObject({ status: 'completed', deleted: 0 });
      expect((await env.db.query(`SELECT deleted_at FROM shards WHERE integration_id = $1 AND external_id = '1'`, [partial])).rows[0].deleted_at).toBeNull();
    } finally {
      await reconcileShop.stop();
      await partialShop.stop();
    }
  });
});
