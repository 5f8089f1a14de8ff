// `npm run build` output, the way the Docker image runs it: plain Node, no tsx. The compiled worker bundles the
// compiled workflows itself and completes a real sync; the compiled API answers with its migrations applied.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { integrationSync } from '../../workflows';
import type { FakeShopify } from '../support/fake-shopify';
import { manualSync } from '../support/manual-sync';
import { freePort } from '../support/free-port';
import type { IntegrationEnv } from '../support/integration-env';
import { createShopIntegration } from '../support/seed';
import { startShopEnv } from '../support/shop-env';

const TOKEN = 'shpat_build';
const TENANT = 'tenant-build';

describe('the production build', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: path.resolve(__dirname, '..', '..'), stdio: 'pipe' });
    ({ env, shop, close } = await startShopEnv(TOKEN, 120));
  });
  afterAll(() => close?.());

  it('runs a sync on the compiled worker, which bundles the compiled workflows itself', async () => {
    // No prebuilt bundle: the worker bundles dist/workflows with the interceptor modules, as in production.
    const worker = await env.startWorker({ WORKFLOW_BUNDLE_PATH: '' }, { compiled: true });
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const state = await env.client.workflow.execute(integrationSync, manualSync(env.taskQueue, integrationId, TENANT));
    expect(state).toMatchObject({ status: 'completed', created: 120 });
    expect(worker.output()).toContain('Workflow bundle created');
  });

  it('serves the compiled API', async () => {
    const port = await freePort();
    await env.startApi(port, {}, { compiled: true });
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { temporal: 'ok', postgres: 'ok' } });
  });
});
