-- A pass that lists every record of an entity type where the provider has no feed of deletes (Shopify orders): the
-- ids it saw, so that what is stored and was not seen can be marked deleted at its end.
CREATE TABLE reconciliations (
  sync_task_id    text NOT NULL,
  entity_type     text NOT NULL,
  integration_id  uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  started_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sync_task_id, entity_type)
);
CREATE INDEX reconciliations_integration_idx ON reconciliations (integration_id);

CREATE TABLE reconciliation_seen (
  sync_task_id  text NOT NULL,
  entity_type   text NOT NULL,
  external_id   text NOT NULL,
  PRIMARY KEY (sync_task_id, entity_type, external_id),
  FOREIGN KEY (sync_task_id, entity_type) REFERENCES reconciliations (sync_task_id, entity_type) ON DELETE CASCADE
);

-- When the entity type was last reconciled: the next one is due a connector's interval after.
ALTER TABLE sync_checkpoints ADD COLUMN reconciled_at timestamptz;
