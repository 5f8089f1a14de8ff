// What an entity type announces beyond the generic data events, read from its mapped (internal) record, so no
// provider's field names reach the pipeline: spec 004's order events for `Order`, nothing for the others.
import { createEvent, type EventContext, type EventEnvelope } from '../events/envelope';
import type { ShardOutcome } from '../store/shards';

export interface StoredRecord {
  shardId: string;
  externalId: string;
  outcome: Exclude<ShardOutcome, 'unchanged'>;
  /** The record as mapped into the entity type's internal schema. */
  mapped: Record<string, unknown>;
}

export interface RejectedRecord {
  externalId: string;
  reason: string;
  /** Those fields of the mapping that did map, to name the record. */
  partial: Record<string, unknown>;
}

export interface DeletedRecord {
  shardId: string;
  externalId: string;
  /** The record as it was last stored. */
  mapped: Record<string, unknown>;
  deletedAt: string;
}

export interface AnnounceContext {
  platform: string;
  syncedAt: string;
  event: EventContext;
}

export interface EntityAnnouncer {
  stored(record: StoredRecord, ctx: AnnounceContext): EventEnvelope[];
  rejected(record: RejectedRecord, ctx: AnnounceContext): EventEnvelope[];
  deleted(record: DeletedRecord, ctx: AnnounceContext): EventEnvelope[];
}

interface MappedOrder {
  orderNumber: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

// The event's own fields spread last, never `{ ...ref, more }`: per record, and a spread followed by more properties
// is V8's slow path (recordData in activities/sync-page.ts).
const orderData = <T extends Record<string, string>>(shardId: string, externalId: string, order: MappedOrder, platform: string, more: T) => ({
  orderId: shardId,
  orderNumber: order.orderNumber,
  externalId,
  platform,
  status: order.status,
  ...more,
});

const orderAnnouncer: EntityAnnouncer = {
  stored({ shardId, externalId, outcome, mapped }, { platform, syncedAt, event }) {
    const order = mapped as unknown as MappedOrder;
    return [
      outcome === 'created'
        ? createEvent('integration.sync.order.created', orderData(shardId, externalId, order, platform, { createdAt: order.createdAt, syncedAt }), event)
        : createEvent('integration.sync.order.updated', orderData(shardId, externalId, order, platform, { updatedAt: order.updatedAt, syncedAt }), event),
    ];
  },
  rejected({ externalId, reason, partial }, { platform, syncedAt, event }) {
    const orderNumber = partial.orderNumber;
    return [
      createEvent(
        'integration.sync.order.rejected',
        { externalId, ...(orderNumber !== undefined ? { orderNumber: String(orderNumber) } : {}), platform, reason, rejectedAt: syncedAt },
        event,
      ),
    ];
  },
  deleted({ shardId, externalId, mapped, deletedAt }, { platform, syncedAt, event }) {
    return [createEvent('integration.sync.order.deleted', orderData(shardId, externalId, mapped as unknown as MappedOrder, platform, { deletedAt, syncedAt }), event)];
  },
};

const silent: EntityAnnouncer = { stored: () => [], rejected: () => [], deleted: () => [] };

const announcers: Readonly<Record<string, EntityAnnouncer>> = { Order: orderAnnouncer };

export const announcerFor = (entityType: string): EntityAnnouncer => announcers[entityType] ?? silent;
