import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ExpiringConnection } from '../store/connections';
import { refreshConnection, tokenRefreshWorkflowId } from './refresh-connection';
import { tenantFairness } from '../contracts/fairness';
import { startAbandonedChildren } from './start-children';

const { publishCheckExpiring, listExpiringConnections } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

export interface TokenRefreshSweepInput {
  /** The sweep's own interval: tokens expiring before the next sweep (plus the margin) are refreshed now. */
  intervalMs: number;
  marginMs: number;
  pageSize?: number;
}

/** Run by the `integration-token-refresh` schedule: one refreshConnection child per expiring OAuth connection. */
export async function tokenRefreshSweep(input: TokenRefreshSweepInput): Promise<{ started: string[]; alreadyRunning: string[] }> {
  const now = new Date();
  const timestamp = now.toISOString();
  const thresholdTime = new Date(now.getTime() + input.intervalMs + input.marginMs).toISOString();
  await publishCheckExpiring({ timestamp, thresholdTime });
  const result = { started: [] as string[], alreadyRunning: [] as string[] };
  let afterId: string | null = null;
  for (;;) {
    const page: ExpiringConnection[] = await listExpiringConnections({ threshold: thresholdTime, afterId, limit: input.pageSize ?? 500 });
    const children = await startAbandonedChildren(refreshConnection, page, ({ connectionId, tenantId }) => ({
      workflowId: tokenRefreshWorkflowId(connectionId),
      priority: tenantFairness(tenantId),
      // Everything it selected is refreshed now: a token expiring before the next sweep must not wait for it.
      args: [{ connectionId, requestedAt: timestamp, refreshBefore: thresholdTime }],
    }));
    result.started.push(...children.started);
    result.alreadyRunning.push(...children.alreadyRunning);
    if (page.length < (input.pageSize ?? 500)) break;
    afterId = page[page.length - 1]!.connectionId;
  }
  return result;
}
