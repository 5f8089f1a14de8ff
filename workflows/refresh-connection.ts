import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RefreshOutcome } from '../activities/token-refresh';
import { NON_RETRYABLE_FAILURES } from '../contracts/failures';

const { refreshConnectionToken } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  // Transient token-endpoint failures (5xx, timeout, 429) get a bounded number of tries.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
});
const { markRefreshFailing } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } });

export const tokenRefreshWorkflowId = (connectionId: string) => `token-refresh:${connectionId}`;

export interface RefreshConnectionInput {
  connectionId: string;
  /** When the refresh was asked for (sweep tick or request); defaults to this workflow's start. */
  requestedAt?: string;
  /** Refresh a token expiring at or before this, even outside the margin: the sweep's threshold, or a request's expiresAt. */
  refreshBefore?: string;
}

/** One OAuth refresh of one connection (workflow ID `token-refresh:<connectionId>`). Carries the id only, never a token. */
export async function refreshConnection(input: RefreshConnectionInput): Promise<RefreshOutcome | 'refresh_failing'> {
  const requestedAt = input.requestedAt ?? new Date().toISOString();
  try {
    return await refreshConnectionToken({ connectionId: input.connectionId, requestedAt, ...(input.refreshBefore ? { refreshBefore: input.refreshBefore } : {}) });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    await markRefreshFailing({ connectionId: input.connectionId, error: cause?.message ?? err.message, requestedAt });
    return 'refresh_failing';
  }
}
