// The bulk export code against recorded Shopify answers (Airbyte's source-shopify fixtures) and a bulk result file in
// Shopify's layout, served as they are: what the fake Shopify imitates is checked against the real shapes here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { shopifyConnector } from '../../connectors/shopify/connector';
import { FailureType } from '../../contracts/failures';
import { listenLocal, type LocalHttpServer } from '../support/local-http';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'shopify');
const recorded = JSON.parse(readFileSync(path.join(fixtures, 'bulk.operations.json'), 'utf8')) as Record<string, { data: Record<string, unknown> }>;
const jsonl = readFileSync(path.join(fixtures, 'bulk.orders.jsonl'));
const pageNodes = JSON.parse(readFileSync(path.join(fixtures, 'graphql.orders.page.json'), 'utf8')).data.orders.nodes as Array<Record<string, unknown>>;

describe('Shopify bulk exports against recorded answers', () => {
  let server: LocalHttpServer;
  /** The recorded answer the next GraphQL request gets, and the result file served. */
  let answer: unknown;
  let file = jsonl;
  /** The status the shop's current bulk operation (another app query) answers with. */
  let currentStatus = 'RUNNING';
  beforeAll(async () => {
    server = await listenLocal((req, res) => {
      if (req.url?.startsWith('/result.jsonl')) {
        const start = Number(/bytes=(\d+)-/.exec(String(req.headers.range))?.[1] ?? 0);
        res.writeHead(start ? 206 : 200, { 'Content-Type': 'application/jsonl' }).end(file.subarray(start));
        return;
      }
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        // What a start asks besides the mutation: the app's scopes, and which operation runs when one already does.
        const reply = body.includes('accessScopes')
          ? { data: { currentAppInstallation: { accessScopes: [{ handle: 'read_orders' }, { handle: 'read_all_orders' }] } } }
          : body.includes('currentBulkOperation')
            ? { data: { currentBulkOperation: { id: 'gid://shopify/BulkOperation/4046676525245', status: currentStatus, query: '{ products { edges { node { id } } } }' } } }
            : answer;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
      });
    });
  });
  afterAll(() => server.stop());

  const connection = () => ({ config: { baseUrl: server.baseUrl }, credentials: { accessToken: 't' }, policy: { allowInsecure: true, allowedCidrs: [] } });
  const check = (name: string) => {
    answer = recorded[name];
    return shopifyConnector.bulkExport!.check(connection(), 'gid://shopify/BulkOperation/4047052112061');
  };

  it('reads the operation states Shopify reports', async () => {
    await expect(check('node.running')).resolves.toEqual({ status: 'running', objectCount: 0 });
    await expect(check('node.completed')).resolves.toMatchObject({ status: 'completed', cursor: expect.stringMatching(/^bulk:/) });
    for (const [name, reason] of [['node.failed', 'FAILED'], ['node.timeout', 'TIMEOUT'], ['node.accessDenied', 'ACCESS_DENIED']]) {
      await expect(check(name!)).rejects.toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true, message: expect.stringContaining(`ended ${reason}`) });
    }
  });

  it('starts an export, waits for another app query running on the shop (a second when it has just finished), and names the userErrors of a refusal', async () => {
    const start = () => shopifyConnector.bulkExport!.start(connection(), { entityType: 'Order', since: null });
    answer = recorded['runQuery.created'];
    await expect(start()).resolves.toEqual({ operationId: 'gid://shopify/BulkOperation/4046733967549' });
    answer = recorded['runQuery.alreadyInProgress'];
    await expect(start()).rejects.toMatchObject({ type: FailureType.RateLimited, message: expect.stringContaining('4046676525245') });
    // It finished between the refusal and the question: tried again in a second, not in 30.
    currentStatus = 'COMPLETED';
    await expect(start()).rejects.toMatchObject({ type: FailureType.RateLimited, nextRetryDelay: 1_000, message: expect.stringContaining('has just finished') });
    currentStatus = 'RUNNING';
    answer = recorded['runQuery.userError'];
    await expect(start()).rejects.toMatchObject({ type: FailureType.ProviderRejected, message: expect.stringContaining('something wrong with the requested field') });
  });

  const completedHere = () => {
    const completed = structuredClone(recorded['node.completed']!) as { data: { node: { url: string } } };
    completed.data.node.url = `${server.baseUrl}/result.jsonl?X-Goog-Signature=recorded`;
    return completed;
  };

  it('refuses a result file it cannot read line by line: a line that is not JSON, one that is not an order or a line item, a line without end', async () => {
    answer = completedHere();
    const status = await shopifyConnector.bulkExport!.check(connection(), 'gid://shopify/BulkOperation/4047052112061');
    const cursor = status.status === 'completed' ? status.cursor : null;
    const read = () => shopifyConnector.fetchPage(connection(), { entityType: 'Order', cursor, since: null });
    try {
      file = Buffer.from('{"id":"gid:\\/\\/shopify\\/Order\\/1","legacyResourceId":"1"}\n{"id": oops}\n');
      await expect(read()).rejects.toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true, message: expect.stringContaining('line 2 is not JSON') });
      // JSON, but not an order or a line item: refused as the provider's answer, not retried as a cut-off download.
      file = Buffer.from('{"id":"gid:\\/\\/shopify\\/Order\\/1","legacyResourceId":"1"}\nnull\n');
      await expect(read()).rejects.toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true, message: expect.stringContaining('line 2 is not a JSON object') });
      file = Buffer.from('{"id":"gid:\\/\\/shopify\\/Order\\/1","legacyResourceId":"1"}\n{"name":"#1003"}\n');
      await expect(read()).rejects.toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true, message: expect.stringContaining('line 2 names neither an order') });
      file = Buffer.alloc(17 * 1024 * 1024, 'x');
      await expect(read()).rejects.toMatchObject({ type: FailureType.ProviderRejected, message: expect.stringContaining('line 1 is over') });
    } finally {
      file = jsonl;
    }
  });

  it('reads a bulk result file: orders with their line items regrouped, page by page by byte range', async () => {
    answer = completedHere();
    const status = await shopifyConnector.bulkExport!.check(connection(), 'gid://shopify/BulkOperation/4047052112061');
    const records: Array<Record<string, unknown>> = [];
    for (let cursor = status.status === 'completed' ? status.cursor : null; cursor !== null; ) {
      const page = await shopifyConnector.fetchPage(connection(), { entityType: 'Order', cursor, since: null, pageSize: 1 });
      records.push(...page.records.map((r) => r.data));
      cursor = page.nextCursor;
    }
    // The same orders as the paged query's answer, `/` unescaped, no __parentId left.
    expect(records).toEqual(pageNodes.map(({ lineItems, ...order }) => ({ ...order, lineItems: { nodes: (lineItems as { nodes: unknown[] }).nodes } })));
  });
});
