import type { PoolClient } from 'pg';
import type { Keyring } from '../security/keyring';
import { isUuid, type Db } from './db';

export type ConnectionStatus = 'active' | 'refresh_failing' | 'reauth_required';

/** What a connection's sealed `secrets` hold; never leaves the activity that opened it. */
export interface ConnectionSecrets {
  accessToken?: string;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  apiKey?: string;
  consumerKey?: string;
  consumerSecret?: string;
  instanceUrl?: string;
  [key: string]: string | undefined;
}

export interface Connection {
  id: string;
  integrationId: string;
  tenantId: string;
  kind: 'oauth2' | 'api_key';
  status: ConnectionStatus;
  tokenUrl: string | null;
  expiresAt: Date | null;
  lastRefreshedAt: Date | null;
  lastError: string | null;
  secrets: ConnectionSecrets;
}

const COLUMNS = `id, integration_id, tenant_id, kind, status, token_url, expires_at, last_refreshed_at, last_error, secrets, secrets_key_id`;

function toConnection(keyring: Keyring, r: Record<string, unknown>): Connection {
  return {
    id: r.id as string,
    integrationId: r.integration_id as string,
    tenantId: r.tenant_id as string,
    kind: r.kind as Connection['kind'],
    status: r.status as ConnectionStatus,
    tokenUrl: r.token_url as string | null,
    expiresAt: r.expires_at as Date | null,
    lastRefreshedAt: r.last_refreshed_at as Date | null,
    lastError: r.last_error as string | null,
    secrets: keyring.open<ConnectionSecrets>({ keyId: r.secrets_key_id as string, blob: r.secrets as Buffer }),
  };
}

/** What may be shown about a connection: everything but its secrets. */
export interface ConnectionSummary {
  id: string;
  kind: Connection['kind'];
  status: ConnectionStatus;
  expiresAt: Date | null;
  lastRefreshedAt: Date | null;
  lastError: string | null;
  keyId: string;
}

export async function findConnectionSummary(db: Db, tenantId: string, integrationId: string): Promise<ConnectionSummary | undefined> {
  const { rows } = await db.query(
    `SELECT id, kind, status, expires_at, last_refreshed_at, last_error, secrets_key_id FROM connections WHERE tenant_id = $1 AND integration_id::text = $2`,
    [tenantId, integrationId],
  );
  const r = rows[0];
  return r
    ? { id: r.id, kind: r.kind, status: r.status, expiresAt: r.expires_at, lastRefreshedAt: r.last_refreshed_at, lastError: r.last_error, keyId: r.secrets_key_id }
    : undefined;
}

/** Whose connection this is; undefined when it no longer exists. */
export async function findConnectionOwner(db: Db, connectionId: string): Promise<{ integrationId: string; tenantId: string } | undefined> {
  const { rows } = await db.query<{ integration_id: string; tenant_id: string }>(`SELECT integration_id, tenant_id FROM connections WHERE id::text = $1`, [connectionId]);
  return rows[0] ? { integrationId: rows[0].integration_id, tenantId: rows[0].tenant_id } : undefined;
}

/**
 * The integration a webhook names, found by id and provider alone (a webhook carries no API key), with the
 * secret its signature is checked against.
 */
export async function findWebhookTarget(
  db: Db,
  keyring: Keyring,
  provider: string,
  integrationId: string,
): Promise<{ tenantId: string; integrationStatus: string; webhookSecret: string | undefined } | undefined> {
  if (!isUuid(integrationId)) return undefined;
  const { rows } = await db.query(
    `SELECT i.status AS integration_status, ${COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')}
       FROM integrations i JOIN connections c ON c.integration_id = i.id
      WHERE i.id = $1::uuid AND i.provider = $2`,
    [integrationId, provider],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { tenantId: r.tenant_id, integrationStatus: r.integration_status, webhookSecret: toConnection(keyring, r).secrets.webhookSecret };
}

export async function getConnectionOfIntegration(db: Db, keyring: Keyring, tenantId: string, integrationId: string): Promise<Connection | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = $1 AND integration_id::text = $2`, [tenantId, integrationId]);
  return rows[0] ? toConnection(keyring, rows[0]) : undefined;
}

/** Inside a transaction: the row lock makes concurrent refreshers of one connection wait for each other. */
export async function lockConnection(client: PoolClient, keyring: Keyring, connectionId: string): Promise<Connection | undefined> {
  const { rows } = await client.query(`SELECT ${COLUMNS} FROM connections WHERE id::text = $1 FOR UPDATE`, [connectionId]);
  return rows[0] ? toConnection(keyring, rows[0]) : undefined;
}

export async function saveRefreshedSecrets(
  client: PoolClient,
  keyring: Keyring,
  input: { connectionId: string; secrets: ConnectionSecrets; expiresAt: Date | null; refreshedAt: Date },
): Promise<void> {
  const sealed = keyring.seal(input.secrets);
  await client.query(
    `UPDATE connections SET secrets = $2, secrets_key_id = $3, expires_at = $4, status = 'active', last_refreshed_at = $5, last_error = NULL, updated_at = now()
      WHERE id::text = $1`,
    [input.connectionId, sealed.blob, sealed.keyId, input.expiresAt, input.refreshedAt],
  );
}

export async function setConnectionStatus(db: Db | PoolClient, connectionId: string, status: ConnectionStatus, error: string | null): Promise<void> {
  await db.query(`UPDATE connections SET status = $2, last_error = $3, updated_at = now() WHERE id::text = $1`, [connectionId, status, error]);
}

export interface ExpiringConnection {
  connectionId: string;
  integrationId: string;
  tenantId: string;
}

/** OAuth connections that expire before `threshold` and can still be refreshed, a page at a time in id order. */
export async function listExpiringConnections(db: Db, threshold: string, afterId: string | null, limit: number): Promise<ExpiringConnection[]> {
  const { rows } = await db.query<{ id: string; integration_id: string; tenant_id: string }>(
    `SELECT id, integration_id, tenant_id FROM connections
      WHERE kind = 'oauth2' AND status <> 'reauth_required' AND expires_at < $1 AND ($2::uuid IS NULL OR id > $2::uuid)
      ORDER BY id LIMIT $3`,
    [threshold, afterId, limit],
  );
  return rows.map((r) => ({ connectionId: r.id, integrationId: r.integration_id, tenantId: r.tenant_id }));
}

/** Stores new credentials (sealed), replacing any earlier connection of the integration; status back to active. */
export async function upsertConnection(
  db: Db,
  keyring: Keyring,
  input: { tenantId: string; integrationId: string; kind: Connection['kind']; secrets: ConnectionSecrets; tokenUrl: string | null; expiresAt: Date | null },
): Promise<{ id: string; status: ConnectionStatus; expiresAt: Date | null }> {
  const sealed = keyring.seal(input.secrets);
  const { rows } = await db.query(
    `INSERT INTO connections (integration_id, tenant_id, kind, secrets, secrets_key_id, token_url, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (integration_id) DO UPDATE SET kind = EXCLUDED.kind, secrets = EXCLUDED.secrets, secrets_key_id = EXCLUDED.secrets_key_id,
       token_url = EXCLUDED.token_url, expires_at = EXCLUDED.expires_at, status = 'active', last_error = NULL, updated_at = now()
     RETURNING id, status, expires_at`,
    [input.integrationId, input.tenantId, input.kind, sealed.blob, sealed.keyId, input.tokenUrl, input.expiresAt],
  );
  return { id: rows[0].id, status: rows[0].status, expiresAt: rows[0].expires_at };
}
