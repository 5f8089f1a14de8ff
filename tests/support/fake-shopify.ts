// A stand-in for Shopify's GraphQL Admin API (orders), serving the recorded payload shapes with Shopify's cursor
// paging, auth, query cost accounting and throttling (tests/support/shopify-graphql.ts runs the queries).
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Kind, print, type FieldNode, type GraphQLObjectType } from 'graphql';
import { listenLocal, type LocalHttpServer } from './local-http';
import { bulkLines, nodeSelection, parseQuery, parseSearch, queryCost, run, schema, SINGLE_QUERY_MAX_COST, type OrderSearch } from './shopify-graphql';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'shopify');
const load = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
const ERROR_401 = readFileSync(path.join(fixtures, 'error.401.json'), 'utf8');
const ERROR_429 = readFileSync(path.join(fixtures, 'error.429.json'), 'utf8');

type Money = { shopMoney: { amount: string; currencyCode: string } };
export type LineItem = Record<string, unknown> & { id: string; quantity: number; originalUnitPriceSet?: Money };
/** An order as the GraphQL Admin API has it; `lineItems` here is the list its connection pages through. */
export type Order = Record<string, unknown> & {
  id: string;
  legacyResourceId: string;
  updatedAt: string;
  createdAt: string;
  totalPriceSet: Money;
  lineItems: LineItem[];
};

/** The recorded orders, with what the recorded answer (Core-API's) did not select filled in as the fake fills ids. */
const templates: Order[] = [
  ...(load('graphql.orders.page.json').data.orders.nodes as Array<Order & { lineItems: { nodes: LineItem[] } }>).map((o) => ({ ...o, lineItems: o.lineItems.nodes })),
  ...(load('graphql.orders.recorded.json').data.orders.edges as Array<{ node: Record<string, unknown> & { totalPriceSet: Money; lineItems: { edges: Array<{ node: LineItem }> } } }>).map(
    ({ node }, i) =>
      ({
        ...node,
        email: null,
        currencyCode: node.totalPriceSet.shopMoney.currencyCode,
        displayFulfillmentStatus: 'FULFILLED',
        tags: [],
        test: false,
        lineItems: node.lineItems.edges.map((e, j) => ({ ...e.node, id: `gid://shopify/LineItem/${9_000_000 + i * 10 + j}`, originalUnitPriceSet: e.node.discountedTotalSet as Money })),
      }) as unknown as Order,
  ),
];

/**
 * The stable versions Shopify supports on 2026-11-26 (about 12 months of quarterly releases). Like Shopify, the fake
 * answers a request for another one with the oldest of these and says so in X-Shopify-API-Version.
 */
export const SUPPORTED_API_VERSIONS = ['2026-01', '2026-04', '2026-07', '2026-10'];

export interface FakeShopifyOptions {
  accessToken: string;
  /** Added before each answer (a query's, a bulk result download's), to make a sync slow enough to interrupt. */
  pageDelayMs?: number;
  /** The app's query cost bucket (Standard plan: 2,000 points restoring 100/s); unlimited when unset. */
  throttle?: { maximumAvailable: number; restoreRate: number };
  /** For `forMs` from the first query, that share of queries is answered THROTTLED, 500, 502 or 503 at random. */
  faults?: { rate: number; forMs: number };
  /** How long a bulk operation stays CREATED before it runs (Shopify queues them). */
  bulkQueuedMs?: number;
  /** The app's access scopes on this shop (default: read_orders and read_all_orders). */
  scopes?: string[];
}

/** A bulk operation as Shopify reports it, with the file the fake writes its result to. */
export interface BulkOperation {
  id: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'EXPIRED';
  errorCode: string | null;
  query: string;
  createdAt: string;
  completedAt: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  file?: string;
}

interface BulkResult {
  file: string;
  objects: number;
  roots: number;
}

/** Shopify's orders cursor: the sort key (updated time, ms) and id of the last order of a page. */
type Cursor = { last_id: number; last_value: number };

