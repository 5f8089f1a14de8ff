import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { publishCheckDue, claimDueIntegrations } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

export interface CheckDueSyncsInput {
  /** Back-pressure: at most this many syncs start per tick; the rest wait for the next one. */
  maxStarts?: number;
}

export interface CheckDueSyncsResult {
  claimed: string[];
}

/** One tick of the due-sync check, run by the `integration-sync-check-due` schedule. */
export async function checkDueSyncs(input: CheckDueSyncsInput = {}): Promise<CheckDueSyncsResult> {
  const now = new Date().toISOString(); // workflow time: deterministic on replay
  await publishCheckDue({ timestamp: now });
  const due = await claimDueIntegrations({ now, limit: input.maxStarts ?? 100 });
  return { claimed: due.map((d) => d.integrationId) };
}
