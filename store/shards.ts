import { jsonForPostgres, type Db } from './db';

export type ShardOutcome = 'created' | 'updated' | 'unchanged';

export interface ShardInput {
  externalId: string;
  data: Record<string, unknown>;
  contentHash: string;
}

export interface ShardResult {
  externalId: string;
  shardId: string;
  outcome: ShardOutcome;
}

/**
 * Upserts a batch in one statement. A row whose hash is unchanged is not rewritten. A row this same sync task
 * already changed (a retried chunk) reports that earlier outcome again, so its events are re-published with the
 * same ids instead of being lost between the store and the publish of a crashed attempt.
 */
export async function upsertShards(
  db: Db,
  key: { tenantId: string; integrationId: string; entityType: string; syncTaskId: string },
  shards: readonly ShardInput[],
): Promise<ShardResult[]> {
  if (shards.length === 0) return [];
  const { rows } = await db.query<{ external_id: string; id: string; outcome: ShardOutcome }>(
    `WITH input AS (
       SELECT * FROM unnest($5::text[], $6::jsonb[], $7::text[]) AS t(external_id, data, content_hash)
     ), upserted AS (
       INSERT INTO shards (tenant_id, integration_id, entity_type, external_id, data, content_hash, sync_task_id, last_change)
       SELECT $1, $2, $3, external_id, data, content_hash, $4, 'created' FROM input
       ON CONFLICT (tenant_id, integration_id, entity_type, external_id) DO UPDATE
          SET data = EXCLUDED.data, content_hash = EXCLUDED.content_hash, sync_task_id = EXCLUDED.sync_task_id,
              last_change = 'updated', updated_at = now()
        WHERE shards.content_hash <> EXCLUDED.content_hash
       RETURNING id, external_id, (xmax = 0) AS inserted
     )
     SELECT i.external_id, COALESCE(u.id, s.id) AS id,
            CASE WHEN u.id IS NOT NULL THEN CASE WHEN u.inserted THEN 'created' ELSE 'updated' END
                 WHEN s.sync_task_id = $4 THEN s.last_change
                 ELSE 'unchanged' END AS outcome
       FROM input i
       LEFT JOIN upserted u ON u.external_id = i.external_id
       LEFT JOIN shards s ON s.tenant_id = $1 AND s.integration_id = $2 AND s.entity_type = $3 AND s.external_id = i.external_id`,
    [
      key.tenantId,
      key.integrationId,
      key.entityType,
      key.syncTaskId,
      shards.map((s) => s.externalId),
      shards.map((s) => jsonForPostgres(s.data)),
      shards.map((s) => s.contentHash),
    ],
  );
  return rows.map((r) => ({ externalId: r.external_id, shardId: r.id, outcome: r.outcome }));
}
