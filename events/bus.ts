import type { EventEnvelope } from './envelope';

export type EventListener = (event: EventEnvelope) => void;

/** Where events go. Both implementations resolve only once every event of the call is accepted, and reject otherwise. */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** Live events as they are published (the SSE feed); returns the unsubscribe function. */
  subscribe(listener: EventListener): Promise<() => Promise<void>>;
  /**
   * The live-feed events published after the one with `eventId`, oldest first, for an SSE client resuming with
   * Last-Event-ID; undefined when that event is no longer kept.
   */
  liveEventsAfter(eventId: string): Promise<EventEnvelope[] | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
