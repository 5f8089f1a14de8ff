// One fetched page through the pipeline: publish raw → map → store → announce. Plain functions, so the
// benchmark's raw pipeline and the Temporal activity run exactly the same code.
import { hash } from 'node:crypto';
import type { z } from 'zod';
import { emptyCounters, type SyncCounters } from '../contracts/sync';
import type { Connector, RawRecord } from '../connectors/types';
import type { EventBus } from '../events/bus';
import { createEvent, type EventContext, type EventEnvelope } from '../events/envelope';
import { mapFieldsLeniently, mapRecord, MappingError, type FieldMapping } from '../mapping/field-mapping';
import { jsonForPostgres, type Db } from '../store/db';
import { recordDeadLetters, type DeadLetter } from '../store/dead-letters';
import { tombstoneShards, upsertShards, type ShardInput, type ShardResult, type TombstoneResult } from '../store/shards';
import { announcerFor, type AnnounceContext } from './announcers';
import type { RawMode } from './raw-mode';

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
  /** How raw records go out, decided by the fetch's size (raw-mode.ts); unset: by this page's size (dead-letter replay). */
  rawMode?: RawMode | undefined;
  /** The filters the fetch applied, named in raw events' metadata. */
  filters?: Record<string, unknown> | undefined;
  now: () => Date;
}

export const idempotencyKeyOf = (integrationId: string, externalId: string, syncTaskId: string) =>
  `${integrationId}-${externalId}-${syncTaskId}`;

/**
 * One page: raw events out while it is mapped and stored, then what was stored or rejected is announced. Records
 * the provider says are gone become tombstones and are announced as deleted, once.
 */
export async function processPage(ctx: PageContext, fetched: readonly RawRecord[]): Promise<SyncCounters> {
  const started = ctx.now().getTime();
  const records: RawRecord[] = [];
  const gone: string[] = [];
  for (const record of lastCopies(fetched)) {
    if (record.deleted) gone.push(record.externalId);
    else records.push(record);
  }
  // The results are published only after the raw events, so a consumer sees a record's raw event before its mapped one.
  const rawPublished = ctx.bus.publish(rawEvents(ctx, records));
  rawPublished.catch(() => undefined);
  const page = mapPage(ctx, records);
  const [stored, tombstoned] = await Promise.all([storePage(ctx, page), tombstoneShards(ctx.db, shardKey(ctx), gone), rawPublished]);
  const counters = { ...emptyCounters(), pagesFetched: 1, recordsFetched: fetched.length };
  for (const result of stored) counters[result.outcome] += 1;
  counters.rejected += page.rejected.length;
  counters.deleted += tombstoned.length;
  await ctx.bus.publish(announcePage(ctx, page, stored, tombstoned, ctx.now().getTime() - started));
  return counters;
}

/** A provider may repeat a record within a page; the last copy wins, as it would in a second upsert. */
function lastCopies(fetched: readonly RawRecord[]): readonly RawRecord[] {
  const ids = new Set<string>();
  for (const r of fetched) ids.add(r.externalId);
  if (ids.size === fetched.length) return fetched;
  return [...new Map(fetched.map((r) => [r.externalId, r])).values()];
}

const shardKey = (ctx: PageContext) => ({ tenantId: ctx.tenantId, integrationId: ctx.integrationId, entityType: ctx.entityType, syncTaskId: ctx.syncTaskId });

interface MappedPage {
  valid: ShardInput[];
  rejected: Array<DeadLetter & { partial: Record<string, unknown> }>;
}

function mapPage(ctx: PageContext, records: readonly RawRecord[]): MappedPage {
  const page: MappedPage = { valid: [], rejected: [] };
  for (const record of records) {
    try {
      const mapped = mapRecord(ctx.mapping, ctx.schema, record.data);
      const json = jsonForPostgres(mapped);
      // One-shot: a Hash object per record cost twice as much (bench/profile-summary.ts).
      const contentHash = hash('sha256', json, 'base64url');
      page.valid.push({ externalId: record.externalId, data: mapped, json, contentHash });
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      page.rejected.push({ externalId: record.externalId, raw: record.data, error: err.message, attempts: 1, partial: mapFieldsLeniently(ctx.mapping, record.data) });
    }
  }
  return page;
}

async function storePage(ctx: PageContext, page: MappedPage): Promise<ShardResult[]> {
  const key = shardKey(ctx);
  const [stored] = await Promise.all([upsertShards(ctx.db, key, page.valid), recordDeadLetters(ctx.db, key, page.rejected)]);
  return stored;
}

