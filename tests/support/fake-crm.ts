// Fake WooCommerce, HubSpot and Salesforce servers serving the recorded payload shapes (cloned with new ids and
// times) with each platform's paging and error bodies, plus a 429 storm and a 5xx burst on demand.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listenLocal, type LocalHttpServer } from './local-http';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers');
const read = (file: string) => readFileSync(path.join(fixtures, file), 'utf8');
const json = <T>(file: string) => JSON.parse(read(file)) as T;

type Rec = Record<string, unknown>;

abstract class FakeServer {
  readonly requestTimes: number[] = [];
  readonly records = new Map<string, Rec>();
  baseUrl = '';
  token: string;
  private server?: LocalHttpServer;
  private storm: { remaining: number; status: number; body: string; retryAfter?: string } | undefined;

  constructor(token: string) {
    this.token = token;
  }

  async start(): Promise<this> {
    this.server = await listenLocal((req, res) => void this.dispatch(req, res));
    this.baseUrl = this.server.baseUrl;
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  /** The next `n` requests are refused with the platform's rate-limit answer. */
  abstract rateLimitNext(n: number): void;

  failNext(n: number, status: number, body = '{"message":"Internal Server Error"}'): void {
    this.storm = { remaining: n, status, body };
  }

  protected refuseNext(n: number, status: number, body: string, retryAfter?: string): void {
    this.storm = { remaining: n, status, body, ...(retryAfter ? { retryAfter } : {}) };
  }

  protected abstract authorized(req: http.IncomingMessage): boolean;
  protected abstract unauthorized(): [number, string];
  protected abstract handle(req: http.IncomingMessage, url: URL, body: string): [number, unknown, Record<string, string>?];

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requestTimes.push(Date.now());
    let body = '';
    for await (const chunk of req) body += chunk;
    const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(payload);
    };
    if (!this.authorized(req)) return send(...this.unauthorized());
    if (this.storm && this.storm.remaining > 0) {
      this.storm.remaining -= 1;
      return send(this.storm.status, this.storm.body, this.storm.retryAfter ? { 'Retry-After': this.storm.retryAfter } : {});
    }
    const [status, payload, headers] = this.handle(req, new URL(req.url ?? '/', this.baseUrl), body);
    send(status, JSON.stringify(payload), headers);
  }

  protected sorted(filter: (r: Rec) => boolean = () => true): Rec[] {
    return [...this.records.values()].filter(filter);
  }
}

export class FakeWooCommerce extends FakeServer {
  private readonly template = json<Rec[]>('woocommerce/orders.json');

  constructor(readonly consumerKey: string, readonly consumerSecret: string) {
    super(`${consumerKey}:${consumerSecret}`);
  }

  addOrders(count: number, start = new Date('2026-01-01T00:00:00Z')): Rec[] {
    const out: Rec[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.records.size;
      const time = new Date(start.getTime() + i * 1000).toISOString().slice(0, 19);
      const order = { ...structuredClone(this.template[n % this.template.length]!), id: 10_000 + n, number: String(10_000 + n), date_created_gmt: time, date_modified_gmt: time };
      this.records.set(String(order.id), order);
      out.push(order);
    }
    return out;
  }

  /** Moves an order to the trash, as WooCommerce's "Move to Trash" does (status trash, modified now). */
  trash(id: string, at = new Date()): void {
    const order = this.records.get(id)!;
    order.status = 'trash';
    order.date_modified_gmt = at.toISOString().slice(0, 19);
  }

  rateLimitNext(n: number): void {
    this.refuseNext(n, 429, '{"code":"woocommerce_rest_too_many_requests","message":"Too many requests","data":{"status":429}}', '1');
  }

  protected authorized(req: http.IncomingMessage): boolean {
    return req.headers.authorization === `Basic ${Buffer.from(this.token).toString('base64')}`;
  }

  protected unauthorized(): [number, string] {
    return [401, read('woocommerce/error.401.json')];
  }

