import { EventEmitter } from 'node:events';
import { metrics } from '../observability/metrics';
import type { EventBus, LiveEntry, LiveListener } from './bus';
import { syncChannelTypes } from './catalogue';
import type { EventEnvelope } from './envelope';
import { compareFeedPositions, isFeedPosition } from './feed-position';

/** The fallback of spec 004 when Redis is not configured: only this process's subscribers see the six sync events, as on the Redis channel. */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** Kept for tests and the benchmark; bounded so a long-running process does not grow without end. */
  readonly recent: EventEnvelope[] = [];
  private readonly feed: LiveEntry[] = [];
  private sequence = 0;

  constructor(private readonly keep = 10_000) {}

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      this.recent.push(event);
      if (!syncChannelTypes.has(event.type)) continue;
      const entry = { position: `0-${++this.sequence}`, event };
      this.feed.push(entry);
      this.emitter.emit('entry', entry);
    }
    if (this.recent.length > this.keep) this.recent.splice(0, this.recent.length - this.keep);
    if (this.feed.length > this.keep) this.feed.splice(0, this.feed.length - this.keep);
    metrics.eventsPublished.inc({ bus: 'memory' }, events.length);
  }

  async subscribe(listener: LiveListener): Promise<() => Promise<void>> {
    this.emitter.on('entry', listener);
    return async () => {
      this.emitter.off('entry', listener);
    };
  }

  async liveEventsAfter(position: string, wanted: (event: EventEnvelope) => boolean): Promise<LiveEntry[] | undefined> {
    if (!isFeedPosition(position)) return undefined;
    const index = this.feed.findIndex((entry) => compareFeedPositions(entry.position, position) === 0);
    return index < 0 ? undefined : this.feed.slice(index + 1).filter((entry) => wanted(entry.event));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
