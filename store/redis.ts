// Redis connections of the event bus, the inbound consumer and the provider pacing, made one way.
import Redis, { type RedisOptions } from 'ioredis';

/**
 * A Redis client that fails fast when Redis is down: a command errors (and the activity or loop around it retries)
 * rather than waiting in an offline queue, while the client keeps reconnecting in the background. Its connection
 * errors surface through those failed commands and /health, not as ioredis's "Unhandled error event" on stderr.
 */
export function redisClient(url: string, overrides: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...overrides,
  });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * After Redis refused a call, callers skip it for a while instead of each paying a failed reconnect's wait: the
 * provider pace falls back to this process, publishing spills to the outbox. A success ends the pause early.
 */
export class RedisPause {
  private until = 0;

  constructor(private readonly ms = 5_000) {}

  get active(): boolean {
    return Date.now() < this.until;
  }

  start(): void {
    this.until = Date.now() + this.ms;
  }

  end(): void {
    this.until = 0;
  }
}
