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
  const shop = await startFakeShopifyProcess({ generatedOrders: 10 });
  const figures: Figure[] = [];
  try {
    // Without a worker the figure is the API's and Temporal's own; with one, the syncs those webhooks start compete
    // for the same two cores, as they do when workers and the API share a host.
    for (const withWorker of [false, true]) {
      const ids = await Promise.all(Array.from({ length: integrations }, () => seedShop(env, shop.baseUrl)));
      // A task queue of its own: the syncs these webhooks leave behind must not land on later measurements' workers.
      const queue = { TASK_QUEUE: `${env.taskQueue}-webhooks-${withWorker ? 'worker' : 'alone'}` };
      const port = await freePort();
      const api = await env.startApi(port, queue);
      const worker = withWorker ? await env.startWorker(queue) : undefined;
      const p50: number[] = [];
      const p99: number[] = [];
      const failed: number[] = [];
      const rates: number[] = [];
      try {
        for (let rep = 1; rep <= sizes.reps; rep++) {
          const result = await signedWebhooks(`http://127.0.0.1:${port}`, ids, rate, seconds);
          p50.push(result.latency.p50);
          p99.push(result.latency.p99);
          failed.push(result.errors + result.timeouts + result.non2xx);
          rates.push(result.requests.average);
          ctx.log(`webhooks ${withWorker ? 'with' : 'without'} a worker, rep ${rep}: ${result.requests.total} requests, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx, ${result.errors} errors`);
        }
      } finally {
        await Promise.all([worker?.stop(), api.stop()]);
      }
      const variant = withWorker ? 'API + worker on one host' : 'API and Temporal only';
      figures.push(
        figure(`webhook → start/signal recorded, p50 (${variant})`, 'ms', p50),
        figure(`webhook → start/signal recorded, p99 (${variant})`, 'ms', p99, { text: '≤ 100 ms', met: (m) => m <= 100 }),
        figure(`webhook requests answered per second of ${rate} sent (${variant})`, 'req/s', rates),
        figure(`webhook requests failed (${variant})`, 'requests', failed, { text: '0', met: (m) => m === 0 }),
      );
    }
  } finally {
    await shop.stop();
  }
  return figures;
}

/** `rate` signed Shopify webhooks per second for `seconds`, round-robin over the integrations, each with its own delivery id. */
function signedWebhooks(url: string, ids: string[], rate: number, seconds: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections: 20,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        // A repeated delivery id would be dropped as a redelivery.
        setupRequest: (request) => ({
          ...request,
          path: `/webhooks/shopify/${ids[next++ % ids.length]}`,
          headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': SIGNATURE, 'x-shopify-webhook-id': randomUUID(), 'x-shopify-topic': 'orders/create' },
          body: BODY,
        }),
      },
    ],
  });
}
