// The page pipeline's deletes against a real PostgreSQL: a tombstone per deleted record and its events exactly once
// per sync task, the same ones again when a page is retried (a worker died between the store and the publish).
import { randomUUID } from 'node:crypto';
import { processPage, type PageContext } from '../../activities/sync-page';
import { woocommerceConnector } from '../../connectors/woocommerce/connector';
import type { RawRecord } from '../../connectors/types';
import { MemoryEventBus } from '../../events/memory-bus';
import { entitySchemas } from '../../mapping/entities';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { createIntegration } from '../support/seed';
import { tombstoneShardsQuery, upsertShards, upsertShardsQuery, type ShardInput } from '../../store/shards';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const template = (JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'providers', 'woocommerce', 'orders.json'), 'utf8')) as Array<Record<string, unknown>>)[0]!;
const order = (id: number, total = '10.00'): RawRecord => ({ externalId: String(id), data: { ...template, id, number: String(id), total } });
const gone = (id: number): RawRecord => ({ externalId: String(id), data: { id }, deleted: true });

describe('deleted records in the page pipeline', () => {
  let env: IntegrationEnv;
  let integrationId: string;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    integrationId = await createIntegration(env.db, { tenantId: 't', provider: 'woocommerce', config: { baseUrl: 'http://127.0.0.1:9' }, secrets: { consumerKey: 'k', consumerSecret: 's' }, encryptionKey: env.encryptionKey });
  });

  afterAll(async () => {
    await env?.close();
  });

  const page = (bus: MemoryEventBus, syncTaskId: string): PageContext => ({
    db: env.db,
    bus,
    connector: woocommerceConnector,
    mapping: woocommerceConnector.defaultMappings.Order!,
    schema: entitySchemas.Order!,
    batchThreshold: 100,
    tenantId: 't',
    integrationId,
    entityType: 'Order',
    syncTaskId,
    correlationId: 'c',
    pageKey: 'p',
    now: () => new Date(),
  });
  const ofType = (bus: MemoryEventBus, type: string) => bus.recent.filter((e) => e.type === type);

  it('tombstones stored records once, answers a retried page with the same events, and creates a returning record again', async () => {
    await processPage(page(new MemoryEventBus(), randomUUID()), [order(1), order(2), order(3)]);

    const task = randomUUID();
    const first = new MemoryEventBus();
    // 2 is deleted, 9 was never stored (nothing to announce), 3 is unchanged.
    const counters = await processPage(page(first, task), [gone(2), gone(9), order(3)]);
    expect(counters).toMatchObject({ recordsFetched: 3, deleted: 1, unchanged: 1, created: 0 });
    expect(ofType(first, 'integration.data.deleted').map((e) => (e.data as { externalId: string }).externalId)).toEqual(['2']);
    expect(ofType(first, 'integration.sync.order.deleted')).toHaveLength(1);
    // No raw event for a record the provider no longer has.
    expect(ofType(first, 'integration.data.raw').map((e) => (e.data as { externalId: string }).externalId)).toEqual(['3']);

    // The same page again under the same task: the same delete, with the same event ids (consumers drop the copy).
    const retried = new MemoryEventBus();
    expect(await processPage(page(retried, task), [gone(2), gone(9), order(3)])).toMatchObject({ deleted: 1 });
    const ids = (bus: MemoryEventBus) => bus.recent.filter((e) => e.type.endsWith('deleted')).map((e) => e.id).sort();
    expect(ids(retried)).toEqual(ids(first));

    // Another sync task listing the same delete (the trash listed again): nothing.
    const later = new MemoryEventBus();
    expect(await processPage(page(later, randomUUID()), [gone(2)])).toMatchObject({ deleted: 0 });
    expect(later.recent).toHaveLength(0);

    // Back (restored from the trash, or re-created): created again, even with the same content.
    const back = new MemoryEventBus();
    expect(await processPage(page(back, randomUUID()), [order(2)])).toMatchObject({ created: 1, deleted: 0 });
    expect(ofType(back, 'integration.sync.order.created')).toHaveLength(1);
    const { rows } = await env.db.query(`SELECT deleted_at, last_change FROM shards WHERE integration_id = $1 AND external_id = '2'`, [integrationId]);
    expect(rows[0]).toEqual({ deleted_at: null, last_change: 'created' });
  });

  it("gives a page's new records ids that follow the previous page's (the primary key grows at its end)", async () => {
    const key = { tenantId: 't', integrationId, entityType: 'Order', syncTaskId: randomUUID() };
    const shard = (id: string): ShardInput => ({ externalId: id, data: { id }, json: JSON.stringify({ id }), contentHash: `h${id}` });
    const ids = async (prefix: string) =>
      (await upsertShards(env.db, key, Array.from({ length: 50 }, (_, i) => shard(`${prefix}-${i}`)))).map((r) => r.shardId);
    const first = await ids('ordered-a');
    const second = await ids('ordered-b');
    // Version 7: a time-ordered id; its text sorts as its bytes do.
    expect([...first, ...second].every((id) => id[14] === '7')).toBe(true);
    expect([...second].sort()[0]! > [...first].sort().at(-1)!).toBe(true);
  });

  it("reads a page's stored rows by their key, however many rows the integration has", async () => {
    // A fresh integration: PostgreSQL's statistics have not seen its rows, which once made it serve the page's lookup
    // by scanning every row of the integration (by integration_id), for every page.
    const fresh = await createIntegration(env.db, { tenantId: 't', provider: 'woocommerce', config: { baseUrl: 'http://127.0.0.1:9' }, secrets: { consumerKey: 'k', consumerSecret: 's' }, encryptionKey: env.encryptionKey });
    const key = { tenantId: 't', integrationId: fresh, entityType: 'Order', syncTaskId: randomUUID() };
    const shard = (id: number): ShardInput => ({ externalId: String(id), data: { id }, json: JSON.stringify({ id }), contentHash: `h${id}` });
    for (let from = 0; from < 3_000; from += 500) await upsertShards(env.db, key, Array.from({ length: 500 }, (_, i) => shard(from + i)));
    const page = Array.from({ length: 20 }, (_, i) => shard(1_000 + i * 97));
    // Rows each plan node produced or read and dropped: a page of 20 must not touch thousands.
    const rowsTouched = async (query: { text: string; values: unknown[] }) => {
      const client = await env.db.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`, query.values);
        const touched: number[] = [];
        const walk = (node: Record<string, unknown>) => {
          touched.push(Number(node['Actual Rows'] ?? 0) + Number(node['Rows Removed by Filter'] ?? 0));
          for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
        };
        walk((rows[0]['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
        return Math.max(...touched);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    const unchanged = upsertShardsQuery({ ...key, syncTaskId: randomUUID() }, page);
    expect(await rowsTouched(unchanged)).toBeLessThanOrEqual(page.length);
    expect(await rowsTouched(tombstoneShardsQuery({ ...key, syncTaskId: randomUUID() }, page.map((s) => s.externalId)))).toBeLessThanOrEqual(page.length);
  });
});
