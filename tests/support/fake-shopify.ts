// A stand-in for Shopify's Admin REST orders endpoint, serving the recorded payload shapes with Shopify's paging, auth and rate limit.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listenLocal, type LocalHttpServer } from './local-http';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'shopify');
const load = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
const templates: Array<Record<string, unknown>> = [...load('orders.page.json').orders, load('webhook.orders-create.json')];
const ERROR_401 = readFileSync(path.join(fixtures, 'error.401.json'), 'utf8');
const ERROR_429 = readFileSync(path.join(fixtures, 'error.429.json'), 'utf8');

type Order = Record<string, unknown> & { id: number; updated_at: string };

/**
 * The stable versions Shopify supports on 2026-11-26 (about 12 months of quarterly releases). Like Shopify, the fake
 * answers a request for another one with the oldest of these and says so in X-Shopify-API-Version.
 */
export const SUPPORTED_API_VERSIONS = ['2026-01', '2026-04', '2026-07', '2026-10'];

export interface FakeShopifyOptions {
  accessToken: string;
  /** Added before each page answer, to make a sync slow enough to interrupt. */
  pageDelayMs?: number;
  /** Shopify's leaky bucket (standard plan: 40, 2/s); off when unset. */
  rateLimit?: { bucket: number; leakPerSecond: number };
  /** For `forMs` from the first orders request, that share of requests is answered 429 or 5xx at random. */
  faults?: { rate: number; forMs: number };
}