/** A fault answered as Shopify answers a query over its bucket: 200 with a THROTTLED error. */
const THROTTLED = -1;
const UNLIMITED = { maximumAvailable: 1_000_000, restoreRate: 1_000_000 };

export class FakeShopify {
  readonly orders = new Map<number, Order>();
  requests = 0;
  /** When each request came in and when its answer was sent. */
  readonly answered: Array<{ start: number; end: number }> = [];
  /** Queries answered THROTTLED because the bucket held less than they asked for. */
  rateLimited = 0;
  /** Points spent in all (actual cost). */
  pointsSpent = 0;
  /**
   * The least time from the first query to the start of the last one that the bucket allows for the queries answered:
   * query i can start only once the bucket has restored Σ(actual before i) + requested(i) − maximumAvailable points.
   */
  floorMs = 0;
  private server?: LocalHttpServer;
  private bucketUsed = 0;
  private bucketAt = Date.now();
  private failures: number[] = [];
  private generated = { count: 0, startAt: 0 };
  private firstRequestAt: number | undefined;
  faultsServed = 0;
  baseUrl = '';
  readonly bulkOperations: BulkOperation[] = [];
  /** Downloads of bulk results, with the byte each started at. */
  readonly bulkDownloads: number[] = [];
  /** The byte range (first, last) each download of a bulk result answered. */
  readonly bulkRanges: Array<[number, number]> = [];
  private nextBulkOutcome?: { status: BulkOperation['status']; errorCode: string | null };
  /** Result files of a shop of generated orders alone, by query, search and generated orders. */
  private readonly bulkResults = new Map<string, BulkResult>();
  /** Tokens the shop accepts; a test revokes one to make it answer 401. */
  readonly validTokens: Set<string>;

  constructor(readonly options: FakeShopifyOptions) {
    this.validTokens = new Set([options.accessToken]);
  }

  async start(): Promise<this> {
    this.server = await listenLocal((req, res) => void this.handle(req, res));
    this.baseUrl = this.server.baseUrl;
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    for (const op of this.bulkOperations) if (op.file) rmSync(op.file, { force: true });
  }

  /** The next bulk operation ends with this status (FAILED with an errorCode, EXPIRED, CANCELED) instead of a file. */
  failNextBulk(status: BulkOperation['status'], errorCode: string | null = null): void {
    this.nextBulkOutcome = { status, errorCode };
  }

  /** Clones the recorded orders into `count` new ones with their own ids, numbers and times. */
  addOrders(count: number, startAt = new Date('2026-01-01T00:00:00Z')): Order[] {
    const created: Order[] = [];
    const first = this.orders.size;
    for (let i = 0; i < count; i++) {
      const n = first + i;
      const order = cloneOrder(structuredClone(templates[n % templates.length]!), 5_000_000_000 + n, `#${1001 + n}`, new Date(startAt.getTime() + n * 1000).toISOString());
      this.orders.set(Number(order.legacyResourceId), order);
      created.push(order);
    }
    return created;
  }

  /**
   * `count` more orders made on demand from the recorded ones when a page asks for them, not held in memory, so the
   * benchmark can page through a million. Their times follow the stored orders' (one second apart, from `startAt`).
   */
  generateOrders(count: number, startAt = new Date('2026-01-01T00:00:00Z')): void {
    this.generated = { count, startAt: startAt.getTime() };
  }

  private generatedOrder(n: number): Order {
    return cloneOrder(templates[n % templates.length]!, 6_000_000_000 + n, `#G${1001 + n}`, new Date(this.generated.startAt + n * 1000).toISOString());
  }

  /** Changes the price of `count` orders and moves their updatedAt to `at`. */
  touchOrders(count: number, at: Date): Order[] {
    const touched = [...this.orders.values()].slice(0, count);
    for (const order of touched) {
      const money = order.totalPriceSet.shopMoney;
      order.totalPriceSet = { shopMoney: { ...money, amount: (Number(money.amount) + 1).toFixed(2) } };
      order.updatedAt = at.toISOString();
    }
    return touched;
  }

