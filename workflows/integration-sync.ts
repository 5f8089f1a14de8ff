import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SyncPlan } from '../activities/sync';
import type { CompletedBulkExport } from '../connectors/types';
import { FailureType, NON_RETRYABLE_FAILURES } from '../contracts/failures';
import {
  addCounters,
  BULK_CHECK_FIRST_MS,
  DEFAULT_BULK_PARTS,
  DEFAULT_CHUNK_MAX_RECORDS,
  emptyCounters,
  nextBulkCheckWait,
  pickCounters,
  SYNC_QUERY,
  SYNC_SIGNAL,
  type RequestSyncInput,
  type SyncCounters,
  type SyncInput,
  type SyncMode,
  type SyncState,
} from '../contracts/sync';
import { IntegrationIdKey, ProviderKey, SyncStatusKey, SyncTriggerKey, TenantIdKey } from './search-attributes';

export const getSyncStateQuery = defineQuery<SyncState>(SYNC_QUERY);
export const requestSyncSignal = defineSignal<[RequestSyncInput?]>(SYNC_SIGNAL);

const DEFAULT_CHUNK_MAX_MILLIS = 60_000;
/** Syncs started before bulk exports existed replay without them. */
export const BULK_EXPORT_PATCH = 'bulk-export';
/** Syncs that read a bulk export before parts existed read it as one chain of chunks. */
export const BULK_PARTS_PATCH = 'bulk-parts';
/** Syncs started before it waited a zero-length timer for late signals before ending; they replay with it. */
export const NO_LATE_SIGNAL_TIMER_PATCH = 'no-late-signal-timer';
/** Syncs that waited for a bulk export while the wait between checks doubled (1 s, 2 s, 4 s … 30 s) replay with that schedule. */
export const BULK_CHECK_SOONER_PATCH = 'bulk-check-sooner';
const legacyBulkCheckWaits = { first: 1_000, next: (wait: number) => Math.min(wait * 2, 30_000) };
/** A large shop's bulk export can take hours; a day of waiting is about 3,000 checks (12,000 history events). */
const BULK_EXPORT_MAX_WAIT_MS = 24 * 3_600_000;
/** Well below Temporal's limits; continue-as-new also happens earlier when the server suggests it. */
const HISTORY_EVENTS_BOUND = 10_000;

/** What continue-as-new carries so the next run goes on exactly where this one stopped. */
export interface SyncCarry {
  baseSyncTaskId: string;
  pass: number;
  plan: SyncPlan | null;
  entityIndex: number;
  cursor: string | null;
  passCounters: SyncCounters;
  watermarks: Record<string, string>;
  state: SyncState;
  /** The entity types of the running pass (unset: the input's). */
  passEntityTypes?: string[] | undefined;
  /** What the requests for one more pass named so far (unset: none came; null: one named no entity type, so all). */
  nextPassEntityTypes?: string[] | null | undefined;
  /** The bulk export of the running entity type, while its parts are read. */
  bulkParts?: BulkParts | undefined;
}

/** A bulk export read as byte ranges at once: where each part goes on (null: read), and what the export holds. */
export interface BulkParts {
  cursors: Array<string | null>;
  /** The export's record count, when the provider said: it decides the raw mode for every part. */
  records?: number | undefined;
  /** The first part's first chunk has run (it answers the webhooks' delete notices, as an entity type's first chunk does). */
  started?: boolean;
}

