import { jsonForPostgres, textForPostgres, type Db } from './db';

export interface DeadLetter {
  externalId: string;
  raw: unknown;
  error: string;
  attempts: number;
}

/** One row per record that could not be mapped; a retried chunk writes the same row again, not a second one. */
export async function recordDeadLetters(
  db: Db,
  key: { tenantId: string; integrationId: string; entityType: string; syncTaskId: string },
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  await db.query(
    `INSERT INTO dead_letters (tenant_id, integration_id, sync_task_id, entity_type, external_id, raw, error, attempts)
     SELECT $1, $2, $3, $4, external_id, raw, error, attempts
       FROM unnest($5::text[], $6::jsonb[], $7::text[], $8::int[]) AS t(external_id, raw, error, attempts)
     ON CONFLICT (sync_task_id, entity_type, external_id) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts`,
    [
      key.tenantId,
      key.integrationId,
      key.syncTaskId,
      key.entityType,
      letters.map((l) => l.externalId),
      letters.map((l) => jsonForPostgres(l.raw)),
      letters.map((l) => textForPostgres(l.error)),
      letters.map((l) => l.attempts),
    ],
  );
}

export interface StoredDeadLetter {
  id: string;
  syncTaskId: string;
  entityType: string;
  externalId: string | null;
  error: string;
  raw: unknown;
  createdAt: Date;
}

/** The integration's dead letters not yet replayed: newest first to show, oldest first to replay. */
export async function listPendingDeadLetters(
  db: Db,
  input: { tenantId: string; integrationId: string; limit: number; order: 'newest' | 'oldest' },
): Promise<StoredDeadLetter[]> {
  const order = input.order === 'newest' ? 'created_at DESC, id DESC' : 'id';
  const { rows } = await db.query(
    `SELECT id, sync_task_id, entity_type, external_id, error, raw, created_at FROM dead_letters
      WHERE tenant_id = $1 AND integration_id::text = $2 AND replayed_at IS NULL ORDER BY ${order} LIMIT $3`,
    [input.tenantId, input.integrationId, input.limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    syncTaskId: r.sync_task_id,
    entityType: r.entity_type,
    externalId: r.external_id,
    error: r.error,
    raw: r.raw,
    createdAt: r.created_at,
  }));
}

export async function markDeadLettersReplayed(db: Db, ids: readonly string[]): Promise<void> {
  await db.query(`UPDATE dead_letters SET replayed_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
}
