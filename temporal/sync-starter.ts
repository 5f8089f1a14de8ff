// Starts a sync, or asks the running one for one more pass: the one path of the API, webhooks and the event consumer.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultOf } from '../config/env';
import { pickCounters, syncInputSchema, syncWorkflowId, type SyncInput, type SyncState } from '../contracts/sync';
import { getSyncStateQuery, integrationSync, requestSyncSignal } from '../workflows';
import { tenantFairness } from '../contracts/fairness';
import { signalWithStartOutcome } from './start-outcome';

export interface SyncStartResult {
  workflowId: string;
  syncTaskId: string | null;
  status: 'started' | 'coalesced';
}

/**
 * One round trip, whatever runs: a signal-with-start starts the sync, or asks the running one for one more pass
 * (coalesced there: any number of requests during a pass make one more pass). Temporal records it without a worker,
 * so the answer does not wait on one. The sync a call starts ignores the signal that came with it (it is that
 * request), so a fresh sync does not run a needless second pass.
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
  const delayMs = options.startAt ? options.startAt.getTime() - Date.now() : 0;
  const syncTaskId = randomUUID();
  const signalOrStart = () =>
    signalWithStartOutcome(() =>
      client.workflow.signalWithStart(integrationSync, {
        taskQueue,
        workflowId,
        priority: tenantFairness(input.tenantId),
        args: [syncInputSchema.parse({ ...input, syncTaskId })],
        signal: requestSyncSignal,
        signalArgs: [{ trigger: input.trigger, correlationId: input.correlationId, ...(input.entityTypes ? { entityTypes: input.entityTypes } : {}), startsSyncTaskId: syncTaskId }],
        ...(delayMs > 0 ? { startDelay: delayMs } : {}),
      }),
    );
  // Requests alike that arrive while this process is still asking share its round trip: they arrived before its
  // start or signal landed, so the sync or pass it asks for covers them (coalesced). A delayed start is never shared.
  const key = delayMs > 0 ? undefined : `${workflowId} ${JSON.stringify([input.mode, input.trigger, input.entityTypes, input.filters])}`;
  const shared = key ? inFlight.get(key) : undefined;
  if (shared) await shared;
  const started = !shared && (await share(key, signalOrStart));
  if (started) return { workflowId, syncTaskId, status: 'started' };
  const known = options.syncTaskIdOfRunning ? await querySyncState(client, workflowId, options.queryTimeoutMs ?? SYNC_QUERY_DEADLINE_MS) : null;
  return { workflowId, syncTaskId: known?.syncTaskId ?? null, status: 'coalesced' };
}

/** Whether each request in flight in this process started its sync, by what makes requests alike. */
const inFlight = new Map<string, Promise<boolean>>();

function share(key: string | undefined, call: () => Promise<boolean>): Promise<boolean> {
  if (!key) return call();
  const request = call().finally(() => inFlight.delete(key));
  inFlight.set(key, request);
  return request;
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
