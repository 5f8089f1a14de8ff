// Reconciliation where a provider has no feed of deletes: a pass lists every record of the entity type, the ids it
// saw are kept here, and at its end the stored records it did not see are the deleted ones.
import type { Db } from './db';

/**
 * Whether the entity type is due: `everyMs` after the last one. The first time it is asked the clock starts instead
 * (a first sync stores everything it sees: nothing stored can be missing from it).
 */
export async function reconciliationDue(db: Db, integrationId: string, entityType: string, everyMs: number, now: Date): Promise<boolean> {
  const { rows } = await db.query<{ reconciled_at: Date }>(
    `INSERT INTO sync_checkpoints (integration_id, entity_type, reconciled_at) VALUES ($1, $2, $3)
     ON CONFLICT (integration_id, entity_type) DO UPDATE SET reconciled_at = COALESCE(sync_checkpoints.reconciled_at, EXCLUDED.reconciled_at)
     RETURNING reconciled_at`,
    [integrationId, entityType, now.toISOString()],
  );
  return now.getTime() - rows[0]!.reconciled_at.getTime() >= everyMs;
}

/** Begins one for this pass; any left by an earlier pass of the integration (failed, cancelled) goes with its ids. */
export async function beginReconciliation(db: Db, integrationId: string, syncTaskId: string, entityType: string): Promise<void> {
  await db.query(`DELETE FROM reconciliations WHERE integration_id = $1 AND entity_type = $2 AND sync_task_id <> $3`, [integrationId, entityType, syncTaskId]);
  await db.query(`INSERT INTO reconciliations (sync_task_id, entity_type, integration_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [syncTaskId, entityType, integrationId]);
}

export async function isReconciling(db: Db, syncTaskId: string, entityType: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM reconciliations WHERE sync_task_id = $1 AND entity_type = $2`, [syncTaskId, entityType]);
  return rowCount === 1;
}

export async function markSeen(db: Db, syncTaskId: string, entityType: string, externalIds: readonly string[]): Promise<void> {
  if (externalIds.length === 0) return;
  await db.query(
    `INSERT INTO reconciliation_seen (sync_task_id, entity_type, external_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
    [syncTaskId, entityType, [...externalIds]],
  );
}

export async function anySeen(db: Db, syncTaskId: string, entityType: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM reconciliation_seen WHERE sync_task_id = $1 AND entity_type = $2 LIMIT 1`, [syncTaskId, entityType]);
  return rowCount === 1;
}

/**
 * The next stored records, in id order after `after`, that this pass did not see: live ones, and those this pass
 * already marked deleted (a retried sweep announces them again with the same ids).
 */
export async function unseenRecords(db: Db, key: { tenantId: string; integrationId: string; entityType: string; syncTaskId: string }, after: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ external_id: string }>(
    `SELECT s.external_id FROM shards s
      WHERE s.tenant_id = $1 AND s.integration_id = $2 AND s.entity_type = $3 AND s.external_id > $5
        AND (s.deleted_at IS NULL OR (s.sync_task_id = $4 AND s.last_change = 'deleted'))
        AND NOT EXISTS (SELECT 1 FROM reconciliation_seen r WHERE r.sync_task_id = $4 AND r.entity_type = $3 AND r.external_id = s.external_id)
      ORDER BY s.external_id LIMIT $6`,
    [key.tenantId, key.integrationId, key.entityType, key.syncTaskId, after, limit],
  );
  return rows.map((r) => r.external_id);
}

/** Done (or abandoned because the listing was not complete): the ids go; `reconciled`: the next one is due from its start. */
export async function finishReconciliation(db: Db, integrationId: string, syncTaskId: string, entityType: string, reconciled: boolean): Promise<void> {
  await db.query(
    `WITH done AS (DELETE FROM reconciliations WHERE sync_task_id = $2 AND entity_type = $3 RETURNING started_at)
     INSERT INTO sync_checkpoints (integration_id, entity_type, reconciled_at) SELECT $1, $3, started_at FROM done WHERE $4
     ON CONFLICT (integration_id, entity_type) DO UPDATE SET reconciled_at = EXCLUDED.reconciled_at`,
    [integrationId, syncTaskId, entityType, reconciled],
  );
}
