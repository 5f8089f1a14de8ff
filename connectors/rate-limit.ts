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
  schedule<T>(key: string, pace: Pace, call: () => Promise<T>): Promise<T> {
    const burst = Math.max(1, Math.floor(pace.burst ?? 1));
    const id = `${this.prefix}rate:${key}:${pace.perSecond}:${burst}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const interval = Math.ceil((1000 / pace.perSecond) * 1.05);
      const shape: Bottleneck.ConstructorOptions =
        burst > 1 ? { reservoir: burst, reservoirIncreaseAmount: 1, reservoirIncreaseInterval: interval, reservoirIncreaseMaximum: burst } : { minTime: interval };
      limiter = this.connection
        ? new Bottleneck({ id, ...shape, datastore: 'ioredis', connection: this.connection, clearDatastore: false, timeout: 60_000 })
        : new Bottleneck({ id, ...shape });
      this.limiters.set(id, limiter);
    }
    return limiter.schedule(call);
  }

  async close(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((l) => l.disconnect(false).catch(() => undefined)));
    // The connection keeps a subscriber of its own beside the client: both must go, or the process never exits.
    await this.connection?.disconnect(false).catch(() => undefined);
    this.redis?.disconnect();
  }
}

/** One provider account: the same shop, site or Salesforce org shares one pace, whichever integration calls it. */
export function rateLimitKey(provider: string, config: Record<string, unknown>, credentials: Record<string, string>): string {
  const endpoint = config.shopDomain ?? config.baseUrl ?? credentials.instanceUrl ?? config.instanceUrl ?? 'default';
  return `${provider}:${String(endpoint)}`;
}
