// One trace from a signed webhook through the API process, the workflow start, the workflow and its activities in
// the worker process, into the events' traceparent; exported over OTLP/HTTP as configured by OTEL_* variables.
import { createHmac } from 'node:crypto';
import { syncWorkflowId } from '../../contracts/sync';
import { startOrSignalSync } from '../../temporal/sync-starter';
import { dedupe, readStream } from '../support/events';
import { FakeShopify } from '../support/fake-shopify';
import { freePort } from '../support/free-port';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { startOtlpCollector, type ReceivedSpan } from '../support/otlp-collector';
import { createIntegration, createShopIntegration } from '../support/seed';
import { waitFor, waitForResult } from '../support/wait';

const TOKEN = 'shpat_tracing';
const WEBHOOK_SECRET = 'tracing-webhook-secret';
const TENANT = 'tenant-tracing';

describe('OpenTelemetry tracing across API, workflow and activities', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    shop = await new FakeShopify({ accessToken: TOKEN }).start();
    shop.addOrders(5);
    collector = await startOtlpCollector();
  });

  afterAll(async () => {
    await env?.close();
    await shop?.stop();
    await collector?.stop();
  });

  it('puts the webhook request, the workflow start, the workflow run and its activities in one trace, in parent order', async () => {
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    const worker = await env.startWorker(otel);
    const port = await freePort();
    const api = await env.startApi(port, otel);
    try {
      const integrationId = await createIntegration(env.db, {
        tenantId: TENANT,
        provider: 'shopify',
        config: { baseUrl: shop.baseUrl },
        secrets: { accessToken: TOKEN, webhookSecret: WEBHOOK_SECRET },
        encryptionKey: env.encryptionKey,
      });
      const body = JSON.stringify({ id: 820982911946154500, name: '#1001' });
      const response = await fetch(`http://127.0.0.1:${port}/webhooks/shopify/${integrationId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64'), 'x-shopify-webhook-id': 'trace-delivery-1' },
        body,
      });
      expect(response.status).toBe(202);
      await waitForResult(() => env.client.workflow.getHandle(syncWorkflowId(integrationId)).result());

      const named = (name: string) => collector.spans.find((s) => s.name === name);
      await waitFor(async () => Boolean(named('RunActivity:finishSync') && named('RunWorkflow:integrationSync')), 30_000);
      const request = collector.spans.find((s) => s.name === 'request' && s.service === 'integration-sync-api')!;
      expect(request).toBeDefined();
      const trace = collector.spans.filter((s) => s.traceId === request.traceId);
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      const ancestry = (span: ReceivedSpan) => {
        const names: string[] = [];
        for (let at: ReceivedSpan | undefined = span; at; at = byId.get(at.parentSpanId)) names.unshift(at.name);
        return names;
      };
      const start = trace.find((s) => s.name === 'SignalWithStartWorkflow:integrationSync')!;
      const run = trace.find((s) => s.name === 'RunWorkflow:integrationSync')!;
      const chunk = trace.find((s) => s.name === 'RunActivity:syncChunk')!;
      expect(start).toBeDefined();
      expect(run).toBeDefined();
      expect(chunk).toBeDefined();
      expect(ancestry(start)[0]).toBe('request');
      expect(ancestry(run)).toEqual(expect.arrayContaining(['request', 'SignalWithStartWorkflow:integrationSync', 'RunWorkflow:integrationSync']));
      const chain = ancestry(chunk);
      expect(chain.indexOf('request')).toBe(0);
      expect(chain.indexOf('SignalWithStartWorkflow:integrationSync')).toBeLessThan(chain.indexOf('RunWorkflow:integrationSync'));
      expect(chain.indexOf('RunWorkflow:integrationSync')).toBeLessThan(chain.indexOf('RunActivity:syncChunk'));
      expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['integration-sync-api', 'integration-sync-worker']));

      // Consumers continue the trace from the event envelope.
      const events = dedupe(await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.integrationId === integrationId);
      const created = events.filter((e) => e.type === 'integration.sync.order.created');
      expect(created).toHaveLength(5);
      for (const event of created) expect(event.traceparent).toMatch(new RegExp(`^00-${request.traceId}-[0-9a-f]{16}-0[01]$`));

      // Activity log lines (through Temporal's activity logger) name the trace beside the workflow and activity.
      const chunkLine = worker
        .output()
        .split('\n')
        .find((line) => line.includes('"sync chunk committed"'));
      expect(JSON.parse(chunkLine!)).toMatchObject({
        traceId: request.traceId,
        workflowId: syncWorkflowId(integrationId),
        activityType: 'syncChunk',
        integrationId,
        correlationId: 'trace-delivery-1',
        created: 5,
      });
    } finally {
      await Promise.all([worker.stop(), api.stop()]);
    }
  });

  it('exports nothing and adds no trace fields when no OTLP endpoint is configured', async () => {
    const received = collector.spans.length;
    await env.startWorker();
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    await startOrSignalSync(env.client, env.taskQueue, { integrationId, tenantId: TENANT, trigger: 'manual', mode: 'full_refresh', correlationId: 'untraced' });
    await env.client.workflow.getHandle(syncWorkflowId(integrationId)).result();
    const events = (await readStream(env.servers.redisUrl, env.bus.streamKey)).filter((e) => e.integrationId === integrationId);
    expect(events.length).toBeGreaterThan(5);
    expect(events.every((e) => e.traceparent === undefined)).toBe(true);
    expect(collector.spans.length).toBe(received);
  });
});
