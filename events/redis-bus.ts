import type Redis from 'ioredis';
import { redisClient } from '../store/redis';
import { metrics } from '../observability/metrics';
import type { EventBus, LiveEntry, LiveListener } from './bus';
import { SYNC_EVENTS_CHANNEL, syncChannelTypes } from './catalogue';
import { createEvent, type EventEnvelope } from './envelope';
import { compareFeedPositions, isFeedPosition } from './feed-position';

export interface RedisBusOptions {
  url: string;
  /** Prepended to the stream and channel names; empty in production, one per test file. */
  keyPrefix: string;
  stream: string;
  /**
   * Hard cap of the stream (EVENT_STREAM_MAXLEN). Below it, trimStream removes only what every consumer group has
   * acknowledged (or, with no group, what is older than `retentionMs`); past it, unread entries go too, counted.
   */
  streamMaxLen: number;
  /** EVENT_STREAM_RETENTION: how long entries stay when no consumer group reads the stream. */
  retentionMs?: number;
  /** Sync events the live feed keeps: how far back an SSE client can resume (SSE_RESUME_WINDOW). */
  liveFeedMaxLen: number;
}


// Trimmed by trimStream (the workers' relay loop), by what consumers have read, not here by length.
// KEYS: stream, live feed. ARGV: channel, live feed cap, then per event: id, type, JSON, 1 when a sync event.
const PUBLISH_EVENTS = `
for i = 3, #ARGV, 4 do
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[i], 'type', ARGV[i + 1], 'event', ARGV[i + 2])
  if ARGV[i + 3] == '1' then
    redis.call('PUBLISH', ARGV[1], ARGV[i + 2])
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[i + 2])
  end
end
return #ARGV
`;

type PublishingRedis = Redis & { publishEvents(stream: string, feed: string, ...args: string[]): Promise<number> };

interface FeedReader {
  client: Redis;
  stopped: boolean;
}

function parseFeedEvent(fields: string[]): EventEnvelope | undefined {
  try {
    return JSON.parse(fields[fields.indexOf('event') + 1]!) as EventEnvelope;
  } catch {
    return undefined; // a malformed entry on a shared feed is not ours to crash on
  }
}

