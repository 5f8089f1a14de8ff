import type { EventEnvelope } from './envelope';

export type EventListener = (event: EventEnvelope) => void;

/** Where events go. Both implementations resolve only once every event of the call is accepted, and reject otherwise. */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** Live events as they are published (the SSE feed); returns the unsubscribe function. */
  subscribe(listener: EventListener): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
