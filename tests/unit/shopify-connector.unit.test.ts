import { readFileSync } from 'node:fs';
import { STRICT_POLICY } from '../../connectors/outbound';
import { parseRetryAfter, providerFailure } from '../../connectors/errors';
import { BULK_PAGE_BYTES, BULK_PART_MIN_BYTES } from '../../connectors/shopify/bulk';
import { DEFAULT_API_VERSION, shopifyConnector } from '../../connectors/shopify/connector';
import { MAX_ORDERS_PER_QUERY, ordersQueryCost, ordersSearch } from '../../connectors/shopify/orders-query';
import type { PaceReport } from '../../connectors/rate-limit';
import { FailureType } from '../../contracts/failures';
import { FakeShopify, SUPPORTED_API_VERSIONS } from '../support/fake-shopify';

const LOCAL = { allowInsecure: true, allowedCidrs: [] };

describe('Shopify GraphQL orders', () => {
  let shop: FakeShopify;
  beforeEach(async () => {
    shop = await new FakeShopify({ accessToken: 't' }).start();
  });
  afterEach(() => shop.stop());

  const fetchOrders = (request: { cursor?: string | null; since?: string | null; pageSize?: number; filters?: Record<string, unknown> }, pace?: { take(cost: number): Promise<void>; settle(r: PaceReport): Promise<void> }) =>
    shopifyConnector.fetchPage(
      { config: { baseUrl: shop.baseUrl }, credentials: { accessToken: 't' }, policy: LOCAL, ...(pace ? { pace } : {}) },
      { entityType: 'Order', cursor: request.cursor ?? null, since: request.since ?? null, ...(request.pageSize ? { pageSize: request.pageSize } : {}), ...(request.filters ? { filters: request.filters } : {}) },
    );

  it('writes since and the filters in Shopify search syntax', () => {
    expect(ordersSearch(null)).toBeNull();
    expect(ordersSearch('2026-01-01T00:00:00+02:00', { status: 'open', financial_status: 'paid', ids: ['1', '22'] })).toBe(
      "updated_at:>='2025-12-31T22:00:00.000Z' AND status:open AND financial_status:paid AND (id:1 OR id:22)",
    );
    expect(ordersSearch(null, { status: 'any', financial_status: 'any' })).toBeNull();
  });

  it('pages by cursor in updated order from since, each order under its numeric id', async () => {
    const orders = shop.addOrders(100);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await fetchOrders({ cursor, since: orders[10]!.updatedAt });
      seen.push(...page.records.map((r) => r.externalId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(orders.slice(10).map((o) => o.legacyResourceId));
    expect(pages).toBe(Math.ceil(90 / MAX_ORDERS_PER_QUERY));
    expect(ordersQueryCost(MAX_ORDERS_PER_QUERY)).toBeLessThanOrEqual(1000);
  });

  it('takes the cost Shopify will ask for before each query and hands back what it did not use', async () => {
    shop.addOrders(5);
    const taken: number[] = [];
    const settled: PaceReport[] = [];
    await fetchOrders({ pageSize: 10 }, { take: async (cost) => void taken.push(cost), settle: async (report) => void settled.push(report) });
    expect(taken).toEqual([ordersQueryCost(10)]);
    // The fake counts cost by Shopify's rules; what it spent is what the pace was not handed back.
    expect(taken[0]! - settled[0]!.unused).toBe(shop.pointsSpent);
    expect(settled[0]!.inUse).toBe(shop.pointsSpent);
  });

  it('fetches the line items past the first few with follow-up queries', async () => {
    const [, big] = shop.addOrders(2);
    big!.lineItems = Array.from({ length: 230 }, (_, i) => ({ ...big!.lineItems[0]!, id: `gid://shopify/LineItem/${i + 1}`, quantity: i + 1 }));
    const page = await fetchOrders({});
    expect(page.records[0]!.data.lineItems).toEqual({ nodes: [] });
    const items = (page.records[1]!.data.lineItems as { nodes: Array<{ id: string }> }).nodes;
    expect(items.map((i) => i.id)).toEqual(big!.lineItems.map((i) => i.id));
    expect(shop.requests).toBe(1 + 3);
  });

  it('applies the webhook filters through the search', async () => {
    const orders = shop.addOrders(6);
    const page = await fetchOrders({ filters: { ids: [orders[1]!.legacyResourceId, orders[4]!.legacyResourceId] } });
    expect(page.records.map((r) => r.externalId)).toEqual([orders[1]!.legacyResourceId, orders[4]!.legacyResourceId]);
  });

  it('types GraphQL errors that arrive in a 200 answer', async () => {
    shop.addOrders(1);
    shop.failNext(1, 'THROTTLED');
    await expect(fetchOrders({})).rejects.toMatchObject({ type: FailureType.RateLimited, nonRetryable: false });
    // A bucket of 1,000 restoring 1 point/s: after one query it holds less than the next asks for, and the wait is
    // exactly what the bucket needs to hold it: (requested − available) / restoreRate.
    shop.options.throttle = { maximumAvailable: 1000, restoreRate: 1 };
    await fetchOrders({});
    const spent = shop.pointsSpent;
    const throttled = await fetchOrders({}).catch((err: unknown) => err);
    expect(throttled).toMatchObject({ type: FailureType.RateLimited, message: expect.stringContaining('Throttled') });
    const wait = Number((throttled as { nextRetryDelay: { toMillis?: () => number } | number }).nextRetryDelay);
    const missing = ordersQueryCost(MAX_ORDERS_PER_QUERY) - (1000 - spent);
    expect(wait).toBeGreaterThanOrEqual((missing - 1) * 1000);
    expect(wait).toBeLessThanOrEqual(missing * 1000);
    delete shop.options.throttle;
    await expect(fetchOrders({ pageSize: 10_000 })).resolves.toMatchObject({ records: [expect.anything()] });
  });
});

describe('Shopify bulk exports', () => {
  let shop: FakeShopify;
  beforeEach(async () => {
    shop = await new FakeShopify({ accessToken: 't' }).start();
  });
  afterEach(() => shop.stop());
  const connection = () => ({ config: { baseUrl: shop.baseUrl }, credentials: { accessToken: 't' }, policy: LOCAL });
  const bulk = shopifyConnector.bulkExport!;

  const exportAll = async (since: string | null, pageSize?: number) => {
    const started = await bulk.start(connection(), { entityType: 'Order', since });
    if (!started) return undefined;
    let status = await bulk.check(connection(), started.operationId);
    while (status.status === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      status = await bulk.check(connection(), started.operationId);
    }
    const records: Array<{ externalId: string; data: Record<string, unknown> }> = [];
    const cursors: Array<string | null> = [];
    const pageSizes: number[] = [];
    const queriesBefore = shop.requests;
    for (let cursor = status.cursor; cursor !== null; ) {
      const page = await shopifyConnector.fetchPage(connection(), { entityType: 'Order', cursor, since, ...(pageSize ? { pageSize } : {}) });
      records.push(...page.records);
      cursors.push(cursor);
      pageSizes.push(page.records.length);
      cursor = page.nextCursor;
    }
    return { records, cursors, pageSizes, status, queries: shop.requests - queriesBefore };
  };

  it('exports every order with its line items regrouped under it, page by page from byte offsets', async () => {
    const orders = shop.addOrders(103);
    orders[7]!.lineItems = Array.from({ length: 300 }, (_, i) => ({ ...orders[1]!.lineItems[0]!, id: `gid://shopify/LineItem/${i + 1}` }));
    const result = await exportAll(null, 10);
    expect(result!.records.map((r) => r.externalId)).toEqual(orders.map((o) => o.legacyResourceId));
    expect(result!.cursors).toHaveLength(11);
    const items = (r: { data: Record<string, unknown> }) => (r.data.lineItems as { nodes: Array<Record<string, unknown>> }).nodes;
    expect(items(result!.records[7]!)).toHaveLength(300);
    expect(items(result!.records[1]!).map((i) => i.id)).toEqual(orders[1]!.lineItems.map((i) => i.id));
    expect(items(result!.records[1]!)[0]).not.toHaveProperty('__parentId');
    // The file's URL, learned when the export was found finished, is not asked for again page after page; under
    // another token (another tenant's integration of the same shop) it is not found, but asked for (and refused here).
    expect(result!.queries).toBe(0);
    const otherToken = { ...connection(), credentials: { accessToken: 'another tenant' } };
    await expect(shopifyConnector.fetchPage(otherToken, { entityType: 'Order', cursor: result!.cursors[1]!, since: null })).rejects.toMatchObject({ type: FailureType.AuthExpired });
    // Read in bounded ranges, each starting where the one before stopped: a page starts at its first order's line, and
    // the page whose order has 300 line items (more bytes than its range) goes on in a second range.
    const ranges = shop.bulkRanges;
    expect(ranges[0]![0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeLessThanOrEqual(ranges[i - 1]![1] + 1);
    expect(ranges.length).toBeGreaterThan(11);
    // Open-ended ranges sent the rest of the file with every page (here about 5 times the file in all).
    const served = ranges.reduce((bytes, [first, last]) => bytes + last + 1 - first, 0);
    expect(served).toBeLessThan(3 * Number(shop.bulkOperations[0]!.fileSize));
  });

  it('ends a page at the first order past 1 MiB of the file, before 1,000 orders, so a page weighs about the same whatever its orders do', async () => {
    const orders = shop.addOrders(1_500);
    // About 3 KB each: 1,000 of them would be three pages' worth of bytes.
    for (const order of orders) order.note = 'gift wrap, '.repeat(200);
    const result = await exportAll(null);
    expect(result!.records.map((r) => r.externalId)).toEqual(orders.map((o) => o.legacyResourceId));
    // Each page starts at its cursor's byte offset: every page but the last holds 1 MiB of the file and at most one
    // order (with its line items' lines) more.
    const offsets = result!.cursors.map((c) => (JSON.parse(Buffer.from(c!.slice('bulk:'.length), 'base64url').toString()) as { offset: number }).offset);
    const pageBytes = offsets.slice(1).map((offset, i) => offset - offsets[i]!);
    for (const bytes of pageBytes) expect(bytes).toBeGreaterThanOrEqual(BULK_PAGE_BYTES);
    for (const bytes of pageBytes) expect(bytes).toBeLessThan(BULK_PAGE_BYTES + 10_000);
    expect(Math.max(...result!.pageSizes)).toBeLessThan(1_000);
    expect(result!.pageSizes.length).toBeGreaterThan(1);
  });

  it('splits a large result into parts that together read every order once, with all its line items, wherever a boundary falls', async () => {
    const orders = shop.addOrders(1_700);
    // Mostly line items by bytes (40 lines an order): part boundaries fall inside an order's line items.
    const template = orders[1]!.lineItems[0]!;
    for (const order of orders) order.lineItems = Array.from({ length: 40 }, (_, i) => ({ ...template, id: `gid://shopify/LineItem/${order.legacyResourceId}${i}` }));
    const started = await bulk.start(connection(), { entityType: 'Order', since: null });
    let status = await bulk.check(connection(), started!.operationId, undefined, 3);
    while (status.status === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      status = await bulk.check(connection(), started!.operationId, undefined, 3);
    }
    if (status.status !== 'completed') throw new Error('not completed');
    const size = Number(shop.bulkOperations[0]!.fileSize);
    expect(size).toBeGreaterThan(3 * BULK_PART_MIN_BYTES);
    expect(status.parts).toHaveLength(3);
    expect(status.records).toBe(1_700);
    // At least one boundary falls inside a line item's line (not at an order's): the part after must skip it.
    const file = readFileSync(shop.bulkOperations[0]!.file!);
    const boundaries = [1, 2].map((i) => Math.floor((i * size) / 3));
    const lineAt = (byte: number) => file.toString('utf8', file.lastIndexOf(10, byte - 1) + 1, file.indexOf(10, byte));
    expect(boundaries.some((b) => lineAt(b).includes('__parentId'))).toBe(true);

    const read: string[] = [];
    for (const part of status.parts!) {
      for (let cursor: string | null = part; cursor !== null; ) {
        const page = await shopifyConnector.fetchPage(connection(), { entityType: 'Order', cursor, since: null, pageSize: 100 });
        for (const record of page.records) {
          expect((record.data.lineItems as { nodes: unknown[] }).nodes).toHaveLength(40);
          read.push(record.externalId);
        }
        cursor = page.nextCursor;
      }
    }
    expect(read).toEqual(orders.map((o) => o.legacyResourceId));
    // A small result, or one part asked for: read whole.
    expect(await bulk.check(connection(), started!.operationId)).not.toHaveProperty('parts');
  });

  it('pages a small incremental window instead, and exports a large one', async () => {
    shop.addOrders(20);
    expect(await bulk.start(connection(), { entityType: 'Order', since: '2026-01-01T00:00:05Z' })).toBeNull();
    shop.generateOrders(10_500, new Date('2026-03-01T00:00:00Z'));
    const result = await exportAll('2026-03-01T00:00:00Z');
    expect(result!.records).toHaveLength(10_500);
  });

  it('finds nothing in an empty shop, and names why an operation failed', async () => {
    expect(await exportAll(null)).toMatchObject({ records: [], status: { status: 'completed', cursor: null } });
    shop.failNextBulk('FAILED', 'ACCESS_DENIED');
    const started = await bulk.start(connection(), { entityType: 'Order', since: null });
    await new Promise((r) => setTimeout(r, 50));
    await expect(bulk.check(connection(), started!.operationId)).rejects.toMatchObject({ type: FailureType.ProviderRejected, message: expect.stringContaining('FAILED (ACCESS_DENIED)') });
    shop.failNextBulk('EXPIRED');
    const expired = await bulk.start(connection(), { entityType: 'Order', since: null });
    await new Promise((r) => setTimeout(r, 50));
    await expect(bulk.check(connection(), expired!.operationId)).rejects.toMatchObject({ nonRetryable: true, message: expect.stringContaining('EXPIRED') });
  });

  it('says when the app cannot see orders older than 60 days (no read_all_orders scope)', async () => {
    shop.addOrders(5, new Date('2026-01-01T00:00:00Z'));
    const recent = shop.addOrders(2, new Date(Date.now() - 24 * 3600 * 1000));
    expect(await bulk.start(connection(), { entityType: 'Order', since: null })).not.toHaveProperty('warning');
    await new Promise((r) => setTimeout(r, 50));
    shop.options.scopes = ['read_orders'];
    const limited = await exportAll(null);
    expect(limited!.records.map((r) => r.externalId)).toEqual(recent.map((o) => o.legacyResourceId));
    const started = await bulk.start(connection(), { entityType: 'Order', since: null });
    expect(started?.warning).toMatch(/lacks the read_all_orders scope: orders older than 60 days are not visible/);
  });

  it('adopts its own operation when Shopify says one is already running, and waits for another one', async () => {
    shop.options.bulkQueuedMs = 500;
    shop.addOrders(3);
    const first = await bulk.start(connection(), { entityType: 'Order', since: null });
    // The same query again (a retried activity whose answer was lost): the running operation is this sync's.
    expect(await bulk.start(connection(), { entityType: 'Order', since: null })).toEqual(first);
    // Another query (another integration of the same app and shop): wait and try again.
    shop.generateOrders(10_001, new Date('2026-05-01T00:00:00Z'));
    await expect(bulk.start(connection(), { entityType: 'Order', since: '2026-05-01T00:00:00Z' })).rejects.toMatchObject({ type: FailureType.RateLimited });
  });
});

describe('Shopify provider errors', () => {
  it('reads Retry-After as fractional seconds or an HTTP date', () => {
    expect(parseRetryAfter('2.0')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('types provider answers so retry policies can tell them apart', () => {
    const limited = providerFailure('shopify', 429, '{"errors":"Exceeded 2 calls per second"}', 2_000);
    expect(limited).toMatchObject({ type: FailureType.RateLimited, nonRetryable: false, nextRetryDelay: 2_000 });
    expect(providerFailure('shopify', 401, 'bad token')).toMatchObject({ type: FailureType.AuthExpired, nonRetryable: true });
    expect(providerFailure('shopify', 503, 'down')).toMatchObject({ type: FailureType.ProviderUnavailable, nonRetryable: false });
    expect(providerFailure('shopify', 422, '{"errors":{"limit":"too big"}}')).toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true });
    expect(providerFailure('shopify', 422, '{"errors":{"limit":"too big"}}').message).toContain('limit');
  });

  it('only calls shops on myshopify.com', async () => {
    const fetchOrders = (config: Record<string, unknown>) =>
      shopifyConnector.fetchPage({ config, credentials: { accessToken: 't' }, policy: STRICT_POLICY }, { entityType: 'Order', cursor: null, since: null });
    await expect(fetchOrders({ shopDomain: 'evil.example.com' })).rejects.toMatchObject({ type: FailureType.InvalidConfig, nonRetryable: true });
    await expect(fetchOrders({ baseUrl: 'http://127.0.0.1:1' })).rejects.toMatchObject({ type: FailureType.InvalidConfig });
    await expect(fetchOrders({})).rejects.toThrow(/shopDomain/);
  });

  it('asks for a supported API version by default, and warns when Shopify answers with another one', async () => {
    expect(SUPPORTED_API_VERSIONS).toContain(DEFAULT_API_VERSION);
    const shop = await new FakeShopify({ accessToken: 't' }).start();
    try {
      shop.addOrders(3);
      const fetchOrders = (config: Record<string, unknown>) =>
        shopifyConnector.fetchPage({ config: { baseUrl: shop.baseUrl, ...config }, credentials: { accessToken: 't' }, policy: LOCAL }, { entityType: 'Order', cursor: null, since: null });
      const current = await fetchOrders({});
      expect(current.records).toHaveLength(3);
      expect(current.warnings).toBeUndefined();
      const outdated = await fetchOrders({ apiVersion: '2024-10' });
      expect(outdated.records).toHaveLength(3);
      expect(outdated.warnings).toEqual([expect.stringMatching(/^Shopify answered with API version 2026-01, not the requested 2024-10, which it no longer supports/)]);
    } finally {
      await shop.stop();
    }
  });
});
