import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';
import { addCounters, emptyCounters, type SyncCounters, type SyncInput, type SyncMode, type SyncStatus } from '../contracts/sync';
import { authExpired, invalidConfig } from '../connectors/errors';
import { FilterError, parseFilters } from '../connectors/filters';
import { STRICT_POLICY } from '../connectors/outbound';
import { MIN_PACE_PER_SECOND } from '../connectors/config';
import { clampPace, rateLimitKey, type PaceWaiting } from '../connectors/rate-limit';
import { retryTransient } from '../connectors/transient-retry';
import type { BulkExportStatus, ConnectionContext, Connector, CostPacer, FetchPageResult, RawRecord } from '../connectors/types';
import { createEvent } from '../events/envelope';
import { redactedFailure, secretsToRedact } from '../security/redact';
import { metrics } from '../observability/metrics';
import { advanceWatermark, getCheckpoint, saveCursor } from '../store/checkpoints';
import { getConnectionOfIntegration } from '../store/connections';
import { listPendingDeadLetters, markDeadLettersReplayed } from '../store/dead-letters';
import { forgetDeletionNotices, pendingDeletionNotices } from '../store/deletion-notices';
import { anySeen, beginReconciliation, finishReconciliation, isReconciling, markSeen, reconciliationDue, unseenRecords } from '../store/reconciliations';
import { deferNextSync, findIntegration, recordSyncResult } from '../store/integrations';
import { anyLiveShard } from '../store/shards';
import type { ActivityDeps } from './deps';
import { refreshConnectionTokens } from './token-refresh';
import { runPageLoop } from './page-loop';
import { probeRawMode, rawModeFor, type RawMode } from './raw-mode';
import { processPage } from './sync-page';
import { loadIntegration, openEntityPipeline, type EntityPipeline, type SyncTaskRef } from './sync-pipeline';
import type { Db } from '../store/db';

export type { SyncTaskRef } from './sync-pipeline';

/** Records marked deleted per statement (and their events per publish) at the end of a reconciliation. */
const RECONCILE_BATCH = 1_000;
/** Shopify's and WooCommerce's most ids one query takes. */
const DELETION_NOTICES_PER_FETCH = 250;

export interface SyncPlan {
  provider: string;
  entityTypes: string[];
  /** Per entity type: the incremental high-water mark to start from, or null for everything. */
  since: Record<string, string | null>;
  /** The provider exports in bulk (Shopify Bulk Operations): the workflow asks for one before paging. */
  bulkExport?: boolean;
}

export interface BulkExportInput extends SyncTaskRef {
  entityType: string;
  since: string | null;
}

export interface SyncChunkInput extends SyncTaskRef {
  entityType: string;
  cursor: string | null;
  since: string | null;
  maxRecords: number;
  maxMillis: number;
  pageSize?: number;
  /** The cursor is the first of the entity type's fetch (a bulk export's first line): the raw mode is decided here. */
  fresh?: boolean;
  /** The webhook event's filters (integration.webhook.received), applied to the fetch and named on raw events. */
  filters?: Record<string, unknown>;
  /**
   * One of the parts of a bulk export read at once: its end is not the entity type's, so a reconciling pass deletes
   * nothing here (the workflow calls reconcileDeletes once every part is read).
   */
  part?: boolean;
  /** How many records the whole fetch holds (a bulk export's count): decides the raw mode without fetching ahead. */
  records?: number;
}

export interface SyncChunkResult {
  counters: SyncCounters;
  nextCursor: string | null;
  done: boolean;
  /** Latest provider modification time seen in this chunk (UTC ISO), for the next incremental sync. */
  highWaterMark: string | null;
}

interface ChunkProgress {
  cursor: string | null;
  counters: SyncCounters;
  highWaterMark: string | null;
  /** Decided on the entity type's first page; a heartbeat without it (older worker) resumes past that page: batch. */
  rawMode?: RawMode;
}

const maxIso = (a: string | null, b: string | undefined): string | null => {
  if (!b) return a;
  const iso = new Date(b).toISOString();
  return a === null || iso > a ? iso : a;
};

