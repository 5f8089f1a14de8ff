import { randomUUID } from 'node:crypto';
import type { SyncInput, SyncState } from '../../contracts/sync';
import { syncWorkflowId } from '../../contracts/sync';
import type { EventEnvelope } from '../../events/envelope';
import { integrationSync, requestSyncSignal } from '../../workflows';
import { ofType, readStream } from '../support/events';
import { FakeHubSpot, FakeSalesforce, FakeWooCommerce } from '../support/fake-crm';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { createIntegration, shardCount } from '../support/seed';
import { recordDeletionNotice } from '../../store/deletion-notices';

const TENANT = 'tenant-crm';

describe('WooCommerce, HubSpot and Salesforce connectors against fake providers', () => {
  let env: IntegrationEnv;
  const servers: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    env = await createIntegrationEnv();
    await env.startWorker({ RUN_CONSUMER: 'false' });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await env?.close();
  });

  const sync = async (integrationId: string, overrides: Partial<SyncInput> = {}): Promise<{ state?: SyncState; error?: unknown; events: EventEnvelope[] }> => {
    const correlationId = randomUUID();
    const run = env.client.workflow.execute(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', mode: 'incremental', correlationId, ...overrides }],
    });
    const outcome = await run.then((state) => ({ state }), (error: unknown) => ({ error }));
    const events = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId);
    return { ...outcome, events };
  };

  const gapsBetween = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

  describe('WooCommerce orders', () => {
    let woo: FakeWooCommerce;
    let id: string;

    beforeAll(async () => {
      woo = await new FakeWooCommerce('ck_test_key', 'cs_test_secret').start();
      servers.push(woo);
      woo.addOrders(250);
      id = await createIntegration(env.db, { tenantId: TENANT, provider: 'woocommerce', config: { baseUrl: woo.baseUrl }, secrets: { consumerKey: 'ck_test_key', consumerSecret: 'cs_test_secret' }, encryptionKey: env.encryptionKey });
    });

    it('syncs every order once through 3 pages, then only the changed ones', async () => {
      const full = await sync(id);
      // Three pages of orders, then the trash's one (empty).
      expect(full.state).toMatchObject({ status: 'completed', pagesFetched: 4, recordsFetched: 250, created: 250 });
      expect(await shardCount(env.db, id, 'Order')).toBe(250);
      // 250 records is more than the batch threshold (100), though no page is: batches, whatever the page size.
      const batches = ofType(full.events, 'integration.data.raw.batch') as Array<EventEnvelope<'integration.data.raw.batch'>>;
      expect(batches.map((b) => b.data.batchSize)).toEqual([100, 100, 50]);
      expect(batches[0]!.data.metadata).toEqual({ direction: 'inbound' });
      expect(ofType(full.events, 'integration.data.raw')).toHaveLength(0);
      const { rows } = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND external_id = '10000'`, [id]);
      expect(rows[0].data).toMatchObject({ orderNumber: '10000', status: 'processing', currency: 'USD', totalPrice: '29.35', customerEmail: 'customer@example.com', createdAt: '2026-01-01T00:00:00.000Z' });

      const changed = [...woo.records.values()].slice(0, 4);
      for (const order of changed) {
        order.total = '99.99';
        order.date_modified_gmt = '2026-08-01T00:00:00';
      }
      const incremental = await sync(id);
      // The four changed, and the newest of the last sync again (listed from a second before it), unchanged.
      expect(incremental.state).toMatchObject({ status: 'completed', recordsFetched: 5, updated: 4, unchanged: 1, created: 0 });
      expect(ofType(incremental.events, 'integration.sync.order.updated')).toHaveLength(4);
      // A sync of at most the threshold: one integration.data.raw per record fetched.
      const singles = ofType(incremental.events, 'integration.data.raw') as Array<EventEnvelope<'integration.data.raw'>>;
      expect(singles).toHaveLength(5);
      expect(singles[0]!.data.metadata).toEqual({ direction: 'inbound' });
      expect(ofType(incremental.events, 'integration.data.raw.batch')).toHaveLength(0);
    });

    it('waits out a 429 storm as the provider asks and survives a 5xx burst', async () => {
      woo.rateLimitNext(3);
      const start = woo.requestTimes.length;
      const stormy = await sync(id, { mode: 'full_refresh' });
      expect(stormy.state).toMatchObject({ status: 'completed', recordsFetched: 250 });
      const gaps = gapsBetween(woo.requestTimes.slice(start, start + 4));
      expect(gaps.every((g) => g >= 950)).toBe(true); // Retry-After: 1, honoured through Temporal's next retry delay

      woo.failNext(3, 503);
      expect((await sync(id, { mode: 'full_refresh' })).state).toMatchObject({ status: 'completed', recordsFetched: 250 });
    });

    it('fails the sync on a permanent 4xx, naming the provider error', async () => {
      woo.failNext(1, 400, '{"code":"rest_invalid_param","message":"Invalid parameter(s): orderby","data":{"status":400}}');
      const failed = await sync(id, { mode: 'full_refresh' });
      expect(failed.error).toBeDefined();
      const [event] = ofType(failed.events, 'integration.sync.failed') as Array<EventEnvelope<'integration.sync.failed'>>;
      expect(event!.data.error).toContain('rest_invalid_param');
    });

    it('refuses wrong credentials with a typed failure', async () => {
      const bad = await createIntegration(env.db, { tenantId: TENANT, provider: 'woocommerce', config: { baseUrl: woo.baseUrl }, secrets: { consumerKey: 'ck_test_key', consumerSecret: 'wrong' }, encryptionKey: env.encryptionKey });
      const failed = await sync(bad);
      const [event] = ofType(failed.events, 'integration.sync.failed') as Array<EventEnvelope<'integration.sync.failed'>>;
      expect(event!.data.error).toContain('woocommerce_rest_cannot_view');
    });

    it('lists an order changed within the second of the newest change the last sync read', async () => {
      await sync(id);
      const live = [...woo.records.values()].filter((o) => o.status !== 'trash');
      const newest = live.reduce((m, o) => (String(o.date_modified_gmt) > String(m.date_modified_gmt) ? o : m));
      const other = live.find((o) => o.id !== newest.id)!;
      // WooCommerce's timestamps have one-second resolution and modified_after is strict.
      other.status = other.status === 'completed' ? 'processing' : 'completed';
      other.date_modified_gmt = newest.date_modified_gmt;
      const next = await sync(id);
      expect(next.state).toMatchObject({ status: 'completed', updated: 1 });
    });

    it('announces trashed orders and a webhook-noticed delete once each, and a restored order as created again', async () => {
      const [a, b, c, d] = [...woo.records.values()].slice(10, 14).map((o) => String(o.id));
      woo.trash(a!);
      woo.trash(b!);
      // Deleted for good: WooCommerce lists it nowhere; only its order.deleted webhook (a notice) says so.
      woo.records.delete(c!);
      await recordDeletionNotice(env.db, id, 'Order', c!);
      // A notice for an order that is still there (a restored one, or a forged body) deletes nothing.
      await recordDeletionNotice(env.db, id, 'Order', d!);
      const first = await sync(id);
      expect(first.state).toMatchObject({ status: 'completed', deleted: 3 });
      const deleted = ofType(first.events, 'integration.data.deleted') as Array<EventEnvelope<'integration.data.deleted'>>;
      expect(deleted.map((e) => e.data.externalId).sort()).toEqual([a, b, c].sort());
      expect(deleted[0]!.data).toMatchObject({ integrationId: id, tenantId: TENANT, entityType: 'Order', syncTaskId: first.state!.syncTaskId });
      expect(deleted[0]!.data.idempotencyKey).toBe(`${id}-${deleted[0]!.data.externalId}-${first.state!.syncTaskId}`);
      const orders = ofType(first.events, 'integration.sync.order.deleted') as Array<EventEnvelope<'integration.sync.order.deleted'>>;
      expect(orders).toHaveLength(3);
      const stored = (await env.db.query(`SELECT id, data FROM shards WHERE integration_id = $1 AND external_id = $2`, [id, a])).rows[0];
      // Named as it was last stored.
      expect(orders.find((e) => e.data.externalId === a)!.data).toMatchObject({ orderId: stored.id, orderNumber: a, platform: 'woocommerce', status: stored.data.status });
      const tombstones = await env.db.query(`SELECT external_id FROM shards WHERE integration_id = $1 AND deleted_at IS NOT NULL ORDER BY external_id`, [id]);
      expect(tombstones.rows.map((r) => r.external_id)).toEqual([a, b, c].sort());
      expect((await env.db.query(`SELECT count(*)::int AS n FROM deletion_notices WHERE integration_id = $1`, [id])).rows[0].n).toBe(0);

      // The trash is listed again (a full refresh): nothing is announced twice.
      const again = await sync(id, { mode: 'full_refresh' });
      expect(again.state).toMatchObject({ status: 'completed', deleted: 0 });
      expect(ofType(again.events, 'integration.data.deleted')).toHaveLength(0);

      const restored = woo.records.get(a!)!;
      restored.status = 'processing';
      restored.date_modified_gmt = new Date().toISOString().slice(0, 19);
      const back = await sync(id);
      expect(back.state).toMatchObject({ status: 'completed', created: 1, deleted: 0 });
      expect((ofType(back.events, 'integration.sync.order.created') as Array<EventEnvelope<'integration.sync.order.created'>>).map((e) => e.data.externalId)).toEqual([a]);
      expect((await env.db.query(`SELECT deleted_at FROM shards WHERE integration_id = $1 AND external_id = $2`, [id, a])).rows[0].deleted_at).toBeNull();
    });
  });

  describe('HubSpot deals and companies', () => {
    let hubspot: FakeHubSpot;
    let id: string;

    beforeAll(async () => {
      hubspot = await new FakeHubSpot('hubspot-access-token').start();
      servers.push(hubspot);
      hubspot.add('deals', 230);
      hubspot.add('companies', 120);
      id = await createIntegration(env.db, { tenantId: TENANT, provider: 'hubspot', config: { baseUrl: hubspot.baseUrl }, secrets: { accessToken: 'hubspot-access-token' }, encryptionKey: env.encryptionKey });
    });

    it('syncs deals as Opportunity and companies as Account through list paging, then only changes through search', async () => {
      const full = await sync(id);
      // Half the recorded deals have no dealstage: a deal without a stage is still a deal.
      // Three and two pages, then each type's archived listing (empty).
      expect(full.state).toMatchObject({ status: 'completed', recordsFetched: 350, created: 350, rejected: 0, pagesFetched: 7 });
      expect(await shardCount(env.db, id, 'Opportunity')).toBe(230);
      expect(await shardCount(env.db, id, 'Account')).toBe(120);
      const { rows } = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND entity_type = 'Opportunity' ORDER BY external_id LIMIT 1`, [id]);
      expect(rows[0].data).toMatchObject({ name: 'Test Deal Updated via Action', amount: '3000', stage: 'appointmentscheduled' });

      const deal = [...hubspot.records.values()].find((r) => r.kind === 'deals')! as { properties: Record<string, unknown> };
      deal.properties.amount = '4500.50';
      deal.properties.hs_lastmodifieddate = '2026-09-01T00:00:00.000Z';
      const incremental = await sync(id);
      // GTE on the high-water mark: the last record of each type comes again unchanged with the changed deal.
      expect(incremental.state).toMatchObject({ status: 'completed', updated: 1, created: 0 });
      expect(incremental.state!.recordsFetched).toBeLessThanOrEqual(3);
    });

    it('gives a request for one more pass that names an entity type a pass of that type only', async () => {
      const correlationId = randomUUID();
      // Signal-with-start: the request is there before the first pass begins, so the extra pass is certain.
      const handle = await env.client.workflow.signalWithStart(integrationSync, {
        taskQueue: env.taskQueue,
        workflowId: syncWorkflowId(id),
        args: [{ integrationId: id, tenantId: TENANT, trigger: 'manual', mode: 'incremental', correlationId }],
        signal: requestSyncSignal,
        signalArgs: [{ trigger: 'webhook', entityType: 'Account' }],
      });
      const state = await handle.result();
      expect(state).toMatchObject({ status: 'completed', passes: 2 });
      const started = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId && e.type === 'integration.sync.started') as Array<EventEnvelope<'integration.sync.started'>>;
      expect(started.map((e) => e.data.params.entityTypes)).toEqual([undefined, ['Account']]);
    });

    it('waits out a 429 storm with the provider body and a 5xx burst', async () => {
      hubspot.rateLimitNext(2);
      hubspot.failNext(0, 500);
      const stormy = await sync(id, { mode: 'full_refresh' });
      expect(stormy.state).toMatchObject({ status: 'completed', recordsFetched: 350 });
      hubspot.failNext(2, 502);
      expect((await sync(id, { mode: 'full_refresh' })).state).toMatchObject({ status: 'completed' });
    });

    it('announces archived deals and companies once, from the archived listing search never answers', async () => {
      const deals = [...hubspot.records.values()].filter((r) => r.kind === 'deals').slice(0, 2).map((r) => String(r.id));
      const company = String([...hubspot.records.values()].find((r) => r.kind === 'companies')!.id);
      for (const archived of [...deals, company]) hubspot.archive(archived);
      const first = await sync(id);
      expect(first.state).toMatchObject({ status: 'completed', deleted: 3 });
      const deleted = ofType(first.events, 'integration.data.deleted') as Array<EventEnvelope<'integration.data.deleted'>>;
      expect(deleted.map((e) => [e.data.entityType, e.data.externalId]).sort()).toEqual([...deals.map((d) => ['Opportunity', d]), ['Account', company]].sort());
      // No order events for deals and companies.
      expect(ofType(first.events, 'integration.sync.order.deleted')).toHaveLength(0);
      expect(await shardCount(env.db, id, 'Opportunity')).toBe(230);

      const again = await sync(id, { mode: 'full_refresh' });
      expect(again.state).toMatchObject({ status: 'completed', deleted: 0, recordsFetched: 350 });
    });
  });

  describe('Salesforce Opportunity and Account', () => {
    let salesforce: FakeSalesforce;
    let id: string;

    beforeAll(async () => {
      salesforce = await new FakeSalesforce('00Dxx!salesforce-token').start();
      salesforce.batchSize = 200;
      servers.push(salesforce);
      salesforce.add('Opportunity', 450);
      salesforce.add('Account', 50);
      id = await createIntegration(env.db, {
        tenantId: TENANT,
        provider: 'salesforce',
        config: {},
        secrets: { accessToken: '00Dxx!salesforce-token', instanceUrl: salesforce.baseUrl },
        encryptionKey: env.encryptionKey,
      });
    });

    it('pages SOQL through nextRecordsUrl and picks up only changes since SystemModstamp', async () => {
      const full = await sync(id);
      expect(full.state).toMatchObject({ status: 'completed', recordsFetched: 500, created: 500, pagesFetched: 4 });
      const { rows } = await env.db.query(`SELECT data FROM shards WHERE integration_id = $1 AND entity_type = 'Opportunity' ORDER BY created_at LIMIT 1`, [id]);
      expect(rows[0].data).toMatchObject({ name: 'Dickenson Mobile Generators', amount: '15000', stage: 'Qualification', closeDate: '2026-03-08' });

      const [opp] = [...salesforce.records.values()];
      opp!.StageName = 'Closed Won';
      opp!.SystemModstamp = '2026-09-01T00:00:00.000+0000';
      const incremental = await sync(id);
      expect(incremental.state).toMatchObject({ status: 'completed', recordsFetched: 1, updated: 1 });
    });

    it('reads deletes through queryAll (IsDeleted) and announces each once', async () => {
      const [gone] = [...salesforce.records.values()].filter((r) => (r.attributes as { type: string }).type === 'Account').map((r) => String(r.Id));
      salesforce.remove(gone!);
      const first = await sync(id);
      expect(first.state).toMatchObject({ status: 'completed', recordsFetched: 1, deleted: 1 });
      expect((ofType(first.events, 'integration.data.deleted') as Array<EventEnvelope<'integration.data.deleted'>>).map((e) => [e.data.entityType, e.data.externalId])).toEqual([['Account', gone]]);
      // A plain query no longer answers it; queryAll does, on every full refresh, and it is not announced again.
      const again = await sync(id, { mode: 'full_refresh' });
      expect(again.state).toMatchObject({ status: 'completed', recordsFetched: 500, deleted: 0 });
    });

    it('fails on INVALID_SESSION_ID without a refresh token, naming the cause', async () => {
      salesforce.token = 'rotated-elsewhere';
      try {
        const failed = await sync(id);
        const [event] = ofType(failed.events, 'integration.sync.failed') as Array<EventEnvelope<'integration.sync.failed'>>;
        expect(event!.data.error).toContain('INVALID_SESSION_ID');
      } finally {
        salesforce.token = '00Dxx!salesforce-token';
      }
    });
  });
});

