// Shopify Bulk Operations for backfills: one query over every order, run by Shopify, its result a JSONL file read
// page by page. Each page is one ranged download from a byte offset at an order's first line, so the sync's cursor
// (and a retried activity) resumes exactly after the last committed order, whichever worker runs it.
import { hash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { describeError, providerRejected, providerUnavailable, rateLimited } from '../errors';
import { outboundFetch } from '../outbound';
import type { BulkExportStatus, ConnectionContext, FetchPageResult, RawRecord } from '../types';
import { shopifyGraphql } from './graphql';
import { LINE_ITEM_FIELDS, ORDER_FIELDS, ordersSearch } from './orders-query';
import { shopUrl } from './shop';

const CURSOR_PREFIX = 'bulk:';
/**
 * A page read from a bulk result (one transaction and one batch of events each) ends at this many orders, or at the
 * first order that starts past BULK_PAGE_BYTES of the file, whichever comes first: a chunk holds two pages, so the
 * bytes bound what 20 concurrent chunks hold under the worker's heap cap whatever an order weighs, and the orders
 * bound a page of small ones. Per page the sync pays a lookup, a download, two publishes and two statements:
 * pages of 250 orders spent about a quarter of the worker's CPU on that (docs/BENCHMARKS.md).
 */
const BULK_PAGE_ORDERS = 1_000;
export const BULK_PAGE_BYTES = 1024 * 1024;
/** An incremental window with at least this many orders is exported in bulk rather than paged. */
export const BULK_MIN_ORDERS = 10_000;
/** One order or line item as a line: far below this; a file that is not (or has no newlines) is not read into memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/**
 * Parts of a result read at once (`check`'s `parts`) are at least this far apart: a few pages each, so a part is worth
 * its activity, and a small result is read as one.
 */
export const BULK_PART_MIN_BYTES = 4 * 1024 * 1024;
/** A mutation costs 10 points; a node lookup 1 (Shopify's documented costs). */
const MUTATION_COST = 10;
const LOOKUP_COST = 3;

interface BulkCursor {
  /** The bulk operation's id (gid://shopify/BulkOperation/…): the download URL is looked up by it, never carried here. */
  op: string;
  /** Byte offset of the next order's first line; in a part's first cursor (`align`), any byte of the file. */
  offset: number;
  /** The offset's line number, for messages: unknown in a part that starts inside the file. */
  line?: number;
  /** Bytes per order of the page before, to size the next download's range (absent in cursors of older workers). */
  bytesPerOrder?: number;
  /** A part starts at the first order line at or after `offset`; line items before it are the part before's. */
  align?: true;
  /** A part ends before the first order whose line starts at or past this byte (unset: at the file's end). */
  end?: number;
}

export const isBulkCursor = (cursor: string | null): cursor is string => cursor?.startsWith(CURSOR_PREFIX) ?? false;
const encodeCursor = (cursor: BulkCursor) => CURSOR_PREFIX + Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(cursor: string): BulkCursor {
  try {
    const decoded = JSON.parse(Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString()) as BulkCursor;
    const { op, offset, line, bytesPerOrder, align, end } = decoded;
    const optional = (value: unknown, ok: (n: number) => boolean) => value === undefined || (Number.isSafeInteger(value) && ok(value as number));
    if (
      typeof op === 'string' &&
      Number.isSafeInteger(offset) &&
      offset >= 0 &&
      optional(line, (n) => n >= 0) &&
      optional(bytesPerOrder, (n) => n > 0 && n <= MAX_LINE_BYTES) &&
      optional(end, (n) => n > offset) &&
      (align === undefined || align === true)
    ) {
      return decoded;
    }
  } catch {
    // refused below
  }
  throw providerRejected('not a Shopify bulk export cursor');
}

/** The bulk query: the paged query's fields, with connections unbounded as bulk queries write them. */
export function bulkOrdersQuery(since: string | null): string {
  const search = ordersSearch(since);
  return `{ orders(sortKey: UPDATED_AT${search ? `, query: ${JSON.stringify(search)}` : ''}) { edges { node { ${ORDER_FIELDS} lineItems { edges { node { ${LINE_ITEM_FIELDS} } } } } } } }`;
}

const RUN_QUERY = `mutation BulkOrders($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}`;
const CURRENT_OPERATION = `query CurrentBulkOperation { currentBulkOperation { id status query } }`;
const OPERATION = `query BulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url } }
}`;
const ACCESS_SCOPES = `query AccessScopes { currentAppInstallation { accessScopes { handle } } }`;
const ORDERS_COUNT = `query OrdersCount($query: String, $limit: Int) { ordersCount(query: $query, limit: $limit) { count precision } }`;

interface Operation {
  id: string;
  status: string;
  errorCode?: string | null;
  objectCount?: string;
  rootObjectCount?: string;
  fileSize?: string | null;
  url?: string | null;
  query?: string;
}

/** Whether a sync from `since` should be a bulk export: always from the beginning, or when the window is large. */
async function worthBulk(connection: ConnectionContext, since: string | null, signal?: AbortSignal): Promise<boolean> {
  if (since === null) return true;
  const { data } = await shopifyGraphql<{ ordersCount: { count: number; precision: string } }>(
    connection,
    ORDERS_COUNT,
    { query: ordersSearch(since), limit: BULK_MIN_ORDERS },
    { estimatedCost: 1, signal },
  );
  return data.ordersCount.count >= BULK_MIN_ORDERS || data.ordersCount.precision === 'AT_LEAST';
}

/**
 * Starts the bulk export of the orders updated since `since`, or answers null when paging is the better way. An
 * export of the same query already running (this activity's earlier attempt, whose answer was lost) is adopted; one
 * of another query (another integration of the same app and shop) is waited for.
 */
export async function startBulkExport(connection: ConnectionContext, since: string | null, signal?: AbortSignal): Promise<{ operationId: string; warning?: string } | null> {
  if (!(await worthBulk(connection, since, signal))) return null;
  const warning = since === null || Date.parse(since) < Date.now() - SIXTY_DAYS_MS ? await olderOrdersHidden(connection, signal) : undefined;
  const started = await runBulkQuery(connection, since, signal);
  return warning ? { ...started, warning } : started;
}

const SIXTY_DAYS_MS = 60 * 24 * 3600 * 1000;

/** Without read_all_orders Shopify shows an app the last 60 days of orders only, and says nothing of the rest. */
export async function olderOrdersHidden(connection: ConnectionContext, signal?: AbortSignal): Promise<string | undefined> {
  const { data } = await shopifyGraphql<{ currentAppInstallation: { accessScopes: Array<{ handle: string }> } }>(connection, ACCESS_SCOPES, {}, { estimatedCost: LOOKUP_COST, signal });
  if (data.currentAppInstallation.accessScopes.some((s) => s.handle === 'read_all_orders')) return undefined;
  return 'the Shopify app lacks the read_all_orders scope: orders older than 60 days are not visible to it and are not synced';
}

async function runBulkQuery(connection: ConnectionContext, since: string | null, signal?: AbortSignal): Promise<{ operationId: string }> {
  const query = bulkOrdersQuery(since);
  const { data } = await shopifyGraphql<{ bulkOperationRunQuery: { bulkOperation: Operation | null; userErrors: Array<{ field: string[] | null; message: string }> } }>(
    connection,
    RUN_QUERY,
    { query },
    { estimatedCost: MUTATION_COST, signal },
  );
  const { bulkOperation, userErrors } = data.bulkOperationRunQuery;
  if (bulkOperation) return { operationId: bulkOperation.id };
  const messages = userErrors.map((e) => e.message).filter(Boolean);
  if (messages.some((m) => /already in progress/i.test(m))) {
    const { data: current } = await shopifyGraphql<{ currentBulkOperation: Operation | null }>(connection, CURRENT_OPERATION, {}, { estimatedCost: LOOKUP_COST, signal });
    const running = current.currentBulkOperation;
    const busy = running?.status === 'CREATED' || running?.status === 'RUNNING';
    if (busy && running.query === query) return { operationId: running.id };
    // The one in progress finished between the two answers: the shop is free now, not in 30 s.
    if (!busy) throw rateLimited(`shopify's bulk operation in progress on this shop (${running?.id ?? 'unknown'}) has just finished; trying again in 1 s`, 1_000);
    throw rateLimited(`shopify runs another bulk operation for this shop (${running.id}); trying again in 30 s`, 30_000);
  }
  throw providerRejected(`shopify refused the bulk export: ${messages.join('; ') || 'no reason given'}`);
}

/**
 * Where the export stands; a failed, expired or cancelled one is a non-retryable failure naming Shopify's reason. A
 * finished file of at least `parts` × BULK_PART_MIN_BYTES is also split into `parts` byte ranges, read at once.
 */
export async function checkBulkExport(connection: ConnectionContext, operationId: string, signal?: AbortSignal, parts = 1): Promise<BulkExportStatus> {
  const operation = await lookUp(connection, operationId, signal);
  const objectCount = Number(operation.objectCount ?? 0);
  if (operation.status === 'CREATED' || operation.status === 'RUNNING') return { status: 'running', objectCount };
  if (operation.status === 'COMPLETED') {
    // No file: the query matched nothing.
    if (!operation.url) return { status: 'completed', objectCount, cursor: null };
    keepResultUrl(resultUrlKey(connection, operationId), operation.url);
    const records = Number(operation.rootObjectCount ?? NaN);
    return {
      status: 'completed',
      objectCount,
      cursor: encodeCursor({ op: operationId, offset: 0, line: 0 }),
      ...splitFile(operationId, Number(operation.fileSize ?? NaN), parts),
      ...(Number.isSafeInteger(records) ? { records } : {}),
    };
  }
  const reason = operation.errorCode ? `${operation.status} (${operation.errorCode})` : operation.status;
  throw providerRejected(`shopify bulk operation ${operationId} ended ${reason}`);
}

/** `parts` cursors over a file of `size` bytes, each from an equal share of its bytes; none for a small or unsized file. */
function splitFile(op: string, size: number, parts: number): { parts?: string[] } {
  const count = Number.isSafeInteger(size) ? Math.min(Math.floor(parts), Math.floor(size / BULK_PART_MIN_BYTES)) : 1;
  if (!(count > 1)) return {};
  const at = (i: number) => Math.floor((i * size) / count);
  const part = (i: number): BulkCursor => ({ op, offset: at(i), ...(i === 0 ? { line: 0 } : { align: true }), ...(i < count - 1 ? { end: at(i + 1) } : {}) });
  return { parts: Array.from({ length: count }, (_, i) => encodeCursor(part(i))) };
}

/**
 * Result URLs of finished exports for a few minutes, by operation, shop and token: a page needs the file's URL, and
 * asking Shopify for it before each page was a GraphQL round trip (and its points) per page. A signed storage URL is
 * a credential: it stays in this process (never in a cursor, so never in Temporal history), under a hash that takes
 * the token, so another tenant's integration of the same shop never finds it.
 */
const RESULT_URL_TTL_MS = 5 * 60_000;
const RESULT_URLS_KEPT = 1_000;
const resultUrls = new Map<string, { url: string; until: number }>();

const resultUrlKey = (connection: ConnectionContext, op: string) => hash('sha256', `${shopUrl(connection.config, connection.policy)}\n${connection.credentials.accessToken ?? ''}\n${op}`);

function keepResultUrl(key: string, url: string): void {
  resultUrls.delete(key);
  if (resultUrls.size >= RESULT_URLS_KEPT) resultUrls.delete(resultUrls.keys().next().value!);
  resultUrls.set(key, { url, until: Date.now() + RESULT_URL_TTL_MS });
}

async function resultUrl(connection: ConnectionContext, op: string, signal?: AbortSignal): Promise<string> {
  const key = resultUrlKey(connection, op);
  const kept = resultUrls.get(key);
  if (kept && kept.until > Date.now()) return kept.url;
  const operation = await lookUp(connection, op, signal);
  if (!operation.url) throw providerRejected(`shopify bulk operation ${op} has no result file (${operation.status})`);
  keepResultUrl(key, operation.url);
  return operation.url;
}

async function lookUp(connection: ConnectionContext, operationId: string, signal?: AbortSignal): Promise<Operation> {
  const { data } = await shopifyGraphql<{ node: Operation | null }>(connection, OPERATION, { id: operationId }, { estimatedCost: LOOKUP_COST, signal });
  if (!data.node) throw providerRejected(`shopify knows no bulk operation ${operationId}`);
  return data.node;
}

/**
 * One page of orders from the export's file, from the cursor's byte offset to the first line of the order after it.
 * Each download asks for a bounded range sized from the previous page's bytes per order (a page cut short asks for
 * the next range): an open-ended one had the file sent on past the page until the connection closed, which on this
 * machine cost the worker, and the server, more than the page itself (docs/BENCHMARKS.md).
 */
export async function readBulkPage(connection: ConnectionContext, cursor: string, options: { pageSize?: number | undefined; signal?: AbortSignal | undefined }): Promise<FetchPageResult> {
  const at = decodeCursor(cursor);
  const url = await resultUrl(connection, at.op, options.signal);
  const page = new BulkPage(at, Math.max(1, options.pageSize ?? BULK_PAGE_ORDERS));
  // The page's likely bytes and a quarter more, to see the line that starts the next order.
  const pageBytes = Math.min(page.limit * (at.bytesPerOrder ?? FIRST_PAGE_BYTES_PER_ORDER), BULK_PAGE_BYTES);
  const rangeBytes = Math.min(MAX_RANGE_BYTES, Math.ceil(pageBytes * 1.25) + 16 * 1024);
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of fileBytes(connection, url, at.op, page.readFrom, rangeBytes, options.signal)) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      for (let end = pending.indexOf(10, start); end !== -1; end = pending.indexOf(10, start)) {
        const full = page.take(pending.toString('utf8', start, end), end + 1 - start);
        if (full) return full;
        start = end + 1;
      }
      pending = pending.subarray(start);
      if (pending.length > MAX_LINE_BYTES) throw providerRejected(`shopify bulk result ${page.where()} is over ${MAX_LINE_BYTES} bytes`);
    }
  } catch (err) {
    // A cancelled sync's abort stays one, as outboundFetch leaves it, so the activity ends cancelled, not failed.
    if (err instanceof ApplicationFailure || options.signal?.aborted) throw err;
    throw providerUnavailable(`shopify bulk result download cut off at ${page.where()}: ${describeError(err)}`);
  }
  // The last line may end without a newline.
  return page.take(pending.toString('utf8'), pending.length) ?? { records: page.records, nextCursor: null };
}

