import type Redis from 'ioredis';
import { redisClient } from '../store/redis';
import { metrics } from '../observability/metrics';
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
    this.redis = redisClient(options.url);
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
    const results = await pipeline.exec().catch((err: unknown) => {
      metrics.publishFailures.inc({ bus: 'redis' });
      throw err;
    });
    const failed = results?.find(([err]) => err);
    if (!results || failed) {
      metrics.publishFailures.inc({ bus: 'redis' });
      throw new Error(`Redis rejected the publish: ${failed?.[0]?.message ?? 'no reply'}`);
    }
    metrics.eventsPublished.inc({ bus: 'redis' }, events.length);
  }

  async subscribe(listener: EventListener): Promise<() => Promise<void>> {
    const sub = redisClient(this.options.url);
    this.subscribers.add(sub);
    sub.on('message', (_channel: string, message: string) => {
      try {
        listener(JSON.parse(message) as EventEnvelope);
      } catch {
        // a malformed message on a shared channel is not ours to crash on
      }
    });
    await sub.subscribe(this.channel).catch((err: unknown) => {
      // Not left reconnecting in the background for a subscriber nobody holds.
      this.subscribers.delete(sub);
      sub.disconnect();
      throw err;
    });
    return async () => {
      this.subscribers.delete(sub);
      await sub.quit().catch(() => sub.disconnect());
    };
  }

  async liveEventsAfter(eventId: string): Promise<EventEnvelope[] | undefined> {
    // Walk the capped stream backwards to the entry of that event, then read forward from it.
    let end = '+';
    let entryId: string | undefined;
    for (let scanned = 0; !entryId && scanned < this.options.streamMaxLen; ) {
      const batch = await this.redis.xrevrange(this.streamKey, end, '-', 'COUNT', 1_000);
      if (batch.length === 0) break;
      for (const [id, fields] of batch) {
        if (fields[fields.indexOf('id') + 1] === eventId) {
          entryId = id;
          break;
        }
      }
      scanned += batch.length;
      end = `(${batch[batch.length - 1]![0]}`;
    }
    if (!entryId) return undefined;
    const after: EventEnvelope[] = [];
    let start = `(${entryId}`;
    for (;;) {
      const batch = await this.redis.xrange(this.streamKey, start, '+', 'COUNT', 1_000);
      for (const [, fields] of batch) {
        const type = fields[fields.indexOf('type') + 1] as EventEnvelope['type'];
        if (syncChannelTypes.has(type)) after.push(JSON.parse(fields[fields.indexOf('event') + 1]!) as EventEnvelope);
      }
      if (batch.length < 1_000) return after;
      start = `(${batch[batch.length - 1]![0]}`;
    }
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscribers].map((s) => s.quit().catch(() => s.disconnect())));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