describe('a provider account shared by two integrations on two worker processes', () => {
  let env: IntegrationEnv;
  let woo: FakeWooCommerce;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    woo = await new FakeWooCommerce('ck_shared', 'cs_shared').start();
    woo.addOrders(60);
  });

  afterAll(async () => {
    await woo?.stop();
    await env?.close();
  });

  it('never exceeds the configured requests per second', async () => {
    const queues = [`${env.taskQueue}-a`, `${env.taskQueue}-b`];
    await Promise.all(queues.map((q) => env.startWorker({ TASK_QUEUE: q, RUN_CONSUMER: 'false' })));
    const ids = await Promise.all(
      queues.map(() =>
        createIntegration(env.db, {
          tenantId: TENANT,
          provider: 'woocommerce',
          config: { baseUrl: woo.baseUrl, rateLimitPerSecond: 4 },
          secrets: { consumerKey: 'ck_shared', consumerSecret: 'cs_shared' },
          encryptionKey: env.encryptionKey,
        }),
      ),
    );
    const states = await Promise.all(
      ids.map((id, i) =>
        env.client.workflow.execute(integrationSync, {
          taskQueue: queues[i]!,
          workflowId: syncWorkflowId(id),
          args: [{ integrationId: id, tenantId: TENANT, trigger: 'manual', correlationId: randomUUID(), tuning: { pageSize: 6 } }],
        }),
      ),
    );
    expect(states.map((s) => s.recordsFetched)).toEqual([60, 60]);
    const times = [...woo.requestTimes].sort((a, b) => a - b);
    // Each sync's 10 pages of orders and its trash's one page.
    expect(times).toHaveLength(22);
    // Any 5 consecutive requests span a second: no one-second window holds more than 4. Arrival times at the
    // server carry scheduling jitter on a loaded 2-core machine, hence 50 ms of slack (the limiter adds 100 ms).
    const spans = times.slice(4).map((t, i) => t - times[i]!);
    expect(Math.min(...spans)).toBeGreaterThanOrEqual(950);
  });

  it("does not let one tenant's pace slow another tenant's syncs of the same account", async () => {
    const queue = `${env.taskQueue}-a`;
    const integrationOf = (tenantId: string, rateLimitPerSecond: number) =>
      createIntegration(env.db, { tenantId, provider: 'woocommerce', config: { baseUrl: woo.baseUrl, rateLimitPerSecond }, secrets: { consumerKey: 'ck_shared', consumerSecret: 'cs_shared' }, encryptionKey: env.encryptionKey });
    const timed = async (id: string, tenantId: string) => {
      const started = Date.now();
      const state = await env.client.workflow.execute(integrationSync, {
        taskQueue: queue,
        workflowId: syncWorkflowId(id),
        args: [{ integrationId: id, tenantId, trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), tuning: { pageSize: 6 } }],
      });
      expect(state.recordsFetched).toBe(60);
      return Date.now() - started;
    };
    const b = await integrationOf('tenant-b', 4);
    await timed(b, 'tenant-b'); // warm: the first sync of a worker pays for more than the pace
    const alone = await timed(b, 'tenant-b');

    // Tenant A, same store and keys, at the slowest pace allowed (one request per 10 s), syncing all the while.
    const a = await integrationOf('tenant-a', 0.1);
    const slow = await env.client.workflow.start(integrationSync, {
      taskQueue: queue,
      workflowId: syncWorkflowId(a),
      args: [{ integrationId: a, tenantId: 'tenant-a', trigger: 'manual', mode: 'full_refresh', correlationId: randomUUID(), tuning: { pageSize: 6 } }],
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const beside = await timed(b, 'tenant-b');
      // Within 10% (plus scheduling jitter on a loaded 2-core machine) of its time alone.
      expect(beside).toBeLessThan(alone * 1.1 + 100);
      // And A is visibly waiting on its own pace, not failed: still running.
      expect((await slow.describe()).status.name).toBe('RUNNING');
    } finally {
      await slow.cancel();
    }
  });
});
