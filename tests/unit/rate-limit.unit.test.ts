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

  it('takes a cost at once, hands back what a call did not use, and believes a smaller bucket the provider reports', async () => {
    const configured = { perSecond: 1_000, burst: 2_000 };
    // 1,990 of the 1,999 usable points at once; the next 20 wait about 11 × 1.01 ms.
    const first = await timesOf('cost', configured, 1);
    expect(first[0]!).toBeLessThan(100);
    await limiter.schedule('cost', configured, async () => undefined, { cost: 1_990 });
    let started = Date.now();
    await limiter.schedule('cost', configured, async () => undefined, { cost: 20 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(8);
    // Handing back 1,900 unused points makes room at once (without them, 100 more would wait ~100 ms).
    await limiter.settle('cost', configured, { unused: 1_900 });
    started = Date.now();
    await limiter.schedule('cost', configured, async () => undefined, { cost: 100 });
    expect(Date.now() - started).toBeLessThan(60);
    // The shop says its bucket is 20 points restoring 10/s, 19 of them in use: the next point waits ~0.1 s.
    await limiter.settle('cost', configured, { unused: 0, inUse: 19, limit: { perSecond: 10, burst: 20 } });
    started = Date.now();
    await limiter.schedule('cost', configured, async () => undefined, { cost: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
