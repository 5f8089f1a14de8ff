import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { pruneWebhookDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

export interface HousekeepingInput {
  /** Webhook deliveries older than this are forgotten: long past any provider's redelivery window. */
  webhookDeliveryRetentionMs: number;
  batchSize?: number;
}

/** Run by the `integration-housekeeping` schedule: removes what is no longer needed so tables stay bounded. */
export async function housekeeping(input: HousekeepingInput): Promise<{ webhookDeliveriesDeleted: number }> {
  const receivedBefore = new Date(Date.now() - input.webhookDeliveryRetentionMs).toISOString(); // workflow time
  const webhookDeliveriesDeleted = await pruneWebhookDeliveries({ receivedBefore, batchSize: input.batchSize ?? 10_000 });
  return { webhookDeliveriesDeleted };
}
