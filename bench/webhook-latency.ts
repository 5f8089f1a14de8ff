// Figure 4: signed Shopify webhooks at a fixed rate over many integrations, through the real API process. The API
// answers 202 only once Temporal has recorded the workflow start (or the signal to a running sync), so the response
// time is the time from request to the start or signal being recorded.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../tests/support/free-port';
import { WEBHOOK_SECRET, seedShop, type BenchContext } from './context';
import { startFakeShopifyProcess } from './fake-shopify-process';
import { figure, type Figure } from './figures';

const BODY = readFileSync(path.join(__dirname, '..', 'tests', 'fixtures', 'providers', 'shopify', 'webhook.orders-create.json'), 'utf8');
const SIGNATURE = createHmac('sha256', WEBHOOK_SECRET).update(BODY).digest('base64');

export async function measureWebhookLatency(ctx: BenchContext): Promise<Figure[]> {
  const { env, sizes } = ctx;
  const { seconds, rate, integrations } = sizes.webhook;
  const shop = await startFakeShopifyProcess({ accessToken: 'shpat_bench_token', generatedOrders: 10 });
  const ids = await Promise.all(Array.from({ length: integrations }, () => seedShop(env, shop.baseUrl)));
  const port = await freePort();
  const worker = await env.startWorker();
  const api = await env.startApi(port);
  const p50: number[] = [];
  const p99: number[] = [];
  const failed: number[] = [];
  try {
    for (let rep = 1; rep <= sizes.reps; rep++) {
      let next = 0;
      const result = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: 20,
        overallRate: rate,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            // Each request: the next integration, a delivery id of its own (a repeated one is dropped as a redelivery).
            setupRequest: (request) => ({
              ...request,
              path: `/webhooks/shopify/${ids[next++ % ids.length]}`,
              headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': SIGNATURE, 'x-shopify-webhook-id': randomUUID(), 'x-shopify-topic': 'orders/create' },
              body: BODY,
            }),
          },
        ],
      });
      p50.push(result.latency.p50);
      p99.push(result.latency.p99);
      failed.push(result.errors + result.timeouts + result.non2xx);
      ctx.log(`webhooks rep ${rep}: ${result.requests.total} requests, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
  } finally {
    await api.stop();
    await worker.stop();
    await shop.stop();
  }
  return [
    figure(`webhook → start/signal recorded, p50 (${rate}/s for ${seconds} s)`, 'ms', p50),
    figure(`webhook → start/signal recorded, p99 (${rate}/s for ${seconds} s)`, 'ms', p99, { text: '≤ 100 ms', met: (m) => m <= 100 }),
    figure('webhook requests failed (errors, timeouts, non-2xx)', 'requests', failed, { text: '0', met: (m) => m === 0 }),
  ];
}
