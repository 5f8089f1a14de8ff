import type { EventBus } from './bus';
import { MemoryEventBus } from './memory-bus';
import { RedisEventBus } from './redis-bus';
import { SpillingEventBus } from './spilling-bus';
import type { Db } from '../store/db';

export interface BusEnv {
  REDIS_URL?: string | undefined;
  REDIS_KEY_PREFIX: string;
  EVENT_STREAM: string;
  EVENT_STREAM_MAXLEN: number;
  EVENT_STREAM_RETENTION: number;
  SSE_RESUME_WINDOW: number;
}

/**
 * Redis when REDIS_URL is set; the in-memory bus otherwise, which parseEnv allows a worker or API only with
 * EVENT_BUS=memory. A process that publishes passes its database: events Redis does not take then wait in the
 * outbox (events/spilling-bus.ts) instead of failing the activity.
 */
export function createEventBus(env: BusEnv, publisherDb?: Db): EventBus {
  if (!env.REDIS_URL) return new MemoryEventBus(env.SSE_RESUME_WINDOW);
  const redis = new RedisEventBus({
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    stream: env.EVENT_STREAM,
    streamMaxLen: env.EVENT_STREAM_MAXLEN,
    retentionMs: env.EVENT_STREAM_RETENTION,
    liveFeedMaxLen: env.SSE_RESUME_WINDOW,
  });
  return publisherDb ? new SpillingEventBus(redis, publisherDb) : redis;
}
