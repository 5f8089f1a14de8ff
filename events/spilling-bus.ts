// Redis publishing that never holds a sync up: while Redis answers, events go straight to it (one PostgreSQL probe
// per publish call, not per record, checks nothing of theirs is still waiting); when it does not, they go to the
// outbox table and the call succeeds. A relay in every worker delivers the outbox once Redis is back, oldest first
// per integration, with the same event ids, so consumers' de-duplication keeps working.
import type { Logger } from '../observability/logger';
import { metrics } from '../observability/metrics';
import type { Db } from '../store/db';
import { RedisPause } from '../store/redis';
import { appendToOutbox, deliverFromOutbox, hasOutboxEvents, orderKeyOf, outboxBacklog, outboxOrderKeys } from '../store/event-outbox';
import type { EventBus, LiveEntry, LiveListener } from './bus';
import type { EventEnvelope } from './envelope';
import type { RedisEventBus } from './redis-bus';

const RELAY_BATCH = 500;

export class SpillingEventBus implements EventBus {
  readonly kind: EventBus['kind'];
  private relay: { stop(): Promise<void> } | undefined;
  private readonly redisPause = new RedisPause();

  constructor(
    private readonly redis: RedisEventBus,
    private readonly db: Db,
  ) {
    this.kind = redis.kind;
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    // Behind events of the same integration still waiting, so nothing overtakes them.
    if (await hasOutboxEvents(this.db, [...new Set(events.map(orderKeyOf))])) return this.spill(events);
    // Just refused: spill at once (the relay ends the pause when Redis takes events again).
    if (this.redisPause.active) return this.spill(events);
    try {
      await this.redis.publish(events);
    } catch {
      this.redisPause.start();
      await this.spill(events);
    }
  }

  private async spill(events: readonly EventEnvelope[]): Promise<void> {
    await appendToOutbox(this.db, events);
    metrics.eventsSpilled.inc(events.length);
  }

  /** Delivers what waits until nothing does or Redis refuses; returns how many events went out. */
  async relayOnce(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const keys = await outboxOrderKeys(this.db, 20);
      let round = 0;
      for (const key of keys) round += await deliverFromOutbox(this.db, key, RELAY_BATCH, (events) => this.redis.publish(events));
      if (round > 0) this.redisPause.end();
      delivered += round;
      if (round === 0) return delivered;
    }
  }

  /**
   * The relay loop of a worker: every `intervalMs`, deliver what waits, report the backlog's depth and age, and trim
   * the stream of what its readers are done with (RedisEventBus.trimStream).
   */
  startRelay(logger: Logger, intervalMs = 1_000): void {
    if (this.relay) return;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = async () => {
      try {
        const delivered = await this.relayOnce();
        if (delivered > 0) logger.info({ delivered }, 'delivered events held while Redis was unreachable');
        const { unreadDropped } = await this.redis.trimStream();
        if (unreadDropped > 0) logger.error({ unreadDropped }, 'event stream at its hard cap (EVENT_STREAM_MAXLEN): entries a consumer group had not read were trimmed');
      } catch (err) {
        logger.debug({ err }, 'event relay: Redis still unreachable');
      }
      try {
        const { events, oldestAt } = await outboxBacklog(this.db);
        metrics.outboxEvents.set(events);
        metrics.outboxOldestAgeSeconds.set(oldestAt ? (Date.now() - oldestAt.getTime()) / 1000 : 0);
      } catch {
        // PostgreSQL away too: the next tick tries again
      }
      if (!stopped) timer = setTimeout(() => (running = tick()), intervalMs);
    };
    timer = setTimeout(() => (running = tick()), 0);
    this.relay = {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  }

  subscribe(listener: LiveListener): Promise<() => Promise<void>> {
    return this.redis.subscribe(listener);
  }

  liveEventsAfter(position: string, wanted: (event: EventEnvelope) => boolean): Promise<LiveEntry[] | undefined> {
    return this.redis.liveEventsAfter(position, wanted);
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  async close(): Promise<void> {
    await this.relay?.stop();
    await this.redis.close();
  }
}
