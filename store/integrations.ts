import type { SyncCounters, SyncStatus } from '../contracts/sync';
import type { Db } from './db';

export interface IntegrationRow {
  id: string;
  tenantId: string;
  provider: string;
  name: string;
  config: Record<string, unknown>;
  status: 'active' | 'paused';
  pauseReason: string | null;
}

/** Always scoped by tenant: another tenant's integration is as absent as a missing one. */
export async function getIntegration(db: Db, tenantId: string, integrationId: string): Promise<IntegrationRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, tenant_id, provider, name, config, status, pause_reason FROM integrations WHERE tenant_id = $1 AND id::text = $2`,
    [tenantId, integrationId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { id: r.id, tenantId: r.tenant_id, provider: r.provider, name: r.name, config: r.config, status: r.status, pauseReason: r.pause_reason };
}

/** The final result goes to the integration's row, so status outlives the workflow's retention. */
export async function recordSyncResult(
  db: Db,
  input: { tenantId: string; integrationId: string; status: SyncStatus; counters: SyncCounters; error?: string; startedAt: string; finishedAt: string },
): Promise<void> {
  await db.query(
    `UPDATE integrations
        SET last_sync_status = $3, last_sync_at = $4, last_sync_finished_at = $5, last_sync_error = $6, last_sync_counts = $7, updated_at = now()
      WHERE tenant_id = $1 AND id::text = $2`,
    [input.tenantId, input.integrationId, input.status, input.startedAt, input.finishedAt, input.error ?? null, JSON.stringify(input.counters)],
  );
}
