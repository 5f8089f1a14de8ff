// The provider pace shared through Redis, against a real Redis: limiter instances in different worker processes
// keep one schedule per provider account.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ProviderRateLimiter } from '../../connectors/rate-limit';
import { SERVERS_FILE, type TestServers } from '../support/servers-file';

describe('ProviderRateLimiter through Redis', () => {
  const { redisUrl } = JSON.parse(readFileSync(SERVERS_FILE, 'utf8')) as TestServers;
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  const [a, b] = [new ProviderRateLimiter({ redisUrl, keyPrefix: prefix }), new ProviderRateLimiter({ redisUrl, keyPrefix: prefix })];
  afterAll(async () => Promise.all([a.close(), b.close()]));

  const run = async (key: string, pace: { perSecond: number; burst?: number }, calls: number) => {
    const started = Date.now();
    const times = await Promise.all(Array.from({ length: calls }, (_, i) => (i % 2 ? b : a).schedule(key, pace, async () => Date.now() - started)));
    return times.sort((x, y) => x - y);
  };

  it('paces two processes of one account as one', async () => {
    const times = await run('shopify:shared.myshopify.com', { perSecond: 10 }, 4);
    // 105 ms apart whichever instance asks: 4 calls span at least 3 intervals.
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(300);
  });

  it('shares one leaky bucket: the burst once, then the pace, across instances', async () => {
    const times = await run('shopify:bucket.myshopify.com', { perSecond: 10, burst: 4 }, 6);
    expect(times[2]!).toBeLessThan(60);
    expect(times[3]!).toBeGreaterThanOrEqual(95);
    expect(times[5]! - times[3]!).toBeGreaterThanOrEqual(190);
  });

  it('keeps accounts apart', async () => {
    const times = await Promise.all([run('shopify:one.myshopify.com', { perSecond: 2 }, 1), run('shopify:two.myshopify.com', { perSecond: 2 }, 1)]);
    expect(Math.max(...times.flat())).toBeLessThan(100);
  });
});