  /** The next `n` requests answer with `status` (e.g. 503; 429 as HTTP, 'THROTTLED' as Shopify's 200) before paging resumes. */
  failNext(n: number, status: number | 'THROTTLED'): void {
    this.failures.push(...Array<number>(n).fill(status === 'THROTTLED' ? THROTTLED : status));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const download = /^\/bulk\/(\d+)\.jsonl$/.exec(url.pathname);
    if (download && req.method === 'GET') return this.serveBulkResult(Number(download[1]), req, res);
    if (url.pathname === '/__stats') return send(200, { requests: this.requests, rateLimited: this.rateLimited, faultsServed: this.faultsServed, pointsSpent: this.pointsSpent, floorMs: this.floorMs });
    this.requests += 1;
    const started = Date.now();
    res.once('finish', () => this.answered.push({ start: started, end: Date.now() }));
    const match = /^\/admin\/api\/([\w-]+)\/graphql\.json$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) return send(404, { errors: 'Not Found' });
    const version = SUPPORTED_API_VERSIONS.includes(match[1]!) ? match[1]! : SUPPORTED_API_VERSIONS[0]!;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!this.validTokens.has(String(req.headers['x-shopify-access-token']))) return send(401, ERROR_401);
    const failure = this.failures.shift() ?? this.randomFault();
    if (failure === 429) return send(429, ERROR_429, { 'Retry-After': '1.0' });
    if (failure && failure !== THROTTLED) return send(failure, { errors: 'Internal Server Error' });

    let request: { query?: unknown; variables?: Record<string, unknown> };
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
    } catch {
      return send(400, { errors: 'Bad Request: the body is not JSON' });
    }
    if (typeof request.query !== 'string') return send(400, { errors: { query: 'Required parameter missing or invalid' } });
    const parsed = parseQuery(request.query);
    if ('errors' in parsed) return send(200, parsed);
    const variables = request.variables ?? {};
    const requested = queryCost(parsed, variables);
    const headers = { 'X-Shopify-API-Version': version };
    if (requested > SINGLE_QUERY_MAX_COST) {
      const message = `Query cost is ${requested}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).`;
      return send(200, { errors: [{ message, extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: SINGLE_QUERY_MAX_COST } }] }, headers);
    }
    const bucket = this.options.throttle ?? UNLIMITED;
    this.restore(bucket);
    if (failure === THROTTLED || requested > bucket.maximumAvailable - this.bucketUsed) {
      this.rateLimited += 1;
      return send(
        200,
        { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: { cost: this.cost(requested, null, bucket) } },
        headers,
      );
    }
    if (this.options.throttle) this.floorMs = Math.max(this.floorMs, ((this.pointsSpent + requested - bucket.maximumAvailable) / bucket.restoreRate) * 1000);
    this.bucketUsed += requested;
    const result = await run(parsed, this.root(), variables);
    const actual = queryCost(parsed, variables, result.data ?? undefined);
    this.bucketUsed -= requested - actual;
    this.pointsSpent += actual;
    if (this.options.pageDelayMs) await new Promise((r) => setTimeout(r, this.options.pageDelayMs));
    send(200, { ...(result.errors ? { errors: result.errors.map((e) => ({ message: e.message })) } : {}), data: result.data ?? null, extensions: { cost: this.cost(requested, actual, bucket) } }, headers);
  }

  private cost(requested: number, actual: number | null, bucket: { maximumAvailable: number; restoreRate: number }) {
    return {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: { maximumAvailable: bucket.maximumAvailable, currentlyAvailable: Math.floor(bucket.maximumAvailable - this.bucketUsed), restoreRate: bucket.restoreRate },
    };
  }

  private restore(bucket: { restoreRate: number }): void {
    const now = Date.now();
    this.bucketUsed = Math.max(0, this.bucketUsed - ((now - this.bucketAt) / 1000) * bucket.restoreRate);
    this.bucketAt = now;
  }

  private root() {
    return {
      orders: (args: { first?: number; after?: string; query?: string; sortKey?: string }) => {
        if (args.sortKey !== 'UPDATED_AT') throw new Error('the fake Shopify sorts orders by UPDATED_AT only');
        const first = args.first ?? 0;
        if (first < 1 || first > 250) throw new Error('first must be between 1 and 250');
        const after = args.after ? (JSON.parse(Buffer.from(args.after, 'base64').toString()) as Cursor) : undefined;
        const { page, more } = this.window(parseSearch(args.query), after, first);
        return connection(page, (o) => ({ last_id: Number(o.legacyResourceId), last_value: Date.parse(o.updatedAt) }), more, (o) => ({
          ...o,
          lineItems: (a: { first?: number; after?: string }) => lineItemConnection(o.lineItems, a),
        }));
      },
      ordersCount: ({ query, limit }: { query?: string; limit?: number }) => {
        const max = limit ?? 10_000;
        let count = 0;
        for (const _order of this.matching(parseSearch(query))) if (++count > max) break;
        return count > max ? { count: max, precision: 'AT_LEAST' } : { count, precision: 'EXACT' };
      },
      node: ({ id }: { id: string }) => {
        const op = this.bulkOperations.find((o) => o.id === id);
        return op ? { __typename: 'BulkOperation', type: 'QUERY', ...op } : null;
      },
      currentBulkOperation: () => {
        const op = this.bulkOperations.at(-1);
        return op ? { type: 'QUERY', ...op } : null;
      },
      bulkOperationRunQuery: ({ query }: { query: string }) => this.runBulkQuery(query),
      currentAppInstallation: () => ({ accessScopes: (this.options.scopes ?? ['read_orders', 'read_all_orders']).map((handle) => ({ handle, description: handle })) }),
      order: ({ id }: { id: string }) => {
        const order = this.orders.get(Number(id.slice(id.lastIndexOf('/') + 1)));
        return order ? { ...order, lineItems: (a: { first?: number; after?: string }) => lineItemConnection(order.lineItems, a) } : null;
      },
    };
  }

  /** Without read_all_orders an app sees the orders of the last 60 days only, and Shopify says nothing of the rest. */
  private visible(order: Order): boolean {
    return (this.options.scopes ?? ['read_all_orders']).includes('read_all_orders') || Date.parse(order.createdAt) >= Date.now() - 60 * 24 * 3600 * 1000;
  }

  /**
   * Every order matching the search (after the cursor, when given), oldest update first, ties by id: the stored ones,
   * then the generated ones (made one by one, from the first one the search or cursor can reach).
   */
  private *matching(search: OrderSearch, after?: Cursor): Generator<Order> {
    const min = search.updatedAtMin;
    const key = (o: Order) => [Date.parse(o.updatedAt), Number(o.legacyResourceId)] as const;
    const wanted = (o: Order) => {
      const [t, id] = key(o);
      return (
        this.visible(o) &&
        (!min || t > min.at || (min.inclusive && t === min.at)) &&
        (!after || t > after.last_value || (t === after.last_value && id > after.last_id))
      );
    };
    yield* [...this.orders.values()].filter((o) => wanted(o) && matches(o, search)).sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
    // Generated orders (the benchmark's million) are not filtered by status or id: a filtered fetch sees stored ones.
    if (search.ids !== undefined || search.status !== undefined || search.financialStatus !== undefined) return;
    const second = (at: number) => Math.floor((at - this.generated.startAt) / 1000);
    for (let n = Math.max(0, min ? second(min.at) : 0, after ? second(after.last_value) : 0); n < this.generated.count; n++) {
      const order = this.generatedOrder(n);
      if (wanted(order)) yield order;
    }
  }

  /** bulkOperationRunQuery: one operation at a time per app and shop, as Shopify's answer says. */
  private runBulkQuery(query: string) {
    const running = this.bulkOperations.find((o) => o.status === 'CREATED' || o.status === 'RUNNING');
    if (running) return { bulkOperation: null, userErrors: [{ field: null, message: `A bulk query operation for this app and shop is already in progress: ${running.id}.` }] };
    const parsed = parseQuery(query);
    if ('errors' in parsed) return { bulkOperation: null, userErrors: parsed.errors.map((e) => ({ field: ['query'], message: `Invalid bulk query: ${e.message}` })) };
    const orders = parsed.operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'orders');
    const node = orders && nodeSelection(orders);
    if (!orders || !node) return { bulkOperation: null, userErrors: [{ field: ['query'], message: 'Bulk queries must contain at least one connection.' }] };
    const search = orders.arguments?.find((a) => a.name.value === 'query')?.value;
    const op: BulkOperation = {
      id: `gid://shopify/BulkOperation/${4_046_733_967_549 + this.bulkOperations.length}`,
      status: 'CREATED',
      errorCode: null,
      query,
      createdAt: new Date().toISOString(),
      completedAt: null,
      objectCount: '0',
      rootObjectCount: '0',
      fileSize: null,
      url: null,
    };
    this.bulkOperations.push(op);
    const outcome = this.nextBulkOutcome;
    this.nextBulkOutcome = undefined;
    // A shop stopped while it writes (a test's end) has nothing left to report to.
    this.writeBulkResult(op, node, parseSearch(search?.kind === Kind.STRING ? search.value : undefined), outcome).catch(() => undefined);
    return { bulkOperation: { type: 'QUERY', ...op }, userErrors: [] };
  }

  /** Runs the operation: queued for `bulkQueuedMs`, then the JSONL written to a file, then COMPLETED with its URL. */
  private async writeBulkResult(op: BulkOperation, node: FieldNode['selectionSet'] & object, search: OrderSearch, outcome?: { status: BulkOperation['status']; errorCode: string | null }): Promise<void> {
    await new Promise((r) => setTimeout(r, this.options.bulkQueuedMs ?? 0));
    op.status = 'RUNNING';
    if (outcome) {
      Object.assign(op, outcome, { completedAt: new Date().toISOString() });
      return;
    }
    const n = this.bulkOperations.indexOf(op);
    // A shop of generated orders alone answers the same query with the same file: written once, so the benchmark's
    // repeated syncs measure the pipeline rather than this fake writing its file again (docs/BENCHMARKS.md).
    const key = this.orders.size === 0 ? `${print(node)}\n${JSON.stringify(search)}\n${this.generated.count}\n${this.generated.startAt}` : undefined;
    const result = (key && this.bulkResults.get(key)) || (await this.writeBulkFile(n, node, search));
    if (key) this.bulkResults.set(key, result);
    Object.assign(op, {
      status: 'COMPLETED',
      completedAt: new Date().toISOString(),
      objectCount: String(result.objects),
      rootObjectCount: String(result.roots),
      fileSize: String(statSync(result.file).size),
      file: result.file,
      // A signed storage URL: no shop token is needed (or wanted) to read it.
      url: result.roots ? `${this.baseUrl}/bulk/${n}.jsonl?X-Goog-Signature=fake` : null,
    });
  }

  private async writeBulkFile(n: number, node: FieldNode['selectionSet'] & object, search: OrderSearch): Promise<BulkResult> {
    const file = path.join(os.tmpdir(), `fake-shopify-bulk-${process.pid}-${Date.now()}-${n}.jsonl`);
    const out = createWriteStream(file);
    const orderType = schema.getType('Order') as GraphQLObjectType;
    let objects = 0;
    let roots = 0;
    for (const order of this.matching(search)) {
      roots += 1;
      for (const line of bulkLines(node, orderType, order)) {
        objects += 1;
        // Shopify's files escape "/" (gid:\/\/shopify\/Order\/1).
        if (!out.write(`${JSON.stringify(line).replaceAll('/', '\\/')}\n`)) await once(out, 'drain');
      }
    }
    out.end();
    await once(out, 'finish');
    return { file, objects, roots };
  }

  private async serveBulkResult(n: number, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.options.pageDelayMs) await new Promise((r) => setTimeout(r, this.options.pageDelayMs));
    const op = this.bulkOperations[n];
    if (!op?.file || op.status !== 'COMPLETED') {
      res.writeHead(404).end();
      return;
    }
    const size = Number(op.fileSize);
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    const start = range ? Number(range[1]) : 0;
    this.bulkDownloads.push(start);
    if (range && start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    // As storage servers answer: a range past the end stops at the end.
    const last = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    this.bulkRanges.push([start, last]);
    res.writeHead(range ? 206 : 200, {
      'Content-Type': 'application/jsonl',
      'Content-Length': String(last + 1 - start),
      ...(range ? { 'Content-Range': `bytes ${start}-${last}/${size}` } : {}),
    });
    createReadStream(op.file, { start, end: last }).pipe(res);
  }

  /** One page of `limit` orders after the cursor, and whether more follow. */
  private window(search: OrderSearch, after: Cursor | undefined, limit: number): { page: Order[]; more: boolean } {
    const page: Order[] = [];
    for (const order of this.matching(search, after)) if (page.push(order) > limit) break;
    return { page: page.slice(0, limit), more: page.length > limit };
  }

  private randomFault(): number | undefined {
    const faults = this.options.faults;
    this.firstRequestAt ??= Date.now();
    if (!faults || Date.now() - this.firstRequestAt > faults.forMs || Math.random() >= faults.rate) return undefined;
    this.faultsServed += 1;
    return [THROTTLED, 500, 502, 503][Math.floor(Math.random() * 4)];
  }
}

