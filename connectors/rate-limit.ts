// Outbound request pacing per provider account, shared by every worker process through Redis (Bottleneck's
// clustering: limiters with one id keep one schedule), in-process when Redis is not configured.
import Bottleneck from 'bottleneck';
import Redis from 'ioredis';

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
   * Runs `call` when the account's pace allows: consecutive calls at least 1000/perSecond ms apart, plus 25 ms so
   * that the jitter between sending and the provider's clock does not push a sixth request into its second.
   */
  schedule<T>(key: string, perSecond: number, call: () => Promise<T>): Promise<T> {
    const id = `${this.prefix}rate:${key}:${perSecond}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const minTime = Math.ceil(1000 / perSecond) + 25;
      limiter = this.connection
        ? new Bottleneck({ id, minTime, datastore: 'ioredis', connection: this.connection, clearDatastore: false, timeout: 60_000 })
        : new Bottleneck({ id, minTime });
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