export class FakeShopify {
  readonly orders = new Map<number, Order>();
  requests = 0;
  /** When each request came in and when its answer was sent. */
  readonly answered: Array<{ start: number; end: number }> = [];
  rateLimited = 0;
  private server?: LocalHttpServer;
  private bucketLevel = 0;
  private bucketAt = Date.now();
  private failures: number[] = [];
  private generated = { count: 0, startAt: 0 };
  private firstRequestAt: number | undefined;
  faultsServed = 0;
  baseUrl = '';
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
  }

  /** Clones the recorded orders into `count` new ones with their own ids, numbers and times. */
  addOrders(count: number, startAt = new Date('2026-01-01T00:00:00Z')): Order[] {
    const created: Order[] = [];
    const first = this.orders.size;
    for (let i = 0; i < count; i++) {
      const n = first + i;
      const template = structuredClone(templates[n % templates.length]!);
      const time = new Date(startAt.getTime() + n * 1000).toISOString();
      const order = { ...template, id: 5_000_000_000 + n, number: n + 1, order_number: 1001 + n, name: `#${1001 + n}`, created_at: time, updated_at: time } as Order;
      this.orders.set(order.id, order);
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
    const time = new Date(this.generated.startAt + n * 1000).toISOString();
    return { ...templates[n % templates.length]!, id: 6_000_000_000 + n, number: n + 1, order_number: 1001 + n, name: `#G${1001 + n}`, created_at: time, updated_at: time } as Order;
  }

  /** Orders updated at or after `min`, oldest first, from `offset`: one page, and how many match in all. */
  private window(min: number, offset: number, limit: number, filters: OrderFilters = {}): { page: Order[]; total: number } {
    const stored = [...this.orders.values()]
      .filter((o) => Date.parse(o.updated_at) >= min && matches(o, filters))
      .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || a.id - b.id);
    const first = Math.max(0, Math.ceil((min - this.generated.startAt) / 1000));
    // Generated orders (the benchmark's million) are not filtered: a filtered fetch sees the stored ones only.
    const filtered = Object.keys(filters).length > 0;
    const generatedTotal = this.generated.count && !filtered ? Math.max(0, this.generated.count - first) : 0;
    const page = stored.slice(offset, offset + limit);
    for (let i = Math.max(0, offset - stored.length); page.length < limit && i < generatedTotal; i++) page.push(this.generatedOrder(first + i));
    return { page, total: stored.length + generatedTotal };
  }

  /** Changes the price of `count` orders and moves their updated_at to `at`. */
  touchOrders(count: number, at: Date): Order[] {
    const touched = [...this.orders.values()].slice(0, count);
    for (const order of touched) {
      order.total_price = (Number(order.total_price) + 1).toFixed(2);
      order.updated_at = at.toISOString();
    }
    return touched;
  }

  /** The next `n` requests answer with `status` (e.g. 503) before paging resumes. */
  failNext(n: number, status: number): void {
    this.failures.push(...Array<number>(n).fill(status));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(body);
    };
    if (url.pathname === '/__stats') return send(200, JSON.stringify({ requests: this.requests, rateLimited: this.rateLimited, faultsServed: this.faultsServed }));
    this.requests += 1;
    const started = Date.now();
    res.once('finish', () => this.answered.push({ start: started, end: Date.now() }));
    const match = /^\/admin\/api\/([\w-]+)\/orders\.json$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) return send(404, JSON.stringify({ errors: 'Not Found' }));
    if (!this.validTokens.has(String(req.headers['x-shopify-access-token']))) return send(401, ERROR_401);
    const failure = this.failures.shift() ?? this.randomFault();
    if (failure === 429) return send(429, ERROR_429, { 'Retry-After': '1.0' });
    if (failure) return send(failure, JSON.stringify({ errors: 'Internal Server Error' }));
    const limitHeader = this.takeFromBucket();
    if (limitHeader === null) {
      this.rateLimited += 1;
      return send(429, ERROR_429, { 'Retry-After': '2.0' });
    }

    const limit = Number(url.searchParams.get('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) return send(400, JSON.stringify({ errors: { limit: 'must be between 1 and 250' } }));
    const pageInfo = url.searchParams.get('page_info');
    let offset = 0;
    let updatedAtMin: string | null = url.searchParams.get('updated_at_min');
    let filters: OrderFilters = {};
    for (const name of ['ids', 'status', 'financial_status'] as const) {
      const value = url.searchParams.get(name);
      if (value !== null && !(name === 'status' && value === 'any')) filters[name] = value;
    }
    if (pageInfo) {
      const extra = [...url.searchParams.keys()].filter((k) => k !== 'page_info' && k !== 'limit' && k !== 'fields');
      if (extra.length) return send(400, JSON.stringify({ errors: { page_info: `cannot be combined with ${extra.join(', ')}` } }));
      const decoded = JSON.parse(Buffer.from(pageInfo, 'base64url').toString()) as { offset: number; updatedAtMin: string | null; filters?: OrderFilters };
      offset = decoded.offset;
      updatedAtMin = decoded.updatedAtMin;
      filters = decoded.filters ?? {};
    }
    const min = updatedAtMin ? Date.parse(updatedAtMin) : -Infinity;
    const { page, total } = this.window(min, offset, limit, filters);
    const links: string[] = [];
    const link = (o: number, rel: string) => {
      // As Shopify does, the page_info carries the first request's filters.
      const info = Buffer.from(JSON.stringify({ offset: o, updatedAtMin, filters })).toString('base64url');
      links.push(`<${this.baseUrl}/admin/api/${match[1]}/orders.json?limit=${limit}&page_info=${info}>; rel="${rel}"`);
    };
    if (offset > 0) link(Math.max(0, offset - limit), 'previous');
    if (offset + limit < total) link(offset + limit, 'next');
    if (this.options.pageDelayMs) await new Promise((r) => setTimeout(r, this.options.pageDelayMs));
    send(200, JSON.stringify({ orders: page }), {
      ...(links.length ? { Link: links.join(', ') } : {}),
      'X-Shopify-Shop-Api-Call-Limit': limitHeader,
      'X-Shopify-API-Version': SUPPORTED_API_VERSIONS.includes(match[1]!) ? match[1]! : SUPPORTED_API_VERSIONS[0]!,
    });
  }

  private randomFault(): number | undefined {
    const faults = this.options.faults;
    this.firstRequestAt ??= Date.now();
    if (!faults || Date.now() - this.firstRequestAt > faults.forMs || Math.random() >= faults.rate) return undefined;
    this.faultsServed += 1;
    return [429, 500, 502, 503][Math.floor(Math.random() * 4)];
  }

  /** Leaky bucket: returns the call-limit header, or null when the bucket is full. */
  private takeFromBucket(): string | null {
    const rate = this.options.rateLimit;
    if (!rate) return '1/40';
    const now = Date.now();
    this.bucketLevel = Math.max(0, this.bucketLevel - ((now - this.bucketAt) / 1000) * rate.leakPerSecond);
    this.bucketAt = now;
    if (this.bucketLevel + 1 > rate.bucket) return null;
    this.bucketLevel += 1;
    return `${Math.ceil(this.bucketLevel)}/${rate.bucket}`;
  }
}

/** The orders.json filters this fake applies, as Shopify documents them. */
interface OrderFilters {
  ids?: string;
  status?: string;
  financial_status?: string;
}

function matches(order: Order, filters: OrderFilters): boolean {
  const o = order as Order & { closed_at?: string | null; cancelled_at?: string | null; financial_status?: string };
  if (filters.ids && !filters.ids.split(',').includes(String(o.id))) return false;
  if (filters.financial_status && filters.financial_status !== 'any' && o.financial_status !== filters.financial_status) return false;
  if (filters.status === 'open' && (o.closed_at || o.cancelled_at)) return false;
  if (filters.status === 'closed' && !o.closed_at) return false;
  if (filters.status === 'cancelled' && !o.cancelled_at) return false;
  return true;
}
