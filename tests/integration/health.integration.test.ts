import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { App } from '../../api/app';
import { buildApp } from '../../api/app';
import { createConnectorRegistry } from '../../connectors/registry';
import { RedisEventBus } from '../../events/redis-bus';
import { createLogger } from '../../observability/logger';
import { Keyring } from '../../security/keyring';
import { createApiKey, createTenant } from '../../store/tenants';
import { newTenantKey, startApi } from '../support/api-app';
import { freePort } from '../support/free-port';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';

describe('GET /health and /ready against real dependencies', () => {
  let env: IntegrationEnv;
  let connection: Connection;
  const apps: App[] = [];
  const logger = createLogger({ level: 'silent' });
  const appDeps = () => ({
    db: env.db,
    temporal: new Client({ connection }),
    logger,
    keyring: new Keyring(Buffer.from(env.encryptionKey, 'hex')),
    connectors: createConnectorRegistry(),
    taskQueue: env.taskQueue,
  });

  beforeAll(async () => {
    env = await createIntegrationEnv();
    connection = await Connection.connect({ address: env.servers.temporalAddress });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await connection?.close();
    await env?.close();
  });

  it('is healthy and ready when Temporal, PostgreSQL and Redis answer', async () => {
    const app = await buildApp({ ...appDeps(), bus: env.bus });
    apps.push(app);
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', postgres: 'ok', bus: 'ok' } });
  });

  it('answers 503 naming the dependency that does not answer', async () => {
    const deadRedis = new RedisEventBus({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: '', stream: 's', streamMaxLen: 10, liveFeedMaxLen: 10 });
    const app = await buildApp({ ...appDeps(), bus: deadRedis });
    apps.push(app);
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    const body = ready.json();
    expect(body.status).toBe('not_ready');
    expect(body.checks).toMatchObject({ temporal: 'ok', postgres: 'ok' });
    expect(body.checks.bus).toMatch(/^unreachable/);
    expect((await app.inject('/health')).statusCode).toBe(200);

    // The event stream says it cannot stream, rather than opening a stream that never carries anything.
    await createTenant(env.db, { id: 'tenant-sse-down', name: 'sse' });
    const { key } = await createApiKey(env.db, 'tenant-sse-down', undefined);
    const sse = await app.inject({ url: '/integrations/events/sse/tenant-sse-down', headers: { authorization: `Bearer ${key}` } });
    expect(sse.statusCode).toBe(503);
    expect(sse.json()).toEqual({ error: { code: 'unavailable', message: 'The event bus is unreachable; try again shortly' } });
    await deadRedis.close();
  });

  it('answers 404 with a wire error for an unknown route, and serves the OpenAPI document', async () => {
    const app = apps[0]!;
    const missing = await app.inject('/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'Route GET /nope not found' } });
    const docs = await app.inject('/docs/json');
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    // One body per provider, each with its own config schema.
    const create = JSON.stringify(docs.json().paths['/integrations'].post.requestBody.content['application/json'].schema);
    for (const provider of ["shopify", "woocommerce", "hubspot", "salesforce"]) expect(create).toContain(`"enum":["${provider}"]`);
    expect(create).toContain('shopDomain');
    expect(create).toContain('instanceUrl');
    // The live sync state's real shape, not an untyped record.
    const status = JSON.stringify(docs.json().paths['/integrations/events/sync-status/{integrationId}'].get.responses['200']);
    expect(status).toContain('pendingPasses');
  });

  it('closes a connection that trickles a request and then sits idle', async () => {
    const api = await startApi(env, { idleTimeoutMs: 500 });
    try {
      const { port } = new URL(api.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      const started = Date.now();
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
      socket.on('error', () => undefined);
      // Headers promising a body that never comes, on the open webhook route.
      socket.write(`POST /webhooks/shopify/${'0'.repeat(8)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      expect(await closed).toBeLessThan(5_000);
    } finally {
      await api.app.close();
    }
  });

  it('stops the API process on SIGTERM, saying so, and exits 0', async () => {
    const api = await env.startApi(await freePort(), { ADMIN_API_KEY: '' });
    const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));
    api.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = api.output().split('\n').filter((line) => line.includes('"msg":"stop'));
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['stopping', 'stopped']);
  });

  it('stops at once with an event stream open', async () => {
    const api = await startApi(env);
    const key = await newTenantKey(api.app, 'tenant-stream');
    const stream = await fetch(`${api.url}/integrations/events/sse/tenant-stream`, { headers: { authorization: `Bearer ${key}` } });
    expect(stream.status).toBe(200);
    const started = Date.now();
    await api.app.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await stream.body?.cancel().catch(() => undefined);
  });
});
