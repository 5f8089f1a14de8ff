import type { z } from 'zod';
import type { FilterSchemas } from './filters';
import type { OutboundPolicy } from './outbound';
import type { Pace, PaceReport } from './rate-limit';
import type { FieldMapping } from '../mapping/field-mapping';

/** One record as the provider sent it, with the two facts the engine needs pulled out. */
export interface RawRecord {
  externalId: string;
  /** The provider's last-modified time, for the incremental high-water mark. */
  updatedAt?: string;
  data: Record<string, unknown>;
  /** The provider says the record is gone (deleted, trashed, archived): stored as a tombstone, announced once. */
  deleted?: true;
}

export interface FetchPageRequest {
  entityType: string;
  /** Opaque cursor from the previous page; null for the first page. */
  cursor: string | null;
  /** Incremental: only records modified at or after this (the connector picks the provider filter). */
  since: string | null;
  pageSize?: number;
  signal?: AbortSignal;
  /** Parsed by `parseFilters` against the connector's `filters`. */
  filters?: Record<string, unknown> | undefined;
}

export interface FetchPageResult {
  records: RawRecord[];
  nextCursor: string | null;
  /** What the provider said that an operator should hear of (the sync logs each once per chunk), e.g. a version fallback. */
  warnings?: string[];
}

export interface ConnectionContext {
  /** The integration's non-secret settings (shop domain, API version, base URL). */
  config: Record<string, unknown>;
  /** Decrypted only inside the activity that calls the provider; never returned from it. */
  credentials: Record<string, string>;
  /** Where requests may go (connectors/outbound.ts). */
  policy: OutboundPolicy;
  /** The account's shared pace, for a connector that pays by cost (`pacedByCost`); unset when nothing paces. */
  pace?: CostPacer;
}

/** A provider account's pace in units of cost: take what a call may cost before it, settle what it did cost after. */
export interface CostPacer {
  take(cost: number): Promise<void>;
  settle(report: PaceReport): Promise<void>;
}

export interface Connector {
  provider: string;
  /** Entity types this connector syncs, in the order a full sync visits them. */
  entityTypes: readonly string[];
  /** Platform name in order events (spec 004 `platform`). */
  platform: string;
  defaultMappings: Readonly<Record<string, FieldMapping>>;
  /** The platform's documented request pace per account, unless an integration sets config.rateLimitPerSecond (and rateLimitBurst). */
  defaultPace?: Pace;
  /**
   * The provider limits by the cost of each call, not by calls (Shopify GraphQL: query cost points): the connector
   * takes each call's cost from `connection.pace` itself, and the pace's units are those points.
   */
  pacedByCost?: boolean;
  fetchPage(connection: ConnectionContext, request: FetchPageRequest): Promise<FetchPageResult>;
  /** The integration's `config` (checked at `POST`/`PATCH /integrations`; OpenAPI shows it per provider). */
  configSchema: z.ZodType<Record<string, unknown>>;
  /** The most a tenant may set as its pace (rateLimitPerSecond, rateLimitBurst): the provider's documented limit. */
  maxPace: Pace;
  /** The credentials a connection needs: any one of these sets (checked at `PUT /connection`). */
  credentials: ReadonlyArray<readonly string[]>;
  /** The filters a webhook event may ask the fetch to apply (connectors/filters.ts); none when unset. */
  filters?: FilterSchemas;
  /** Set when the provider exports in bulk: a sync from the beginning (or of a large window) uses it instead of paging. */
  bulkExport?: BulkExport;
  /** Set when the provider can call us: `POST /webhooks/<provider>/<integrationId>`. */
  webhook?: WebhookReceiver;
  /**
   * The filter that fetches given records by id (one of `filters`): a webhook's delete notice is confirmed through
   * it, since a record the provider no longer answers is gone.
   */
  idFilter?: string;
  /**
   * The provider has no feed of deletes for its records: every `everyHours` (config.reconcileEveryHours) a pass
   * lists every record, and a stored one it did not see is deleted. Only for a listing that cannot skip a record
   * while others are deleted (keyset cursors, snapshots), never page numbers. `incomplete`: why the listing cannot
   * see every record (then nothing is deleted).
   */
  reconcile?: { everyHours: number; incomplete?(connection: ConnectionContext, entityType: string, signal?: AbortSignal): Promise<string | undefined> };
}

/** A provider-side export of everything changed since a time (Shopify Bulk Operations), waited for by the workflow. */
export interface BulkExport {
  /** Starts the export, or answers null when the window is small enough that paging is the better way; `warning`: what it will miss. */
  start(connection: ConnectionContext, request: { entityType: string; since: string | null; signal?: AbortSignal }): Promise<{ operationId: string; warning?: string } | null>;
  /**
   * Where it stands; a failed or expired export throws a non-retryable failure naming the provider's reason. `parts`:
   * how many byte ranges of the result the caller would read at once (a large enough result is split).
   */
  check(connection: ConnectionContext, operationId: string, signal?: AbortSignal, parts?: number): Promise<BulkExportStatus>;
}

export type BulkExportStatus = { status: 'running'; objectCount: number } | CompletedBulkExport;

/**
 * `cursor`: where `fetchPage` starts reading the whole result; null when the export found nothing. `parts`: when the
 * result was split, a cursor for each part (together, the whole result, each record in exactly one); `records`: how
 * many records the result holds, when the provider says.
 */
export interface CompletedBulkExport {
  status: 'completed';
  objectCount: number;
  cursor: string | null;
  parts?: string[];
  records?: number;
}

/** A webhook as it arrived, before anything in it is trusted. */
export interface WebhookDelivery {
  method: string;
  /** The URL the provider called, as the public sees it (behind a proxy: the forwarded proto and host). */
  publicUrl: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  rawBody: Buffer;
}

/** How a provider's webhooks are authenticated and told apart. */
export interface WebhookReceiver {
  verify(delivery: WebhookDelivery, secret: string): boolean;
  /** The provider's id of this delivery, for dropping redeliveries; undefined when the delivery carries none (refused). */
  deliveryId(delivery: WebhookDelivery): string | undefined;
  /** Where that id comes from, for the refusal of a delivery without one. */
  deliveryIdSource: string;
  /** Why the delivery is too old to act on (past the provider's own retry window), if it is. */
  staleness?(delivery: WebhookDelivery, now: Date): string | undefined;
  /** The record a delete notice names (Shopify orders/delete, WooCommerce order.deleted); undefined for other topics. Throws WebhookBodyError when the body does not name one. */
  deletion?(delivery: WebhookDelivery): { entityType: string; externalId: string } | undefined;
}
