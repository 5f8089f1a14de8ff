import { Keyring } from '../../security/keyring';
import type { Db } from '../../store/db';

export interface SeedIntegration {
  tenantId: string;
  provider: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  /** The hex ENCRYPTION_KEY the worker under test uses. */
  encryptionKey: string;
  oauth?: { tokenUrl: string; expiresAt: Date };
  nextSyncAt?: Date;
}

const SHOPIFY_TEST_PACE = { rateLimitPerSecond: 2_000, rateLimitBurst: 40_000 };

export async function createIntegration(db: Db, input: SeedIntegration): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO integrations (tenant_id, provider, name, config, next_sync_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    // Fake providers enforce their own limits where a test wants them; the platform's default pace would only slow the suite
    // (Shopify's is in query cost points: the largest plan's bucket).
    [input.tenantId, input.provider, `${input.provider} test`, { ...(input.provider === 'shopify' ? SHOPIFY_TEST_PACE : { rateLimitPerSecond: 1_000 }), ...input.config }, input.nextSyncAt ?? null],
  );
  const id = rows[0]!.id;
  const sealed = new Keyring(Buffer.from(input.encryptionKey, 'hex')).seal(input.secrets);
  await db.query(
    `INSERT INTO connections (integration_id, tenant_id, kind, secrets, secrets_key_id, token_url, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [id, input.tenantId, input.oauth ? 'oauth2' : 'api_key', sealed.blob, sealed.keyId, input.oauth?.tokenUrl ?? null, input.oauth?.expiresAt ?? null],
  );
  return id;
}

/** A Shopify integration of a fake shop at `baseUrl`, authenticated by `accessToken`. */
export function createShopIntegration(env: { db: Db; encryptionKey: string }, baseUrl: string, tenantId: string, accessToken: string): Promise<string> {
  return createIntegration(env.db, { tenantId, provider: 'shopify', config: { baseUrl }, secrets: { accessToken }, encryptionKey: env.encryptionKey });
}

export async function connectionIdOf(db: Db, integrationId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM connections WHERE integration_id = $1`, [integrationId]);
  return rows[0]!.id;
}

/** How many records of an integration (of one entity type, if given) are stored. */
export async function shardCount(db: Db, integrationId: string, entityType?: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) FROM shards WHERE integration_id = $1 AND ($2::text IS NULL OR entity_type = $2)`,
    [integrationId, entityType ?? null],
  );
  return Number(rows[0]!.count);
}
