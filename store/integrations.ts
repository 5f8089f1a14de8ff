import type { SyncCounters, SyncStatus } from '../contracts/sync';
import { isUuid, withTransaction, type Db } from './db';

/** The final result goes to the integration's row, so status outlives the workflow's retention. */
export async function recordSyncResult(
  db: Db,
  input: { tenantId: string; integrationId: string; syncTaskId: string; status: SyncStatus; counters: SyncCounters; error?: string; startedAt: string; finishedAt: string },
): Promise<void> {
  await db.query(
    `UPDATE integrations
        SET last_sync_status = $3, last_sync_at = $4, last_sync_finished_at = $5, last_sync_error = $6, last_sync_counts = $7, last_sync_task_id = $8, updated_at = now()
      WHERE tenant_id = $1 AND id::text = $2`,
    [input.tenantId, input.integrationId, input.status, input.startedAt, input.finishedAt, input.error ?? null, JSON.stringify(input.counters), input.syncTaskId],
  );
}

export interface IntegrationRecord {
  id: string;
  tenantId: string;
  provider: string;
  name: string;
  config: Record<string, unknown>;
  status: 'active' | 'paused';
  pauseReason: string | null;
  syncIntervalSeconds: number;
  nextSyncAt: Date | null;
  lastSyncAt: Date | null;
  lastSyncStatus: string | null;
  lastSyncFinishedAt: Date | null;
  lastSyncError: string | null;
  lastSyncCounts: Record<string, number> | null;
  lastSyncTaskId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const RECORD_COLUMNS = `id, tenant_id, provider, name, config, status, pause_reason, sync_interval_seconds, next_sync_at, last_sync_at,
  last_sync_status, last_sync_finished_at, last_sync_error, last_sync_counts, last_sync_task_id, created_at, updated_at`;

function toRecord(r: Record<string, unknown>): IntegrationRecord {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    provider: r.provider as string,
    name: r.name as string,
    config: r.config as Record<string, unknown>,
    status: r.status as IntegrationRecord['status'],
    pauseReason: r.pause_reason as string | null,
    syncIntervalSeconds: r.sync_interval_seconds as number,
    nextSyncAt: r.next_sync_at as Date | null,
    lastSyncAt: r.last_sync_at as Date | null,
    lastSyncStatus: r.last_sync_status as string | null,
    lastSyncFinishedAt: r.last_sync_finished_at as Date | null,
    lastSyncError: r.last_sync_error as string | null,
    lastSyncCounts: r.last_sync_counts as Record<string, number> | null,
    lastSyncTaskId: r.last_sync_task_id as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

/** Always scoped by tenant: another tenant's integration is as absent as a missing one. */
export async function findIntegration(db: Db, tenantId: string, id: string): Promise<IntegrationRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query(`SELECT ${RECORD_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/**
 * Adds an integration unless its tenant already has `maxPerTenant` (then undefined). The tenant's lock makes two
 * concurrent creations count each other: the count runs after the lock, in a snapshot that sees the other's row.
 */
export async function insertIntegration(
  db: Db,
  input: { tenantId: string; provider: string; name: string; config: Record<string, unknown>; syncIntervalSeconds: number },
  maxPerTenant: number,
): Promise<IntegrationRecord | undefined> {
  return withTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('integrations:' || $1, 0))`, [input.tenantId]);
    const { rows } = await tx.query(
      `INSERT INTO integrations (tenant_id, provider, name, config, sync_interval_seconds, next_sync_at)
       SELECT $1, $2, $3, $4, $5, now() WHERE (SELECT count(*) FROM integrations WHERE tenant_id = $1) < $6
       RETURNING ${RECORD_COLUMNS}`,
      [input.tenantId, input.provider, input.name, input.config, input.syncIntervalSeconds, maxPerTenant],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  });
}

/** Keyset paging on (created_at, id) after the row `afterId`: stable while rows are added, exact to the microsecond. */
export async function listIntegrations(db: Db, tenantId: string, limit: number, afterId?: string): Promise<IntegrationRecord[]> {
  const { rows } = await db.query(
    `SELECT ${RECORD_COLUMNS} FROM integrations
      WHERE tenant_id = $1
        AND ($2::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM integrations WHERE tenant_id = $1 AND id = $2::uuid))
      ORDER BY created_at, id LIMIT $3`,
    [tenantId, afterId ?? null, limit],
  );
  return rows.map(toRecord);
}