  protected handle(_req: http.IncomingMessage, url: URL): [number, unknown, Record<string, string>] {
    if (url.pathname !== '/wp-json/wc/v3/orders') return [404, { code: 'rest_no_route' }, {}];
    const perPage = Number(url.searchParams.get('per_page') ?? 10);
    if (perPage > 100) return [400, { code: 'rest_invalid_param', message: 'Invalid parameter(s): per_page', data: { status: 400 } }, {}];
    const page = Number(url.searchParams.get('page') ?? 1);
    const after = url.searchParams.get('modified_after');
    // `any` (the default) is every status but trash, as in WooCommerce.
    const statuses = (url.searchParams.get('status') ?? 'any').split(',');
    const include = url.searchParams.get('include')?.split(',');
    const listed = (o: Rec) => (statuses.includes('any') ? o.status !== 'trash' : statuses.includes(String(o.status))) && (!include || include.includes(String(o.id)));
    const matching = this.sorted((o) => listed(o) && (!after || Date.parse(`${String(o.date_modified_gmt)}Z`) > Date.parse(after))).sort(
      (a, b) => String(a.date_modified_gmt).localeCompare(String(b.date_modified_gmt)) || Number(a.id) - Number(b.id),
    );
    const totalPages = Math.max(1, Math.ceil(matching.length / perPage));
    return [200, matching.slice((page - 1) * perPage, page * perPage), { 'X-WP-Total': String(matching.length), 'X-WP-TotalPages': String(totalPages) }];
  }
}

export class FakeHubSpot extends FakeServer {
  private readonly deals = json<{ results: Rec[] }>('hubspot/deals.page.json').results;
  private readonly companies = json<{ results: Rec[] }>('hubspot/companies.page.json').results;

  add(kind: 'deals' | 'companies', count: number, start = new Date('2026-01-01T00:00:00Z')): Rec[] {
    const source = kind === 'deals' ? this.deals : this.companies;
    const out: Rec[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.records.size;
      const time = new Date(start.getTime() + i * 1000).toISOString();
      const template = structuredClone(source[n % source.length]!) as Rec & { properties: Rec };
      const id = String(900_000_000 + n);
      const record = { ...template, id, kind, updatedAt: time, properties: { ...template.properties, hs_object_id: id, hs_lastmodifieddate: time } };
      this.records.set(id, record);
      out.push(record);
    }
    return out;
  }

  /** Archives (deletes) a record: it leaves the listings and search, and the archived listing answers it. */
  archive(id: string, at = new Date()): void {
    Object.assign(this.records.get(id)!, { archived: true, archivedAt: at.toISOString() });
  }

  rateLimitNext(n: number): void {
    this.refuseNext(n, 429, read('hubspot/error.429.json'), '1');
  }

  protected authorized(req: http.IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  protected unauthorized(): [number, string] {
    return [401, read('hubspot/error.401.expired.json')];
  }

  protected handle(req: http.IncomingMessage, url: URL, body: string): [number, unknown] {
    const match = /^\/crm\/v3\/objects\/(deals|companies)(\/search)?$/.exec(url.pathname);
    if (!match) return [404, { status: 'error', message: 'not found' }];
    const kind = match[1];
    const strip = (r: Rec) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'kind'));
    const archived = !match[2] && url.searchParams.get('archived') === 'true';
    let items = this.sorted((r) => r.kind === kind && Boolean(r.archived) === archived);
    let after = 0;
    let limit: number;
    if (match[2]) {
      const search = JSON.parse(body) as { filterGroups: Array<{ filters: Array<{ value: string }> }>; limit: number; after?: string };
      const since = Number(search.filterGroups[0]!.filters[0]!.value);
      items = items.filter((r) => Date.parse(String((r.properties as Rec).hs_lastmodifieddate)) >= since).sort((a, b) => String((a.properties as Rec).hs_lastmodifieddate).localeCompare(String((b.properties as Rec).hs_lastmodifieddate)));
      after = Number(search.after ?? 0);
      limit = search.limit;
      if (limit > 200) return [400, { status: 'error', message: 'limit must be at most 200', category: 'VALIDATION_ERROR' }];
    } else {
      after = Number(url.searchParams.get('after') ?? 0);
      limit = Number(url.searchParams.get('limit') ?? 10);
      if (limit > 100) return [400, { status: 'error', message: 'limit must be at most 100', category: 'VALIDATION_ERROR' }];
    }
    const page = items.slice(after, after + limit).map(strip);
    const next = after + limit < items.length ? { paging: { next: { after: String(after + limit) } } } : {};
    return [200, match[2] ? { total: items.length, results: page, ...next } : { results: page, ...next }];
  }
}

