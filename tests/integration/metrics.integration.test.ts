import { randomUUID } from 'node:crypto';
import { syncWorkflowId } from '../../contracts/sync';
import { integrationSync } from '../../workflows';
import { startApi } from '../support/api-app';
import type { FakeShopify } from '../support/fake-shopify';
import { freePort } from '../support/free-port';
import type { IntegrationEnv } from '../support/integration-env';
import { createShopIntegration } from '../support/seed';
import { startShopEnv } from '../support/shop-env';

const TOKEN = 'shpat_metrics';
const TENANT = 'tenant-metrics';

describe('Prometheus metrics of the worker, the Temporal SDK and the API', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => ({ env, shop, close } = await startShopEnv(TOKEN, 120)));
  afterAll(() => close?.());

  const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series));
    return line ? Number(line.slice(series.length).trim()) : undefined;
  };

  it('counts syncs, records and events on the worker, and exposes the SDK task latencies', async () => {
    const [workerPort, temporalPort] = [await freePort(), await freePort()];
    await env.startWorker({ WORKER_METRICS_PORT: String(workerPort), TEMPORAL_METRICS_PORT: String(temporalPort), RUN_CONSUMER: 'false' });
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    await env.client.workflow.execute(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', correlationId: randomUUID() }],
    });
    const worker = await scrape(workerPort);
    expect(value(worker, 'syncs_total{provider="shopify",trigger="manual",outcome="started"}')).toBe(1);
    expect(value(worker, 'syncs_total{provider="shopify",trigger="manual",outcome="completed"}')).toBe(1);
    expect(value(worker, 'sync_records_total{provider="shopify",entity_type="Order",outcome="created"}')).toBe(120);
    expect(value(worker, 'events_published_total{bus="redis"}')).toBeGreaterThan(240);
    expect(worker).toContain('sync_duration_seconds_bucket');
    const sdk = await scrape(temporalPort);
    expect(sdk).toMatch(/workflow_task_schedule_to_start_latency/);
    expect(sdk).toMatch(/activity_schedule_to_start_latency/);
  });

  it('counts API requests by route and status', async () => {
    const { app, url } = await startApi(env);
    try {
      await fetch(`${url}/health`);
      await fetch(`${url}/integrations`);
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(value(text, 'http_requests_total{method="GET",route="/health",status="200"}')).toBeGreaterThanOrEqual(1);
      expect(value(text, 'http_requests_total{method="GET",route="/integrations",status="401"}')).toBeGreaterThanOrEqual(1);
      expect(text).toContain('http_request_duration_seconds_bucket');
    } finally {
      await app.close();
    }
  });
});
