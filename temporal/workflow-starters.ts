// Starts of the one-per-key workflows other than the sync (see sync-starter.ts): callers outside workflows/ start
// them through here, so they need neither the workflow functions nor their id schemes.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { tenantFairness } from '../contracts/fairness';
import { deadLetterReplayWorkflowId, replayDeadLetters, type ReplayDeadLettersInput } from '../workflows/replay-dead-letters';
import { refreshConnection, tokenRefreshWorkflowId, type RefreshConnectionInput } from '../workflows/refresh-connection';

export interface StartResult {
  workflowId: string;
  /** False when one with that id was already running (that one does the work). */
  started: boolean;
}

async function startOnce(start: () => Promise<unknown>, workflowId: string): Promise<StartResult> {
  try {
    await start();
    return { workflowId, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { workflowId, started: false };
  }
}

/** One replay of an integration's dead letters at a time. */
export function startDeadLetterReplay(client: Client, taskQueue: string, input: ReplayDeadLettersInput): Promise<StartResult> {
  const workflowId = deadLetterReplayWorkflowId(input.integrationId);
  return startOnce(() => client.workflow.start(replayDeadLetters, { taskQueue, workflowId, priority: tenantFairness(input.tenantId), args: [input] }), workflowId);
}

/** One refresh of a connection at a time. */
export function startTokenRefresh(client: Client, taskQueue: string, input: RefreshConnectionInput, tenantId: string): Promise<StartResult> {
  const workflowId = tokenRefreshWorkflowId(input.connectionId);
  return startOnce(() => client.workflow.start(refreshConnection, { taskQueue, workflowId, priority: tenantFairness(tenantId), args: [input] }), workflowId);
}
