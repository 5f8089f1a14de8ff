import type { FieldMapping } from '../mapping/field-mapping';
import type { Db } from './db';

export async function getFieldMapping(db: Db, tenantId: string, integrationId: string, entityType: string): Promise<FieldMapping | undefined> {
  const { rows } = await db.query<{ mapping: FieldMapping }>(
    `SELECT mapping FROM field_mappings WHERE tenant_id = $1 AND integration_id::text = $2 AND entity_type = $3`,
    [tenantId, integrationId, entityType],
  );
  return rows[0]?.mapping;
}

export async function saveFieldMapping(db: Db, input: { tenantId: string; integrationId: string; entityType: string; mapping: FieldMapping }): Promise<void> {
  await db.query(
    `INSERT INTO field_mappings (integration_id, entity_type, tenant_id, mapping) VALUES ($1, $2, $3, $4)
     ON CONFLICT (integration_id, entity_type) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = now()`,
    [input.integrationId, input.entityType, input.tenantId, input.mapping],
  );
}
