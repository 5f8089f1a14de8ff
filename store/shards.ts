import type { Db } from './db';

export type ShardOutcome = 'created' | 'updated' | 'unchanged';

type ShardKey = { tenantId: string; integrationId: string; entityType: string; syncTaskId: string };

export interface ShardInput {
  externalId: string;
  data: Record<string, unknown>;
  /** `data` as stored (jsonForPostgres), serialized once for the hash and the upsert. */
  json: string;
  contentHash: string;
}

/**
 * The page's data as one jsonb parameter (its external ids also beside it as text[], for the lookup), built around each
 * record's JSON as it is: a jsonb[] parameter would be an array literal with every quote of every record escaped by pg
 * and unescaped by PostgreSQL (bench/pg-upsert.ts: 3 µs of the worker's CPU per record).
 */
function pageDocument(shards: readonly ShardInput[]): string {
  let document = '[';
  for (const s of shards) document += `${document.length > 1 ? ',' : ''}{"externalId":${JSON.stringify(s.externalId)},"contentHash":${JSON.stringify(s.contentHash)},"data":${s.json}}`;
  return `${document}]`;
}

export interface ShardResult {
  externalId: string;
  shardId: string;
  outcome: ShardOutcome;
}

// The rows this statement does not write are read from the snapshot it started from (an index lookup each), never
// by joining the page against the written rows: a join of two CTEs has no index, and on a page of 250 it cost
// PostgreSQL more than the upsert itself (bench/pg-upsert.ts). Each record carries its id in the document:
// `($6::text[])[n]` walked the array from its start for every row.
const UPSERT_SHARDS = `
  WITH page AS (
    SELECT r->>'externalId' AS external_id, r->'data' AS data, r->>'contentHash' AS content_hash
      FROM jsonb_array_elements($5::jsonb) AS e(r)
  ),
  upserted AS (
    INSERT INTO shards (tenant_id, integration_id, entity_type, external_id, data, content_hash, sync_task_id, last_change)
    SELECT $1, $2, $3, external_id, data, content_hash, $4, 'created' FROM page
    ON CONFLICT (integration_id, entity_type, external_id) DO UPDATE
       SET data = EXCLUDED.data, content_hash = EXCLUDED.content_hash, sync_task_id = EXCLUDED.sync_task_id,
           last_change = CASE WHEN shards.deleted_at IS NULL THEN 'updated' ELSE 'created' END, deleted_at = NULL, updated_at = now()
     WHERE shards.content_hash <> EXCLUDED.content_hash OR shards.deleted_at IS NOT NULL
    RETURNING id, external_id, CASE WHEN xmax = 0 THEN 'created' ELSE last_change END AS outcome
  )
  SELECT external_id, id, outcome FROM upserted
  UNION ALL
  SELECT s.external_id, s.id, CASE WHEN s.sync_task_id = $4 AND s.last_change <> 'deleted' THEN s.last_change ELSE 'unchanged' END
    FROM shards s
   WHERE s.tenant_id = $1 AND s.integration_id = $2 AND s.entity_type = $3 AND s.external_id = ANY($6::text[])
     AND s.external_id NOT IN (SELECT external_id FROM upserted)`;

/** The page's upsert as sent (tests explain its plan). */
export const upsertShardsQuery = (key: ShardKey, shards: readonly ShardInput[]) => ({
  // Prepared once per pooled connection: parsed and planned once, not per page (bench/pg-upsert.ts: PostgreSQL
  // 24 → 22 µs of CPU per record inserted, 13 → 11.5 per record unchanged).
  name: 'upsert-shards',
  text: UPSERT_SHARDS,
  values: [key.tenantId, key.integrationId, key.entityType, key.syncTaskId, pageDocument(shards), shards.map((s) => s.externalId)],
});

/**
 * Upserts a batch in one statement. A row whose hash is unchanged is not rewritten. A row this same sync task
 * already changed (a retried chunk) reports that earlier outcome again, so its events are re-published with the
 * same ids instead of being lost between the store and the publish of a crashed attempt. A tombstone that comes
 * back is created again.
 */
export async function upsertShards(
  db: Db,
  key: ShardKey,
  shards: readonly ShardInput[],
): Promise<ShardResult[]> {
  if (shards.length === 0) return [];
  const { rows } = await db.query<{ external_id: string; id: string; outcome: ShardOutcome }>(upsertShardsQuery(key, shards));
  // In the page's order, as its events go out.
  const position = new Map<string, number>();
  shards.forEach((s, i) => position.set(s.externalId, i));
  return rows
    .map((r) => ({ externalId: r.external_id, shardId: r.id, outcome: r.outcome }))
    .sort((a, b) => position.get(a.externalId)! - position.get(b.externalId)!);
}

export interface TombstoneResult {
  externalId: string;
  shardId: string;
  /** The record's last stored data, to name it in the delete events. */
  data: Record<string, unknown>;
  deletedAt: string;
}

/**
 * Marks the stored records among these as deleted (their data kept). Those this sync task already marked (a retried
 * page) are answered again, so their events go out with the same ids; a record never stored, or deleted by an
 * earlier task, is not answered: there is nothing to announce.
 */
export async function tombstoneShards(db: Db, key: ShardKey, externalIds: readonly string[]): Promise<TombstoneResult[]> {
  if (externalIds.length === 0) return [];
  const { rows } = await db.query<{ external_id: string; id: string; data: Record<string, unknown>; deleted_at: Date }>(tombstoneShardsQuery(key, externalIds));
  return rows.map((r) => ({ externalId: r.external_id, shardId: r.id, data: r.data, deletedAt: r.deleted_at.toISOString() }));
}

/** The tombstones' statement as sent (tests explain its plan). */
export const tombstoneShardsQuery = (key: ShardKey, externalIds: readonly string[]) => ({
  // The outer SELECT reads the snapshot from before the UPDATE: rows this statement marks come from `marked` only.
  text: `WITH marked AS (
       UPDATE shards SET deleted_at = now(), sync_task_id = $4, last_change = 'deleted', updated_at = now()
        WHERE tenant_id = $1 AND integration_id = $2 AND entity_type = $3 AND external_id = ANY($5::text[]) AND deleted_at IS NULL
       RETURNING id, external_id, data, deleted_at
     )
     SELECT id, external_id, data, deleted_at FROM marked
     UNION ALL
     SELECT id, external_id, data, deleted_at FROM shards
      WHERE tenant_id = $1 AND integration_id = $2 AND entity_type = $3 AND external_id = ANY($5::text[])
        AND deleted_at IS NOT NULL AND sync_task_id = $4 AND last_change = 'deleted'`,
  values: [key.tenantId, key.integrationId, key.entityType, key.syncTaskId, [...externalIds]],
});

/** Whether any record of the entity type is stored and not deleted. */
export async function anyLiveShard(db: Db, key: { tenantId: string; integrationId: string; entityType: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM shards WHERE tenant_id = $1 AND integration_id = $2 AND entity_type = $3 AND deleted_at IS NULL LIMIT 1`,
    [key.tenantId, key.integrationId, key.entityType],
  );
  return rowCount === 1;
}
