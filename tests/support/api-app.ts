import { Client } from '@temporalio/client';
import { buildApp, type App, type AppDeps } from '../../api/app';
import { createConnectorRegistry } from '../../connectors/registry';
import { createLogger } from '../../observability/logger';
import { Keyring } from '../../security/keyring';
import type { IntegrationEnv } from './integration-env';

export const ADMIN_KEY = 'admin-key-for-tests-0123456789';

/** The production app on a real port, wired to this test file's servers. */
export async function startApi(env: IntegrationEnv, options: Pick<AppDeps, 'sse' | 'trustProxy' | 'outboundPolicy' | 'idleTimeoutMs' | 'syncQueryTimeoutMs' | 'maxIntegrationsPerTenant'> = {}): Promise<{ app: App; url: string }> {
  const app = await buildApp({
    db: env.db,
    bus: env.bus,
    temporal: new Client({ connection: env.client.connection }),
    logger: createLogger({ level: 'silent' }),
    keyring: new Keyring(Buffer.from(env.encryptionKey, 'hex')),
    connectors: createConnectorRegistry(),
    taskQueue: env.taskQueue,
    adminApiKey: ADMIN_KEY,
    // The fake providers listen on loopback over plain HTTP, as the test workers allow (ALLOW_INSECURE_PROVIDER_URLS).
    outboundPolicy: { allowInsecure: true, allowedCidrs: [] },
    ...options,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

/** A new tenant and a key of it, through the admin routes of `app`. */
export async function newTenantKey(app: App, tenantId: string): Promise<string> {
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  await app.inject({ method: 'POST', url: '/tenants', headers: admin, payload: { id: tenantId, name: tenantId } });
  return (await app.inject({ method: 'POST', url: `/tenants/${tenantId}/api-keys`, headers: admin, payload: {} })).json().key as string;
}
