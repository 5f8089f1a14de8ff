// Every process on a Temporal cluster with TLS: a TLS-terminating proxy (self-signed CA) in front of the test dev
// server stands in for a self-hosted mTLS cluster or Temporal Cloud, and the worker and API reach it with nothing but
// Temporal's own environment variables.
import { integrationSync } from '../../workflows';
import { syncWorkflowId } from '../../contracts/sync';
import { createApiKey, createTenant } from '../../store/tenants';
import type { FakeShopify } from '../support/fake-shopify';
import { freePort } from '../support/free-port';
import type { IntegrationEnv } from '../support/integration-env';
import { createShopIntegration } from '../support/seed';
import { startShopEnv } from '../support/shop-env';
import { createTestPki, type TestPki } from '../support/test-pki';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy';

const TOKEN = 'shpat_tls';
const TENANT = 'tenant-tls';

describe('Temporal behind TLS', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let close: () => Promise<void>;
  let pki: TestPki;
  const proxies: TlsProxy[] = [];

  beforeAll(async () => {
    ({ env, shop, close } = await startShopEnv(TOKEN, 30));
    pki = await createTestPki();
  });

  afterAll(async () => {
    await close?.();
    await Promise.all(proxies.map((p) => p.close()));
  });

  const proxy = async (requireClientCert: boolean) => {
    const started = await startTlsProxy({ pki, upstream: env.servers.temporalAddress, requireClientCert });
    proxies.push(started);
    return started;
  };

  it('runs a sync with the worker and the API connected by mTLS', async () => {
    const mtls = await proxy(true);
    const client = await pki.issueClient('integration-sync-worker');
    const tlsEnv = {
      TEMPORAL_ADDRESS: mtls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.caCert,
      TEMPORAL_TLS_CLIENT_CERT_DATA: client.cert,
      TEMPORAL_TLS_CLIENT_KEY_DATA: client.key,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    const worker = await env.startWorker(tlsEnv);
    const port = await freePort();
    const api = await env.startApi(port, tlsEnv);
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    await createTenant(env.db, { id: TENANT, name: TENANT });
    const { key } = await createApiKey(env.db, TENANT, 'tls');

    const started = await fetch(`http://127.0.0.1:${port}/integrations/${integrationId}/sync`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(started.status).toBe(202);
    const state = await env.client.workflow.getHandle<typeof integrationSync>(syncWorkflowId(integrationId)).result();
    expect(state).toMatchObject({ status: 'completed', created: 30 });

    const status = await fetch(`http://127.0.0.1:${port}/integrations/events/sync-status/${integrationId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await status.json()) as { lastSync: unknown }).lastSync).toMatchObject({ status: 'completed' });
    // Both processes went through the proxy with the client certificate, and nothing about it reached their logs.
    expect(mtls.calls.some((c) => c.path.endsWith('/PollWorkflowTaskQueue') && c.clientName === 'integration-sync-worker')).toBe(true);
    expect(mtls.calls.some((c) => c.path.endsWith('/SignalWithStartWorkflowExecution') && c.clientName === 'integration-sync-worker')).toBe(true);
    for (const output of [worker.output(), api.output()]) {
      expect(output).not.toContain('PRIVATE KEY');
      expect(output).not.toContain(client.key.split('\n')[1]);
    }
    await Promise.all([worker.stop(), api.stop()]);
  });

  it('sends an API key, which turns TLS on, and the cluster sees it on every call', async () => {
    const tls = await proxy(false);
    const worker = await env.startWorker({ TEMPORAL_ADDRESS: tls.address, TEMPORAL_API_KEY: 'tmprl-test-api-key', TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.caCert, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
    expect(tls.calls.length).toBeGreaterThan(0);
    expect(tls.calls.every((c) => c.authorization === 'Bearer tmprl-test-api-key')).toBe(true);
    expect(worker.output()).not.toContain('tmprl-test-api-key');
    await worker.stop();
  });

  it('fails start-up saying why when the CA is wrong or the client certificate is missing', async () => {
    const mtls = await proxy(true);
    const otherCa = await createTestPki('Some Other CA');
    const wrongCa = env.startWorker({ TEMPORAL_ADDRESS: mtls.address, TEMPORAL_TLS_SERVER_CA_CERT_DATA: otherCa.caCert, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
    await expect(wrongCa).rejects.toThrow(/Could not connect to Temporal at 127\.0\.0\.1:\d+: .*UnknownIssuer.*the server's certificate is not trusted: check TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
    const noClientCert = env.startWorker({ TEMPORAL_ADDRESS: mtls.address, TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.caCert, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
    await expect(noClientCert).rejects.toThrow(/Could not connect to Temporal at 127\.0\.0\.1:\d+: .*no client certificate was given: a cluster that requires mTLS needs TEMPORAL_TLS_CLIENT_CERT_PATH/);
  });

  it('refuses to start on a Temporal profile file that is not there, with the config exit code', async () => {
    await expect(env.startWorker({ TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' })).rejects.toThrow(/exited with 78[\s\S]*TEMPORAL_CONFIG_FILE: no file at \/nonexistent\/temporal\.toml/);
  });
});
