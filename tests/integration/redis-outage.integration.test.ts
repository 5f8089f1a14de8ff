// Redis goes away for 10 s in the middle of a sync and comes back: publishing activities fail, Temporal retries
// them, and afterwards every event of the sync is in the stream.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventEnvelope } from '../../events/envelope';
import { integrationSync } from '../../workflows';
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
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-outage-'));

  beforeAll(async () => ({ env, shop, close } = await startShopEnv(TOKEN, 1_000, { pageDelayMs: 50 })));

  afterAll(async () => {
    await redis?.stop();
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no event', async () => {
    const port = await freePort();
    // Its own Redis with an append-only file, so a stop and start keeps what was accepted before.
    const persistent = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    redis = await startRedisServer(port, persistent);
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const worker = await env.startWorker({ REDIS_URL: redis.url, RUN_CONSUMER: 'false' });
    const correlationId = randomUUID();
    const handle = await env.client.workflow.start(
      integrationSync,
      manualSync(env.taskQueue, integrationId, TENANT, { correlationId, tuning: { pageSize: 50, chunkMaxRecords: 200, heartbeatTimeoutMs: 5_000 } }),
    );
    const stored = () => shardCount(env.db, integrationId);
    // Says why when it gets stuck: the workflow's state and pending activities, and the worker's last log lines.
    const explain = async (what: string) => {
      const { status, raw } = await handle.describe();
      const pending = raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, lastFailure: a.lastFailure?.message }));
      return `${what}: workflow ${status.name}, ${await stored()} stored, pending ${JSON.stringify(pending)}\n${worker.output().slice(-8_000)}`;
    };
    await waitFor(async () => (await stored()) >= 200, 30_000, () => explain('200 records not stored'));

    await redis.stop();
    const storedWhenDown = await stored();
    await new Promise((r) => setTimeout(r, 10_000));
    expect(await stored()).toBeLessThan(1_000); // the sync waited for Redis instead of finishing without its events
    expect(await stored()).toBeGreaterThanOrEqual(storedWhenDown);
    redis = await startRedisServer(port, persistent);

    const state = await withDeadline(handle.result(), 75_000, () => explain('sync not finished'));
    expect(state).toMatchObject({ status: 'completed', created: 1_000 });
    const events = dedupe(await readStream(redis.url, `${env.keyPrefix}events`)).filter((e) => e.correlationId === correlationId);
    const mapped = ofType(events, 'integration.data.mapped') as Array<EventEnvelope<'integration.data.mapped'>>;
    expect(new Set(mapped.map((m) => m.data.idempotencyKey)).size).toBe(1_000);
    expect(ofType(events, 'integration.sync.order.created')).toHaveLength(1_000);
    const rawCount = (ofType(events, 'integration.data.raw.batch') as Array<EventEnvelope<'integration.data.raw.batch'>>).reduce((n, b) => n + b.data.batchSize, 0) + ofType(events, 'integration.data.raw').length;
    expect(rawCount).toBe(1_000);
    expect(ofType(events, 'integration.sync.completed')).toHaveLength(1);
    await worker.stop();
  });
});
