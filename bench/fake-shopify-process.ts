// The fake Shopify in a process of its own, so serving pages does not share an event loop (or a core's time slice)
// with the pipeline under measurement. Prints `{"baseUrl": …}` once listening; GET /__stats answers its counters.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { shopifyConnector } from '../connectors/shopify/connector';
import { FakeShopify, type FakeShopifyOptions } from '../tests/support/fake-shopify';

/** The only token the benchmark's fake shop accepts; it guards nothing real. */
export const FAKE_SHOP_TOKEN = 'fake-shop-token-for-benchmarks';

export interface FakeShopifyProcessOptions extends Partial<FakeShopifyOptions> {
  generatedOrders: number;
}

export interface FakeShopifyStats {
  requests: number;
  rateLimited: number;
  faultsServed: number;
  pointsSpent: number;
  floorMs: number;
}

export interface FakeShopifyProcess {
  baseUrl: string;
  pid: number;
  stats(): Promise<FakeShopifyStats>;
  stop(): Promise<void>;
}

export async function startFakeShopifyProcess(options: FakeShopifyProcessOptions): Promise<FakeShopifyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], { env: { ...process.env, FAKE_SHOPIFY: JSON.stringify({ accessToken: FAKE_SHOP_TOKEN, ...options }) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { baseUrl: string }).baseUrl);
    });
    child.once('exit', (code) => reject(new Error(`fake shopify exited with ${code}`)));
  });
  return {
    baseUrl,
    pid: child.pid!,
    stats: async () => (await (await fetch(`${baseUrl}/__stats`)).json()) as FakeShopifyStats,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/**
 * Has the fake shop write its full export's result file once, before any measured sync: it then serves every later
 * export of the same query from that file (tests/support/fake-shopify.ts), so each sync waits the same one bulk check
 * for it rather than for this fake writing it again, which left the syncs compared waiting one, two or three checks.
 */
export async function prepareBulkResult(baseUrl: string): Promise<void> {
  const connection = { config: { baseUrl }, credentials: { accessToken: FAKE_SHOP_TOKEN }, policy: { allowInsecure: true, allowedCidrs: [] } };
  const bulk = shopifyConnector.bulkExport!;
  const started = await bulk.start(connection, { entityType: 'Order', since: null });
  if (!started) throw new Error('the fake shop refused a bulk export');
  while ((await bulk.check(connection, started.operationId)).status === 'running') await sleep(100);
}

if (require.main === module) {
  const options = JSON.parse(process.env.FAKE_SHOPIFY ?? '{}') as FakeShopifyProcessOptions;
  const shop = new FakeShopify(options as FakeShopifyOptions);
  shop.generateOrders(options.generatedOrders);
  void shop.start().then(() => {
    process.stdout.write(`${JSON.stringify({ baseUrl: shop.baseUrl })}\n`);
    process.once('SIGTERM', () => void shop.stop().then(() => process.exit(0)));
  });
}
