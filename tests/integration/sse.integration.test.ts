// The SSE route's limits against a real Redis: one feed reader per process, stream caps, resume positions, slow clients.
import net from 'node:net';
import Redis from 'ioredis';
import { createEvent, type EventEnvelope } from '../../events/envelope';
import { newTenantKey, startApi } from '../support/api-app';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { waitFor } from '../support/wait';

describe('SSE limits', () => {
  let env: IntegrationEnv;
  let redis: Redis;
  let api: Awaited<ReturnType<typeof startApi>>;
  const keys: Record<string, string> = {};
  const streams: AbortController[] = [];

  beforeAll(async () => {
    env = await createIntegrationEnv();
    redis = new Redis(env.servers.redisUrl);
    api = await startApi(env, { sse: { heartbeatMs: 60_000, maxStreams: 4, maxStreamsPerTenant: 2, maxBufferedBytes: 64 * 1024 } });
    for (const tenant of ['sse-a', 'sse-b', 'sse-c']) keys[tenant] = await newTenantKey(api.app, tenant);
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.abort();
    await waitFor(async () => (await feedReaders()) === 0, 10_000, async () => `${await feedReaders()} feed readers left`);
  });

  afterAll(async () => {
    await api?.app.close();
    redis?.disconnect();
    await env?.close();
  });

  const feedReaders = async () => String(await redis.client('LIST')).split('\n').filter((line) => line.includes(`name=${env.bus.feedReaderName} `)).length;

  const open = async (tenant: string, headers: Record<string, string> = {}) => {
    const controller = new AbortController();
    streams.push(controller);
    return fetch(`${api.url}/integrations/events/sse/${tenant}`, { headers: { authorization: `Bearer ${keys[tenant]}`, ...headers }, signal: controller.signal });
  };

  const failed = (tenantId: string, integrationId: string, error = 'provider down'): EventEnvelope =>
    createEvent('integration.sync.failed', { error, failedAt: new Date().toISOString() }, { tenantId, integrationId });

  /** Reads the stream until `count` events have come, as (id, type, envelope). */
  const readEvents = async (response: Response, count: number) => {
    const reader = response.body!.getReader();
    let text = '';
    const blocks = () => text.split('\n\n').filter((b) => b.startsWith('event:'));
    while (blocks().length < count) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    return blocks().map((block) => {
      const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))!.slice(name.length + 2);
      return { id: field('id'), envelope: JSON.parse(field('data')) as EventEnvelope };
    });
  };

  it('fans every stream of a process out from one Redis reader', async () => {
    const responses = await Promise.all([open('sse-a'), open('sse-a'), open('sse-b')]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await feedReaders()).toBe(1);
    await env.bus.publish([failed('sse-a', 'i-1'), failed('sse-b', 'i-2')]);
    const [a1, a2, b] = await Promise.all([readEvents(responses[0]!, 1), readEvents(responses[1]!, 1), readEvents(responses[2]!, 1)]);
    expect([a1[0]!.envelope.integrationId, a2[0]!.envelope.integrationId, b[0]!.envelope.integrationId]).toEqual(['i-1', 'i-1', 'i-2']);
  });

  it('caps open streams per tenant and per process with 429 and Retry-After, and frees a slot when a client leaves', async () => {
    expect((await open('sse-a')).status).toBe(200);
    expect((await open('sse-a')).status).toBe(200);
    const third = await open('sse-a');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('10');
    expect(((await third.json()) as { error: unknown }).error).toEqual({ code: 'rate_limited', message: "Too many open event streams (the tenant's 2); close one or retry later" });

    expect((await open('sse-b')).status).toBe(200);
    expect((await open('sse-b')).status).toBe(200);
    const overServer = await open('sse-c');
    expect(overServer.status).toBe(429);
    expect(((await overServer.json()) as { error: { message: string } }).error.message).toMatch(/this server's 4/);

    streams[0]!.abort();
    await waitFor(async () => (await open('sse-a')).status === 200, 5_000, async () => 'the freed slot was not given back');
  });

  it('resumes after a known position and answers 412 to an unknown or dropped one', async () => {
    const first = await open('sse-a');
    await env.bus.publish([failed('sse-a', 'r-1'), failed('sse-a', 'r-2'), failed('sse-a', 'r-3')]);
    const seen = await readEvents(first, 3);
    expect(seen.map((e) => e.envelope.integrationId)).toEqual(['r-1', 'r-2', 'r-3']);

    const resumed = await open('sse-a', { 'last-event-id': seen[0]!.id });
    expect((await readEvents(resumed, 2)).map((e) => [e.id, e.envelope.integrationId])).toEqual(seen.slice(1).map((e) => [e.id, e.envelope.integrationId]));

    for (const unknown of ['not-a-position', '1-0', '99999999999999-0']) {
      const refused = await open('sse-a', { 'last-event-id': unknown });
      expect(refused.status).toBe(412);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('precondition_failed');
    }
  });

  it('drops a client that does not read, freeing its slot', async () => {
    // A raw socket that sends the request and never reads: the server's buffer for it grows until the bound.
    const socket = net.connect(Number(new URL(api.url).port), '127.0.0.1');
    socket.pause();
    socket.write(`GET /integrations/events/sse/sse-c HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys['sse-c']}\r\n\r\n`);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await waitFor(async () => (await feedReaders()) === 1, 5_000, async () => 'the slow stream never opened');
    const filler = 'x'.repeat(100_000);
    const deadline = Date.now() + 30_000;
    let dropped = false;
    void closed.then(() => (dropped = true));
    while (!dropped && Date.now() < deadline) {
      await env.bus.publish(Array.from({ length: 20 }, () => failed('sse-c', 'slow', filler)));
      dropped = (await feedReaders()) === 0;
    }
    expect(dropped).toBe(true);
    socket.destroy();
  });
});
