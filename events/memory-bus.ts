import { EventEmitter } from 'node:events';
import { metrics } from '../observability/metrics';
import type { EventBus, EventListener } from './bus';
import { syncChannelTypes } from './catalogue';
import type { EventEnvelope } from './envelope';

/** The fallback of spec 004 when Redis is not configured: only this process's subscribers see the six sync events, as on the Redis channel. */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** Kept for tests and the benchmark; bounded so a long-running process does not grow without end. */
  readonly recent: EventEnvelope[] = [];

  constructor(private readonly keep = 10_000) {}

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      this.recent.push(event);
      if (syncChannelTypes.has(event.type)) this.emitter.emit('event', event);
    }
    if (this.recent.length > this.keep) this.recent.splice(0, this.recent.length - this.keep);
    metrics.eventsPublished.inc({ bus: 'memory' }, events.length);
  }

  async subscribe(listener: EventListener): Promise<() => Promise<void>> {
    this.emitter.on('event', listener);
    return async () => {
      this.emitter.off('event', listener);
    };
  }

  async liveEventsAfter(eventId: string): Promise<EventEnvelope[] | undefined> {
    const index = this.recent.findIndex((e) => e.id === eventId);
    return index < 0 ? undefined : this.recent.slice(index + 1).filter((e) => syncChannelTypes.has(e.type));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
