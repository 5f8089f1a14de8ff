import type { FieldMapping } from '../mapping/field-mapping';
import type { Db } from './db';

export async function getFieldMapping(db: Db, tenantId: string, integrationId: string, entityType: string): Promise<FieldMapping | undefined> {
  const { rows } = await db.query<{ mapping: FieldMapping }>(
    `SELECT mapping FROM field_mappings WHERE tenant_id = $1 AND integration_id::text = $2 AND entity_type = $3`,
    [tenantId, integrationId, entityType],
  );
  return rows[0]?.mapping;
}
