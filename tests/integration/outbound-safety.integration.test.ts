// Outbound safety against real sockets: a tenant's URL cannot make a worker reach this machine or its network.
import net from 'node:net';
import type dns from 'node:dns';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../contracts/failures';
import { outboundFetch, STRICT_POLICY } from '../../connectors/outbound';
import { integrationSync } from '../../workflows';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { listenLocal, type LocalHttpServer } from '../support/local-http';
import { manualSync } from '../support/manual-sync';
import { createIntegration } from '../support/seed';
import { newTenantKey, startApi } from '../support/api-app';
import type { App } from '../../api/app';

const TENANT = 'tenant-outbound';

/** A TCP listener on loopback that counts connections: a refused address must not even be connected to. */
async function connectionCounter(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, connections: () => count, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('outbound address policy', () => {
  let env: IntegrationEnv;
  let target: Awaited<ReturnType<typeof connectionCounter>>;

  beforeAll(async () => {
    env = await createIntegrationEnv();
    target = await connectionCounter();
    // As in production: no insecure URLs.
    await env.startWorker({ ALLOW_INSECURE_PROVIDER_URLS: 'false', RUN_CONSUMER: 'false' });
  });

  afterAll(async () => {
    await target?.close();
    await env?.close();
  });

  const failureOf = async (baseUrl: string) => {
    const id = await createIntegration(env.db, { tenantId: TENANT, provider: 'woocommerce', config: { baseUrl }, secrets: { consumerKey: 'ck', consumerSecret: 'cs' }, encryptionKey: env.encryptionKey });
    const err = await env.client.workflow.execute(integrationSync, manualSync(env.taskQueue, id, TENANT)).then(() => undefined, (e: unknown) => e);
    let cause: unknown = err;
    while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  };

  it.each([
    ['IPv4 loopback', (port: number) => `https://127.0.0.1:${port}`],
    ['IPv6 loopback', (port: number) => `https://[::1]:${port}`],
    ['IPv4-mapped loopback', (port: number) => `https://[::ffff:7f00:1]:${port}`],
    ['NAT64 loopback', (port: number) => `https://[64:ff9b::7f00:1]:${port}`],
    ['localhost', (port: number) => `https://localhost:${port}`],
    ['RFC 1918', () => 'https://10.0.0.1'],
    ['cloud metadata (link-local)', () => 'https://169.254.169.254'],
    ['IPv6 link-local', () => 'https://[fe80::1]'],
    ['IPv6 unique local', () => 'https://[fd00::1]'],
    ['CGNAT', () => 'https://100.64.0.1'],
    ['multicast', () => 'https://224.0.0.1'],
    ['unspecified', (port: number) => `https://0.0.0.0:${port}`],
  ])('fails a sync against %s at once, non-retryably, and connects to nothing', async (_name, url) => {
    const failure = await failureOf(url(target.port));
    expect(failure).toMatchObject({ type: FailureType.InvalidConfig, nonRetryable: true });
    expect(failure.message).toMatch(/address not allowed/);
    expect(target.connections()).toBe(0);
  });

  it('refuses plain http', async () => {
    const failure = await failureOf(`http://shop.example.com`);
    expect(failure.message).toContain('must be https');
  });
});

describe('the outbound client itself', () => {
  let target: Awaited<ReturnType<typeof connectionCounter>>;
  let redirecting: LocalHttpServer;

  beforeAll(async () => {
    target = await connectionCounter();
    redirecting = await listenLocal((_req, res) => {
      res.writeHead(302, { Location: `http://127.0.0.1:${target.port}/admin` });
      res.end();
    });
  });

  afterAll(async () => {
    await redirecting?.stop();
    await target?.close();
  });

  it('checks the address a name resolves to, at connect time (a name resolving to 127.0.0.1)', async () => {
    // A resolver stub stands in for DNS: the name passes the URL check and is refused on the resolved address.
    const lookup = ((_host: string, _options: unknown, callback: (err: null, addresses: dns.LookupAddress[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dns.lookup;
    const err = await outboundFetch('woocommerce', `https://shop.rebinding.example:${target.port}/`, {}, STRICT_POLICY, lookup).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ type: FailureType.InvalidConfig, nonRetryable: true });
    expect((err as Error).message).toContain('address not allowed: shop.rebinding.example resolves to 127.0.0.1 (loopback)');
    expect(target.connections()).toBe(0);
  });

  it('does not follow a redirect, even where the policy lets the first request through', async () => {
    const err = await outboundFetch('woocommerce', `${redirecting.baseUrl}/orders`, {}, { allowInsecure: true, allowedCidrs: [] }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true });
    expect((err as Error).message).toContain(`a redirect to http://127.0.0.1:${target.port}/admin; redirects are not followed`);
    expect(target.connections()).toBe(0);
  });
});

describe('tenant URLs at the door', () => {
  let env: IntegrationEnv;
  let api: { app: App; url: string };
  let key: string;

  const inject = async (method: 'POST' | 'PATCH' | 'PUT', url: string, body: unknown) =>
    api.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload: body as object });

  beforeAll(async () => {
    env = await createIntegrationEnv();
    // As in production: no insecure URLs.
    api = await startApi(env, { outboundPolicy: STRICT_POLICY });
    key = await newTenantKey(api.app, 'tenant-door');
  });

  afterAll(async () => {
    await api?.app.close();
    await env?.close();
  });

  // Schema-valid URLs the outbound policy refuses: 422, the field named.
  it('refuses base, token and instance URLs that point inside, naming the field', async () => {
    const metadata = await inject('POST', '/integrations', { provider: 'woocommerce', name: 'x', config: { baseUrl: 'https://169.254.169.254/' } });
    expect(metadata.statusCode).toBe(422);
    expect(metadata.json().error.message).toBe('config.baseUrl address not allowed: 169.254.169.254 (linkLocal)');

    const created = await inject('POST', '/integrations', { provider: 'woocommerce', name: 'w', config: { baseUrl: 'https://woo.example.com' } });
    const id = created.json().id as string;
    const mapped = await inject('PATCH', `/integrations/${id}`, { config: { baseUrl: 'https://[::ffff:7f00:1]:3000' } });
    expect(mapped.statusCode).toBe(422);
    expect(mapped.json().error.message).toContain('config.baseUrl address not allowed');

    const shop = (await inject('POST', '/integrations', { provider: 'shopify', name: 's', config: { shopDomain: 'acme.myshopify.com' } })).json().id as string;
    const oauth = (tokenUrl: string) => ({ kind: 'oauth2', accessToken: 'a', refreshToken: 'r', clientId: 'c', clientSecret: 's', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), tokenUrl });
    const loopbackToken = await inject('PUT', `/integrations/${shop}/connection`, oauth('http://127.0.0.1:3000/integrations'));
    expect(loopbackToken.statusCode).toBe(422);
    expect(loopbackToken.json().error.message).toBe('tokenUrl must be https');
    const privateToken = await inject('PUT', `/integrations/${shop}/connection`, oauth('https://10.0.0.5/oauth/token'));
    expect(privateToken.statusCode).toBe(422);
    expect(privateToken.json().error.message).toBe('tokenUrl address not allowed: 10.0.0.5 (private)');
  });
});
