// Deletes a provider announced by webhook, kept until a sync of the entity type has asked the provider about them.
// Keyed by record: a second notice of the same delete is the same row.
import type { Db } from './db';

export interface DeletionNotice {
  externalId: string;
  /** PostgreSQL's own text of the time (microseconds), so forgetting compares exactly what was read. */
  receivedAt: string;
}

export async function recordDeletionNotice(db: Db, integrationId: string, entityType: string, externalId: string): Promise<void> {
  await db.query(
    `INSERT INTO deletion_notices (integration_id, entity_type, external_id) VALUES ($1, $2, $3)
     ON CONFLICT (integration_id, entity_type, external_id) DO UPDATE SET received_at = now()`,
    [integrationId, entityType, externalId],
  );
}

export async function pendingDeletionNotices(db: Db, integrationId: string, entityType: string, limit: number): Promise<DeletionNotice[]> {
  const { rows } = await db.query<{ external_id: string; received_at: string }>(
    `SELECT external_id, received_at::text AS received_at FROM deletion_notices WHERE integration_id = $1 AND entity_type = $2 ORDER BY received_at, external_id LIMIT $3`,
    [integrationId, entityType, limit],
  );
  return rows.map((r) => ({ externalId: r.external_id, receivedAt: r.received_at }));
}

/** Forgets notices once answered; one that arrived again meanwhile (a later received_at) stays for the next sync. */
export async function forgetDeletionNotices(db: Db, integrationId: string, entityType: string, notices: readonly DeletionNotice[]): Promise<void> {
  if (notices.length === 0) return;
  await db.query(
    `DELETE FROM deletion_notices n USING unnest($3::text[], $4::timestamptz[]) AS a(external_id, received_at)
      WHERE n.integration_id = $1 AND n.entity_type = $2 AND n.external_id = a.external_id AND n.received_at <= a.received_at`,
    [integrationId, entityType, notices.map((n) => n.externalId), notices.map((n) => n.receivedAt)],
  );
}
