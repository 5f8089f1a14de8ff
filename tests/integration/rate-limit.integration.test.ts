// The provider pace shared through Redis, against a real Redis: shared across limiter instances (worker processes),
// and still working after its Redis state expired while an account sat idle.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { ProviderRateLimiter } from '../../connectors/rate-limit';
import { SERVERS_FILE, type TestServers } from '../support/servers-file';

describe('ProviderRateLimiter through Redis', () => {
  const { redisUrl } = JSON.parse(readFileSync(SERVERS_FILE, 'utf8')) as TestServers;
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(redisUrl);
  const limiters: ProviderRateLimiter[] = [];
  const limiter = () => {
    const made = new ProviderRateLimiter({ redisUrl, keyPrefix: prefix });
    limiters.push(made);
    return made;
  };
  afterAll(async () => {
    await Promise.all(limiters.map((l) => l.close()));
    redis.disconnect();
  });

  it('paces two processes of one account as one', async () => {
    const [a, b] = [limiter(), limiter()];
    const started = Date.now();
    const times = await Promise.all([a, b, a, b].map((l) => l.schedule('shopify:shared.myshopify.com', { perSecond: 10 }, async () => Date.now() - started)));
    const sorted = times.sort((x, y) => x - y);
    // 105 ms apart whichever instance asks: 4 calls span at least 3 intervals.
    expect(sorted[3]! - sorted[0]!).toBeGreaterThanOrEqual(300);
  });

  it('recovers when the account state expired from Redis while idle', async () => {
    const l = limiter();
    const pace = { perSecond: 50, burst: 5 };
    await expect(l.schedule('shopify:idle.myshopify.com', pace, async () => 'first')).resolves.toBe('first');
    // What Redis does to an account untouched for the limiter's timeout.
    const keys = await redis.keys(`*${prefix}rate:shopify:idle.myshopify.com*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    await expect(l.schedule('shopify:idle.myshopify.com', pace, async () => 'after expiry')).resolves.toBe('after expiry');
  });
});
