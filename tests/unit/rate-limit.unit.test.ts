import { ProviderRateLimiter } from '../../connectors/rate-limit';

describe('ProviderRateLimiter (in process)', () => {
  const limiter = new ProviderRateLimiter();
  afterAll(() => limiter.close());

  const timesOf = async (key: string, pace: { perSecond: number; burst?: number }, calls: number) => {
    const started = Date.now();
    return Promise.all(Array.from({ length: calls }, () => limiter.schedule(key, pace, async () => Date.now() - started)));
  };

  it('lets a leaky bucket burst through at once, then keeps 5% under the pace', async () => {
    const times = (await timesOf('burst', { perSecond: 20, burst: 5 }, 7)).sort((a, b) => a - b);
    expect(times[4]!).toBeLessThan(40);
    // 1000/20 × 1.05 = 53 ms per request after the burst.
    expect(times[5]!).toBeGreaterThanOrEqual(45);
    expect(times[6]! - times[5]!).toBeGreaterThanOrEqual(45);
  });

  it('without a burst spaces every call by the pace', async () => {
    const times = (await timesOf('even', { perSecond: 20 }, 3)).sort((a, b) => a - b);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(50);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(50);
  });
});
