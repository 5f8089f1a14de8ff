import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { createConnectorRegistry } from '../../connectors/registry';
import { syncWorkflowId } from '../../contracts/sync';
import { createLogger } from '../../observability/logger';
import { Keyring } from '../../security/keyring';
import { EncryptionCodec } from '../../security/payload-codec';
import { integrationSync } from '../../workflows';
import { ADMIN_KEY } from '../support/api-app';
import { FakeShopify } from '../support/fake-shopify';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { createShopIntegration } from '../support/seed';

const TOKEN = 'shpat_codec';
const CODEC_KEY = 'codec-key-for-tests-0123456789';
const TENANT = 'tenant-codec';

describe('encrypted workflow payloads and the codec server', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  const key = randomBytes(32);

  beforeAll(async () => {
    env = await createIntegrationEnv();
    shop = await new FakeShopify({ accessToken: TOKEN }).start();
    shop.addOrders(10);
    await env.startWorker({ PAYLOAD_ENCRYPTION_KEY: key.toString('hex'), RUN_CONSUMER: 'false' });
  });

  afterAll(async () => {
    await shop?.stop();
    await env?.close();
  });

  it('keeps histories unreadable without the key and readable through the codec endpoint with the admin key', async () => {
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    const withKey = new Client({ connection: env.client.connection, dataConverter: { payloadCodecs: [new EncryptionCodec(key)] } });
    const state = await withKey.workflow.execute(integrationSync, {
      taskQueue: env.taskQueue,
      workflowId: syncWorkflowId(integrationId),
      args: [{ integrationId, tenantId: TENANT, trigger: 'manual', correlationId: randomUUID() }],
    });
    expect(state).toMatchObject({ status: 'completed', created: 10 });

    const history = await env.client.workflow.getHandle(syncWorkflowId(integrationId)).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
    // Every input and result is ciphertext. (Workflow ids and search attributes stay readable by design: they are
    // what operators filter on, and they carry ids, never secrets.)
    const payloads = history.events!.flatMap((e) => [
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
      ...(e.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
    ]);
    expect(payloads.length).toBeGreaterThanOrEqual(8);
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(payload.data!).toString('latin1')).not.toContain(integrationId);
    }

    const app = await buildApp({
      db: env.db,
      bus: env.bus,
      temporal: env.client,
      logger: createLogger({ level: 'silent' }),
      keyring: new Keyring(Buffer.from(env.encryptionKey, 'hex')),
      connectors: createConnectorRegistry(),
      taskQueue: env.taskQueue,
      adminApiKey: ADMIN_KEY,
      codecApiKey: CODEC_KEY,
      codec: new EncryptionCodec(key),
      codecCorsOrigin: 'http://localhost:8233',
    });
    try {
      const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(input.data!).toString('base64') }] };
      const preflight = await app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' } });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8233');
      expect((await app.inject({ method: 'POST', url: '/codec/decode', payload: body })).statusCode).toBe(401);
      // The codec takes its own key: the admin key, which a browser should never hold, is refused.
      expect((await app.inject({ method: 'POST', url: '/codec/decode', payload: body, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).statusCode).toBe(401);
      const decoded = await app.inject({ method: 'POST', url: '/codec/decode', payload: body, headers: { authorization: `Bearer ${CODEC_KEY}` } });
      expect(decoded.statusCode).toBe(200);
      const plain = decoded.json().payloads[0];
      expect(Buffer.from(plain.metadata.encoding, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(plain.data, 'base64').toString())).toMatchObject({ integrationId, tenantId: TENANT });
    } finally {
      await app.close();
    }
  });

  it('opens payloads sealed with a previous key after rotation, and refuses an unknown one', async () => {
    const old = randomBytes(32);
    const [sealed] = await new EncryptionCodec(old).encode([{ metadata: { encoding: new Uint8Array(Buffer.from('json/plain')) }, data: new Uint8Array(Buffer.from('{"a":1}')) }]);
    const [opened] = await new EncryptionCodec(key, [old]).decode([sealed!]);
    expect(Buffer.from(opened!.data!).toString()).toBe('{"a":1}');
    await expect(new EncryptionCodec(key).decode([sealed!])).rejects.toThrow(/unknown key/);
  });
});
