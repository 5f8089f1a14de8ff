import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { getSyncStateQuery, integrationSync, requestSyncSignal } from '../../workflows';
import type { SyncInput } from '../../contracts/sync';
import { syncWorkflowId } from '../../contracts/sync';
import type { EventEnvelope } from '../../events/envelope';
import { dedupe, ofType, readStream } from '../support/events';
import { FakeShopify } from '../support/fake-shopify';
import { waitFor } from '../support/wait';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { recordHistory } from '../support/record-history';
import { startOrSignalSync } from '../../temporal/sync-starter';
import { createShopIntegration, shardCount } from '../support/seed';

const TOKEN = 'shpat_test_token';
const TENANT = 'tenant-resilience';

describe('integrationSync under failures, signals and cancellation', () => {
  let env: IntegrationEnv;

  beforeAll(async () => {
    env = await createIntegrationEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  async function newShop(orders: number, pageDelayMs: number) {
    const shop = await new FakeShopify({ accessToken: TOKEN, pageDelayMs }).start();
    shop.addOrders(orders);
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    return { shop, integrationId };
  }

  const input = (integrationId: string, tuning: SyncInput['tuning']): SyncInput => ({
    integrationId,
    tenantId: TENANT,
    trigger: 'manual',
    mode: 'full_refresh',
    correlationId: randomUUID(),
    tuning: { heartbeatTimeoutMs: 3_000, ...tuning },
  });

  const eventsOf = async (correlationId: string) =>
    (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.correlationId === correlationId);

  it('finishes on a second worker after the first is SIGKILLed mid-sync, storing and announcing every order once', async () => {
    const { shop, integrationId } = await newShop(1_000, 60);
    const first = await env.startWorker();
    const args = input(integrationId, { pageSize: 50, chunkMaxRecords: 200 });
    const handle = await env.client.workflow.start(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] });
    await waitFor(async () => (await shardCount(env.db, integrationId)) >= 300);
    await first.stop('SIGKILL');
    const second = await env.startWorker();
    const state = await handle.result();
    await second.stop();
    await shop.stop();

    expect(state).toMatchObject({ status: 'completed', created: 1_000, recordsFetched: 1_000 });
    expect(await shardCount(env.db, integrationId)).toBe(1_000);
    const events = await eventsOf(args.correlationId);
    const mapped = ofType(dedupe(events), 'integration.data.mapped') as Array<EventEnvelope<'integration.data.mapped'>>;
    const keys = mapped.map((m) => m.data.idempotencyKey);
    expect(keys).toHaveLength(1_000);
    expect(new Set(keys).size).toBe(1_000);
    expect(ofType(dedupe(events), 'integration.sync.order.created')).toHaveLength(1_000);
    expect(ofType(events, 'integration.sync.completed')).toHaveLength(1);
    recordHistory('sync-after-worker-kill', handle.workflowId, env.servers.temporalAddress);
  });

  it('backfills 100,000 orders through a bulk export, and a worker SIGKILLed mid-download resumes after its last committed order', async () => {
    const shop = await new FakeShopify({ accessToken: TOKEN }).start();
    shop.generateOrders(100_000);
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const first = await env.startWorker();
    const args = input(integrationId, { chunkMaxRecords: 20_000 });
    const handle = await env.client.workflow.start(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] });
    await waitFor(async () => (await shardCount(env.db, integrationId)) >= 30_000, 120_000);
    const downloadsBeforeKill = shop.bulkDownloads.length;
    await first.stop('SIGKILL');
    const second = await env.startWorker();
    const state = await handle.result();
    await second.stop();
    await shop.stop();
    recordHistory('sync-bulk-export-checks-1.5x', handle.workflowId, env.servers.temporalAddress);

    expect(state).toMatchObject({ status: 'completed', created: 100_000, recordsFetched: 100_000, bulkExport: { status: 'completed', objectCount: 225_000 } });
    expect(shop.bulkOperations).toHaveLength(1);
    expect(await shardCount(env.db, integrationId)).toBe(100_000);
    // Every read after the kill started from a byte offset inside the file: none went back to its first line.
    expect(shop.bulkDownloads.slice(downloadsBeforeKill).every((offset) => offset > 0)).toBe(true);
    // The stream keeps its newest entries only (EVENT_STREAM_MAXLEN): of those, no order was announced twice.
    const events = dedupe(await eventsOf(args.correlationId));
    const created = ofType(events, 'integration.sync.order.created') as Array<EventEnvelope<'integration.sync.order.created'>>;
    expect(created.length).toBeGreaterThan(10_000);
    expect(new Set(created.map((e) => e.data.externalId)).size).toBe(created.length);
    expect(ofType(events, 'integration.sync.completed')).toHaveLength(1);
    // The nested line items (lines of their own in the file) are back under their orders.
    const items = await env.db.query<{ n: string }>(`SELECT sum(jsonb_array_length(data->'lineItems')) AS n FROM shards WHERE integration_id = $1`, [integrationId]);
    expect(Number(items.rows[0]!.n)).toBe(125_000);
  }, 300_000);

  it('reads a large bulk export as parts at once, continues as new between their chunks, and reconciles deletes only once every part is read', async () => {
    const shop = await new FakeShopify({ accessToken: TOKEN }).start();
    const orders = shop.addOrders(1_500);
    // About 17 MB of JSONL: three parts of at least BULK_PART_MIN_BYTES.
    const template = orders[1]!.lineItems[0]!;
    for (const order of orders) order.lineItems = Array.from({ length: 40 }, (_, i) => ({ ...template, id: `gid://shopify/LineItem/${order.legacyResourceId}${i}` }));
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const worker = await env.startWorker();
    const sync = async () => {
      const args = input(integrationId, { bulkParts: 3, chunkMaxRecords: 100, chunksPerRun: 2 });
      const handle = await env.client.workflow.start(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] });
      const state = await handle.result();
      // The last run's start names the run it continues.
      const started = (await env.client.workflow.getHandle(handle.workflowId).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      return { state, correlationId: args.correlationId, continued: Boolean(started?.continuedExecutionRunId), handle };
    };
    try {
      const first = await sync();
      expect(first.state).toMatchObject({ status: 'completed', created: 1_500, recordsFetched: 1_500, deleted: 0 });
      expect(first.continued).toBe(true);
      // Three parts read at once: downloads started in each third of the file before the first part was done.
      const size = Number(shop.bulkOperations[0]!.fileSize);
      const thirds = new Set(shop.bulkDownloads.slice(0, 6).map((offset) => Math.floor((offset * 3) / size)));
      expect(thirds).toEqual(new Set([0, 1, 2]));
      const events = dedupe(await eventsOf(first.correlationId));
      const created = ofType(events, 'integration.sync.order.created') as Array<EventEnvelope<'integration.sync.order.created'>>;
      expect(new Set(created.map((e) => e.data.externalId)).size).toBe(1_500);
      expect(created).toHaveLength(1_500);
      const items = await env.db.query<{ n: string }>(`SELECT sum(jsonb_array_length(data->'lineItems')) AS n FROM shards WHERE integration_id = $1`, [integrationId]);
      expect(Number(items.rows[0]!.n)).toBe(60_000);

      // A full refresh lists everything: the parts ending one after the other must not delete what a later one reads.
      const gone = [orders[10]!, orders[750]!, orders[1_490]!].map((o) => o.legacyResourceId);
      for (const id of gone) shop.orders.delete(Number(id));
      const second = await sync();
      expect(second.state).toMatchObject({ status: 'completed', recordsFetched: 1_497, unchanged: 1_497, deleted: 3 });
      const deleted = ofType(await eventsOf(second.correlationId), 'integration.sync.order.deleted') as Array<EventEnvelope<'integration.sync.order.deleted'>>;
      expect(deleted.map((e) => e.data.externalId).sort()).toEqual([...gone].sort());
      // Its first run decides on parts (patched) and hands them over; its last reads the rest and reconciles.
      recordHistory('sync-bulk-parts', second.handle.workflowId, env.servers.temporalAddress, second.handle.firstExecutionRunId);
      recordHistory('sync-bulk-parts-continued', second.handle.workflowId, env.servers.temporalAddress);
    } finally {
      await worker.stop();
      await shop.stop();
    }
  }, 240_000);

  it("fails the sync with Shopify's reason when its bulk export fails or expires", async () => {
    for (const [status, errorCode, reason] of [['FAILED', 'INTERNAL_SERVER_ERROR', 'FAILED (INTERNAL_SERVER_ERROR)'], ['EXPIRED', null, 'EXPIRED']] as const) {
      const { shop, integrationId } = await newShop(10, 0);
      shop.failNextBulk(status, errorCode);
      const worker = await env.startWorker();
      const args = input(integrationId, {});
      const failure = await env.client.workflow.execute(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] }).catch((err: unknown) => err);
      await worker.stop();
      await shop.stop();
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const [failed] = ofType(await eventsOf(args.correlationId), 'integration.sync.failed') as Array<EventEnvelope<'integration.sync.failed'>>;
      expect(failed!.data.error).toContain(`ended ${reason}`);
    }
  });

  it('runs exactly one more pass for any number of requestSync signals during a sync', async () => {
    const { shop, integrationId } = await newShop(300, 80);
    const worker = await env.startWorker();
    const args = input(integrationId, { pageSize: 50, chunkMaxRecords: 100 });
    const handle = await env.client.workflow.start(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] });
    await waitFor(async () => (await shardCount(env.db, integrationId)) >= 50);
    for (let i = 0; i < 3; i++) await handle.signal(requestSyncSignal, { trigger: 'webhook' });
    const state = await handle.result();
    await worker.stop();
    await shop.stop();

    expect(state).toMatchObject({ status: 'completed', passes: 2, pendingPasses: 0 });
    const events = dedupe(await eventsOf(args.correlationId));
    expect(ofType(events, 'integration.sync.started')).toHaveLength(2);
    expect(ofType(events, 'integration.sync.completed')).toHaveLength(2);
    recordHistory('sync-with-extra-pass', handle.workflowId, env.servers.temporalAddress);
  });

  it('keeps the history small under a storm of 5,000 requests for one more pass during a sync', async () => {
    // 20 pages of 5 s each: the sync outlasts the storm however loaded the machine is (it is terminated after).
    const { shop, integrationId } = await newShop(400, 5_000);
    const worker = await env.startWorker();
    const args = input(integrationId, { pageSize: 20, heartbeatTimeoutMs: 30_000 });
    const handle = await env.client.workflow.start(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] });
    await waitFor(async () => shop.requests > 0);
    const lengthBefore = (await handle.describe()).historyLength;
    // What 5,000 webhooks for a running sync do: start-or-signal, 250 at a time.
    for (let sent = 0; sent < 5_000; sent += 250) {
      const results = await Promise.all(
        Array.from({ length: 250 }, () => startOrSignalSync(env.client, env.taskQueue, { integrationId, tenantId: TENANT, trigger: 'webhook', mode: 'incremental', correlationId: randomUUID() })),
      );
      expect(results.every((r) => r.status === 'coalesced')).toBe(true);
    }
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    const signals = (await handle.fetchHistory()).events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;
    // The first request signals; the rest find a pass pending. A few may race the first signal's workflow task.
    expect(signals).toBeLessThanOrEqual(30);
    expect(description.historyLength - lengthBefore).toBeLessThan(200);
    await handle.terminate('storm test done');
    // Its activity is still waiting on a 5-second page: no graceful drain needed.
    await worker.stop('SIGKILL');
    await shop.stop();
  });

  it('starts or signals in one round trip that needs no worker, and the sync it starts runs one pass', async () => {
    const { shop, integrationId } = await newShop(20, 0);
    // No worker polls this queue yet: a request that waited on one (a query) would sit until its 60 s deadline.
    const queue = `${env.taskQueue}-unpolled`;
    const request = (entityTypes?: string[]) =>
      startOrSignalSync(env.client, queue, { integrationId, tenantId: TENANT, trigger: 'webhook', mode: 'incremental', correlationId: randomUUID(), ...(entityTypes ? { entityTypes } : {}) }, { queryTimeoutMs: 60_000 });
    const began = Date.now();
    const first = await request();
    const second = await request();
    const third = await request(['Order']);
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(first).toMatchObject({ status: 'started', syncTaskId: expect.any(String) });
    for (const later of [second, third]) expect(later).toEqual({ workflowId: first.workflowId, syncTaskId: null, status: 'coalesced' });
    const handle = env.client.workflow.getHandle(first.workflowId);
    const signals = (await handle.fetchHistory()).events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    expect(signals).toBe(3); // the start's own and the two later requests'

    const worker = await env.startWorker({ TASK_QUEUE: queue });
    const state = await handle.result();
    await worker.stop();
    await shop.stop();
    // The start's own request is not a second pass; those that found it running are one.
    expect(state).toMatchObject({ status: 'completed', syncTaskId: `${first.syncTaskId}.1`, passes: 2, pendingPasses: 0 });
    recordHistory('sync-signal-with-start', handle.workflowId, env.servers.temporalAddress);
  });

  it('stops a cancelled sync at a page boundary, ends cancelled and publishes sync.failed', async () => {
    const { shop, integrationId } = await newShop(1_000, 150);
    const worker = await env.startWorker();
    const args = input(integrationId, { pageSize: 25, chunkMaxRecords: 1_000 });
    const handle = await env.client.workflow.start(integrationSync, { taskQueue: env.taskQueue, workflowId: syncWorkflowId(integrationId), args: [args] });
    await waitFor(async () => (await shardCount(env.db, integrationId)) >= 100);
    await handle.cancel();
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    const state = await handle.query(getSyncStateQuery);
    expect(state.status).toBe('cancelled');
    const stored = await shardCount(env.db, integrationId);
    expect(stored % 25).toBe(0); // whole pages only
    expect(stored).toBeLessThan(1_000);
    const [failed] = ofType(await eventsOf(args.correlationId), 'integration.sync.failed') as Array<EventEnvelope<'integration.sync.failed'>>;
    expect(failed!.data.error).toBe('cancelled');
    const row = await env.db.query('SELECT last_sync_status FROM integrations WHERE id = $1', [integrationId]);
    expect(row.rows[0].last_sync_status).toBe('cancelled');
    await worker.stop();
    await shop.stop();
    recordHistory('sync-cancelled', handle.workflowId, env.servers.temporalAddress);
  });
});