/** A sync asked for filters the connector cannot apply is a configuration error, not something to retry. */
function filtersFor(connector: Connector, filters: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  try {
    return parseFilters(connector, filters);
  } catch (err) {
    if (err instanceof FilterError) throw invalidConfig(err.message);
    throw err;
  }
}

export function createSyncActivities(deps: ActivityDeps) {
  const { db, bus, clock } = deps;

  /** The account's pace: the integration's config.rateLimitPerSecond (and rateLimitBurst) or the connector's default. */
  function accountPace(ref: SyncTaskRef, connector: Connector, config: Record<string, unknown>, secrets: Record<string, string>) {
    const positive = (value: unknown) => (typeof value === 'number' && value > 0 ? value : undefined);
    const perSecond = positive(config.rateLimitPerSecond);
    const burst = positive(config.rateLimitBurst);
    const pace = perSecond ? clampPace({ perSecond, ...(burst ? { burst } : {}) }, connector.maxPace, MIN_PACE_PER_SECOND) : connector.defaultPace;
    if (!pace || !deps.rateLimiter) return undefined;
    return { limiter: deps.rateLimiter, key: rateLimitKey(ref.tenantId, connector.provider, config, secrets), pace };
  }

  /** Every provider call waits for the account's pace; a connector paced by cost takes it per call itself. */
  function paced<T>(account: ReturnType<typeof accountPace>, connector: Connector, call: () => Promise<T>, waiting: PaceWaiting): Promise<T> {
    if (!account || connector.pacedByCost) return call();
    return account.limiter.schedule(account.key, account.pace, call, waiting);
  }

  function costPacer(account: ReturnType<typeof accountPace>, connector: Connector, waiting: PaceWaiting): CostPacer | undefined {
    if (!account || !connector.pacedByCost) return undefined;
    return {
      take: (cost) => account.limiter.schedule(account.key, account.pace, async () => undefined, { ...waiting, cost }),
      settle: (report) => account.limiter.settle(account.key, account.pace, report),
    };
  }

  /** A provider call outside the page loop (bulk exports): fresh credentials, the account's pace, nothing secret in a failure. */
  async function withConnection<T>(ref: SyncTaskRef, call: (connector: Connector, connection: ConnectionContext) => Promise<T>): Promise<T> {
    const { connector, config } = await loadIntegration(deps, ref);
    const credentials = await usableCredentials(ref);
    const ctx = Context.current();
    const pace = costPacer(accountPace(ref, connector, config, credentials.secrets), connector, { signal: ctx.cancellationSignal, onWait: () => ctx.heartbeat() });
    try {
      return await refreshedOn401(ref, credentials, () =>
        call(connector, { config, credentials: credentials.secrets, policy: deps.outboundPolicy ?? STRICT_POLICY, ...(pace ? { pace } : {}) }),
      );
    } catch (err) {
      throw redactedFailure(err, secretsToRedact(credentials.secrets));
    }
  }

  /** A 401 on an OAuth token: refresh once through the single-flight path and make the call again. */
  async function refreshedOn401<T>(ref: SyncTaskRef, credentials: { connectionId?: string; secrets: Record<string, string> }, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || err.type !== FailureType.AuthExpired || !credentials.connectionId) throw err;
      credentials.secrets = (await refreshed(ref, credentials.connectionId, credentials.secrets.accessToken)) ?? credentials.secrets;
      return call();
    }
  }

  /** Decrypted credentials, refreshed first when an OAuth token is about to expire. */
  async function usableCredentials(ref: SyncTaskRef): Promise<{ connectionId?: string; secrets: Record<string, string> }> {
    const connection = await getConnectionOfIntegration(db, deps.keyring, ref.tenantId, ref.integrationId);
    if (!connection) return { secrets: {} };
    const secrets = connection.secrets as Record<string, string>;
    if (connection.kind !== 'oauth2') return { secrets };
    if (connection.status === 'reauth_required') throw authExpired(`connection ${connection.id} needs a new authorisation`);
    const expiring = connection.expiresAt !== null && connection.expiresAt.getTime() <= clock().getTime() + deps.tokenRefreshMarginMs;
    return { connectionId: connection.id, secrets: expiring ? ((await refreshed(ref, connection.id)) ?? secrets) : secrets };
  }

  async function refreshed(ref: SyncTaskRef, connectionId: string, staleAccessToken?: string): Promise<Record<string, string> | undefined> {
    const outcome = await refreshConnectionTokens(deps, {
      connectionId,
      requestedAt: clock().toISOString(),
      ...(staleAccessToken ? { staleAccessToken } : {}),
    });
    if (outcome === 'reauth_required') throw authExpired(`connection ${connectionId} needs a new authorisation`);
    return (await getConnectionOfIntegration(db, deps.keyring, ref.tenantId, ref.integrationId))?.secrets as Record<string, string> | undefined;
  }

  return {
    /** Validates the integration, decides where each entity type starts, and announces the sync. */
    async beginSync(input: SyncTaskRef & { trigger: SyncInput['trigger']; mode: SyncMode; entityTypes?: string[]; filters?: Record<string, unknown> }): Promise<SyncPlan> {
      const { connector, config } = await loadIntegration(deps, input);
      const entityTypes = input.entityTypes ?? [...connector.entityTypes];
      const unknown = entityTypes.filter((t) => !connector.entityTypes.includes(t));
      if (unknown.length) throw invalidConfig(`${connector.provider} does not sync ${unknown.join(', ')} (it syncs ${connector.entityTypes.join(', ')})`);
      filtersFor(connector, input.filters);
      const since: Record<string, string | null> = {};
      for (const entityType of entityTypes) {
        since[entityType] = input.mode === 'incremental' ? (await getCheckpoint(db, input.integrationId, entityType)).watermark : null;
        // Where no feed tells of deletes: a full refresh, and every reconcileEveryHours a pass, lists every record.
        if (connector.reconcile && !input.filters) {
          const everyMs = Number(config.reconcileEveryHours ?? connector.reconcile.everyHours) * 3_600_000;
          const due = input.mode === 'full_refresh' || (await reconciliationDue(db, input.integrationId, entityType, everyMs, clock()));
          // With nothing stored, nothing can be missing from the listing: no ids to keep.
          if (due && (await anyLiveShard(db, { tenantId: input.tenantId, integrationId: input.integrationId, entityType }))) {
            since[entityType] = null;
            await beginReconciliation(db, input.integrationId, input.syncTaskId, entityType);
          }
        }
      }
      await bus.publish([
        createEvent(
          'integration.sync.started',
          {
            integrationId: input.integrationId,
            integrationType: connector.provider,
            params: {
              syncTaskId: input.syncTaskId,
              trigger: input.trigger,
              mode: input.mode,
              ...(input.entityTypes ? { entityTypes: input.entityTypes } : {}),
              ...(input.filters ? { filters: input.filters } : {}),
            },
            startedAt: clock().toISOString(),
          },
          { tenantId: input.tenantId, integrationId: input.integrationId, correlationId: input.correlationId, idempotencyKey: `${input.syncTaskId}:started` },
        ),
      ]);
      if (input.trigger !== 'schedule') await deferNextSync(db, input.tenantId, input.integrationId, clock());
      metrics.syncs.inc({ provider: connector.provider, trigger: input.trigger, outcome: 'started' });
      return { provider: connector.provider, entityTypes, since, ...(connector.bulkExport ? { bulkExport: true } : {}) };
    },

    /**
     * Pages through the provider until the chunk's record or time bound, committing each page before the next.
     * Heartbeats carry the cursor and counters, so a retry after a dead worker resumes at the last committed page.
     */
    async syncChunk(input: SyncChunkInput): Promise<SyncChunkResult> {
      const ctx = Context.current();
      const pipeline = await openEntityPipeline(deps, input, input.entityType);
      const { connector, config } = pipeline;
      const credentials = await usableCredentials(input);
      const filters = filtersFor(connector, input.filters);

      const initialSecrets = secretsToRedact(credentials.secrets);
      try {
        return await runChunk();
      } catch (err) {
        // A cancellation is reported as one; otherwise nothing of the credentials (those it began with, or refreshed
        // ones) leaves in a failure.
        if (ctx.cancellationSignal.aborted) throw err;
        throw redactedFailure(err, [...secretsToRedact(credentials.secrets), ...initialSecrets]);
      }

      async function runChunk(): Promise<SyncChunkResult> {
        const resumed = ctx.info.heartbeatDetails as ChunkProgress | undefined;
        const progress: ChunkProgress = resumed ?? { cursor: input.cursor, counters: emptyCounters(), highWaterMark: null };
        // `byIds`: those records whatever their modification time, instead of the sync's window and filters.
        const fetchOnce = (cursor: string | null, byIds?: string[]) => {
          const window = byIds ? { since: null, filters: { [connector.idFilter!]: byIds } } : { since: input.since, filters };
          const request = { entityType: input.entityType, cursor, ...window, signal: ctx.cancellationSignal, ...(input.pageSize ? { pageSize: input.pageSize } : {}) };
          const account = accountPace(input, connector, config, credentials.secrets);
          const waiting = { signal: ctx.cancellationSignal, onWait: () => ctx.heartbeat(progress) };
          const pace = costPacer(account, connector, waiting);
          const connection = { config, credentials: credentials.secrets, policy: deps.outboundPolicy ?? STRICT_POLICY, ...(pace ? { pace } : {}) };
          return paced(account, connector, () => connector.fetchPage(connection, request), waiting);
        };
        const fetch = (cursor: string | null, byIds?: string[]) =>
          refreshedOn401(input, credentials, () => retryTransient(() => fetchOnce(cursor, byIds), { signal: ctx.cancellationSignal, onRetry: () => ctx.heartbeat(progress) }));
        // The entity type's first chunk answers the delete notices webhooks left (the fetch by id says what is gone).
        if (input.cursor === null || input.fresh) {
          progress.counters = addCounters(progress.counters, await confirmDeletionNotices(fetch));
          ctx.heartbeat(progress);
        }
        let fetchPages = fetch;
        if (!progress.rawMode) {
          if (input.records !== undefined) progress.rawMode = rawModeFor(input.records, deps.batchThreshold);
          else if (progress.cursor === null || input.fresh) {
            const probe = await probeRawMode(fetch, deps.batchThreshold, progress.cursor);
            progress.rawMode = probe.mode;
            fetchPages = probe.fetch;
          } else progress.rawMode = 'batch';
        }
        const rawMode = progress.rawMode;
        const reconciling = connector.reconcile !== undefined && !filters && input.since === null && (await isReconciling(db, input.syncTaskId, input.entityType));
        const warned = new Set<string>();
        const { done } = await runPageLoop({
          cursor: progress.cursor,
          maxRecords: input.maxRecords - progress.counters.recordsFetched,
          deadline: clock().getTime() + input.maxMillis,
          now: () => clock().getTime(),
          fetch: fetchPages,
          commit: async (page, cursor) => {
            if (ctx.cancellationSignal.aborted) throw new CancelledFailure('sync cancelled');
            for (const warning of page.warnings ?? []) {
              if (!warned.has(warning)) ctx.log.warn(warning, { integrationId: input.integrationId, provider: connector.provider });
              warned.add(warning);
            }
            const [counters] = await Promise.all([
              processPage(pipeline.page(cursor ?? 'first', { rawMode, filters }), page.records),
              reconciling ? markSeen(db, input.syncTaskId, input.entityType, page.records.filter((r) => !r.deleted).map((r) => r.externalId)) : undefined,
            ]);
            for (const record of page.records) progress.highWaterMark = maxIso(progress.highWaterMark, record.updatedAt);
            progress.counters = addCounters(progress.counters, counters);
            for (const outcome of ['created', 'updated', 'unchanged', 'rejected', 'deleted'] as const) {
              if (counters[outcome]) metrics.records.inc({ provider: connector.provider, entity_type: input.entityType, outcome }, counters[outcome]);
            }
            progress.cursor = page.nextCursor;
            await saveCursor(db, input.integrationId, input.entityType, input.syncTaskId, progress.cursor);
            ctx.heartbeat(progress);
          },
        });
        if (done && reconciling && !input.part) progress.counters = addCounters(progress.counters, await deleteUnseen(db, pipeline, { config, credentials: credentials.secrets, policy: deps.outboundPolicy ?? STRICT_POLICY }, input, () => ctx.heartbeat(progress)));
        // Through the activity logger: the line carries workflow and activity ids, and the trace id when tracing.
        ctx.log.info('sync chunk committed', {
          integrationId: input.integrationId,
          correlationId: input.correlationId,
          syncTaskId: input.syncTaskId,
          entityType: input.entityType,
          done,
          ...progress.counters,
        });
        return { counters: progress.counters, nextCursor: progress.cursor, done, highWaterMark: progress.highWaterMark };
      }

      /** Asks the provider for the records webhooks said were deleted: those it no longer answers become tombstones. */
      async function confirmDeletionNotices(fetchByIds: (cursor: string | null, ids: string[]) => Promise<FetchPageResult>): Promise<SyncCounters> {
        let counters = emptyCounters();
        if (!connector.idFilter) return counters;
        for (;;) {
          const notices = await pendingDeletionNotices(db, input.integrationId, input.entityType, DELETION_NOTICES_PER_FETCH);
          if (notices.length === 0) return counters;
          const answered: RawRecord[] = [];
          const ids = notices.map((n) => n.externalId);
          // Every page of the answer (at most the ids asked for), through the page loop's own guards.
          await runPageLoop({ cursor: null, maxRecords: Infinity, deadline: Infinity, fetch: (cursor) => fetchByIds(cursor, ids), commit: async (page) => void answered.push(...page.records) });
          const live = answered.filter((r) => !r.deleted);
          const present = new Set(live.map((r) => r.externalId));
          const gone = ids.filter((id) => !present.has(id)).map((id): RawRecord => ({ externalId: id, data: { id }, deleted: true }));
          counters = addCounters(counters, await processPage(pipeline.page(`deletion-notices:${ids[0]!}`), [...live, ...gone]));
          await forgetDeletionNotices(db, input.integrationId, input.entityType, notices);
        }
      }
    },

    /**
     * The end of a bulk export read in parts, once every part is read: a reconciling pass deletes the stored records
     * no part saw (a part's own end is not the entity type's).
     */
    async reconcileDeletes(input: SyncTaskRef & { entityType: string; since: string | null }): Promise<SyncCounters> {
      if (input.since !== null || !(await isReconciling(db, input.syncTaskId, input.entityType))) return emptyCounters();
      const pipeline = await openEntityPipeline(deps, input, input.entityType);
      return withConnection(input, (_connector, connection) => deleteUnseen(db, pipeline, connection, input, () => Context.current().heartbeat()));
    },

    /** Asks the provider for a bulk export of the entity type (null: the window is small, so the sync pages). */
    async startBulkExport(input: BulkExportInput): Promise<{ operationId: string; warning?: string } | null> {
      const started = await withConnection(input, (connector, connection) =>
        connector.bulkExport ? connector.bulkExport.start(connection, { entityType: input.entityType, since: input.since, signal: Context.current().cancellationSignal }) : Promise.resolve(null),
      );
      if (started?.warning) Context.current().log.warn(started.warning, { integrationId: input.integrationId });
      return started;
    },

    /** Where a bulk export stands; the workflow waits between checks on timers, holding no worker slot. */
    async checkBulkExport(input: SyncTaskRef & { operationId: string; parts?: number }): Promise<BulkExportStatus> {
      return withConnection(input, (connector, connection) => {
        if (!connector.bulkExport) throw invalidConfig(`${connector.provider} has no bulk exports`);
        return connector.bulkExport.check(connection, input.operationId, Context.current().cancellationSignal, input.parts);
      });
    },

    /** Records the outcome on the integration's row, moves the incremental marks forward on success, and announces it. */
    async finishSync(
      input: SyncTaskRef & { status: Exclude<SyncStatus, 'running'>; counters: SyncCounters; startedAt: string; error?: string; watermarks: Record<string, string>; trigger?: string },
    ): Promise<void> {
      const finishedAt = clock();
      const provider = (await findIntegration(db, input.tenantId, input.integrationId))?.provider ?? 'unknown';
      metrics.syncs.inc({ provider, trigger: input.trigger ?? 'unknown', outcome: input.status });
      metrics.syncDuration.observe({ provider, outcome: input.status }, Math.max(0, finishedAt.getTime() - Date.parse(input.startedAt)) / 1000);
      await recordSyncResult(db, {
        tenantId: input.tenantId,
        integrationId: input.integrationId,
        syncTaskId: input.syncTaskId,
        status: input.status,
        counters: input.counters,
        startedAt: input.startedAt,
        finishedAt: finishedAt.toISOString(),
        ...(input.error ? { error: input.error } : {}),
      });
      const context = { tenantId: input.tenantId, integrationId: input.integrationId, correlationId: input.correlationId };
      if (input.status === 'completed') {
        for (const [entityType, mark] of Object.entries(input.watermarks)) await advanceWatermark(db, input.integrationId, entityType, mark);
        const c = input.counters;
        await bus.publish([
          createEvent(
            'integration.sync.completed',
            {
              totalOrders: c.recordsFetched,
              createdOrders: c.created,
              updatedOrders: c.updated,
              rejectedOrders: c.rejected,
              // Spec 004's publisher is Go: `Duration: time.Since(start)` marshals as integer nanoseconds.
              duration: Math.max(0, finishedAt.getTime() - Date.parse(input.startedAt)) * 1_000_000,
              completedAt: finishedAt.toISOString(),
            },
            { ...context, idempotencyKey: `${input.syncTaskId}:completed` },
          ),
        ]);
      } else {
        await bus.publish([
          createEvent(
            'integration.sync.failed',
            { error: input.error ?? input.status, failedAt: finishedAt.toISOString() },
            { ...context, idempotencyKey: `${input.syncTaskId}:failed` },
          ),
        ]);
      }
    },

    /**
     * Runs dead-lettered records through today's mapping again (after a mapping fix): those that now map are stored
     * and announced like any synced record; those that still fail are dead-lettered again under this replay's task id.
     */
    async replayDeadLetters(input: SyncTaskRef & { limit: number }): Promise<SyncCounters> {
      const pending = await listPendingDeadLetters(db, { tenantId: input.tenantId, integrationId: input.integrationId, limit: input.limit, order: 'oldest' });
      let counters = emptyCounters();
      for (const entityType of new Set(pending.map((l) => l.entityType))) {
        const letters = pending.filter((l) => l.entityType === entityType);
        const pipeline = await openEntityPipeline(deps, input, entityType);
        const result = await processPage(pipeline.page('replay'), letters.map((l) => ({ externalId: l.externalId ?? '', data: l.raw as Record<string, unknown> })));
        await markDeadLettersReplayed(db, letters.map((l) => l.id));
        counters = addCounters(counters, result);
      }
      return counters;
    },
  };
}

