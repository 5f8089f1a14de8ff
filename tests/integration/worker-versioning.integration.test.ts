// Worker Deployment versioning on a real dev server: a sync started on build v1 finishes on v1 after v2 becomes
// current (it is pinned), while a sync started after the switch runs on v2. The switch is the README's command.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { requireTool } from '../../scripts/tools';
import { integrationSync } from '../../workflows';
import type { FakeShopify } from '../support/fake-shopify';
import type { IntegrationEnv } from '../support/integration-env';
import { manualSync } from '../support/manual-sync';
import { createShopIntegration } from '../support/seed';
import { startShopEnv } from '../support/shop-env';
import { waitFor, waitForResult } from '../support/wait';

const TOKEN = 'shpat_versions';
const TENANT = 'tenant-versions';

describe('versioned worker deployments', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let close: () => Promise<void>;
  let deployment: string;

  beforeAll(async () => {
    // Slow pages: the first sync is still running when v2 becomes current.
    ({ env, shop, close } = await startShopEnv(TOKEN, 1_500, { pageDelayMs: 1_500 }));
    deployment = `integration-sync-${env.taskQueue}`;
  });
  afterAll(() => close?.());

  const worker = (buildId: string) => env.startWorker({ WORKER_DEPLOYMENT_NAME: deployment, WORKER_BUILD_ID: buildId });
  /**
   * What an operator runs to make a build current (README: Deploying workers); retried until the build has polled.
   * The server then carries the new routing to the task queue asynchronously: until it says so, a new workflow may
   * still be routed to the build before (what the test asserts is after that).
   */
  const setCurrent = async (buildId: string) => {
    await waitForResult(() =>
      promisify(execFile)(requireTool('temporal'), ['worker', 'deployment', 'set-current-version', '--deployment-name', deployment, '--build-id', buildId, '--address', env.servers.temporalAddress, '--yes']),
    );
    await waitFor(async () => {
      const { workerDeploymentInfo: info } = await env.client.workflowService.describeWorkerDeployment({ namespace: env.client.options.namespace, deploymentName: deployment });
      const propagating = info?.routingConfigUpdateState === temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS;
      return info?.routingConfig?.currentDeploymentVersion?.buildId === buildId && !propagating;
    }, 30_000);
  };
  const versionOf = async (workflowId: string) => {
    const { raw } = await env.client.workflow.getHandle(workflowId).describe();
    const info = raw.workflowExecutionInfo?.versioningInfo;
    return { behavior: String(info?.behavior), buildId: info?.deploymentVersion?.buildId };
  };

  it('keeps a running sync on the build that started it and starts new ones on the current build', async () => {
    await worker('v1');
    await setCurrent('v1');
    const first = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const running = await env.client.workflow.start(integrationSync, manualSync(env.taskQueue, first, TENANT));
    await waitForResult(async () => {
      if (shop.requests < 2) throw new Error('not fetching yet');
    });

    await worker('v2');
    await setCurrent('v2');
    const second = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const next = await env.client.workflow.start(integrationSync, manualSync(env.taskQueue, second, TENANT));
    expect((await running.describe()).status.name).toBe('RUNNING');

    expect(await running.result()).toMatchObject({ status: 'completed', created: 1_500 });
    expect(await next.result()).toMatchObject({ status: 'completed', created: 1_500 });
    expect(await versionOf(running.workflowId)).toEqual({ behavior: expect.stringMatching(/PINNED|1/), buildId: 'v1' });
    expect(await versionOf(next.workflowId)).toEqual({ behavior: expect.stringMatching(/PINNED|1/), buildId: 'v2' });
  }, 180_000);
});
