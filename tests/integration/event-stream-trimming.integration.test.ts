// The event stream is trimmed by what its readers are done with: a consumer group that reads nothing keeps every
// entry (below the hard cap); once it acknowledges them they go; past the hard cap unread entries go too, and that
// is logged and announced, never silent.
import Redis from 'ioredis';
import { createEvent } from '../../events/envelope';
import { RedisEventBus } from '../../events/redis-bus';
import { integrationSync } from '../../workflows';
import { readStream } from '../support/events';
import type { FakeShopify } from '../support/fake-shopify';
import type { IntegrationEnv } from '../support/integration-env';
import { manualSync } from '../support/manual-sync';
import { createShopIntegration } from '../support/seed';
import { startShopEnv } from '../support/shop-env';
import { waitFor } from '../support/wait';

const TOKEN = 'shpat_trim';
const TENANT = 'tenant-trim';

describe('event stream trimming', () => {
  let env: IntegrationEnv;
  let shop: FakeShopify;
  let close: () => Promise<void>;
  let redis: Redis;
  let stream: string;

  beforeAll(async () => {
    ({ env, shop, close } = await startShopEnv(TOKEN, 300));
    redis = new Redis(env.servers.redisUrl);
    stream = `${env.keyPrefix}events`;
  });
  afterAll(async () => {
    redis?.disconnect();
    await close?.();
  });

  const sync = async () => {
    const integrationId = await createShopIntegration(env, shop.baseUrl, TENANT, TOKEN);
    return env.client.workflow.execute(integrationSync, manualSync(env.taskQueue, integrationId, TENANT));
  };
  const length = async () => Number(await redis.xlen(stream));

  it("keeps what a consumer group has not read, and trims it once acknowledged, however short the retention", async () => {
    await redis.xgroup('CREATE', stream, 'slow', '0', 'MKSTREAM');
    // A 1 ms retention would empty a stream nobody reads at once: here a group reads it.
    const worker = await env.startWorker({ EVENT_STREAM_RETENTION: '1ms' });
    expect(await sync()).toMatchObject({ status: 'completed', created: 300 });
    const published = await length();
    expect(published).toBeGreaterThan(600);
    await new Promise((r) => setTimeout(r, 3_000)); // several relay ticks, each one a trim
    expect(await length()).toBe(published);

    const read = (await redis.xreadgroup('GROUP', 'slow', 'reader', 'COUNT', 100_000, 'STREAMS', stream, '>')) as Array<[string, Array<[string, string[]]>]>;
    await redis.xack(stream, 'slow', ...read[0]![1].map(([id]) => id));
    // All acknowledged: trimmed down to the last delivered entry, which XTRIM MINID keeps.
    await waitFor(async () => (await length()) <= 1, 10_000, async () => `${await length()} entries left`);
    await worker.stop();
  });

  it('drops unread entries only past the hard cap, and says so in the log and on the stream', async () => {
    await redis.xgroup('CREATE', stream, 'behind', '$');
    const worker = await env.startWorker({ EVENT_STREAM_MAXLEN: '200' });
    expect(await sync()).toMatchObject({ status: 'completed', created: 300 });
    await waitFor(async () => worker.output().includes('entries a consumer group had not read were trimmed'), 10_000, async () => `${await length()} entries`);
    const notices = async () => (await readStream(env.servers.redisUrl, stream)).filter((e) => e.type === 'integration.events.trimmed');
    const trimmed = await notices();
    expect(trimmed.length).toBeGreaterThan(0);
    expect(trimmed[0]!.data).toMatchObject({ stream, maxLength: 200, unreadDropped: expect.any(Number) });
    // What the sync published after the tick that logged waits for the next tick (one a second): then the stream is
    // at its cap, plus the notices. Never trimmed, it would stay at the sync's 600-odd entries.
    await waitFor(async () => (await length()) <= 200 + (await notices()).length, 10_000, async () => `${await length()} entries`);
    await worker.stop();
  });

  it('with no consumer group, keeps entries for the retention', async () => {
    const bus = new RedisEventBus({ url: env.servers.redisUrl, keyPrefix: `${env.keyPrefix}retention:`, stream: 'events', streamMaxLen: 1_000, liveFeedMaxLen: 100, retentionMs: 2_000 });
    try {
      await bus.publish([createEvent('integration.sync.failed', { error: 'x', failedAt: new Date().toISOString() }, { tenantId: TENANT, integrationId: 'r' })]);
      expect(await bus.trimStream()).toEqual({ trimmed: 0, unreadDropped: 0 });
      await new Promise((r) => setTimeout(r, 2_100));
      expect(await bus.trimStream()).toEqual({ trimmed: 1, unreadDropped: 0 });
    } finally {
      await bus.close();
    }
  });
});
