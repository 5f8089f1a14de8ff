import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db';

/** Keys are stored as SHA-256 hashes: a stolen table cannot be replayed against the API. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createTenant(db: Db, input: { id: string; name: string }): Promise<{ id: string; name: string; createdAt: Date } | undefined> {
  const { rows } = await db.query(`INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at`, [input.id, input.name]);
  return rows[0] ? { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at } : undefined;
}

export async function tenantExists(db: Db, id: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM tenants WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

/** Returns the key itself once; only its hash is kept. */
export async function createApiKey(db: Db, tenantId: string, label: string | undefined): Promise<{ id: string; key: string }> {
  const key = `isk_${randomBytes(24).toString('base64url')}`;
  const { rows } = await db.query<{ id: string }>(`INSERT INTO api_keys (tenant_id, key_hash, label) VALUES ($1, $2, $3) RETURNING id`, [tenantId, hashApiKey(key), label ?? null]);
  return { id: rows[0]!.id, key };
}

export async function tenantOfApiKey(db: Db, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hashApiKey(key)]);
  return rows[0]?.tenant_id;
}
