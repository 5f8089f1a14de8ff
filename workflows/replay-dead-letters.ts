import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_FAILURES } from '../contracts/failures';
import type { SyncCounters } from '../contracts/sync';

const { replayDeadLetters: replay } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
});

export const deadLetterReplayWorkflowId = (integrationId: string) => `dead-letters:${integrationId}`;

export interface ReplayDeadLettersInput {
  integrationId: string;
  tenantId: string;
  correlationId: string;
  limit?: number;
}

/** Re-maps an integration's dead-lettered records (workflow ID `dead-letters:<integrationId>`). */
export async function replayDeadLetters(input: ReplayDeadLettersInput): Promise<SyncCounters & { syncTaskId: string }> {
  const syncTaskId = `replay-${uuid4()}`;
  const counters = await replay({ ...input, syncTaskId, limit: input.limit ?? 1_000 });
  return { ...counters, syncTaskId };
}