/** One sync of one integration (workflow ID `sync:<integrationId>`): pages → chunks of activities → events. */
export async function integrationSync(input: SyncInput, carry?: SyncCarry): Promise<SyncState> {
  const mode: SyncMode = input.mode ?? 'incremental';
  const baseSyncTaskId = carry?.baseSyncTaskId ?? input.syncTaskId ?? uuid4();
  const state: SyncState = carry?.state ?? {
    status: 'running',
    syncTaskId: baseSyncTaskId,
    trigger: input.trigger,
    mode,
    startedAt: new Date().toISOString(),
    entityType: null,
    cursor: null,
    pendingPasses: 0,
    passes: 1,
    ...emptyCounters(),
  };
  let pass = carry?.pass ?? 0;
  let plan = carry?.plan ?? null;
  let entityIndex = carry?.entityIndex ?? 0;
  let passCounters = carry?.passCounters ?? emptyCounters();
  let watermarks = carry?.watermarks ?? {};
  let passStartedAt = state.startedAt;
  let passEntityTypes = carry?.passEntityTypes ?? input.entityTypes;
  let nextPassEntityTypes = carry?.nextPassEntityTypes;
  let bulkParts = carry?.bulkParts;

  setHandler(getSyncStateQuery, () => state);
  // Coalesced: any number of requests during a pass lead to exactly one more pass at its end, of the entity types
  // they named (all of the sync's when one named none).
  setHandler(requestSyncSignal, (request) => {
    if (request?.startsSyncTaskId !== undefined && request.startsSyncTaskId === input.syncTaskId) return;
    state.pendingPasses = 1;
    const named = request?.entityTypes?.length ? request.entityTypes : request?.entityType ? [request.entityType] : undefined;
    nextPassEntityTypes = named && nextPassEntityTypes !== null ? [...new Set([...(nextPassEntityTypes ?? []), ...named])] : null;
  });

  const tuning = input.tuning ?? {};
  const { beginSync, syncChunk, finishSync, startBulkExport, checkBulkExport, reconcileDeletes } = proxyActivities<Activities>({
    startToCloseTimeout: '10m',
    heartbeatTimeout: tuning.heartbeatTimeoutMs ?? 60_000,
    // Wait for the activity to stop at a page boundary, so a cancelled sync leaves whole pages behind.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
  });

  const passSyncTaskId = () => (pass === 0 ? baseSyncTaskId : `${baseSyncTaskId}.${pass}`);
  const ref = () => ({ integrationId: input.integrationId, tenantId: input.tenantId, syncTaskId: passSyncTaskId(), correlationId: input.correlationId });

  setSearchAttributes(input, state);

  /** A bulk export of the entity type, waited for on timers: where to read it from, or undefined to page instead. */
  async function exportInBulk(entityType: string, since: string | null): Promise<CompletedBulkExport | undefined> {
    const started = await startBulkExport({ ...ref(), entityType, since });
    if (!started) return undefined;
    const warning = started.warning ? { warning: started.warning } : {};
    state.bulkExport = { operationId: started.operationId, status: 'running', objectCount: 0, ...warning };
    const waits = patched(BULK_CHECK_SOONER_PATCH) ? { first: BULK_CHECK_FIRST_MS, next: nextBulkCheckWait } : legacyBulkCheckWaits;
    for (let wait = waits.first, waited = 0; ; waited += wait, wait = waits.next(wait)) {
      // A provider that never finishes (or says RUNNING for ever) must not hold the sync, and its history, open.
      if (waited >= BULK_EXPORT_MAX_WAIT_MS) {
        throw ApplicationFailure.create({ type: FailureType.ProviderRejected, nonRetryable: true, message: `bulk export ${started.operationId} still not finished after ${BULK_EXPORT_MAX_WAIT_MS / 3_600_000} h` });
      }
      await sleep(wait);
      const status = await checkBulkExport({ ...ref(), operationId: started.operationId, parts: tuning.bulkParts ?? DEFAULT_BULK_PARTS });
      state.bulkExport = { operationId: started.operationId, status: status.status, objectCount: status.objectCount, ...warning };
      if (status.status === 'completed') return status;
    }
  }

  const chunkInput = (entityType: string, cursor: string | null) => ({
    ...ref(),
    entityType,
    cursor,
    since: plan!.since[entityType] ?? null,
    maxRecords: tuning.chunkMaxRecords ?? DEFAULT_CHUNK_MAX_RECORDS,
    maxMillis: tuning.chunkMaxMillis ?? DEFAULT_CHUNK_MAX_MILLIS,
    ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}),
  });

  const count = (counters: SyncCounters, highWaterMark: string | null, entityType: string) => {
    Object.assign(state, addCounters(pickCounters(state), counters));
    passCounters = addCounters(passCounters, counters);
    if (highWaterMark && (!watermarks[entityType] || highWaterMark > watermarks[entityType]!)) {
      watermarks = { ...watermarks, [entityType]: highWaterMark };
    }
  };

  /**
   * Reads every part of a bulk export at once, each a chain of chunks, until all are read (true) or the run should
   * continue as new (false: the chunks running then finish first, and `parts` says where each goes on).
   */
  async function readBulkParts(entityType: string, parts: BulkParts): Promise<boolean> {
    let stopping = false;
    const readPart = async (i: number) => {
      for (let cursor = parts.cursors[i]; typeof cursor === 'string' && !stopping; cursor = parts.cursors[i]) {
        const fresh = i === 0 && !parts.started;
        parts.started = true;
        const result = await syncChunk({ ...chunkInput(entityType, cursor), part: true, ...(parts.records !== undefined ? { records: parts.records } : {}), ...(fresh ? { fresh } : {}) });
        count(result.counters, result.highWaterMark, entityType);
        parts.cursors[i] = result.done ? null : result.nextCursor;
        state.cursor = parts.cursors.find((c) => c !== null) ?? null;
        chunksThisRun += 1;
        if (shouldContinueAsNew()) stopping = true;
      }
    };
    await Promise.all(parts.cursors.map((_, i) => readPart(i)));
    if (parts.cursors.some((c) => c !== null)) return false;
    count(await reconcileDeletes({ ...ref(), entityType, since: plan!.since[entityType] ?? null }), null, entityType);
    return true;
  }

  let chunksThisRun = 0;
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength > HISTORY_EVENTS_BOUND ||
    (tuning.chunksPerRun !== undefined && chunksThisRun >= tuning.chunksPerRun);

  try {
    for (;;) {
      if (!plan) {
        passStartedAt = new Date().toISOString();
        plan = await beginSync({
          ...ref(),
          trigger: pass === 0 ? input.trigger : 'webhook',
          mode: pass === 0 ? mode : 'incremental',
          ...(passEntityTypes ? { entityTypes: passEntityTypes } : {}),
          ...(pass === 0 && input.filters ? { filters: input.filters } : {}),
        });
        setSearchAttributes(input, state, plan.provider);
      }
      while (entityIndex < plan.entityTypes.length) {
        const entityType = plan.entityTypes[entityIndex]!;
        state.entityType = entityType;
        let fresh = false;
        // From the start of an entity type, not narrowed by webhook filters: the provider's bulk export if it has one.
        if (!bulkParts && state.cursor === null && plan.bulkExport && !(pass === 0 && input.filters) && patched(BULK_EXPORT_PATCH)) {
          const exported = await exportInBulk(entityType, plan.since[entityType] ?? null);
          if (exported?.cursor === null) {
            entityIndex += 1;
            continue;
          }
          if (exported?.parts && patched(BULK_PARTS_PATCH)) bulkParts = { cursors: exported.parts, records: exported.records };
          else if (exported) {
            state.cursor = exported.cursor;
            fresh = true;
          }
        }
        if (bulkParts) {
          if (await readBulkParts(entityType, bulkParts)) {
            bulkParts = undefined;
            state.cursor = null;
            entityIndex += 1;
          }
        } else {
          const result = await syncChunk({
            ...chunkInput(entityType, state.cursor),
            ...(pass === 0 && input.filters ? { filters: input.filters } : {}),
            ...(fresh ? { fresh } : {}),
          });
          count(result.counters, result.highWaterMark, entityType);
          state.cursor = result.done ? null : result.nextCursor;
          if (result.done) entityIndex += 1;
          chunksThisRun += 1;
        }
        if (entityIndex < plan.entityTypes.length && shouldContinueAsNew()) {
          await continueAsNew<typeof integrationSync>(input, {
            baseSyncTaskId,
            pass,
            plan,
            entityIndex,
            cursor: state.cursor,
            passCounters,
            watermarks,
            state,
            passEntityTypes,
            nextPassEntityTypes,
            ...(bulkParts ? { bulkParts } : {}),
          });
        }
      }
      await finishSync({ ...ref(), trigger: input.trigger, status: 'completed', counters: passCounters, startedAt: passStartedAt, watermarks });
      // No wait is needed for a signal that lands now: Temporal refuses to close a workflow over a signal it has not
      // handled, and the retried workflow task hands it over with finishSync's result. Syncs from before waited on a
      // zero-length timer here, which the server fires about a second later: a second of every sync.
      if (!patched(NO_LATE_SIGNAL_TIMER_PATCH)) await condition(() => state.pendingPasses > 0, 0);
      if (state.pendingPasses === 0) break;
      state.pendingPasses = 0;
      passEntityTypes = nextPassEntityTypes ?? input.entityTypes;
      nextPassEntityTypes = undefined;
      pass += 1;
      state.passes += 1;
      state.syncTaskId = passSyncTaskId();
      plan = null;
      entityIndex = 0;
      passCounters = emptyCounters();
      watermarks = {};
      state.cursor = null;
      delete state.bulkExport;
    }
    state.status = 'completed';
    state.finishedAt = new Date().toISOString();
    setSearchAttributes(input, state);
    return state;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const cancelled = isCancellation(err);
    state.status = cancelled ? 'cancelled' : 'failed';
    state.lastError = cancelled ? 'cancelled' : errorMessage(err);
    state.finishedAt = new Date().toISOString();
    // Runs even when the workflow is being cancelled: sync.failed must still be published.
    await CancellationScope.nonCancellable(async () => {
      setSearchAttributes(input, state);
      await finishSync({ ...ref(), trigger: input.trigger, status: state.status as 'failed' | 'cancelled', counters: passCounters, startedAt: passStartedAt, error: state.lastError, watermarks: {} });
    });
    throw err;
  }
}

function setSearchAttributes(input: SyncInput, state: SyncState, provider?: string): void {
  upsertSearchAttributes([
    { key: IntegrationIdKey, value: input.integrationId },
    { key: TenantIdKey, value: input.tenantId },
    { key: SyncTriggerKey, value: input.trigger },
    { key: SyncStatusKey, value: state.status },
    ...(provider ? [{ key: ProviderKey, value: provider }] : []),
  ]);
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
