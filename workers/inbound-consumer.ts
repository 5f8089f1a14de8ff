// Inbound events (spec 000's consumed types) from a Redis stream consumer group, turned into workflow starts.
// It sits with the workers, above the sync engine: it starts workflows, which the outbound bus in events/ must not.
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import { syncTriggerSchema } from '../contracts/sync';
import { createConnectorRegistry } from '../connectors/registry';
import type { Logger } from '../observability/logger';
import type { Db } from '../store/db';
import { startOrSignalSync } from '../temporal/sync-starter';
import { startTokenRefresh } from '../temporal/workflow-starters';
import type { EventEnvelope } from '../events/envelope';
import { redisClient } from '../store/redis';
import { InboundRefusal, readInboundMessage, type InboundCheckDeps } from './inbound-message';

export interface ConsumerOptions {
  redisUrl: string;
  stream: string;
  group: string;
  consumerName?: string;
  /** Messages left pending this long by a consumer that died are claimed by a live one. */
  claimIdleMs: number;
  blockMs: number;
  batchSize: number;
}

export class InboundEventConsumer {
  readonly deadLetterStream: string;
  private readonly redis: Redis;
  private readonly consumer: string;
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly options: ConsumerOptions,
    private readonly deps: InboundCheckDeps & { temporal: Client; taskQueue: string; logger: Logger },
  ) {
    this.deadLetterStream = `${options.stream}:dead`;
    this.consumer = options.consumerName ?? `${os.hostname()}-${process.pid}`;
    this.redis = redisClient(options.redisUrl, { maxRetriesPerRequest: null });
  }

  async start(): Promise<void> {
    await this.redis.xgroup('CREATE', this.options.stream, this.options.group, '0', 'MKSTREAM').catch((err: Error) => {
      if (!err.message.includes('BUSYGROUP')) throw err;
    });
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.redis.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { stream, group, batchSize, blockMs, claimIdleMs } = this.options;
    while (this.running) {
      try {
        // First what a dead consumer left behind, then new messages.
        const [, claimed] = (await this.redis.xautoclaim(stream, group, this.consumer, claimIdleMs, '0-0', 'COUNT', batchSize)) as [string, Array<[string, string[]]>];
        for (const [id, fields] of claimed) await this.handle(id, fields);
        const read = (await this.redis.xreadgroup('GROUP', group, this.consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', stream, '>')) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [, messages] of read ?? []) for (const [id, fields] of messages) await this.handle(id, fields);
      } catch (err) {
        if (!this.running) return;
        this.deps.logger.warn({ err }, 'inbound consumer: read failed, retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Acknowledged only once Temporal took the start; a message that cannot be valid goes to the dead-letter stream. */
  private async handle(id: string, fields: string[]): Promise<void> {
    let event: EventEnvelope;
    try {
      event = await readInboundMessage(fields, this.deps);
    } catch (err) {
      // Anything else (the database unreachable) leaves it pending, to be tried again.
      if (!(err instanceof InboundRefusal)) throw err;
      await this.redis.pipeline().xadd(this.deadLetterStream, '*', 'reason', err.message, 'messageId', id, ...fields).xack(this.options.stream, this.options.group, id).exec();
      this.deps.logger.warn({ messageId: id, reason: err.message }, 'inbound consumer: message dead-lettered');
      return;
    }
    try {
      await this.dispatch(event);
    } catch (err) {
      // Left pending: this consumer or another one claims it again after claimIdleMs.
      this.deps.logger.warn({ err, messageId: id, type: event.type }, 'inbound consumer: start failed, will retry');
      return;
    }
    await this.redis.xack(this.options.stream, this.options.group, id);
  }

  private async dispatch(event: EventEnvelope): Promise<void> {
    const { temporal, taskQueue } = this.deps;
    const correlationId = event.correlationId ?? event.id;
    if (event.type === 'integration.sync.scheduled') {
      const data = event.data as EventEnvelope<'integration.sync.scheduled'>['data'];
      const trigger = syncTriggerSchema.parse(data.trigger);
      // A future scheduledAt starts the sync then (Temporal's start delay), not now.
      await startOrSignalSync(temporal, taskQueue, { integrationId: data.integrationId, tenantId: data.tenantId, trigger, mode: 'incremental', correlationId }, { startAt: new Date(data.scheduledAt) });
    } else if (event.type === 'integration.webhook.received') {
      const data = event.data as EventEnvelope<'integration.webhook.received'>['data'];
      await startOrSignalSync(temporal, taskQueue, {
        integrationId: data.integrationId,
        tenantId: data.tenantId,
        trigger: 'webhook',
        mode: 'incremental',
        correlationId,
        ...(data.entityType ? { entityTypes: [data.entityType] } : {}),
        ...(data.filters ? { filters: data.filters } : {}),
      });
    } else if (event.type === 'integration.token.refresh-requested') {
      const data = event.data as EventEnvelope<'integration.token.refresh-requested'>['data'];
      await startTokenRefresh(temporal, taskQueue, { connectionId: data.connectionId, requestedAt: data.requestedAt, refreshBefore: data.expiresAt }, data.tenantId);
    }
  }
}

/** The consumer of INBOUND_STREAM as the environment configures it (workers run it, and `npm run consumer`). */
export function createInboundConsumer(
  env: { REDIS_URL: string; REDIS_KEY_PREFIX: string; INBOUND_STREAM: string; INBOUND_CONSUMER_GROUP: string; TASK_QUEUE: string },
  deps: { temporal: Client; db: Db; logger: Logger },
): InboundEventConsumer {
  const connectors = createConnectorRegistry();
  return new InboundEventConsumer(
    { redisUrl: env.REDIS_URL, stream: `${env.REDIS_KEY_PREFIX}${env.INBOUND_STREAM}`, group: env.INBOUND_CONSUMER_GROUP, claimIdleMs: 30_000, blockMs: 5_000, batchSize: 50 },
    { ...deps, connectors, taskQueue: env.TASK_QUEUE },
  );
}
