-- Stored records and dead letters go with their integration: deleting it deletes them (and a page a cancelled sync
-- still writes after the delete is refused instead of left behind). NOT VALID: rows from before are not re-checked.
CREATE INDEX shards_integration_idx ON shards (integration_id);
ALTER TABLE shards ADD CONSTRAINT shards_integration_fk FOREIGN KEY (integration_id) REFERENCES integrations (id) ON DELETE CASCADE NOT VALID;
CREATE INDEX dead_letters_integration_id_idx ON dead_letters (integration_id);
ALTER TABLE dead_letters ADD CONSTRAINT dead_letters_integration_fk FOREIGN KEY (integration_id) REFERENCES integrations (id) ON DELETE CASCADE NOT VALID;
