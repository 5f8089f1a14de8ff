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
