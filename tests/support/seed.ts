import { encryptJson } from '../../security/secrets';
import type { Db } from '../../store/db';

export async function createIntegration(
  db: Db,
  input: { tenantId: string; provider: string; config: Record<string, unknown>; secrets: Record<string, string>; encryptionKey: string },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO integrations (tenant_id, provider, name, config) VALUES ($1, $2, $3, $4) RETURNING id`,
    [input.tenantId, input.provider, `${input.provider} test`, input.config],
  );
  const id = rows[0]!.id;
  await db.query(`INSERT INTO connections (integration_id, tenant_id, kind, secrets) VALUES ($1, $2, 'api_key', $3)`, [
    id,
    input.tenantId,
    encryptJson(Buffer.from(input.encryptionKey, 'hex'), input.secrets),
  ]);
  return id;
}