/**
 * Every event goes to a capped stream (for consumers that must not miss one); the six sync events of spec 004 also go
 * to its pub/sub channel and to the live feed, a short stream the SSE route reads and resumes from by position.
 */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  readonly streamKey: string;
  readonly channel: string;
  private readonly redis: PublishingRedis;
  /** Stream of the six sync events alone, capped at `liveFeedMaxLen`: what SSE clients read and resume from. */
  readonly feedKey: string;
  /** Redis CLIENT LIST shows each process's one live-feed reader under this name. */
  readonly feedReaderName: string;
  private readonly listeners = new Set<LiveListener>();
  private reader: Promise<FeedReader> | undefined;

  constructor(private readonly options: RedisBusOptions) {
    this.streamKey = `${options.keyPrefix}${options.stream}`;
    this.channel = `${options.keyPrefix}${SYNC_EVENTS_CHANNEL}`;
    this.feedKey = `${this.streamKey}:live`;
    this.feedReaderName = `${options.keyPrefix}live-feed-reader`.replace(/[^\w:.-]/g, '_');
    const redis = redisClient(options.url);
    redis.defineCommand('publishEvents', { numberOfKeys: 2, lua: PUBLISH_EVENTS });
    this.redis = redis as PublishingRedis;
  }

  /**
   * One round trip per call however many events it carries, each event's JSON sent once (the script writes it to the
   * stream, and a sync event also to the channel and the live feed); atomic, and any error fails the whole call so
   * the activity retries it.
   */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const args: string[] = [this.channel, String(this.options.liveFeedMaxLen)];
    for (const event of events) args.push(event.id, event.type, JSON.stringify(event), syncChannelTypes.has(event.type) ? '1' : '0');
    await this.redis.publishEvents(this.streamKey, this.feedKey, ...args).catch((err: unknown) => {
      metrics.publishFailures.inc({ bus: 'redis' });
      throw new Error(`Redis rejected the publish: ${err instanceof Error ? err.message : String(err)}`);
    });
    metrics.eventsPublished.inc({ bus: 'redis' }, events.length);
  }

  async subscribe(listener: LiveListener): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    try {
      await (this.reader ??= this.startReader());
    } catch (err) {
      this.listeners.delete(listener);
      throw err;
    }
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopReader();
    };
  }

  /**
   * The process's one reader of the live feed, fanned out to every listener. It starts at the feed's current end (so
   * whatever is published once `subscribe` resolves is delivered) and, after an outage, goes on from the last entry
   * it saw: nothing the feed still holds is skipped.
   */
  private async startReader(): Promise<FeedReader> {
    const client = redisClient(this.options.url, { connectionName: this.feedReaderName });
    try {
      const [last] = await client.xrevrange(this.feedKey, '+', '-', 'COUNT', 1);
      const reader: FeedReader = { client, stopped: false };
      void this.readFeed(reader, last?.[0] ?? '0-0');
      return reader;
    } catch (err) {
      // Not left reconnecting in the background for a reader nobody holds.
      client.disconnect();
      this.reader = undefined;
      throw err;
    }
  }

  private async readFeed(reader: FeedReader, from: string): Promise<void> {
    let position = from;
    while (!reader.stopped) {
      try {
        const answer = await reader.client.xread('COUNT', 500, 'BLOCK', 5_000, 'STREAMS', this.feedKey, position);
        for (const [id, fields] of answer?.[0]?.[1] ?? []) {
          position = id;
          const event = parseFeedEvent(fields);
          if (event) for (const listener of this.listeners) listener({ position: id, event });
        }
      } catch {
        if (!reader.stopped) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private stopReader(): void {
    const reader = this.reader;
    this.reader = undefined;
    void reader?.then(
      (r) => {
        r.stopped = true;
        r.client.disconnect();
      },
      () => undefined,
    );
  }

  async liveEventsAfter(position: string, wanted: (event: EventEnvelope) => boolean): Promise<LiveEntry[] | undefined> {
    if (!isFeedPosition(position)) return undefined;
    // The feed is capped, so this reads at most its length, whatever the client sent.
    const [first] = await this.redis.xrange(this.feedKey, position, '+', 'COUNT', 1);
    if (first?.[0] !== position) return undefined;
    const after: LiveEntry[] = [];
    let start = `(${position}`;
    for (let read = 0; read <= this.options.liveFeedMaxLen; ) {
      const batch = await this.redis.xrange(this.feedKey, start, '+', 'COUNT', 1_000);
      for (const [id, fields] of batch) {
        const event = parseFeedEvent(fields);
        if (event && wanted(event)) after.push({ position: id, event });
      }
      if (batch.length < 1_000) break;
      read += batch.length;
      start = `(${batch[batch.length - 1]![0]}`;
    }
    return after;
  }

  /**
   * Removes the entries every consumer group has acknowledged (up to the oldest one still pending, or last delivered,
   * of the slowest group), or with no group those older than the retention; then, if the stream is still longer than
   * its hard cap, the oldest entries down to it, unread as they are. Returns both counts.
   */
  async trimStream(): Promise<{ trimmed: number; unreadDropped: number }> {
    const done = await this.acknowledgedUpTo();
    if (done === null) return { trimmed: 0, unreadDropped: 0 };
    const trimmed = Number(await this.redis.xtrim(this.streamKey, 'MINID', done.position));
    const overCap = Number(await this.redis.xtrim(this.streamKey, 'MAXLEN', this.options.streamMaxLen));
    // Past the cap, what goes is unread only when a group reads the stream; with none it is just old.
    const unreadDropped = done.readers ? overCap : 0;
    if (unreadDropped > 0) {
      metrics.eventsTrimmedUnread.inc(unreadDropped);
      await this.publish([createEvent('integration.events.trimmed', { stream: this.streamKey, unreadDropped, maxLength: this.options.streamMaxLen, trimmedAt: new Date().toISOString() })]);
    }
    return { trimmed: trimmed + (done.readers ? 0 : overCap), unreadDropped };
  }

  /** The stream position below which every group is done (readers: whether any group reads); null before the stream exists. */
  private async acknowledgedUpTo(): Promise<{ position: string; readers: boolean } | null> {
    let groups: unknown[];
    try {
      groups = (await this.redis.xinfo('GROUPS', this.streamKey)) as unknown[];
    } catch (err) {
      if (/no such key/i.test(String(err))) return null;
      throw err;
    }
    if (groups.length === 0) return { position: `${Date.now() - (this.options.retentionMs ?? 3_600_000)}-0`, readers: false };
    const positions: string[] = [];
    for (const raw of groups) {
      const fields = raw as Array<string | number>;
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      if (Number(field('pending')) > 0) {
        const [, oldestPending] = (await this.redis.xpending(this.streamKey, String(field('name')))) as [number, string];
        positions.push(oldestPending);
      } else {
        positions.push(String(field('last-delivered-id')));
      }
    }
    return { position: positions.reduce((a, b) => (compareFeedPositions(a, b) <= 0 ? a : b)), readers: true };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.stopReader();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
