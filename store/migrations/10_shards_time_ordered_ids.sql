-- A record's id is time-ordered (UUID version 7) where PostgreSQL has uuidv7() (18 and later): each insert then adds
-- to the right-hand end of the primary key's index instead of a random page of it, which a random (version 4) id
-- touched, dirtied and logged in full after every checkpoint: PostgreSQL's CPU per record inserted 27 → 24 µs on a
-- table of 300,000 rows (bench/pg-upsert.ts, docs/BENCHMARKS.md). Ids already given stay as they are; on an older
-- PostgreSQL the ids stay random.
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 180000 THEN
    ALTER TABLE shards ALTER COLUMN id SET DEFAULT uuidv7();
  END IF;
END $$;