/** The generic data events of spec 000 for every changed or rejected record, and the entity type's own events. */
function announcePage(ctx: PageContext, page: MappedPage, stored: readonly ShardResult[], tombstoned: readonly TombstoneResult[], duration: number): EventEnvelope[] {
  // Per page, not per record: the page's records share their time and context.
  const now = ctx.now();
  const announcer = announcerFor(ctx.entityType);
  const syncedAt = now.toISOString();
  const platform = ctx.connector.platform;
  const announce = (externalId: string): AnnounceContext & { idempotencyKey: string } => {
    const idempotencyKey = idempotencyKeyOf(ctx.integrationId, externalId, ctx.syncTaskId);
    return { idempotencyKey, platform, syncedAt, event: eventContext(ctx, idempotencyKey, now) };
  };
  const mappedByExternalId = new Map<string, Record<string, unknown>>();
  for (const v of page.valid) mappedByExternalId.set(v.externalId, v.data);
  const events: EventEnvelope[] = [];
  for (const { externalId, shardId, outcome } of stored) {
    if (outcome === 'unchanged') continue;
    const at = announce(externalId);
    events.push(createEvent('integration.data.mapped', recordData(ctx, { shardId, externalId, idempotencyKey: at.idempotencyKey, success: true as const, duration }), at.event));
    events.push(...announcer.stored({ shardId, externalId, outcome, mapped: mappedByExternalId.get(externalId)! }, at));
  }
  for (const { externalId, error, partial } of page.rejected) {
    const at = announce(externalId);
    // Mapping is deterministic: a second attempt cannot change the answer, so the first one is final.
    events.push(createEvent('integration.data.mapping.failed', recordData(ctx, { externalId, idempotencyKey: at.idempotencyKey, error, retryAttempt: 0 }), at.event));
    events.push(...announcer.rejected({ externalId, reason: error, partial }, at));
  }
  for (const { externalId, shardId, data, deletedAt } of tombstoned) {
    const at = announce(externalId);
    events.push(createEvent('integration.data.deleted', recordData(ctx, { entityType: ctx.entityType, shardId, externalId, idempotencyKey: at.idempotencyKey, deletedAt }), at.event));
    events.push(...announcer.deleted({ shardId, externalId, mapped: data, deletedAt }, at));
  }
  return events;
}

/**
 * The fields every data event of spec 000 starts with, then the event's own. The spread comes last on purpose: in
 * Node 20's V8 a spread followed by more properties (`{ ...common, more }`) takes a slow path, 1.3–3.2 µs per object,
 * whose garbage outlives the young generation; spread last it is the fast one (docs/BENCHMARKS.md, sixth session).
 */
const recordData = <T extends object>(ctx: PageContext, own: T) => ({ integrationId: ctx.integrationId, tenantId: ctx.tenantId, syncTaskId: ctx.syncTaskId, correlationId: ctx.correlationId, ...own });

const eventContext = (ctx: PageContext, idempotencyKey: string, time: Date): EventContext => ({ tenantId: ctx.tenantId, integrationId: ctx.integrationId, correlationId: ctx.correlationId, idempotencyKey, time });

/** One `integration.data.raw` per record, or one `integration.data.raw.batch` for the page, as the fetch's size decided. */
function rawEvents(ctx: PageContext, records: readonly RawRecord[]): EventEnvelope[] {
  if (records.length === 0) return [];
  const now = ctx.now();
  const keyOf = (externalId: string) => idempotencyKeyOf(ctx.integrationId, externalId, ctx.syncTaskId);
  const metadata = { direction: 'inbound', ...(ctx.filters ? { filters: ctx.filters } : {}) };
  const batch = ctx.rawMode ? ctx.rawMode === 'batch' : records.length > ctx.batchThreshold;
  if (!batch) {
    return records.map((r) => {
      const idempotencyKey = keyOf(r.externalId);
      return createEvent('integration.data.raw', recordData(ctx, { entityType: ctx.entityType, metadata, rawData: r.data, externalId: r.externalId, idempotencyKey }), eventContext(ctx, idempotencyKey, now));
    });
  }
  return [
    createEvent(
      'integration.data.raw.batch',
      recordData(ctx, {
        entityType: ctx.entityType,
        metadata,
        records: records.map((r) => ({ rawData: r.data, externalId: r.externalId, idempotencyKey: keyOf(r.externalId) })),
        batchSize: records.length,
      }),
      eventContext(ctx, `${ctx.syncTaskId}-${ctx.entityType}-${ctx.pageKey}`, now),
    ),
  ];
}
