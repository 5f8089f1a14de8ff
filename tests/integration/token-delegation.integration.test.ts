// INTEGRATION_MANAGER_URL set: OAuth refreshes go to the integration manager's refresh API instead of the provider's
// token endpoint, with the same single-flight path, storage and events.
import { randomUUID } from 'node:crypto';
import { syncWorkflowId } from '../../contracts/sync';
import type { EventEnvelope } from '../../events/envelope';
import { Keyring } from '../../security/keyring';
import { integrationSync, refreshConnection } from '../../workflows';
import { tokenRefreshWorkflowId } from '../../workflows/refresh-connection';
import { dedupe, ofType, readStream } from '../support/events';
import { FakeIntegrationManager } from '../support/fake-integration-manager';
import { FakeOAuthServer } from '../support/fake-oauth';
import { FakeShopify } from '../support/fake-shopify';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { connectionIdOf, createIntegration } from '../support/seed';

const TENANT = 'tenant-delegation';
const MANAGER_API_TOKEN = 'manager-api-token-3c9d';

describe('token refresh delegated to the integration manager', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let manager: FakeIntegrationManager;
  let provider: FakeOAuthServer;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    shop = await new FakeShopify({ accessToken: 'access-initial' }).start();
    shop.addOrders(12);
    manager = await new FakeIntegrationManager({ apiToken: MANAGER_API_TOKEN, onIssue: (token) => shop.validTokens.add(token) }).start();
    provider = await new FakeOAuthServer({ clientId: 'unused', clientSecret: 'unused', rotate: false }).start();
    await env.startWorker({ INTEGRATION_MANAGER_URL: manager.url, INTEGRATION_MANAGER_TOKEN: MANAGER_API_TOKEN });
  });

  afterAll(async () => {
    await env?.close();
    await Promise.all([shop?.stop(), manager?.stop(), provider?.stop()]);
  });

  const oauthIntegration = (refreshToken: string) =>
    createIntegration(env.db, {
      tenantId: TENANT,
      provider: 'shopify',
      config: { baseUrl: shop.baseUrl },
      // No client credentials here: the manager holds them.
      secrets: { accessToken: 'access-expired', refreshToken },
      encryptionKey: env.encryptionKey,
      oauth: { tokenUrl: provider.tokenUrl, expiresAt: new Date(Date.now() - 60_000) },
    });

  const stored = async (integrationId: string) => {
    const { rows } = await env.db.query('SELECT secrets, secrets_key_id, status FROM connections WHERE integration_id = $1', [integrationId]);
    return { status: rows[0].status as string, secrets: new Keyring(Buffer.from(env.encryptionKey, 'hex')).open<Record<string, string>>({ keyId: rows[0].secrets_key_id, blob: rows[0].secrets }) };
  };

  it('refreshes an expired token through the manager before a sync, stores the rotated tokens and announces it', async () => {
    const integrationId = await oauthIntegration('refresh-for-sync');
    const connectionId = await connectionIdOf(env.db, integrationId);
    const state = await env.client.workflow.execute(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', correlationId: randomUUID() }],
    });
    expect(state).toMatchObject({ status: 'completed', created: 12 });
    const call = manager.calls.find((c) => c.connectionId === connectionId)!;
    expect(call.body).toEqual({ integrationId, tenantId: TENANT, refreshToken: 'refresh-for-sync' });
    expect(provider.calls).toBe(0);
    const { secrets, status } = await stored(integrationId);
    expect(status).toBe('active');
    expect(secrets.accessToken).toMatch(/^manager-access-/);
    expect(secrets.refreshToken).toMatch(/^manager-refresh-/);
    const refreshed = ofType(dedupe(await readStream(env.servers.redisUrl, env.bus.streamKey)), 'integration.token.refreshed') as Array<EventEnvelope<'integration.token.refreshed'>>;
    expect(refreshed.map((e) => e.data)).toContainEqual(expect.objectContaining({ connectionId, integrationId }));
  });

  it('takes invalid_grant from the manager as the provider’s: reauth_required and refresh.failed', async () => {
    manager.revoked.add('refresh-revoked');
    const integrationId = await oauthIntegration('refresh-revoked');
    const connectionId = await connectionIdOf(env.db, integrationId);
    const outcome = await env.client.workflow.execute(refreshConnection, { taskQueue: env.taskQueue, workflowId: tokenRefreshWorkflowId(connectionId), args: [{ connectionId }] });
    expect(outcome).toBe('reauth_required');
    expect((await stored(integrationId)).status).toBe('reauth_required');
    const failed = ofType(dedupe(await readStream(env.servers.redisUrl, env.bus.streamKey)), 'integration.token.refresh.failed') as Array<EventEnvelope<'integration.token.refresh.failed'>>;
    expect(failed.find((e) => e.data.connectionId === connectionId)?.data.error).toContain('invalid_grant');
    expect(provider.calls).toBe(0);
  });
});
