import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { syncWorkflowId } from '../../contracts/sync';
import { createEvent } from '../../events/envelope';
import { FakeShopify } from '../support/fake-shopify';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { createShopIntegration } from '../support/seed';

const ROOT = path.resolve(__dirname, '..', '..');
const TOKEN = 'shpat_ops_cli_secret';
const TENANT = 'tenant-ops';

describe('npm run ops', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let integrationId: string;

  const ops = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'ops.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env.processEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
  };

  beforeAll(async () => {
    env = await createIntegrationEnv();
    shop = await new FakeShopify({ accessToken: TOKEN }).start();
    shop.addOrders(15);
    integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    await env.startWorker({ RUN_CONSUMER: 'false' });
  });

  afterAll(async () => {
    await shop?.stop();
    await env?.close();
  });

  it('pauses and resumes an integration of the given tenant only', () => {
    expect(ops('pause', integrationId, '--tenant', TENANT, '--reason', 'maintenance').json()).toMatchObject({ status: 'paused', pauseReason: 'maintenance' });
    expect(ops('resume', integrationId, '--tenant', TENANT).json()).toMatchObject({ status: 'active' });
    const other = ops('pause', integrationId, '--tenant', 'someone-else');
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('not found');
  });

  it('triggers a sync and lists it by tenant and status', async () => {
    expect(ops('trigger', integrationId, '--tenant', TENANT).json()).toMatchObject({ status: 'started', workflowId: syncWorkflowId(integrationId) });
    await env.client.workflow.getHandle(syncWorkflowId(integrationId)).result();
    let listed: Array<{ workflowId: string }> = [];
    for (let i = 0; i < 30 && listed.length === 0; i++) {
      listed = ops('syncs', '--tenant', TENANT, '--status', 'completed').json();
      if (!listed.length) await new Promise((r) => setTimeout(r, 300));
    }
    expect(listed.map((r) => r.workflowId)).toContain(syncWorkflowId(integrationId));
  });

  it('shows the token state without the token, and says what is wrong with bad usage', () => {
    const state = ops('token', integrationId, '--tenant', TENANT);
    expect(state.json()).toMatchObject({ kind: 'api_key', status: 'active' });
    expect(state.stdout).not.toContain(TOKEN);
    const bad = ops('nonsense');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage');
  });

  it('re-delivers the dead-lettered inbound events that pass the checks now, and keeps the rest with their reason', async () => {
    const redis = new Redis(env.servers.redisUrl);
    try {
      const stream = `${env.keyPrefix}integration-sync:inbound`;
      const valid = createEvent('integration.webhook.received', { integrationId, tenantId: TENANT });
      const foreign = createEvent('integration.webhook.received', { integrationId, tenantId: 'someone-else' });
      // As the consumer dead-letters them: the reason first, then the original message's fields.
      await redis.xadd(`${stream}:dead`, '*', 'reason', 'integration was not there yet', 'messageId', '1-0', 'event', JSON.stringify(valid));
      await redis.xadd(`${stream}:dead`, '*', 'reason', 'wrong tenant', 'messageId', '2-0', 'event', JSON.stringify(foreign));
      const result = ops('replay-inbound-dead-letters').json();
      expect(result.redelivered).toHaveLength(1);
      expect(result.refused).toEqual([{ id: expect.any(String), reason: `integration ${integrationId} does not exist for tenant someone-else` }]);
      const inbound = await redis.xrange(stream, '-', '+');
      expect(inbound.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!).id)).toEqual([valid.id]);
      expect(await redis.xlen(`${stream}:dead`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});
