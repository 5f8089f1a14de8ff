import { ProviderRateLimiter } from '../../connectors/rate-limit';

describe('ProviderRateLimiter (in process)', () => {
  const limiter = new ProviderRateLimiter();
  afterAll(() => limiter.close());

  const timesOf = async (key: string, pace: { perSecond: number; burst?: number }, calls: number) => {
    const started = Date.now();
    const times = await Promise.all(Array.from({ length: calls }, () => limiter.schedule(key, pace, async () => Date.now() - started)));
    return times.sort((a, b) => a - b);
  };

  it('lets a leaky bucket burst through at once (one slot kept for jitter), then keeps just under the pace', async () => {
    const times = await timesOf('burst', { perSecond: 20, burst: 5 }, 7);
    expect(times[3]!).toBeLessThan(30);
    // 1000/20 × 1.01 = 51 ms per request after the burst of 4.
    // Measured from the start, not between calls: a call run late on a loaded machine would shrink the next gap.
    expect(times[4]!).toBeGreaterThanOrEqual(48);
    expect(times[5]!).toBeGreaterThanOrEqual(2 * 48);
    expect(times[6]!).toBeGreaterThanOrEqual(3 * 48);
    expect(times[6]!).toBeLessThan(51 * 3 + 40);
  });

  it('without a burst spaces every call by the pace, 5% under it', async () => {
    const times = await timesOf('even', { perSecond: 20 }, 3);
    expect(times[1]!).toBeGreaterThanOrEqual(50);
    expect(times[2]!).toBeGreaterThanOrEqual(2 * 50);
  });
});
