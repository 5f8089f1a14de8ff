-- A record's key is (integration_id, entity_type, external_id): an integration belongs to one tenant, so the unique key
-- that led with tenant_id said no more, and the index by integration_id alone (migration 5, for deleting an
-- integration's records) is what the planner took for a page's lookup of its records while its statistics had not
-- yet seen the integration's rows: it read every row of the integration for every page, a cost that grew with the
-- integration (PostgreSQL 72 µs per record on the 50,000th, docs/BENCHMARKS.md). One index now serves the key, the
-- lookups and the deletes, and each record inserted maintains one index fewer.
-- Built in this migration's transaction, which holds writes to shards until it is done: on a large table, create it
-- beforehand with CREATE UNIQUE INDEX CONCURRENTLY under this name, and this finds it. (Not CONCURRENTLY here:
-- processes starting at once wait for each other's migrations, and a concurrent build would wait for them in turn.)
CREATE UNIQUE INDEX IF NOT EXISTS shards_integration_key ON shards (integration_id, entity_type, external_id);
ALTER TABLE shards DROP CONSTRAINT IF EXISTS shards_tenant_id_integration_id_entity_type_external_id_key;
DROP INDEX IF EXISTS shards_integration_idx;
