import Redis, { type RedisOptions } from 'ioredis';
import type { EventBus, EventListener } from './bus';
import { SYNC_EVENTS_CHANNEL, syncChannelTypes } from './catalogue';
import type { EventEnvelope } from './envelope';

export interface RedisBusOptions {
  url: string;
  /** Prepended to the stream and channel names; empty in production, one per test file. */
  keyPrefix: string;
  stream: string;
  streamMaxLen: number;
}

/** Every event goes to a capped stream (for consumers that must not miss one); the six sync events of spec 004 also go to its pub/sub channel. */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  readonly streamKey: string;
  readonly channel: string;
  private readonly redis: Redis;
  private readonly subscribers = new Set<Redis>();

  constructor(private readonly options: RedisBusOptions) {
    this.streamKey = `${options.keyPrefix}${options.stream}`;
    this.channel = `${options.keyPrefix}${SYNC_EVENTS_CHANNEL}`;
    this.redis = new Redis(options.url, redisClientOptions());
  }

  /** One round trip per call however many events it carries; any rejected command fails the whole call so the activity retries it. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const event of events) {
      const json = JSON.stringify(event);
      pipeline.xadd(this.streamKey, 'MAXLEN', '~', this.options.streamMaxLen, '*', 'id', event.id, 'type', event.type, 'event', json);
      if (syncChannelTypes.has(event.type)) pipeline.publish(this.channel, json);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`Redis rejected the publish: ${failed?.[0]?.message ?? 'no reply'}`);
  }

  async subscribe(listener: EventListener): Promise<() => Promise<void>> {
    const sub = this.redis.duplicate();
    this.subscribers.add(sub);
    sub.on('message', (_channel: string, message: string) => {
      try {
        listener(JSON.parse(message) as EventEnvelope);
      } catch {
        // a malformed message on a shared channel is not ours to crash on
      }
    });
    await sub.subscribe(this.channel);
    return async () => {
      this.subscribers.delete(sub);
      await sub.quit().catch(() => sub.disconnect());
    };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscribers].map((s) => s.quit().catch(() => s.disconnect())));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Fail fast when Redis is down: a publish must error (and the activity retry) rather than wait in an offline queue. */
export function redisClientOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
}
