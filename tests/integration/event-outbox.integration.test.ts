// The outbox relay against real PostgreSQL and Redis: relays in two processes drain one outbox together, each event
// reaching the stream once and every integration's events in the order they were published; while an integration
// has events waiting, its new ones queue behind them instead of overtaking them.
import { createEvent, type EventEnvelope } from '../../events/envelope';
import { RedisEventBus } from '../../events/redis-bus';
import { SpillingEventBus } from '../../events/spilling-bus';
import { appendToOutbox, outboxBacklog } from '../../store/event-outbox';
import { readStream } from '../support/events';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';

describe('event outbox relay', () => {
  let env: IntegrationEnv;
  const buses: SpillingEventBus[] = [];

  beforeAll(async () => {
    env = await createIntegrationEnv();
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await env?.close();
  });

  const relay = () => {
    const bus = new SpillingEventBus(new RedisEventBus({ url: env.servers.redisUrl, keyPrefix: `${env.keyPrefix}outbox:`, stream: 'events', streamMaxLen: 100_000, liveFeedMaxLen: 100 }), env.db);
    buses.push(bus);
    return bus;
  };
  const numberOf = (e: EventEnvelope) => Number((e as EventEnvelope<'integration.sync.failed'>).data.error.slice(1));
  const failed = (integrationId: string, n: number): EventEnvelope =>
    createEvent('integration.sync.failed', { error: `#${n}`, failedAt: new Date().toISOString() }, { tenantId: 't', integrationId, idempotencyKey: `${integrationId}-${n}` });

  it('delivers each waiting event once, in each integration’s order, with two relays at work', async () => {
    const waiting = [...Array.from({ length: 1_200 }, (_, n) => failed('a', n)), ...Array.from({ length: 700 }, (_, n) => failed('b', n))];
    // Interleaved as two syncs would have spilled them.
    const interleaved = waiting.sort((x, y) => numberOf(x) - numberOf(y));
    for (let i = 0; i < interleaved.length; i += 100) await appendToOutbox(env.db, interleaved.slice(i, i + 100));

    const [first, second] = [relay(), relay()];
    const delivered = await Promise.all([first.relayOnce(), second.relayOnce()]);
    expect(delivered[0]! + delivered[1]!).toBe(1_900);
    expect((await outboxBacklog(env.db)).events).toBe(0);

    const stream = await readStream(env.servers.redisUrl, `${env.keyPrefix}outbox:events`);
    expect(stream.map((e) => e.id).length).toBe(new Set(stream.map((e) => e.id)).size);
    for (const integrationId of ['a', 'b']) {
      const order = stream.filter((e) => e.integrationId === integrationId).map(numberOf);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(order).toHaveLength(integrationId === 'a' ? 1_200 : 700);
    }
  });

  it('queues a new event behind its integration’s waiting ones, and sends other integrations’ straight on', async () => {
    const bus = relay();
    await appendToOutbox(env.db, [failed('c', 0)]);
    await bus.publish([failed('c', 1)]);
    await bus.publish([failed('d', 0)]);
    expect((await outboxBacklog(env.db, 'c')).events).toBe(2);
    const direct = await readStream(env.servers.redisUrl, `${env.keyPrefix}outbox:events`);
    expect(direct.filter((e) => e.integrationId === 'd')).toHaveLength(1);
    expect(direct.filter((e) => e.integrationId === 'c')).toHaveLength(0);
    await bus.relayOnce();
    const after = (await readStream(env.servers.redisUrl, `${env.keyPrefix}outbox:events`)).filter((e) => e.integrationId === 'c');
    expect(after.map((e) => (e as EventEnvelope<'integration.sync.failed'>).data.error)).toEqual(['#0', '#1']);
  });
});
