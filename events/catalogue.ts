// The event catalogue: one zod schema per `data` of each type of spec 000 (sync module) and spec 004 (order-sync publisher).
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
const metadata = z.record(z.string(), z.unknown()).optional();
const rawData = z.record(z.string(), z.unknown());

// --- spec 000: published ---
export const syncCheckDue = z.object({ timestamp: iso }).strict();
export const tokenCheckExpiring = z.object({ timestamp: iso, thresholdTime: iso }).strict();
export const tokenRefreshed = z.object({ connectionId: z.string(), integrationId: z.string(), refreshedAt: iso }).strict();
export const tokenRefreshFailed = z
  .object({ connectionId: z.string(), integrationId: z.string(), error: z.string(), failedAt: iso })
  .strict();
export const dataRaw = z
  .object({
    integrationId: z.string(),
    tenantId: z.string(),
    entityType: z.string(),
    rawData,
    externalId: z.string(),
    syncTaskId: z.string(),
    idempotencyKey: z.string(),
    correlationId: z.string(),
    metadata,
  })
  .strict();
export const dataRawBatch = z
  .object({
    integrationId: z.string(),
    tenantId: z.string(),
    entityType: z.string(),
    records: z.array(z.object({ rawData, externalId: z.string(), idempotencyKey: z.string() }).strict()),
    syncTaskId: z.string(),
    correlationId: z.string(),
    batchSize: z.number().int().nonnegative(),
    metadata,
  })
  .strict()
  .refine((d) => d.batchSize === d.records.length, { message: 'batchSize must equal records.length' });
export const dataMapped = z
  .object({
    integrationId: z.string(),
    tenantId: z.string(),
    shardId: z.string(),
    externalId: z.string(),
    syncTaskId: z.string(),
    idempotencyKey: z.string(),
    correlationId: z.string(),
    success: z.literal(true),
    /** milliseconds, as spec 000 writes it */
    duration: z.number().nonnegative(),
  })
  .strict();
export const dataMappingFailed = z
  .object({
    integrationId: z.string(),
    tenantId: z.string(),
    externalId: z.string().optional(),
    syncTaskId: z.string(),
    idempotencyKey: z.string().optional(),
    correlationId: z.string(),
    error: z.string(),
    retryAttempt: z.number().int().nonnegative(),
  })
  .strict();

// --- spec 000: consumed ---
export const syncScheduled = z
  .object({ integrationId: z.string(), tenantId: z.string(), trigger: z.string(), scheduledAt: iso })
  .strict();
export const webhookReceived = z
  .object({
    integrationId: z.string(),
    tenantId: z.string(),
    entityType: z.string().optional(),
    filters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export const tokenRefreshRequested = z
  .object({ connectionId: z.string(), integrationId: z.string(), tenantId: z.string(), expiresAt: iso, requestedAt: iso })
  .strict();

// --- spec 004: the Go DTOs (SyncStartedEvent, SyncOrderCreatedEvent, SyncCompletedEvent, …) with JSON field names in camelCase ---
export const syncParams = z
  .object({
    syncTaskId: z.string(),
    trigger: z.enum(['schedule', 'webhook', 'manual', 'event']),
    mode: z.enum(['incremental', 'full_refresh']),
    entityTypes: z.array(z.string()).optional(),
    filters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export const syncStarted = z
  .object({ integrationId: z.string(), integrationType: z.string(), params: syncParams, startedAt: iso })
  .strict();
const orderRef = { orderId: z.string(), orderNumber: z.string(), externalId: z.string(), platform: z.string(), status: z.string() };
export const syncOrderCreated = z.object({ ...orderRef, createdAt: iso, syncedAt: iso }).strict();
export const syncOrderUpdated = z.object({ ...orderRef, updatedAt: iso, syncedAt: iso }).strict();
export const syncOrderRejected = z
  .object({
    orderId: z.string().optional(),
    orderNumber: z.string().optional(),
    externalId: z.string(),
    platform: z.string(),
    reason: z.string(),
    rejectedAt: iso,
  })
  .strict();
export const syncCompleted = z
  .object({
    totalOrders: z.number().int().nonnegative(),
    createdOrders: z.number().int().nonnegative(),
    updatedOrders: z.number().int().nonnegative(),
    rejectedOrders: z.number().int().nonnegative(),
    /** Go's time.Duration as encoding/json writes it: integer nanoseconds. */
    duration: z.number().int().nonnegative(),
    completedAt: iso,
  })
  .strict();
export const syncFailed = z.object({ error: z.string(), failedAt: iso }).strict();

export const publishedEvents = {
  'integration.sync.check_due': syncCheckDue,
  'integration.token.check-expiring': tokenCheckExpiring,
  'integration.token.refreshed': tokenRefreshed,
  'integration.token.refresh.failed': tokenRefreshFailed,
  'integration.data.raw': dataRaw,
  'integration.data.raw.batch': dataRawBatch,
  'integration.data.mapped': dataMapped,
  'integration.data.mapping.failed': dataMappingFailed,
  'integration.sync.started': syncStarted,
  'integration.sync.order.created': syncOrderCreated,
  'integration.sync.order.updated': syncOrderUpdated,
  'integration.sync.order.rejected': syncOrderRejected,
  'integration.sync.completed': syncCompleted,
  'integration.sync.failed': syncFailed,
} as const;

export const consumedEvents = {
  'integration.sync.scheduled': syncScheduled,
  'integration.webhook.received': webhookReceived,
  'integration.token.refresh-requested': tokenRefreshRequested,
} as const;

/**
 * Documented extensions (issue #19): deletes, which neither source document names. Same envelope, same idempotency
 * key rule as the data events (`<integrationId>-<externalId>-<syncTaskId>`); published once per tombstone.
 */
export const dataDeleted = z
  .object({
    integrationId: z.string(),
    tenantId: z.string(),
    entityType: z.string(),
    shardId: z.string(),
    externalId: z.string(),
    syncTaskId: z.string(),
    idempotencyKey: z.string(),
    correlationId: z.string(),
    deletedAt: iso,
  })
  .strict();
/** Spec 004's order reference, as the order was last stored. */
export const syncOrderDeleted = z.object({ ...orderRef, deletedAt: iso, syncedAt: iso }).strict();

export const extensionEvents = {
  'integration.data.deleted': dataDeleted,
  'integration.sync.order.deleted': syncOrderDeleted,
} as const;

/** This service's own operational events, in no source document: what an operator must hear of. */
export const operationalEvents = {
  /** The stream reached its hard cap (EVENT_STREAM_MAXLEN) and entries a consumer group had not acknowledged went. */
  'integration.events.trimmed': z.object({ stream: z.string(), unreadDropped: z.number().int().positive(), maxLength: z.number().int().positive(), trimmedAt: iso }).strict(),
} as const;

export const eventCatalogue = { ...publishedEvents, ...extensionEvents, ...consumedEvents, ...operationalEvents } as const;

export type PublishedEventType = keyof typeof publishedEvents;
export type ConsumedEventType = keyof typeof consumedEvents;
export type EventType = keyof typeof eventCatalogue;
export type EventData<T extends EventType> = z.infer<(typeof eventCatalogue)[T]>;

/** The six events of spec 004 that also go to its Redis channel. */
export const SYNC_EVENTS_CHANNEL = 'probability:integrations:orders:sync:events';
export const syncChannelTypes: ReadonlySet<EventType> = new Set<EventType>([
  'integration.sync.started',
  'integration.sync.order.created',
  'integration.sync.order.updated',
  'integration.sync.order.rejected',
  'integration.sync.completed',
  'integration.sync.failed',
]);
