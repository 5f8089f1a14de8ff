import type { Client } from '@temporalio/client';
import { InboundEventConsumer } from '../events/consumer';
import type { Logger } from '../observability/logger';
import type { Db } from '../store/db';

export function createInboundConsumer(
  env: { REDIS_URL: string; REDIS_KEY_PREFIX: string; INBOUND_STREAM: string; INBOUND_CONSUMER_GROUP: string; TASK_QUEUE: string },
  deps: { temporal: Client; db: Db; logger: Logger },
): InboundEventConsumer {
  return new InboundEventConsumer(
    { redisUrl: env.REDIS_URL, stream: `${env.REDIS_KEY_PREFIX}${env.INBOUND_STREAM}`, group: env.INBOUND_CONSUMER_GROUP, claimIdleMs: 30_000, blockMs: 5_000, batchSize: 50 },
    { ...deps, taskQueue: env.TASK_QUEUE },
  );
}