/** Bytes per order assumed for a cursor that does not say (the first page): a few line items each. */
const FIRST_PAGE_BYTES_PER_ORDER = 4 * 1024;
const MAX_RANGE_BYTES = 64 * 1024 * 1024;

/**
 * `length` bytes of the file from `from`. `skip`: bytes to drop first (a server that ignores Range sends the whole
 * file); `last`: the answer reaches the file's end (its Content-Range says so, or it has none to say otherwise).
 */
async function downloadRange(connection: ConnectionContext, url: string, op: string, from: number, length: number, signal?: AbortSignal): Promise<{ body: ReadableStream<Uint8Array>; skip: number; last: boolean }> {
  // The file lives on Shopify's storage, not the shop: the access token is not sent there.
  const response = await outboundFetch('shopify', url, { headers: { Range: `bytes=${from}-${from + length - 1}` }, ...(signal ? { signal } : {}) }, connection.policy);
  if (response.status === 403 || response.status === 404) throw providerRejected(`shopify bulk result of ${op} is gone (${response.status}): its download expired`);
  if (response.status >= 500) throw providerUnavailable(`shopify bulk result download answered ${response.status}`);
  if (!response.ok || !response.body) throw providerRejected(`shopify bulk result download answered ${response.status}`);
  if (response.status !== 206) return { body: response.body, skip: from, last: true };
  const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (!contentRange) return { body: response.body, skip: 0, last: true };
  const [first, end, size] = [Number(contentRange[1]), Number(contentRange[2]), Number(contentRange[3])];
  if (first !== from) {
    await response.body.cancel();
    throw providerUnavailable(`shopify bulk result download answered bytes ${first}- for bytes ${from}-`);
  }
  return { body: response.body, skip: 0, last: end + 1 >= size };
}

