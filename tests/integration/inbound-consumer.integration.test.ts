import Redis from 'ioredis';
import { createConnectorRegistry } from '../../connectors/registry';
import { syncWorkflowId } from '../../contracts/sync';
import { InboundEventConsumer } from '../../workers/inbound-consumer';
import { createEvent } from '../../events/envelope';
import { createLogger } from '../../observability/logger';
import { tokenRefreshWorkflowId } from '../../workflows/refresh-connection';
import { FakeOAuthServer } from '../support/fake-oauth';
import { FakeShopify } from '../support/fake-shopify';
import { waitFor, waitForResult } from '../support/wait';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { connectionIdOf, createIntegration, createShopIntegration } from '../support/seed';

const TOKEN = 'shpat_consumer_test';
const TENANT = 'tenant-consumer';

describe('inbound event consumer (Redis stream consumer group)', () => {
  let env: IntegrationEnv;
  let redis: Redis;
  let shop: FakeShopify;
  let stream: string;
  const consumers: InboundEventConsumer[] = [];

  const consumer = (name: string) => {
    const c = new InboundEventConsumer(
      { redisUrl: env.servers.redisUrl, stream, group: 'integration-sync', consumerName: name, claimIdleMs: 300, blockMs: 200, batchSize: 10 },
      { temporal: env.client, taskQueue: env.taskQueue, db: env.db, connectors: createConnectorRegistry(), logger: createLogger({ level: 'silent' }) },
    );
    consumers.push(c);
    return c;
  };

  const send = (event: unknown) => redis.xadd(stream, '*', 'event', typeof event === 'string' ? event : JSON.stringify(event));
  const pending = async () => Number(((await redis.xpending(stream, 'integration-sync')) as [number])[0]);
  const integration = () =>
    createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);

  beforeAll(async () => {
    env = await createIntegrationEnv();
    stream = `${env.keyPrefix}inbound`;
    redis = new Redis(env.servers.redisUrl);
    shop = await new FakeShopify({ accessToken: TOKEN }).start();
    shop.addOrders(20);
    await env.startWorker({ RUN_CONSUMER: 'false' });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    redis.disconnect();
    await shop?.stop();
    await env?.close();
  });

  it('starts a sync for integration.sync.scheduled and integration.webhook.received, acknowledging after the start', async () => {
    await consumer('live-1').start();
    const [a, b] = [await integration(), await integration()];
    await send(createEvent('integration.sync.scheduled', { integrationId: a, tenantId: TENANT, trigger: 'schedule', scheduledAt: new Date().toISOString() }));
    await send(createEvent('integration.webhook.received', { integrationId: b, tenantId: TENANT, entityType: 'Order' }, { correlationId: 'corr-webhook-1' }));
    const stateA = await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(a)).result());
    const stateB = await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(b)).result());
    expect(stateA).toMatchObject({ status: 'completed', trigger: 'schedule', created: 20 });
    expect(stateB).toMatchObject({ status: 'completed', trigger: 'webhook' });
    await waitFor(async () => (await pending()) === 0);
  });

  it('refreshes for integration.token.refresh-requested, though the token is outside the margin', async () => {
    const oauth = await new FakeOAuthServer({ clientId: 'c', clientSecret: 's', rotate: false }).start();
    oauth.validRefreshTokens.add('r');
    try {
      const expiresAt = new Date(Date.now() + 86_400_000);
      const id = await createIntegration(env.db, {
        tenantId: TENANT,
        provider: 'shopify',
        config: {},
        secrets: { accessToken: 'a', refreshToken: 'r', clientId: 'c', clientSecret: 's' },
        encryptionKey: env.encryptionKey,
        oauth: { tokenUrl: oauth.tokenUrl, expiresAt },
      });
      const connectionId = await connectionIdOf(env.db, id);
      const requestedAt = new Date().toISOString();
      await send(createEvent('integration.token.refresh-requested', { connectionId, integrationId: id, tenantId: TENANT, expiresAt: expiresAt.toISOString(), requestedAt }));
      expect(await waitForResult(() => env.client.workflow.getHandle(tokenRefreshWorkflowId(connectionId)).result())).toBe('refreshed');
      expect(oauth.calls).toBe(1);
    } finally {
      await oauth.stop();
    }
  });

  it('dead-letters a poison message with the reason and acknowledges it', async () => {
    const otherTenant = await integration();
    await send('{not json');
    await send(JSON.stringify({ ...createEvent('integration.webhook.received', { integrationId: otherTenant, tenantId: TENANT }), type: 'integration.unknown' }));
    await send(createEvent('integration.webhook.received', { integrationId: otherTenant, tenantId: 'someone-else' }));
    await waitFor(async () => (await redis.xlen(`${stream}:dead`)) >= 3);
    const dead = await redis.xrange(`${stream}:dead`, '-', '+');
    const reasons = dead.map(([, fields]) => fields[fields.indexOf('reason') + 1]);
    expect(reasons[0]).toMatch(/JSON/);
    expect(reasons[1]).toMatch(/type/);
    expect(reasons[2]).toMatch(/does not exist for tenant someone-else/);
    await waitFor(async () => (await pending()) === 0);
    await expect(env.client.workflow.getHandle(syncWorkflowId(otherTenant)).describe()).rejects.toThrow();
  });

  it('starts integration.sync.scheduled at a future scheduledAt, not at once', async () => {
    const id = await integration();
    const scheduledAt = new Date(Date.now() + 3_000);
    await send(createEvent('integration.sync.scheduled', { integrationId: id, tenantId: TENANT, trigger: 'schedule', scheduledAt: scheduledAt.toISOString() }));
    const state = await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(id)).result());
    expect(state.status).toBe('completed');
    // The workflow's first task ran at the scheduled time (its clock starts the state).
    expect(Date.parse(state.startedAt)).toBeGreaterThanOrEqual(scheduledAt.getTime() - 50);
  });

  it('applies integration.webhook.received filters to the fetch, and dead-letters what it cannot honour', async () => {
    const id = await integration();
    const wanted = [...shop.orders.values()].slice(0, 2).map((o) => o.legacyResourceId);
    await send(createEvent('integration.webhook.received', { integrationId: id, tenantId: TENANT, entityType: 'Order', filters: { ids: wanted } }));
    const state = await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(id)).result());
    expect(state).toMatchObject({ status: 'completed', recordsFetched: 2, created: 2 });
    const stored = await env.db.query<{ external_id: string }>(`SELECT external_id FROM shards WHERE integration_id = $1 ORDER BY external_id`, [id]);
    expect(stored.rows.map((r) => r.external_id)).toEqual(wanted.sort());

    const deadBefore = await redis.xlen(`${stream}:dead`);
    const other = await integration();
    await send(createEvent('integration.webhook.received', { integrationId: other, tenantId: TENANT, filters: { customer_id: '42' } }));
    await send(createEvent('integration.webhook.received', { integrationId: other, tenantId: TENANT, entityType: 'Opportunity' }));
    await send(createEvent('integration.sync.scheduled', { integrationId: other, tenantId: TENANT, trigger: 'cron', scheduledAt: new Date().toISOString() }));
    await waitFor(async () => (await redis.xlen(`${stream}:dead`)) >= deadBefore + 3);
    const reasons = (await redis.xrange(`${stream}:dead`, '-', '+')).slice(deadBefore).map(([, fields]) => fields[fields.indexOf('reason') + 1]);
    expect(reasons).toEqual([
      'shopify cannot filter by customer_id (it filters by ids, status, financial_status)',
      'shopify does not sync Opportunity (it syncs Order)',
      'unknown trigger "cron" (one of schedule, webhook, manual, event)',
    ]);
    await expect(env.client.workflow.getHandle(syncWorkflowId(other)).describe()).rejects.toThrow();
  });

  it('lets a live consumer take over what a dead one left pending', async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    const id = await integration();
    await send(createEvent('integration.sync.scheduled', { integrationId: id, tenantId: TENANT, trigger: 'event', scheduledAt: new Date().toISOString() }));
    // A consumer reads the message and dies before acknowledging it.
    const read = await redis.xreadgroup('GROUP', 'integration-sync', 'dead-consumer', 'COUNT', 10, 'STREAMS', stream, '>');
    expect(read).not.toBeNull();
    expect(await pending()).toBe(1);
    await consumer('live-2').start();
    const state = await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(id)).result());
    expect(state).toMatchObject({ status: 'completed', trigger: 'event' });
    await waitFor(async () => (await pending()) === 0);
  });
});

