// Redis goes away in the middle of a sync and stays away: the sync does not wait for it. Its events wait in the
// PostgreSQL outbox (sync status says so), and once Redis is back the worker's relay delivers every one of them, in
// the integration's order (a consumer de-duplicating by id sees each exactly once).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventEnvelope } from '../../events/envelope';
import { outboxBacklog } from '../../store/event-outbox';
import { integrationSync } from '../../workflows';
import { newTenantKey, startApi } from '../support/api-app';
import { dedupe, ofType, readStream } from '../support/events';
import type { FakeShopify } from '../support/fake-shopify';
import { manualSync } from '../support/manual-sync';
import { freePort } from '../support/free-port';
import type { IntegrationEnv } from '../support/integration-env';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { createShopIntegration, shardCount } from '../support/seed';
import { startShopEnv } from '../support/shop-env';
import { waitFor, withDeadline } from '../support/wait';

const TOKEN = 'shpat_outage';
const TENANT = 'tenant-outage';

describe('a sync across a Redis outage', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let close: (() => Promise<void>) | undefined;
  let redis: RedisServer;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-outage-'));

  beforeAll(async () => ({ env, shop, close } = await startShopEnv(TOKEN, 1_000, { pageDelayMs: 50 })));

  afterAll(async () => {
    // Closed here, not at the test's end: a failed assertion must not leave a listening server holding jest open.
    await api?.app.close();
    await redis?.stop();
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes without Redis and delivers every event, in order, when it is back', async () => {
    const port = await freePort();
    // Its own Redis with an append-only file, so a stop and start keeps what was accepted before.
    const persistent = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    redis = await startRedisServer(port, persistent);
    api = await startApi(env);
    const key = await newTenantKey(api.app, TENANT);
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const worker = await env.startWorker({ REDIS_URL: redis.url, RUN_CONSUMER: 'false' });
    const correlationId = randomUUID();
    const handle = await env.client.workflow.start(
      integrationSync,
      manualSync(env.taskQueue, integrationId, TENANT, { correlationId, tuning: { pageSize: 50, chunkMaxRecords: 200, heartbeatTimeoutMs: 5_000 } }),
    );
    const stored = () => shardCount(env.db, integrationId);
    const explain = async (what: string) => {
      const { status, raw } = await handle.describe();
      const pending = raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, lastFailure: a.lastFailure?.message }));
      return `${what}: workflow ${status.name}, ${await stored()} stored, pending ${JSON.stringify(pending)}\n${worker.output().slice(-8_000)}`;
    };
    await waitFor(async () => (await stored()) >= 200, 30_000, () => explain('200 records not stored'));

    await redis.stop();
    // Redis stays down: the sync does not wait for it (before the outbox it failed once its retries ran out).
    const state = await withDeadline(handle.result(), 60_000, () => explain('sync not finished while Redis was down'));
    expect(state).toMatchObject({ status: 'completed', created: 1_000 });
    const waiting = await outboxBacklog(env.db, integrationId);
    expect(waiting.events).toBeGreaterThan(0);
    const status = await api.app.inject({ url: `/integrations/events/sync-status/${integrationId}`, headers: { authorization: `Bearer ${key}` } });
    expect(status.json().undeliveredEvents.count).toBe(waiting.events);

    redis = await startRedisServer(port, persistent);
    await waitFor(async () => (await outboxBacklog(env.db, integrationId)).events === 0, 30_000, () => explain('outbox not delivered'));

    const entries = (await readStream(redis.url, `${env.keyPrefix}events`)).filter((e) => e.correlationId === correlationId);
    // At least once: a publish Redis took just as it went down (its answer lost) is spilled and delivered again. A
    // consumer keeps the first copy by id; the copies are at most that one publish call's events.
    const events = dedupe(entries);
    expect(entries.length - events.length).toBeLessThanOrEqual(100);
    const mapped = ofType(events, 'integration.data.mapped') as Array<EventEnvelope<'integration.data.mapped'>>;
    expect(new Set(mapped.map((m) => m.data.externalId)).size).toBe(1_000);
    expect(ofType(events, 'integration.sync.order.created')).toHaveLength(1_000);
    expect(ofType(events, 'integration.sync.completed')).toHaveLength(1);
    const rawCount = (ofType(events, 'integration.data.raw.batch') as Array<EventEnvelope<'integration.data.raw.batch'>>).reduce((n, b) => n + b.data.batchSize, 0) + ofType(events, 'integration.data.raw').length;
    expect(rawCount).toBe(1_000);
    // In the integration's order: started first, completed last, every record's raw event before its mapped one.
    expect(events[0]!.type).toBe('integration.sync.started');
    expect(events[events.length - 1]!.type).toBe('integration.sync.completed');
    const rawAt = new Map<string, number>();
    events.forEach((e, index) => {
      if (e.type === 'integration.data.raw') rawAt.set((e as EventEnvelope<'integration.data.raw'>).data.externalId, index);
      if (e.type === 'integration.data.raw.batch') for (const r of (e as EventEnvelope<'integration.data.raw.batch'>).data.records) rawAt.set(r.externalId, index);
    });
    expect(rawAt.size).toBe(1_000);
    const mappedAt = new Map(events.map((e, index) => [e, index] as const).filter(([e]) => e.type === 'integration.data.mapped').map(([e, index]) => [(e as EventEnvelope<'integration.data.mapped'>).data.externalId, index]));
    expect([...mappedAt].filter(([externalId, index]) => !(rawAt.get(externalId)! < index))).toEqual([]);
    expect(worker.output()).toContain('delivered events held while Redis was unreachable');
    await worker.stop();
  });
});