function cloneOrder(template: Order, id: number, name: string, time: string): Order {
  return {
    ...template,
    id: `gid://shopify/Order/${id}`,
    legacyResourceId: String(id),
    name,
    createdAt: time,
    updatedAt: time,
    processedAt: time,
    lineItems: template.lineItems.map((item, i) => ({ ...item, id: `gid://shopify/LineItem/${id * 10 + i}` })),
  };
}

/** A connection over `items` with Shopify's cursor format (base64 JSON of the sort key and id). */
function connection<T, C>(items: T[], cursorOf: (item: T) => C, hasNextPage: boolean, present: (item: T) => unknown = (i) => i) {
  const cursor = (item: T) => Buffer.from(JSON.stringify(cursorOf(item))).toString('base64');
  const nodes = items.map(present);
  return {
    nodes,
    edges: items.map((item, i) => ({ cursor: cursor(item), node: nodes[i] })),
    pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: items.length ? cursor(items[0]!) : null, endCursor: items.length ? cursor(items.at(-1)!) : null },
  };
}

function lineItemConnection(items: LineItem[], args: { first?: number; after?: string }) {
  const from = args.after ? (JSON.parse(Buffer.from(args.after, 'base64').toString()) as { index: number }).index + 1 : 0;
  const first = args.first ?? 0;
  const page = items.slice(from, from + first).map((item, i) => ({ item, index: from + i }));
  return connection(page, (p) => ({ index: p.index }), from + first < items.length, (p) => p.item);
}

/** The search terms this fake applies, as Shopify documents them for orders. */
function matches(order: Order, search: OrderSearch): boolean {
  const o = order as Order & { closedAt?: string | null; cancelledAt?: string | null; displayFinancialStatus?: string };
  if (search.ids && !search.ids.includes(o.legacyResourceId)) return false;
  if (search.financialStatus && o.displayFinancialStatus?.toLowerCase() !== search.financialStatus) return false;
  if (search.status === 'open' && (o.closedAt || o.cancelledAt)) return false;
  if (search.status === 'closed' && !o.closedAt) return false;
  if (search.status === 'cancelled' && !o.cancelledAt) return false;
  return true;
}
