import { createEvent } from '../events/envelope';
import { metrics } from '../observability/metrics';
import { findConnectionOwner, listExpiringConnections, setConnectionStatus, type ExpiringConnection } from '../store/connections';
import type { ActivityDeps } from './deps';
import { publishRefreshFailed, refreshConnectionTokens, type RefreshOutcome } from './token-refresh';

export function createTokenActivities(deps: ActivityDeps) {
  const { db, bus, clock } = deps;
  return {
    async publishCheckExpiring(input: { timestamp: string; thresholdTime: string }): Promise<void> {
      await bus.publish([createEvent('integration.token.check-expiring', input, { idempotencyKey: input.timestamp })]);
    },

    async listExpiringConnections(input: { threshold: string; afterId: string | null; limit: number }): Promise<ExpiringConnection[]> {
      return listExpiringConnections(db, input.threshold, input.afterId, input.limit);
    },

    /** Refreshes through the single-flight path; the workflow carries only the connection id, never a token. */
    async refreshConnectionToken(input: { connectionId: string; requestedAt: string; refreshBefore?: string }): Promise<RefreshOutcome> {
      const outcome = await refreshConnectionTokens(deps, input).catch((err: unknown) => {
        metrics.tokenRefreshes.inc({ outcome: 'error' });
        throw err;
      });
      metrics.tokenRefreshes.inc({ outcome });
      return outcome;
    },

    /** After the last retry of a transient failure: the connection is marked and the failure announced. */
    async markRefreshFailing(input: { connectionId: string; error: string; requestedAt?: string }): Promise<void> {
      const owner = await findConnectionOwner(db, input.connectionId);
      if (!owner) return;
      await setConnectionStatus(db, input.connectionId, 'refresh_failing', input.error);
      const failedAt = clock();
      // Histories from before requestedAt was passed have none: the failure time keys them as it used to.
      await publishRefreshFailed(deps, { connectionId: input.connectionId, ...owner, error: input.error, requestedAt: input.requestedAt ?? failedAt.toISOString(), failedAt });
    },
  };
}
