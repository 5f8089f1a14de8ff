import type { Db } from './db';

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
      letters.map((l) => JSON.stringify(l.raw)),
      letters.map((l) => l.error),
      letters.map((l) => l.attempts),
    ],
  );
}
