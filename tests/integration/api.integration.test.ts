import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Redis from 'ioredis';
import { getSyncStateQuery } from '../../workflows';
import type { App } from '../../api/app';
import { syncWorkflowId } from '../../contracts/sync';
import { ADMIN_KEY, newTenantKey, startApi } from '../support/api-app';
import { FakeShopify } from '../support/fake-shopify';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { recordHistory } from '../support/record-history';
import { waitFor } from '../support/wait';
import { shardCount } from '../support/seed';
import { readStream } from '../support/events';
import type { EventEnvelope } from '../../events/envelope';

const SHOP_TOKEN = 'shpat_api_test_token_77';
const WEBHOOK_SECRET = 'webhook-secret-for-api-test-4411';

describe('HTTP API on a real port with real Temporal, PostgreSQL and Redis', () => {
  let env: IntegrationEnv;
  let app: App;
  let url: string;
  let shop: FakeShopify;
  let keyA: string;
  let keyB: string;

  const call = async (method: string, path: string, options: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== null && options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, text };
  };

  const newIntegration = async (key: string, name = 'shop') => {
    const created = await call('POST', '/integrations', { key, body: { provider: 'shopify', name, config: { baseUrl: shop.baseUrl } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const conn = await call('PUT', `/integrations/${id}/connection`, { key, body: { kind: 'api_key', accessToken: SHOP_TOKEN, webhookSecret: WEBHOOK_SECRET } });
    expect(conn.status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    env = await createIntegrationEnv();
    shop = await new FakeShopify({ accessToken: SHOP_TOKEN }).start();
    shop.addOrders(200);
    ({ app, url } = await startApi(env, { sse: { heartbeatMs: 200 } }));
    await env.startWorker();
    for (const id of ['tenant-a', 'tenant-b']) expect((await call('POST', '/tenants', { key: ADMIN_KEY, body: { id, name: id } })).status).toBe(201);
    keyA = (await call('POST', '/tenants/tenant-a/api-keys', { key: ADMIN_KEY, body: { label: 'tests' } })).body.key;
    keyB = (await call('POST', '/tenants/tenant-b/api-keys', { key: ADMIN_KEY })).body.key;
  });

  afterAll(async () => {
    await app?.close();
    await shop?.stop();
    await env?.close();
  });

  describe('admin and auth', () => {
    it('guards the admin routes with the admin key and says what is wrong', async () => {
      expect((await call('POST', '/tenants', { body: { id: 'x', name: 'x' } })).status).toBe(401);
      expect((await call('POST', '/tenants', { key: keyA, body: { id: 'x', name: 'x' } })).status).toBe(401);
      expect((await call('POST', '/tenants', { key: ADMIN_KEY, body: { id: 'tenant-a', name: 'again' } })).status).toBe(409);
      const bad = await call('POST', '/tenants', { key: ADMIN_KEY, body: { id: 'Not Valid!', name: 'x' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/id/);
      expect((await call('POST', '/tenants/nobody/api-keys', { key: ADMIN_KEY })).status).toBe(404);
      expect(keyA).toMatch(/^isk_/);
      const stored = await env.db.query('SELECT key_hash FROM api_keys');
      expect(JSON.stringify(stored.rows)).not.toContain(keyA);
    });

    it('answers 401 without a key or with an unknown one', async () => {
      expect((await call('GET', '/integrations')).status).toBe(401);
      const unknown = await call('GET', '/integrations', { key: 'isk_not_a_key' });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual({ error: { code: 'unauthorized', message: 'Unknown or revoked API key' } });
    });
  });

  describe('integrations', () => {
    it('creates, reads, lists in pages, updates, pauses, resumes and deletes', async () => {
      const ids = [];
      for (const name of ['one', 'two', 'three']) ids.push((await call('POST', '/integrations', { key: keyA, body: { provider: 'shopify', name, config: { shopDomain: `${name}.myshopify.com` } } })).body.id);
      const got = await call('GET', `/integrations/${ids[0]}`, { key: keyA });
      expect(got.body).toMatchObject({ id: ids[0], provider: 'shopify', name: 'one', status: 'active', syncIntervalSeconds: 3600, lastSync: null });

      const first = await call('GET', '/integrations?limit=2', { key: keyA });
      expect(first.body.items).toHaveLength(2);
      const second = await call('GET', `/integrations?limit=2&cursor=${first.body.nextCursor}`, { key: keyA });
      const listed = [...first.body.items, ...second.body.items].map((i: { id: string }) => i.id);
      expect(listed).toEqual(expect.arrayContaining(ids));
      expect(new Set(listed).size).toBe(listed.length);
      expect((await call('GET', '/integrations?cursor=garbage', { key: keyA })).status).toBe(400);

      expect((await call('PATCH', `/integrations/${ids[0]}`, { key: keyA, body: { name: 'renamed', syncIntervalSeconds: 900 } })).body).toMatchObject({ name: 'renamed', syncIntervalSeconds: 900 });
      expect((await call('POST', `/integrations/${ids[0]}/pause`, { key: keyA, body: { reason: 'holiday' } })).body).toMatchObject({ status: 'paused', pauseReason: 'holiday' });
      expect((await call('POST', `/integrations/${ids[0]}/sync`, { key: keyA })).status).toBe(409);
      expect((await call('POST', `/integrations/${ids[0]}/resume`, { key: keyA })).body).toMatchObject({ status: 'active', pauseReason: null });
      expect((await call('DELETE', `/integrations/${ids[2]}`, { key: keyA })).status).toBe(204);
      expect((await call('GET', `/integrations/${ids[2]}`, { key: keyA })).status).toBe(404);
    });

    it('lists, revokes and rotates API keys; a revoked key is refused at once', async () => {
      const issued = await call('POST', '/tenants/tenant-a/api-keys', { key: ADMIN_KEY, body: { label: 'ci' } });
      const key = issued.body.key as string;
      expect((await call('GET', '/integrations', { key })).status).toBe(200);
      const listed = await call('GET', '/tenants/tenant-a/api-keys', { key: ADMIN_KEY });
      expect(listed.body.items).toEqual(expect.arrayContaining([{ id: issued.body.id, label: 'ci', createdAt: expect.any(String), revokedAt: null }]));
      expect(JSON.stringify(listed.body)).not.toContain(key);
      // A tenant rotates its own key: the old one stops, the new one works.
      const rotated = await call('POST', '/api-keys/rotate', { key });
      expect(rotated.status).toBe(201);
      expect((await call('GET', '/integrations', { key })).status).toBe(401);
      expect((await call('GET', '/integrations', { key: rotated.body.key })).status).toBe(200);
      // The admin revokes it.
      expect((await call('DELETE', `/tenants/tenant-a/api-keys/${rotated.body.id}`, { key: ADMIN_KEY })).status).toBe(204);
      expect((await call('GET', '/integrations', { key: rotated.body.key })).status).toBe(401);
      expect((await call('DELETE', `/tenants/tenant-b/api-keys/${issued.body.id}`, { key: ADMIN_KEY })).status).toBe(404);
      expect((await call('GET', '/tenants/tenant-a/api-keys', { key: keyA })).status).toBe(401);
    });

    it("answers another tenant's integration exactly as a missing one", async () => {
      const id = (await call('POST', '/integrations', { key: keyA, body: { provider: 'shopify', name: 'mine', config: { shopDomain: 'mine.myshopify.com' } } })).body.id;
      expect(id).toEqual(expect.any(String));
      const missing = await call('GET', `/integrations/${randomUUID()}`, { key: keyB });
      for (const [method, path, body] of [
        ['GET', `/integrations/${id}`],
        ['PATCH', `/integrations/${id}`, { name: 'stolen' }],
        ['DELETE', `/integrations/${id}`],
        ['POST', `/integrations/${id}/pause`, {}],
        ['PUT', `/integrations/${id}/connection`, { kind: 'api_key', apiKey: 'k' }],
        ['POST', `/integrations/${id}/sync`, {}],
        ['GET', `/integrations/${id}/dead-letters`],
        ['GET', `/integrations/events/sync-status/${id}`],
      ] as Array<[string, string, unknown?]>) {
        const answer = await call(method, path, { key: keyB, ...(body !== undefined ? { body } : {}) });
        expect([method, path, answer.status]).toEqual([method, path, 404]);
        expect(answer.body.error.code).toBe(missing.body.error.code);
      }
      expect((await call('GET', `/integrations/${id}`, { key: keyA })).body.name).toBe('mine');
      expect((await call('GET', '/integrations?limit=200', { key: keyB })).body.items).toEqual([]);
    });

    it('checks a config change against the provider\'s schema', async () => {
      const id = (await call('POST', '/integrations', { key: keyA, body: { provider: 'woocommerce', name: 'w', config: { baseUrl: 'https://woo.example.com' } } })).body.id;
      const bad = await call('PATCH', `/integrations/${id}`, { key: keyA, body: { config: { baseUrl: 'https://woo.example.com', rateLimitPerSecond: 1e9 } } });
      // Schema-valid for PATCH, which takes any provider's config, but not this integration's: 422.
      expect(bad.status).toBe(422);
      expect(bad.body.error.message).toMatch(/config\/rateLimitPerSecond/);
      const ok = await call('PATCH', `/integrations/${id}`, { key: keyA, body: { config: { baseUrl: 'https://woo2.example.com', rateLimitPerSecond: 5 } } });
      expect(ok.status).toBe(200);
      expect(ok.body.config).toEqual({ baseUrl: 'https://woo2.example.com', rateLimitPerSecond: 5 });
    });

    it('rejects bad input with a 4xx that says what is wrong', async () => {
      const cases: Array<[string, string, { body?: unknown; raw?: string }, RegExp]> = [
        ['POST', '/integrations', { raw: '{"provider": "shopify",' }, /JSON/i],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x', surprise: 1 } }, /surprise|unrecognized/i],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 42 } }, /name/],
        ['POST', '/integrations', { body: { provider: 'myspace', name: 'x' } }, /Unknown provider/],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x', syncIntervalSeconds: 5 } }, /syncIntervalSeconds/],
        ['PATCH', `/integrations/${randomUUID()}`, { body: {} }, /at least one/],
        ['GET', '/integrations?limit=0', {}, /limit/],
        ['GET', '/integrations?nope=1', {}, /nope|unrecognized/i],
        // Each provider's config, checked at the door with the field named.
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x' } }, /\/config .*expected object/],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x', config: {} } }, /config\/shopDomain give shopDomain/],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x', config: { shopDomain: 'evil.example.com' } } }, /config\/shopDomain expected <shop>\.myshopify\.com/],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x', config: { shopDomain: 'a.myshopify.com', shopDomian: 'typo' } } }, /shopDomian/],
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x', config: { shopDomain: 'a.myshopify.com', rateLimitPerSecond: 0.000025 } } }, /config\/rateLimitPerSecond/],
        ['POST', '/integrations', { body: { provider: 'woocommerce', name: 'x', config: {} } }, /config\/baseUrl/],
        ['POST', '/integrations', { body: { provider: 'hubspot', name: 'x', config: { rateLimitPerSecond: 500 } } }, /config\/rateLimitPerSecond/],
        ['POST', '/integrations', { body: { provider: 'salesforce', name: 'x', config: { apiVersion: '59' } } }, /config\/apiVersion/],
        // PostgreSQL cannot store NUL: a 400 naming the field, not a 500.
        ['POST', '/integrations', { body: { provider: 'shopify', name: 'x\u0000y', config: { shopDomain: 'a.myshopify.com' } } }, /\/name contains a NUL character/],
      ];
      for (const [method, path, options, message] of cases) {
        const answer = await call(method, path, { key: keyA, ...options });
        expect([path, JSON.stringify(options.body ?? options.raw), answer.status]).toEqual([path, JSON.stringify(options.body ?? options.raw), 400]);
        expect(answer.body.error.message).toMatch(message);
      }
    });
  });

  it("caps a tenant's integrations, counting concurrent creations against each other", async () => {
    const capped = await startApi(env, { maxIntegrationsPerTenant: 3 });
    try {
      const key = await newTenantKey(capped.app, 'tenant-quota');
      const create = (n: number) =>
        capped.app.inject({ method: 'POST', url: '/integrations', headers: { authorization: `Bearer ${key}` }, payload: { provider: 'shopify', name: `q${n}`, config: { shopDomain: 'q.myshopify.com' } } });
      const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => create(n)));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
      expect(answers.find((a) => a.statusCode === 409)!.json().error).toEqual({
        code: 'quota_exceeded',
        message: 'This tenant already has its 3 integrations (TENANT_MAX_INTEGRATIONS); delete one first',
      });
      // Other tenants are not counted against it.
      expect((await call('POST', '/integrations', { key: keyA, body: { provider: 'shopify', name: 'free', config: { shopDomain: 'f.myshopify.com' } } })).status).toBe(201);
    } finally {
      await capped.app.close();
    }
  });

  describe('connections', () => {
    it('stores OAuth credentials sealed and answers with masked values only', async () => {
      const id = (await call('POST', '/integrations', { key: keyA, body: { provider: 'shopify', name: 'oauth', config: { shopDomain: 'oauth.myshopify.com' } } })).body.id;
      const body = {
        kind: 'oauth2',
        accessToken: 'access-SECRET-123',
        refreshToken: 'refresh-SECRET-456',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        tokenUrl: 'https://example.com/oauth/token',
        clientId: 'client-1',
        clientSecret: 'client-SECRET-789',
      };
      const answer = await call('PUT', `/integrations/${id}/connection`, { key: keyA, body });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ kind: 'oauth2', status: 'active', secrets: { accessToken: '********', clientSecret: '********' } });
      expect(answer.text).not.toMatch(/SECRET/);
      const stored = await env.db.query(`SELECT encode(secrets, 'escape') AS s FROM connections WHERE integration_id = $1`, [id]);
      expect(stored.rows[0].s).not.toMatch(/SECRET/);
      const bad = await call('PUT', `/integrations/${id}/connection`, { key: keyA, body: { ...body, clientSecret: undefined } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/clientSecret/);
    });
  });

  describe('syncs, status and webhooks', () => {
    it('starts a sync, coalesces a second request, shows live and final status', async () => {
      shop.options.pageDelayMs = 150;
      const id = await newIntegration(keyA);
      try {
        const started = await call('POST', `/integrations/${id}/sync`, { key: keyA, body: { mode: 'full_refresh' } });
        expect(started.status).toBe(202);
        expect(started.body).toMatchObject({ status: 'started', workflowId: syncWorkflowId(id) });
        const again = await call('POST', `/integrations/${id}/sync`, { key: keyA });
        expect(again.body).toMatchObject({ status: 'coalesced', syncTaskId: started.body.syncTaskId });
        let live;
        for (let i = 0; i < 100; i++) {
          live = (await call('GET', `/integrations/events/sync-status/${id}`, { key: keyA })).body;
          if (live.syncing && live.state.recordsFetched > 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(live).toMatchObject({ integrationId: id, syncing: true, paused: false, connectionStatus: 'active', state: { status: 'running' } });
        // The first pass, or the extra pass the coalesced request asked for (`<syncTaskId>.1`).
        expect(live.state.syncTaskId.startsWith(started.body.syncTaskId)).toBe(true);
        const final = await env.client.workflow.getHandle(syncWorkflowId(id)).result();
        expect(final).toMatchObject({ status: 'completed', passes: 2 });
        const after = (await call('GET', `/integrations/events/sync-status/${id}`, { key: keyA })).body;
        expect(after).toMatchObject({ syncing: false, state: null, lastSync: { status: 'completed', syncTaskId: final.syncTaskId, counts: expect.objectContaining({ recordsFetched: expect.any(Number) }) } });
      } finally {
        shop.options.pageDelayMs = 0;
      }
    });

    it('cancels a running sync', async () => {
      shop.options.pageDelayMs = 200;
      const id = await newIntegration(keyA);
      try {
        expect((await call('POST', `/integrations/${id}/sync`, { key: keyA, body: { mode: 'full_refresh' } })).status).toBe(202);
        await new Promise((r) => setTimeout(r, 500));
        const cancel = await call('DELETE', `/integrations/${id}/sync`, { key: keyA });
        expect(cancel.status).toBe(202);
        await expect(env.client.workflow.getHandle(syncWorkflowId(id)).result()).rejects.toThrow();
        const state = await env.client.workflow.getHandle(syncWorkflowId(id)).query(getSyncStateQuery);
        expect(state.status).toBe('cancelled');
        expect((await call('DELETE', `/integrations/${id}/sync`, { key: keyA })).status).toBe(409);
      } finally {
        shop.options.pageDelayMs = 0;
      }
    });

    it('deletes an integration with its running sync, connection, records and dead letters', async () => {
      const id = await newIntegration(keyA);
      try {
        // Records of a finished sync, then a second sync held running on its bulk export when the integration goes.
        expect((await call('POST', `/integrations/${id}/sync`, { key: keyA, body: { mode: 'full_refresh' } })).status).toBe(202);
        await env.client.workflow.getHandle(syncWorkflowId(id)).result();
        expect(await shardCount(env.db, id)).toBeGreaterThan(0);
        shop.options.bulkQueuedMs = 20_000;
        expect((await call('POST', `/integrations/${id}/sync`, { key: keyA, body: { mode: 'full_refresh' } })).status).toBe(202);
        await waitFor(async () => (await env.client.workflow.getHandle(syncWorkflowId(id)).query(getSyncStateQuery)).bulkExport?.status === 'running');
        expect((await call('DELETE', `/integrations/${id}`, { key: keyA })).status).toBe(204);
        await expect(env.client.workflow.getHandle(syncWorkflowId(id)).result()).rejects.toThrow();
        const left = await env.db.query(
          `SELECT (SELECT count(*) FROM shards WHERE integration_id = $1) + (SELECT count(*) FROM dead_letters WHERE integration_id = $1)
                + (SELECT count(*) FROM connections WHERE integration_id = $1) AS n`,
          [id],
        );
        expect(Number(left.rows[0].n)).toBe(0);
      } finally {
        shop.options.bulkQueuedMs = 0;
      }
    });

    it('accepts a signed Shopify webhook once, drops its redelivery, refuses a bad signature', async () => {
      const id = await newIntegration(keyA);
      const payload = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com' });
      const sign = (body: string, secret = WEBHOOK_SECRET) => createHmac('sha256', secret).update(body).digest('base64');
      const headers = (deliveryId: string, signature?: string) => ({
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'shop.myshopify.com',
        'x-shopify-webhook-id': deliveryId,
        'x-shopify-api-version': '2024-10',
        ...(signature ? { 'x-shopify-hmac-sha256': signature } : {}),
      });
      const path = `/webhooks/shopify/${id}`;
      const delivery = randomUUID();
      const first = await call('POST', path, { key: null, raw: payload, headers: headers(delivery, sign(payload)) });
      expect(first.status).toBe(202);
      expect(first.body.status).toBe('started');
      const redelivery = await call('POST', path, { key: null, raw: payload, headers: headers(delivery, sign(payload)) });
      expect(redelivery.body).toEqual({ status: 'duplicate' });
      expect((await call('POST', path, { key: null, raw: payload.replace('jon', 'eve'), headers: headers(randomUUID(), sign(payload)) })).status).toBe(401);
      expect((await call('POST', path, { key: null, raw: payload, headers: headers(randomUUID()) })).status).toBe(401);
      expect((await call('POST', path, { key: null, raw: payload, headers: headers(randomUUID(), sign(payload, 'other-secret')) })).status).toBe(401);
      expect((await call('POST', `/webhooks/myspace/${id}`, { key: null, raw: payload, headers: headers(randomUUID(), sign(payload)) })).status).toBe(404);
      // No delivery id: a captured signed body could be replayed forever, so it is refused.
      const anonymous = await call('POST', path, { key: null, raw: payload, headers: { ...headers(''), 'x-shopify-hmac-sha256': sign(payload) } });
      expect(anonymous.status).toBe(400);
      expect(anonymous.body.error.message).toBe('A shopify delivery must carry the x-shopify-webhook-id header');
      // Older than Shopify's 48-hour retry window: not one of its retries.
      const old = await call('POST', path, { key: null, raw: payload, headers: { ...headers(randomUUID(), sign(payload)), 'x-shopify-triggered-at': new Date(Date.now() - 72 * 3_600_000).toISOString() } });
      expect(old.status).toBe(400);
      expect(old.body.error.message).toContain('48 hours');
      // Another tenant's integration may receive a delivery with the same id: de-duplication is per integration.
      const other = await newIntegration(keyB);
      const theirs = await call('POST', `/webhooks/shopify/${other}`, { key: null, raw: payload, headers: headers(delivery, sign(payload)) });
      expect(theirs.status).toBe(202);
      const state = await env.client.workflow.getHandle(syncWorkflowId(id)).result();
      expect(state).toMatchObject({ status: 'completed', trigger: 'webhook', passes: 1 });
      const runs = [];
      for await (const run of env.client.workflow.list({ query: `WorkflowId = "${syncWorkflowId(id)}"` })) runs.push(run);
      expect(runs).toHaveLength(1);
    });
  });

  it('takes a signed orders/delete as a notice the next sync confirms with Shopify, and refuses one whose body names no order', async () => {
    const own = await new FakeShopify({ accessToken: SHOP_TOKEN }).start();
    try {
      own.addOrders(5);
      const created = await call('POST', '/integrations', { key: keyA, body: { provider: 'shopify', name: 'deletes', config: { baseUrl: own.baseUrl } } });
      const id = created.body.id as string;
      await call('PUT', `/integrations/${id}/connection`, { key: keyA, body: { kind: 'api_key', accessToken: SHOP_TOKEN, webhookSecret: WEBHOOK_SECRET } });
      expect((await call('POST', `/integrations/${id}/sync`, { key: keyA, body: { mode: 'full_refresh' } })).status).toBe(202);
      await env.client.workflow.getHandle(syncWorkflowId(id)).result();
      const [gone, kept] = [...own.orders.keys()].map(String);
      own.orders.delete(Number(gone));
      const post = (body: string) =>
        call('POST', `/webhooks/shopify/${id}`, {
          key: null,
          raw: body,
          headers: { 'x-shopify-topic': 'orders/delete', 'x-shopify-webhook-id': randomUUID(), 'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64') },
        });
      const refused = await post(JSON.stringify({ order: 'all of them' }));
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe('The orders/delete body must name the record by a numeric id');
      // Signed, but Shopify still has the order: a notice is a question to Shopify, not an order to delete.
      expect((await post(JSON.stringify({ id: Number(kept) }))).status).toBe(202);
      await env.client.workflow.getHandle(syncWorkflowId(id)).result();
      expect((await post(JSON.stringify({ id: Number(gone) }))).status).toBe(202);
      const state = await env.client.workflow.getHandle(syncWorkflowId(id)).result();
      expect(state).toMatchObject({ status: 'completed', trigger: 'webhook', deleted: 1 });
      const tombstones = await env.db.query(`SELECT external_id FROM shards WHERE integration_id = $1 AND deleted_at IS NOT NULL`, [id]);
      expect(tombstones.rows.map((r) => r.external_id)).toEqual([gone]);
      const events = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.integrationId === id);
      const deleted = events.filter((e) => e.type === 'integration.sync.order.deleted') as Array<EventEnvelope<'integration.sync.order.deleted'>>;
      expect(deleted.map((e) => e.data)).toEqual([expect.objectContaining({ externalId: gone, platform: 'shopify', orderNumber: expect.any(String) })]);
      expect(events.filter((e) => e.type === 'integration.data.deleted')).toHaveLength(1);
      expect((await env.db.query(`SELECT count(*)::int AS n FROM deletion_notices WHERE integration_id = $1`, [id])).rows[0].n).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it('accepts a signed WooCommerce webhook and refuses a tampered one', async () => {
    const created = await call('POST', '/integrations', { key: keyA, body: { provider: 'woocommerce', name: 'woo', config: { baseUrl: 'https://woo.example.com' } } });
    const id = created.body.id;
    await call('PUT', `/integrations/${id}/connection`, { key: keyA, body: { kind: 'api_key', consumerKey: 'ck', consumerSecret: 'cs', webhookSecret: WEBHOOK_SECRET } });
    const payload = JSON.stringify({ id: 727, status: 'processing' });
    const headers = (signature: string, delivery: string) => ({
      'x-wc-webhook-source': 'https://woo.example.com/',
      'x-wc-webhook-topic': 'order.updated',
      'x-wc-webhook-resource': 'order',
      'x-wc-webhook-event': 'updated',
      'x-wc-webhook-signature': signature,
      'x-wc-webhook-id': '12',
      'x-wc-webhook-delivery-id': delivery,
    });
    const signature = createHmac('sha256', WEBHOOK_SECRET).update(payload).digest('base64');
    const delivery = randomUUID();
    expect((await call('POST', `/webhooks/woocommerce/${id}`, { key: null, raw: payload, headers: headers(signature, delivery) })).status).toBe(202);
    expect((await call('POST', `/webhooks/woocommerce/${id}`, { key: null, raw: payload, headers: headers(signature, delivery) })).body).toEqual({ status: 'duplicate' });
    expect((await call('POST', `/webhooks/woocommerce/${id}`, { key: null, raw: `${payload} `, headers: headers(signature, randomUUID()) })).status).toBe(401);
    // The shop is not reachable from here; what matters is that the sync was started once.
    await env.client.workflow.getHandle(syncWorkflowId(id)).terminate('test done');
  });

  it('checks a HubSpot v3 signature against the public URL the proxy forwarded, only when told to trust the proxy', async () => {
    const created = await call('POST', '/integrations', { key: keyA, body: { provider: 'hubspot', name: 'crm', config: { baseUrl: 'https://api.hubapi.example.com' } } });
    const id = created.body.id as string;
    expect((await call('PUT', `/integrations/${id}/connection`, { key: keyA, body: { kind: 'api_key', accessToken: 'pat-na1-test', webhookSecret: WEBHOOK_SECRET } })).status).toBe(200);
    const payload = JSON.stringify([{ eventId: 100, subscriptionId: 12, portalId: 62515, objectId: 1246965, subscriptionType: 'deal.propertyChange', propertyName: 'amount', occurredAt: Date.now() }]);
    const timestamp = String(Date.now());
    // HubSpot signs what it called: the public https URL, which the load balancer forwards as plain HTTP.
    const publicUrl = `https://sync.example.com/webhooks/hubspot/${id}`;
    const signature = createHmac('sha256', WEBHOOK_SECRET).update(`POST${publicUrl}${payload}${timestamp}`).digest('base64');
    const request = {
      method: 'POST' as const,
      url: `/webhooks/hubspot/${id}`,
      payload,
      headers: {
        host: '10.0.0.7:3000',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'sync.example.com',
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      },
    };
    expect((await app.inject(request)).statusCode).toBe(401);
    const behindProxy = await startApi(env, { trustProxy: true });
    try {
      expect((await behindProxy.app.inject(request)).statusCode).toBe(202);
    } finally {
      await behindProxy.app.close();
    }
    await env.client.workflow.getHandle(syncWorkflowId(id)).terminate('test done');
  });

  describe('SSE', () => {
    it("streams a tenant's sync events with filters and heartbeats, and none of another tenant's", async () => {
      const idA = await newIntegration(keyA, 'sse-a');
      const idB = await newIntegration(keyB, 'sse-b');
      expect((await call('GET', '/integrations/events/sse/tenant-b', { key: keyA })).status).toBe(403);

      const controller = new AbortController();
      const response = await fetch(`${url}/integrations/events/sse/tenant-a?types=integration.sync.started,integration.sync.completed`, {
        headers: { authorization: `Bearer ${keyA}` },
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const reader = response.body!.getReader();
      let text = '';
      const readUntil = async (done: () => boolean) => {
        const deadline = Date.now() + 30_000;
        while (!done() && Date.now() < deadline) {
          const { value } = await reader.read();
          text += new TextDecoder().decode(value);
        }
      };
      await readUntil(() => text.includes(': connected'));
      for (const [key, id] of [[keyB, idB], [keyA, idA]] as const) expect((await call('POST', `/integrations/${id}/sync`, { key })).status).toBe(202);
      await readUntil(() => text.includes('event: integration.sync.completed') && text.includes(': heartbeat'));
      controller.abort();

      const blocks = text.split('\n\n').filter((block) => block.startsWith('event:'));
      const field = (block: string, name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))!.slice(name.length + 2);
      const events = blocks.map((block) => JSON.parse(field(block, 'data')));
      expect(events.map((e) => e.type)).toEqual(['integration.sync.started', 'integration.sync.completed']);
      expect(events.every((e) => e.tenantId === 'tenant-a' && e.integrationId === idA)).toBe(true);
      const positions = blocks.map((block) => field(block, 'id'));

      // Reconnecting with Last-Event-ID replays what came after it from the Redis live feed.
      const resumed = await fetch(`${url}/integrations/events/sse/tenant-a?integrationId=${idA}`, {
        headers: { authorization: `Bearer ${keyA}`, 'last-event-id': positions[0]! },
        signal: AbortSignal.timeout(10_000),
      });
      const resumedReader = resumed.body!.getReader();
      let replayed = '';
      while (!replayed.includes('event: integration.sync.completed')) replayed += new TextDecoder().decode((await resumedReader.read()).value);
      await resumedReader.cancel();
      expect(replayed).not.toContain('event: integration.sync.started');
      expect(replayed).toContain(`id: ${positions[1]}`);
      expect(replayed).toContain(`"id":"${events[1].id}"`);

      // Both streams shared the process's one feed reader, released once their clients have gone.
      const redis = new Redis(env.servers.redisUrl);
      try {
        const readers = async () => String(await redis.client('LIST')).split('\n').filter((line) => line.includes(`name=${env.bus.feedReaderName} `)).length;
        await waitFor(async () => (await readers()) === 0, 10_000, async () => `${await readers()} feed readers still open`);
      } finally {
        redis.disconnect();
      }
    });
  });

  it('lists dead letters and replays them through a fixed mapping', async () => {
    const id = await newIntegration(keyA, 'dead-letters');
    const bad = shop.addOrders(3, new Date('2026-09-01T00:00:00Z'));
    for (const order of bad) order.totalPriceSet = { shopMoney: { amount: 'n/a', currencyCode: 'USD' } };
    expect((await call('POST', `/integrations/${id}/sync`, { key: keyA })).status).toBe(202);
    const synced = await env.client.workflow.getHandle(syncWorkflowId(id)).result();
    expect(synced.rejected).toBe(3);
    const letters = await call('GET', `/integrations/${id}/dead-letters`, { key: keyA });
    expect(letters.body.items.map((l: { externalId: string }) => l.externalId).sort()).toEqual(bad.map((o) => o.legacyResourceId).sort());
    expect(letters.body.items[0].error).toMatch(/totalPrice/);

    const badMapping = await call('PUT', `/integrations/${id}/mappings/Order`, { key: keyA, body: { fields: { totalPrice: { path: 'x', transform: 'float' } } } });
    expect(badMapping.status).toBe(400);
    const fixed = await call('PUT', `/integrations/${id}/mappings/Order`, { key: keyA, body: { fields: { totalPrice: { path: 'totalTaxSet.shopMoney.amount', transform: 'money' } } } });
    expect(fixed.body.effective.fields.orderNumber).toBeDefined();
    const replay = await call('POST', `/integrations/${id}/dead-letters/replay`, { key: keyA });
    expect(replay.status).toBe(202);
    const result = await env.client.workflow.getHandle(replay.body.workflowId).result();
    expect(result).toMatchObject({ created: 3, rejected: 0 });
    recordHistory('replay-dead-letters', replay.body.workflowId, env.servers.temporalAddress);
    expect((await call('GET', `/integrations/${id}/dead-letters`, { key: keyA })).body.items).toEqual([]);
    for (const order of bad) shop.orders.delete(Number(order.legacyResourceId));
  });

  it('takes small bodies on its own routes and large ones on webhooks', async () => {
    const id = await newIntegration(keyA, 'body-limits');
    const big = { provider: 'shopify', name: 'x'.repeat(100 * 1024), config: { shopDomain: 'a.myshopify.com' } };
    const refused = await call('POST', '/integrations', { key: keyA, body: big });
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('payload_too_large');
    // 500 KB of webhook: read whole and judged on its signature (401), not cut off for size.
    const webhook = await fetch(`${url}/webhooks/shopify/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': 'bad', 'x-shopify-webhook-id': randomUUID() },
      body: JSON.stringify({ orders: 'x'.repeat(500 * 1024) }),
    });
    expect(webhook.status).toBe(401);
  });

  it('never answers 5xx to generated bad input', async () => {
    const id = await newIntegration(keyA, 'fuzz');
    const routes: Array<[string, string]> = [
      ['POST', '/integrations'],
      ['PATCH', `/integrations/${id}`],
      ['PUT', `/integrations/${id}/connection`],
      ['POST', `/integrations/${id}/sync`],
      ['POST', `/integrations/${id}/pause`],
      ['POST', '/tenants'],
      ['POST', `/webhooks/shopify/${id}`],
      ['PUT', `/integrations/${id}/mappings/Order`],
      ['POST', `/integrations/${id}/dead-letters/replay`],
    ];
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), async ([method, path], raw) => {
        const key = path === '/tenants' ? ADMIN_KEY : keyA;
        const answer = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: raw });
        statuses.push(answer.status);
        return answer.status < 500;
      }),
      { numRuns: 300 },
    );
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