/**
 * The file's bytes from the cursor's offset to its end, in ranges of `rangeBytes`, each asked for once the one before
 * is read; the reader stops asking (and the open download is cancelled) as soon as its page is full.
 */
async function* fileBytes(connection: ConnectionContext, url: string, op: string, from: number, rangeBytes: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (let position = from; ; ) {
    const range = await downloadRange(connection, url, op, position, rangeBytes, signal);
    const reader = range.body.getReader();
    try {
      for (let skip = range.skip; ; ) {
        const { done, value } = await reader.read();
        if (done) break;
        const chunk = Buffer.from(value).subarray(Math.min(skip, value.length));
        skip -= value.length - chunk.length;
        position += chunk.length;
        if (chunk.length) yield chunk;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (range.last) return;
  }
}

/**
 * Lines of a bulk result gathered into orders: an order's line items follow it, each naming it as `__parentId`. A
 * part's first page (`align`) reads from the byte before its offset, drops the rest of that line and any line items
 * of the order before, and starts at the first order line; a part ends at the first order line from its `end` on.
 */
class BulkPage {
  readonly records: RawRecord[] = [];
  /** Where the download starts. */
  readonly readFrom: number;
  private current: (Record<string, unknown> & { lineItems: { nodes: unknown[] } }) | undefined;
  private aligning: 'line' | 'items' | undefined;
  /** Where the page's first order starts. */
  private start: number;
  private offset: number;
  private line: number | undefined;

  constructor(
    private readonly at: BulkCursor,
    readonly limit: number,
  ) {
    this.aligning = at.align && at.offset > 0 ? 'line' : undefined;
    this.readFrom = this.aligning ? at.offset - 1 : at.offset;
    this.start = this.offset = this.readFrom;
    this.line = at.line;
  }

  /** Takes one line; answers the page once it is full (in orders or bytes) or its part ends, and this line starts the next order. */
  take(text: string, bytes: number): FetchPageResult | undefined {
    if (this.aligning === 'line') this.aligning = 'items';
    else if (text.trim() !== '') {
      const object = parseLine(text, this.where());
      const parent = object.__parentId;
      if (parent === undefined) {
        if (this.aligning) {
          this.aligning = undefined;
          this.start = this.offset;
        }
        if (this.at.end !== undefined && this.offset >= this.at.end) return { records: this.records, nextCursor: null };
        const pageBytes = this.offset - this.start;
        if (this.records.length === this.limit || (this.records.length > 0 && pageBytes >= BULK_PAGE_BYTES)) {
          const bytesPerOrder = Math.max(1, Math.ceil(pageBytes / this.records.length));
          const line = this.line === undefined ? {} : { line: this.line };
          const end = this.at.end === undefined ? {} : { end: this.at.end };
          return { records: this.records, nextCursor: encodeCursor({ op: this.at.op, offset: this.offset, ...line, bytesPerOrder, ...end }) };
        }
        // Parsed for this page alone: completed in place, not copied.
        this.current = Object.assign(object, { lineItems: { nodes: [] as unknown[] } });
        const record = toRecord(this.current);
        // The line's place is named only when it is wrong: building it per order was per-record work for nothing.
        if (!record) throw providerRejected(`shopify bulk result ${this.where()} names neither an order (legacyResourceId) nor its order (__parentId)`);
        this.records.push(record);
      } else if (!this.aligning) {
        if (!this.current || parent !== this.current.id) throw providerRejected(`shopify bulk result ${this.where()}: a line item of ${String(parent)} is not under its order`);
        delete object.__parentId;
        this.current.lineItems.nodes.push(object);
      }
    }
    this.offset += bytes;
    if (this.line !== undefined) this.line += 1;
    return undefined;
  }

  /** The line being read, for messages. */
  where(): string {
    return this.line === undefined ? `the line at byte ${this.offset}` : `line ${this.line + 1}`;
  }
}

function parseLine(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A whole line that is not JSON is in the file: reading it again gives the same.
    throw providerRejected(`shopify bulk result ${where} is not JSON: ${text.slice(0, 120)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw providerRejected(`shopify bulk result ${where} is not a JSON object: ${text.slice(0, 120)}`);
  return value as Record<string, unknown>;
}

/** The order as a record, or undefined when it carries no `legacyResourceId` to be known by. */
function toRecord(order: Record<string, unknown>): RawRecord | undefined {
  const id = order.legacyResourceId;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  // Not `{ ...(updatedAt ? { updatedAt } : {}), data }`: per record, and a spread followed by more is V8's slow path.
  const record: RawRecord = { externalId: String(id), data: order };
  if (typeof order.updatedAt === 'string') record.updatedAt = order.updatedAt;
  return record;
}