export class FakeSalesforce extends FakeServer {
  private readonly accounts = json<{ records: Rec[] }>('salesforce/accounts.query.page1.json').records;
  private readonly opportunities = json<{ records: Rec[] }>('salesforce/opportunities.query.json').records;
  batchSize = 2000;

  add(type: 'Account' | 'Opportunity', count: number, start = new Date('2026-05-01T00:00:00Z')): Rec[] {
    const source = type === 'Account' ? this.accounts : this.opportunities;
    const out: Rec[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.records.size;
      const stamp = new Date(start.getTime() + i * 1000).toISOString().replace('Z', '+0000');
      const id = `${type === 'Account' ? '001' : '006'}dM${String(n).padStart(13, '0')}`;
      const record = { ...structuredClone(source[n % source.length]!), Id: id, IsDeleted: false, SystemModstamp: stamp, attributes: { type, url: `/services/data/v59.0/sobjects/${type}/${id}` } };
      this.records.set(id, record);
      out.push(record);
    }
    return out;
  }

  /** Deletes a record into the recycle bin: IsDeleted, SystemModstamp now; only queryAll answers it then. */
  remove(id: string, at = new Date()): void {
    Object.assign(this.records.get(id)!, { IsDeleted: true, SystemModstamp: at.toISOString().replace('Z', '+0000') });
  }

  rateLimitNext(n: number): void {
    this.refuseNext(n, 403, read('salesforce/error.request-limit.json'));
  }

  protected authorized(req: http.IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  protected unauthorized(): [number, string] {
    return [401, read('salesforce/error.invalid-session.json')];
  }

  protected handle(_req: http.IncomingMessage, url: URL): [number, unknown] {
    const cursor = /^\/services\/data\/v[\d.]+\/query\/(\w+)-(\d+)$/.exec(url.pathname);
    let type: string;
    let since: number;
    let offset = 0;
    // queryAll answers deleted records too, and its nextRecordsUrl (under /query/, as Salesforce's) goes on doing so.
    let all = /^\/services\/data\/v[\d.]+\/queryAll$/.test(url.pathname);
    if (cursor) {
      const [t, s, a] = Buffer.from(cursor[1]!, 'base64url').toString().split('|');
      type = t!;
      since = Number(s);
      all = a === 'all';
      offset = Number(cursor[2]);
    } else {
      if (!all && !/^\/services\/data\/v[\d.]+\/query$/.test(url.pathname)) return [404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]];
      const q = url.searchParams.get('q') ?? '';
      const m = /FROM (\w+)(?: WHERE SystemModstamp > (\S+))? ORDER BY SystemModstamp ASC/.exec(q);
      if (!m) return [400, [{ message: `unexpected SOQL: ${q}`, errorCode: 'MALFORMED_QUERY' }]];
      type = m[1]!;
      since = m[2] ? Date.parse(m[2]) : -Infinity;
    }
    const matching = this.sorted((r) => (r.attributes as Rec).type === type && (all || !r.IsDeleted) && Date.parse(String(r.SystemModstamp)) > since).sort((a, b) =>
      String(a.SystemModstamp).localeCompare(String(b.SystemModstamp)),
    );
    const page = matching.slice(offset, offset + this.batchSize);
    const done = offset + this.batchSize >= matching.length;
    const key = Buffer.from(`${type}|${since}|${all ? 'all' : 'live'}`).toString('base64url');
    return [200, { totalSize: matching.length, done, ...(done ? {} : { nextRecordsUrl: `/services/data/v59.0/query/${key}-${offset + this.batchSize}` }), records: page }];
  }
}
