// Outbound request pacing per provider account, shared by every worker process through Redis (Bottleneck's
// clustering: limiters with one id keep one schedule), in-process when Redis is not configured.
import Bottleneck from 'bottleneck';
import Redis from 'ioredis';

/** A provider account's documented request pace. */
export interface Pace {
  perSecond: number;
  /** Requests the provider lets through at once before the pace applies (a leaky bucket's size). */
  burst?: number;
}

export class ProviderRateLimiter {
  private readonly limiters = new Map<string, Bottleneck>();
  private readonly redis?: Redis;
  private readonly connection?: Bottleneck.IORedisConnection;
  private readonly prefix: string;

  constructor(options: { redisUrl?: string | undefined; keyPrefix?: string } = {}) {
    this.prefix = options.keyPrefix ?? '';
    if (options.redisUrl) {
      this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
      this.connection = new Bottleneck.IORedisConnection({ client: this.redis });
    }
  }

  /**
   * Runs `call` when the account's pace allows. Without a burst: consecutive calls at least 1000/perSecond ms apart.
   * With one (a leaky bucket, as Shopify's 40 leaking 2/s): up to `burst` calls at once, then one per 1000/perSecond
   * ms. Both keep 5% below the documented rate, so the jitter between our clock and the provider's does not cost a 429.
   */
  async schedule<T>(key: string, pace: Pace, call: () => Promise<T>): Promise<T> {
    const burst = Math.max(1, Math.floor(pace.burst ?? 1));
    const id = `${this.prefix}rate:${key}:${pace.perSecond}:${burst}`;
    try {
      return await this.limiter(id, pace.perSecond, burst).schedule(call);
    } catch (err) {
      // The account's shared state expired from Redis while no one called it (the `timeout` below); a limiter
      // object made before that cannot recover, so a fresh one takes its place and registers the state again.
      if (!(err instanceof Error) || !err.message.includes('SETTINGS_KEY_NOT_FOUND')) throw err;
      const stale = this.limiters.get(id);
      this.limiters.delete(id);
      if (stale) await disconnectQuietly(stale);
      return this.limiter(id, pace.perSecond, burst).schedule(call);
    }
  }

  private limiter(id: string, perSecond: number, burst: number): Bottleneck {
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const interval = Math.ceil((1000 / perSecond) * 1.05);
      const shape: Bottleneck.ConstructorOptions =
        burst > 1 ? { reservoir: burst, reservoirIncreaseAmount: 1, reservoirIncreaseInterval: interval, reservoirIncreaseMaximum: burst } : { minTime: interval };
      limiter = this.connection
        ? new Bottleneck({ id, ...shape, datastore: 'ioredis', connection: this.connection, clearDatastore: false, timeout: 10 * 60_000 })
        : new Bottleneck({ id, ...shape });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  async close(): Promise<void> {
    await Promise.all([...this.limiters.values()].map(disconnectQuietly));
    // The connection keeps a subscriber of its own beside the client: both must go, or the process never exits.
    if (this.connection) await disconnectQuietly(this.connection);
    this.redis?.disconnect();
  }
}

/** Bottleneck's disconnect returns a promise, or nothing for a limiter on a shared connection. */
async function disconnectQuietly(target: { disconnect(flush?: boolean): Promise<void> | void }): Promise<void> {
  try {
    await target.disconnect(false);
  } catch {
    // already gone
  }
}

/** One provider account: the same shop, site or Salesforce org shares one pace, whichever integration calls it. */
export function rateLimitKey(provider: string, config: Record<string, unknown>, credentials: Record<string, string>): string {
  const endpoint = config.shopDomain ?? config.baseUrl ?? credentials.instanceUrl ?? config.instanceUrl ?? 'default';
  return `${provider}:${String(endpoint)}`;
}
