// One fetched page through the pipeline: publish raw → map → store → publish results. Plain functions, so the
// benchmark's raw pipeline and the Temporal activity run exactly the same code.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { emptyCounters, type SyncCounters } from '../contracts/sync';
import type { Connector, RawRecord } from '../connectors/types';
import type { EventBus } from '../events/bus';
import { createEvent, type EventContext, type EventEnvelope } from '../events/envelope';
import { mapRecord, MappingError, type FieldMapping } from '../mapping/field-mapping';
import type { Db } from '../store/db';
import { recordDeadLetters, type DeadLetter } from '../store/dead-letters';
import { upsertShards, type ShardInput } from '../store/shards';

export interface PageContext {
  db: Db;
  bus: EventBus;
  connector: Connector;
  mapping: FieldMapping;
  schema: z.ZodType<Record<string, unknown>>;
  batchThreshold: number;
  tenantId: string;
  integrationId: string;
  entityType: string;
  syncTaskId: string;
  correlationId: string;
  /** Identifies the page within the sync task (the cursor that fetched it), for the batch event's id. */
  pageKey: string;
  now: () => Date;
}

export const idempotencyKeyOf = (integrationId: string, externalId: string, syncTaskId: string) =>
  `${integrationId}-${externalId}-${syncTaskId}`;

export async function processPage(ctx: PageContext, fetched: readonly RawRecord[]): Promise<SyncCounters> {
  const started = ctx.now().getTime();
  const counters = { ...emptyCounters(), pagesFetched: 1, recordsFetched: fetched.length };
  // A provider may repeat a record within a page; the last copy wins, as it would in a second upsert.
  const records = [...new Map(fetched.map((r) => [r.externalId, r])).values()];
  const base: EventContext = { tenantId: ctx.tenantId, integrationId: ctx.integrationId, correlationId: ctx.correlationId };
  const keyOf = (externalId: string) => idempotencyKeyOf(ctx.integrationId, externalId, ctx.syncTaskId);

  // Raw events go out while the page is mapped and stored; the results are published only after both, so a consumer
  // still sees a record's raw event before its mapped one.
  const rawPublished = ctx.bus.publish(rawEvents(ctx, records, base, keyOf));
  rawPublished.catch(() => undefined);

  const valid: Array<ShardInput & { mapped: Record<string, unknown> }> = [];
  const rejected: DeadLetter[] = [];
  for (const record of records) {
    try {
      const mapped = mapRecord(ctx.mapping, ctx.schema, record.data);
      const json = JSON.stringify(mapped);
      valid.push({ externalId: record.externalId, data: mapped, mapped, contentHash: createHash('sha256').update(json).digest('base64url') });
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      rejected.push({ externalId: record.externalId, raw: record.data, error: err.message, attempts: 1 });
    }
  }

  const key = { tenantId: ctx.tenantId, integrationId: ctx.integrationId, entityType: ctx.entityType, syncTaskId: ctx.syncTaskId };
  const [stored] = await Promise.all([upsertShards(ctx.db, key, valid), recordDeadLetters(ctx.db, key, rejected), rawPublished]);

  const now = ctx.now();
  const syncedAt = now.toISOString();
  const duration = now.getTime() - started;
  const mappedByExternalId = new Map(valid.map((v) => [v.externalId, v.mapped]));
  const events: EventEnvelope[] = [];
  for (const result of stored) {
    counters[result.outcome] += 1;
    if (result.outcome === 'unchanged') continue;
    const idempotencyKey = keyOf(result.externalId);
    const context = { ...base, idempotencyKey, time: now };
    events.push(
      createEvent(
        'integration.data.mapped',
        {
          integrationId: ctx.integrationId,
          tenantId: ctx.tenantId,
          shardId: result.shardId,
          externalId: result.externalId,
          syncTaskId: ctx.syncTaskId,
          idempotencyKey,
          correlationId: ctx.correlationId,
          success: true,
          duration,
        },
        context,
      ),
    );
    if (ctx.entityType !== 'Order') continue;
    const order = mappedByExternalId.get(result.externalId) as { orderNumber: string; status: string; createdAt: string; updatedAt: string };
    const ref = { orderId: result.shardId, orderNumber: order.orderNumber, externalId: result.externalId, platform: ctx.connector.platform, status: order.status };
    events.push(
      result.outcome === 'created'
        ? createEvent('integration.sync.order.created', { ...ref, createdAt: order.createdAt, syncedAt }, context)
        : createEvent('integration.sync.order.updated', { ...ref, updatedAt: order.updatedAt, syncedAt }, context),
    );
  }
  for (const letter of rejected) {
    counters.rejected += 1;
    const idempotencyKey = keyOf(letter.externalId);
    const context = { ...base, idempotencyKey, time: now };
    events.push(
      createEvent(
        'integration.data.mapping.failed',
        {
          integrationId: ctx.integrationId,
          tenantId: ctx.tenantId,
          externalId: letter.externalId,
          syncTaskId: ctx.syncTaskId,
          idempotencyKey,
          correlationId: ctx.correlationId,
          error: letter.error,
          // Mapping is deterministic: a second attempt cannot change the answer, so the first one is final.
          retryAttempt: 0,
        },
        context,
      ),
    );
    if (ctx.entityType === 'Order') {
      const raw = letter.raw as Record<string, unknown>;
      const orderNumber = raw.name ?? raw.number ?? raw.order_number;
      events.push(
        createEvent(
          'integration.sync.order.rejected',
          {
            externalId: letter.externalId,
            ...(orderNumber !== undefined && orderNumber !== null ? { orderNumber: String(orderNumber) } : {}),
            platform: ctx.connector.platform,
            reason: letter.error,
            rejectedAt: syncedAt,
          },
          context,
        ),
      );
    }
  }
  await ctx.bus.publish(events);
  return counters;
}

/** At most `batchThreshold` records: one `integration.data.raw` each; more: one `integration.data.raw.batch`. */
function rawEvents(ctx: PageContext, records: readonly RawRecord[], base: EventContext, keyOf: (id: string) => string): EventEnvelope[] {
  const common = { integrationId: ctx.integrationId, tenantId: ctx.tenantId, entityType: ctx.entityType, syncTaskId: ctx.syncTaskId, correlationId: ctx.correlationId };
  if (records.length <= ctx.batchThreshold) {
    return records.map((r) =>
      createEvent(
        'integration.data.raw',
        { ...common, rawData: r.data, externalId: r.externalId, idempotencyKey: keyOf(r.externalId) },
        { ...base, idempotencyKey: keyOf(r.externalId) },
      ),
    );
  }
  return [
    createEvent(
      'integration.data.raw.batch',
      {
        ...common,
        records: records.map((r) => ({ rawData: r.data, externalId: r.externalId, idempotencyKey: keyOf(r.externalId) })),
        batchSize: records.length,
      },
      { ...base, idempotencyKey: `${ctx.syncTaskId}-${ctx.entityType}-${ctx.pageKey}` },
    ),
  ];
}
