// A provider whose error answers echo the request's credentials: nothing of them may reach Temporal history, logs,
// the database's clear-text columns, events or API answers.
import { readStream } from '../support/events';
import { newTenantKey, startApi } from '../support/api-app';
import { createIntegrationEnv, type IntegrationEnv, type WorkerProcess } from '../support/integration-env';
import { listenLocal, type LocalHttpServer } from '../support/local-http';
import { manualSync } from '../support/manual-sync';
import { integrationSync } from '../../workflows';
import type { App } from '../../api/app';

const SHOP_TOKEN = 'shpat_ECHOED0SECRET0TOKEN0a1b2c3d4';
const CONSUMER_KEY = 'ck_ECHOED0CONSUMER0KEY0e5f6';
const CONSUMER_SECRET = 'cs_ECHOED0CONSUMER0SECRET0a7b8';

describe('secrets echoed by a provider never leave', () => {
  let env: IntegrationEnv;
  let worker: WorkerProcess;
  let echo: LocalHttpServer;
  let api: { app: App; url: string };
  let tenantKey: string;

  const inject = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    api.app.inject({ method, url, headers: { authorization: `Bearer ${tenantKey}` }, ...(body ? { payload: body as object } : {}) });

  beforeAll(async () => {
    env = await createIntegrationEnv();
    // Every answer is an error that quotes what the request carried, as a careless provider (or proxy) does.
    echo = await listenLocal((req, res) => {
      const status = req.url?.includes('/wp-json/') ? 400 : 403;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: 'bad request', authorization: req.headers.authorization, token: req.headers['x-shopify-access-token'], url: req.url }));
    });
    worker = await env.startWorker({ RUN_CONSUMER: 'false' });
    api = await startApi(env);
    tenantKey = await newTenantKey(api.app, 'tenant-secrets');
  });

  afterAll(async () => {
    await api?.app.close();
    await echo?.stop();
    await env?.close();
  });

  const integration = async (provider: string, credentials: Record<string, string>) => {
    const created = await inject('POST', '/integrations', { provider, name: provider, config: { baseUrl: echo.baseUrl } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await inject('PUT', `/integrations/${id}/connection`, { kind: 'api_key', ...credentials })).statusCode).toBe(200);
    return id;
  };

  it('redacts them from failures, and so from history, logs, stored errors, events and API answers', async () => {
    const ids = [await integration('shopify', { accessToken: SHOP_TOKEN }), await integration('woocommerce', { consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET })];
    for (const id of ids) {
      const err = await env.client.workflow.execute(integrationSync, manualSync(env.taskQueue, id, 'tenant-secrets')).then(() => undefined, (e: unknown) => e);
      expect(err).toBeDefined();
    }
    const secrets = [SHOP_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, Buffer.from(`${CONSUMER_KEY}:${CONSUMER_SECRET}`).toString('base64')];
    const histories: string[] = [];
    for (const id of ids) {
      const history = await env.client.workflow.getHandle(`sync:${id}`).fetchHistory();
      histories.push(JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    }
    const stored = JSON.stringify((await env.db.query(`SELECT last_sync_error FROM integrations WHERE tenant_id = 'tenant-secrets'`)).rows);
    const events = JSON.stringify(await readStream(env.servers.redisUrl, env.bus.streamKey));
    const answers = JSON.stringify(await Promise.all(ids.map(async (id) => (await inject('GET', `/integrations/${id}`)).json())));
    // The failure still says what went wrong, in words.
    expect(stored).toContain('answered 403');
    expect(stored).toContain('answered 400');
    expect(stored).toContain('[redacted]');
    expect(stored).not.toContain('[object Object]');
    for (const secret of secrets) {
      for (const history of histories) expect(history).not.toContain(secret);
      expect(worker.output()).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(events).not.toContain(secret);
      expect(answers).not.toContain(secret);
    }
  });

  it('refuses credentials a header cannot carry at the door, naming the field and not the value', async () => {
    const created = await inject('POST', '/integrations', { provider: 'shopify', name: 'bad token', config: { baseUrl: echo.baseUrl } });
    const id = created.json().id as string;
    for (const accessToken of ['shpat_abc\nX-Injected: 1', 'shpat_äöü0123', 'shpat with space']) {
      const answer = await inject('PUT', `/integrations/${id}/connection`, { kind: 'api_key', accessToken });
      expect(answer.statusCode).toBe(400);
      expect(answer.json().error.message).toContain('accessToken');
      expect(answer.json().error.message).not.toContain('shpat');
    }
    const wrongKind = await inject('PUT', `/integrations/${id}/connection`, { kind: 'api_key', consumerKey: 'ck_x', consumerSecret: 'cs_x' });
    expect(wrongKind.statusCode).toBe(422);
    expect(wrongKind.json().error.message).toBe('shopify needs accessToken');
  });
});
