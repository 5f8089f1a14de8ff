-- An integration's records by entity type and id, in place of the index by integration_id alone (migration 5, for
-- deleting an integration's records). That one is what the planner took for a page's lookup of its records while its
-- statistics had not yet seen the integration's rows: it read every row of the integration for every page, a cost
-- that grew with the integration (PostgreSQL 72 µs per record on the 50,000th, docs/BENCHMARKS.md). This one serves
-- the deletes too, and whichever index a plan takes, it finds a page's rows by their ids.
-- Built in this migration's transaction, which holds writes to shards until it is done: on a large table, create it
-- beforehand with CREATE INDEX CONCURRENTLY under this name, and this finds it. (Not CONCURRENTLY here: processes
-- starting at once wait for each other's migrations, and a concurrent build would wait for them in turn.)
CREATE INDEX IF NOT EXISTS shards_integration_key_idx ON shards (integration_id, entity_type, external_id);
DROP INDEX IF EXISTS shards_integration_idx;