/** The end of a reconciling pass: the stored records it did not see are deleted, unless the listing could not see all. */
async function deleteUnseen(db: Db, pipeline: EntityPipeline, connection: ConnectionContext, input: SyncTaskRef & { entityType: string }, heartbeat: () => void): Promise<SyncCounters> {
  const ctx = Context.current();
  let counters = emptyCounters();
  const incomplete = (await pipeline.connector.reconcile!.incomplete?.(connection, input.entityType, ctx.cancellationSignal)) ??
    // A listing that found nothing at all is more likely broken than a store emptied.
    ((await anySeen(db, input.syncTaskId, input.entityType)) ? undefined : 'the listing found no records at all');
  if (incomplete) {
    ctx.log.warn(`deletes not reconciled: ${incomplete}`, { integrationId: input.integrationId, entityType: input.entityType });
    await finishReconciliation(db, input.integrationId, input.syncTaskId, input.entityType, false);
    return counters;
  }
  const key = { tenantId: input.tenantId, integrationId: input.integrationId, entityType: input.entityType, syncTaskId: input.syncTaskId };
  for (let after = ''; ; ) {
    const unseen = await unseenRecords(db, key, after, RECONCILE_BATCH);
    if (unseen.length === 0) break;
    const result = await processPage(pipeline.page(`reconcile:${unseen[0]!}`), unseen.map((externalId): RawRecord => ({ externalId, data: {}, deleted: true })));
    // Nothing was fetched: the store was read.
    counters = addCounters(counters, { ...result, pagesFetched: 0, recordsFetched: 0 });
    after = unseen[unseen.length - 1]!;
    heartbeat();
  }
  await finishReconciliation(db, input.integrationId, input.syncTaskId, input.entityType, true);
  return counters;
}

