// Starts a sync, or asks the running one for one more pass: the one path of the API, webhooks and the event consumer.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultOf } from '../config/env';
import { pickCounters, syncInputSchema, syncWorkflowId, type SyncInput, type SyncState } from '../contracts/sync';
import { getSyncStateQuery, integrationSync, requestSyncSignal } from '../workflows';

export interface SyncStartResult {
  workflowId: string;
  syncTaskId: string | null;
  status: 'started' | 'coalesced';
}

/**
 * Start first, signal when one is running: the answer says truthfully which happened, and a fresh sync does not
 * receive its own request as a signal (which would cost it a needless second pass).
 */
export async function startOrSignalSync(
  client: Client,
  taskQueue: string,
  input: Omit<SyncInput, 'syncTaskId'>,
  options: {
    /** Ask a running sync for its task id: a query, so a worker round trip; webhooks and the consumer do without. */
    syncTaskIdOfRunning?: boolean;
    /**
     * Start no earlier than this (Temporal's start delay). While one runs, the request becomes its extra pass as any
     * other does: the running sync fetches everything changed up to then anyway.
     */
    startAt?: Date;
    /** How long a running sync's worker has to answer a query (API_SYNC_QUERY_TIMEOUT). */
    queryTimeoutMs?: number;
  } = {},
): Promise<SyncStartResult> {
  const workflowId = syncWorkflowId(input.integrationId);
  const queryTimeoutMs = options.queryTimeoutMs ?? SYNC_QUERY_DEADLINE_MS;
  const delayMs = options.startAt ? options.startAt.getTime() - Date.now() : 0;
  for (let attempt = 0; ; attempt++) {
    const syncTaskId = randomUUID();
    try {
      await client.workflow.start(integrationSync, { taskQueue, workflowId, args: [syncInputSchema.parse({ ...input, syncTaskId })], ...(delayMs > 0 ? { startDelay: delayMs } : {}) });
      return { workflowId, syncTaskId, status: 'started' };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    try {
      const entityType = input.entityTypes?.[0];
      let state: SyncState | null = null;
      if (entityType) await requestPass(client, workflowId, input, entityType);
      else state = await requestPassForAll(client, workflowId, input, queryTimeoutMs);
      const known = state ?? (options.syncTaskIdOfRunning ? await querySyncState(client, workflowId, queryTimeoutMs) : null);
      return { workflowId, syncTaskId: options.syncTaskIdOfRunning ? (known?.syncTaskId ?? null) : null, status: 'coalesced' };
    } catch (err) {
      // It finished between the start and the signal: start a new one.
      if (!(err instanceof WorkflowNotFoundError) || attempt >= 2) throw err;
    }
  }
}

/**
 * A query needs a worker to answer it; with none polling the task queue Temporal would hold the call open for as
 * long as the client waits. Past the timeout the state is unknown (null) and callers go on without it.
 */
export const SYNC_QUERY_DEADLINE_MS = defaultOf('API_SYNC_QUERY_TIMEOUT');

function querySyncState(client: Client, workflowId: string, timeoutMs: number): Promise<SyncState | null> {
  return client
    .withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).query(getSyncStateQuery))
    // A worker of an older release answers without the counters added since: they read as 0.
    .then((state) => ({ ...state, ...pickCounters(state) }))
    .catch(() => null);
}

/**
 * Whether the integration's sync runs, and its live state when its worker answers in time (null otherwise).
 */
export async function runningSyncState(client: Client, integrationId: string, queryTimeoutMs = SYNC_QUERY_DEADLINE_MS): Promise<{ running: boolean; state: SyncState | null }> {
  try {
    const handle = client.workflow.getHandle(syncWorkflowId(integrationId));
    if ((await handle.describe()).status.name !== 'RUNNING') return { running: false, state: null };
    return { running: true, state: await querySyncState(client, handle.workflowId, queryTimeoutMs) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { running: false, state: null };
    throw err;
  }
}

/** Asks the integration's running sync to stop (at a page boundary); false when none is running. */
export async function cancelRunningSync(client: Client, integrationId: string): Promise<boolean> {
  const handle = client.workflow.getHandle(syncWorkflowId(integrationId));
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    await handle.cancel();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * One more pass of everything. A query costs no history event, a signal does: a pass already pending covers the
 * request, and requests arriving while this process is still asking share that one round trip (they arrived before
 * its signal landed, so its pass covers them). A storm of webhooks during a long sync adds a handful of events.
 */
const inFlight = new Map<string, Promise<SyncState | null>>();

function requestPassForAll(client: Client, workflowId: string, input: Omit<SyncInput, 'syncTaskId'>, queryTimeoutMs: number): Promise<SyncState | null> {
  const running = inFlight.get(workflowId);
  if (running) return running;
  const request = (async () => {
    const state = await querySyncState(client, workflowId, queryTimeoutMs);
    if (!state || state.pendingPasses === 0) await requestPass(client, workflowId, input);
    return state;
  })().finally(() => inFlight.delete(workflowId));
  inFlight.set(workflowId, request);
  return request;
}

async function requestPass(client: Client, workflowId: string, input: Omit<SyncInput, 'syncTaskId'>, entityType?: string): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(requestSyncSignal, { trigger: input.trigger, correlationId: input.correlationId, ...(entityType ? { entityType } : {}) });
}
