import { createHash, randomBytes } from 'node:crypto';
import { isUuid, withTransaction, type Db } from './db';

/** Keys are stored as SHA-256 hashes: a stolen table cannot be replayed against the API. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createTenant(db: Db, input: { id: string; name: string }): Promise<{ id: string; name: string; createdAt: Date } | undefined> {
  const { rows } = await db.query(`INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at`, [input.id, input.name]);
  return rows[0] ? { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at } : undefined;
}

export async function tenantExists(db: Db, id: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM tenants WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

const newKey = () => `isk_${randomBytes(24).toString('base64url')}`;

/** Returns the key itself once; only its hash is kept. */
export async function createApiKey(db: Db, tenantId: string, label: string | undefined): Promise<{ id: string; key: string }> {
  const key = newKey();
  const { rows } = await db.query<{ id: string }>(`INSERT INTO api_keys (tenant_id, key_hash, label) VALUES ($1, $2, $3) RETURNING id`, [tenantId, hashApiKey(key), label ?? null]);
  return { id: rows[0]!.id, key };
}

export async function tenantOfApiKey(db: Db, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hashApiKey(key)]);
  return rows[0]?.tenant_id;
}

export interface ApiKeyInfo {
  id: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A tenant's keys, never the keys themselves (only their hashes are kept). */
export async function listApiKeys(db: Db, tenantId: string): Promise<ApiKeyInfo[]> {
  const { rows } = await db.query(`SELECT id, label, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return rows.map((r) => ({ id: r.id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

/** False when the tenant has no such key; revoking twice keeps the first time. */
export async function revokeApiKey(db: Db, tenantId: string, keyId: string): Promise<boolean> {
  if (!isUuid(keyId)) return false;
  const { rowCount } = await db.query(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE tenant_id = $1 AND id = $2`, [tenantId, keyId]);
  return (rowCount ?? 0) > 0;
}

/** The presented key is revoked and a new one with its label issued, in one transaction; undefined when it is not live. */
export async function rotateApiKey(db: Db, presented: string): Promise<{ id: string; tenantId: string; key: string } | undefined> {
  return withTransaction(db, async (client) => {
    const { rows } = await client.query<{ id: string; tenant_id: string; label: string | null }>(
      `UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, tenant_id, label`,
      [hashApiKey(presented)],
    );
    const old = rows[0];
    if (!old) return undefined;
    const key = newKey();
    const inserted = await client.query<{ id: string }>(`INSERT INTO api_keys (tenant_id, key_hash, label) VALUES ($1, $2, $3) RETURNING id`, [old.tenant_id, hashApiKey(key), old.label]);
    return { id: inserted.rows[0]!.id, tenantId: old.tenant_id, key };
  });
}