export async function updateIntegration(
  db: Db,
  tenantId: string,
  id: string,
  patch: { name?: string | undefined; config?: Record<string, unknown> | undefined; syncIntervalSeconds?: number | undefined; status?: 'active' | 'paused'; pauseReason?: string | null },
): Promise<IntegrationRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query(
    `UPDATE integrations SET
        name = COALESCE($3, name),
        config = COALESCE($4, config),
        sync_interval_seconds = COALESCE($5, sync_interval_seconds),
        status = COALESCE($6, status),
        pause_reason = CASE WHEN $6::text IS NULL THEN pause_reason ELSE $7 END,
        next_sync_at = CASE WHEN $6::text = 'active' AND status = 'paused' THEN now() ELSE next_sync_at END,
        updated_at = now()
      WHERE tenant_id = $1 AND id = $2
  RETURNING ${RECORD_COLUMNS}`,
    [tenantId, id, patch.name ?? null, patch.config ?? null, patch.syncIntervalSeconds ?? null, patch.status ?? null, patch.pauseReason ?? null],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function deleteIntegration(db: Db, tenantId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return ((await db.query(`DELETE FROM integrations WHERE tenant_id = $1 AND id = $2`, [tenantId, id])).rowCount ?? 0) > 0;
}

/**
 * Claims up to `limit` due integrations and moves their next sync forward by their interval plus up to 5% jitter,
 * so integrations created together drift apart. Fair across tenants: each tenant's oldest due integration comes first,
 * then each one's second, and so on, so a tenant with 50,000 due cannot hold back another's five. SKIP LOCKED lets
 * two overlapping ticks share the work without waiting.
 */
export async function claimDueIntegrations(db: Db, now: string, limit: number): Promise<Array<{ integrationId: string; tenantId: string }>> {
  const { rows } = await db.query<{ id: string; tenant_id: string }>(
    `WITH ranked AS (
       SELECT id, next_sync_at, row_number() OVER (PARTITION BY tenant_id ORDER BY next_sync_at, id) AS turn
         FROM integrations i
        WHERE status = 'active' AND next_sync_at <= $1
          -- A connection that needs a new authorisation cannot sync; it is due again once credentials arrive.
          AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.integration_id = i.id AND c.status = 'reauth_required')
     ), due AS (
       SELECT i.id FROM integrations i
         JOIN (SELECT id, turn, next_sync_at FROM ranked ORDER BY turn, next_sync_at, id LIMIT $2 * 2) r ON r.id = i.id
        ORDER BY r.turn, r.next_sync_at, r.id
        LIMIT $2
        FOR UPDATE OF i SKIP LOCKED)
     UPDATE integrations i
        SET next_sync_at = $1::timestamptz + make_interval(secs => i.sync_interval_seconds * (1 + random() * 0.05)),
            updated_at = now()
       FROM due
      WHERE i.id = due.id
  RETURNING i.id, i.tenant_id`,
    [now, limit],
  );
  return rows.map((r) => ({ integrationId: r.id, tenantId: r.tenant_id }));
}

/** True when the integration is the tenant's (and, given a connection id, that connection is the integration's). */
export async function integrationBelongsTo(db: Db, input: { tenantId: string; integrationId: string; connectionId?: string | undefined }): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM integrations i
      WHERE i.id::text = $1 AND i.tenant_id = $2
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM connections c WHERE c.integration_id = i.id AND c.id::text = $3))`,
    [input.integrationId, input.tenantId, input.connectionId ?? null],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * A sync that did not come from the due check (manual, webhook, event) counts as this interval's sync: the next one
 * is due an interval (plus the same jitter) after it, not a minute later.
 */
export async function deferNextSync(db: Db, tenantId: string, integrationId: string, from: Date): Promise<void> {
  await db.query(
    `UPDATE integrations SET next_sync_at = $3::timestamptz + make_interval(secs => sync_interval_seconds * (1 + random() * 0.05)), updated_at = now()
      WHERE tenant_id = $1 AND id::text = $2 AND (next_sync_at IS NULL OR next_sync_at < $3::timestamptz + make_interval(secs => sync_interval_seconds))`,
    [tenantId, integrationId, from],
  );
}
