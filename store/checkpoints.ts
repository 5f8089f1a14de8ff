import type { Db } from './db';

export interface Checkpoint {
  syncTaskId: string | null;
  cursor: string | null;
  watermark: string | null;
}

export async function getCheckpoint(db: Db, integrationId: string, entityType: string): Promise<Checkpoint> {
  const { rows } = await db.query<{ sync_task_id: string | null; cursor: string | null; watermark: string | null }>(
    `SELECT sync_task_id, cursor, watermark FROM sync_checkpoints WHERE integration_id::text = $1 AND entity_type = $2`,
    [integrationId, entityType],
  );
  const r = rows[0];
  return { syncTaskId: r?.sync_task_id ?? null, cursor: r?.cursor ?? null, watermark: r?.watermark ?? null };
}

/** After each committed page: where this sync task goes on from. */
export async function saveCursor(db: Db, integrationId: string, entityType: string, syncTaskId: string, cursor: string | null): Promise<void> {
  // Prepared (planned once per connection), as every statement a sync runs per page.
  await db.query({
    name: 'save-cursor',
    text: `INSERT INTO sync_checkpoints (integration_id, entity_type, sync_task_id, cursor) VALUES ($1, $2, $3, $4)
           ON CONFLICT (integration_id, entity_type) DO UPDATE SET sync_task_id = $3, cursor = $4, updated_at = now()`,
    values: [integrationId, entityType, syncTaskId, cursor],
  });
}

/** After a completed pass: the next incremental sync starts from here. Never moves backwards. */
export async function advanceWatermark(db: Db, integrationId: string, entityType: string, watermark: string): Promise<void> {
  await db.query(
    `INSERT INTO sync_checkpoints (integration_id, entity_type, watermark) VALUES ($1, $2, $3)
     ON CONFLICT (integration_id, entity_type) DO UPDATE
        SET watermark = GREATEST(sync_checkpoints.watermark, EXCLUDED.watermark), cursor = NULL, updated_at = now()`,
    [integrationId, entityType, watermark],
  );
}
