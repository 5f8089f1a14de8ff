import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { syncInputSchema, syncWorkflowId, type SyncInput } from '../contracts/sync';
import { integrationSync } from './integration-sync';
import { tenantFairness } from '../contracts/fairness';
import { startAbandonedChildren } from './start-children';

const { publishCheckDue, claimDueIntegrations } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

export interface CheckDueSyncsInput {
  /** Back-pressure: at most this many syncs start per tick; the rest wait for the next one. */
  maxStarts?: number;
  /** Where the started syncs run; default: this workflow's task queue. */
  syncTaskQueue?: string;
}

export interface CheckDueSyncsResult {
  claimed: string[];
  started: string[];
  alreadyRunning: string[];
}

/** One tick of the due-sync check, run by the `integration-sync-check-due` schedule. */
export async function checkDueSyncs(input: CheckDueSyncsInput = {}): Promise<CheckDueSyncsResult> {
  const now = new Date().toISOString(); // workflow time: deterministic on replay
  await publishCheckDue({ timestamp: now });
  const due = await claimDueIntegrations({ now, limit: input.maxStarts ?? 100 });
  const children = await startAbandonedChildren(integrationSync, due, ({ integrationId, tenantId }) => {
    const sync = syncInputSchema.parse({ integrationId, tenantId, trigger: 'schedule', mode: 'incremental', correlationId: uuid4() } satisfies SyncInput);
    return { workflowId: syncWorkflowId(integrationId), args: [sync], priority: tenantFairness(tenantId), ...(input.syncTaskQueue ? { taskQueue: input.syncTaskQueue } : {}) };
  });
  return { claimed: due.map((d) => d.integrationId), ...children };
}
