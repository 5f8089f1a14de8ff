-- A record the provider deleted (or trashed, archived) stays as a tombstone: its last data and when it went, so a
-- retried page re-announces the same delete and a record that comes back is announced as created again.
ALTER TABLE shards ADD COLUMN deleted_at timestamptz;
ALTER TABLE shards DROP CONSTRAINT shards_last_change_check;
ALTER TABLE shards ADD CONSTRAINT shards_last_change_check CHECK (last_change IN ('created', 'updated', 'deleted'));

-- Deletes a provider announced by webhook (Shopify orders/delete, WooCommerce order.deleted), kept until a sync of
-- the entity type has asked the provider about them: the body of a webhook names a record, the provider confirms it.
CREATE TABLE deletion_notices (
  integration_id  uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  entity_type     text NOT NULL,
  external_id     text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (integration_id, entity_type, external_id)
);
