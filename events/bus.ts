import type { EventEnvelope } from './envelope';

/** One of the six sync events of spec 004 as the live feed carries it; `position` orders the feed and resumes it. */
export interface LiveEntry {
  position: string;
  event: EventEnvelope;
}

export type LiveListener = (entry: LiveEntry) => void;

/** Where events go. Both implementations resolve only once every event of the call is accepted, and reject otherwise. */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /**
   * Live-feed entries as they are published (the SSE feed). A process holds one feed reader however many listeners it
   * has; it resolves once listening (rejects when the bus is unreachable) and returns the unsubscribe function.
   */
  subscribe(listener: LiveListener): Promise<() => Promise<void>>;
  /**
   * The `wanted` live-feed entries after `position`, oldest first, for an SSE client resuming with Last-Event-ID;
   * undefined when that position is not in the feed (unknown, or older than the feed keeps).
   */
  liveEventsAfter(position: string, wanted: (event: EventEnvelope) => boolean): Promise<LiveEntry[] | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
