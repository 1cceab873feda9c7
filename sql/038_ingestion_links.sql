-- 038_ingestion_links: ingestion_id (the file that last wrote a row) stays on every row, without
-- a foreign key to ingestions (issue 13).
--
-- Every data and bookkeeping table had ingestion_id REFERENCES ingestions (id) ON DELETE SET
-- NULL: 46 constraints. Each one checks every written row through its own trigger query: on
-- 100,000 Security Hub findings (one file, one ingestion) the check took 0.28 s of a 1.6 s
-- upsert (EXPLAIN ANALYZE, 13 ms per 4,601-row statement), the largest part of the upsert that
-- COPY of the same rows does not pay. And it made ingestions unprunable: deleting one file's row
-- scanned every referencing table, partitions included (1.1-1.5 s per file at 100 accounts x
-- 400 days, docs/scale.md).
--
-- What the constraint guaranteed holds without it: the loader writes only the id of the
-- ingestion it inserted in the same transaction (receiver.loader), and ids come from an
-- identity column, never reused, so an id whose ingestions row is deleted matches no other file.
-- Joins read the same: a view joining ingestions on ingestion_id finds no row for a deleted
-- file, as it found none for the NULL that ON DELETE SET NULL wrote. Only a row's ingestion_id
-- now keeps the number of a deleted file instead of becoming NULL.
--
-- One loop over the catalog rather than 46 statements: the constraints are those PostgreSQL
-- named (<table>_ingestion_id_fkey), on the parents of the partitioned tables (dropping a
-- parent's constraint drops its partitions' copies, conparentid <> 0).

DO $$
DECLARE
    link record;
    dropped integer := 0;
BEGIN
    FOR link IN
        SELECT conrelid::regclass AS referencing, conname
        FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'ingestions'::regclass AND conparentid = 0
        ORDER BY conrelid::regclass::text, conname
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', link.referencing, link.conname);
        dropped := dropped + 1;
    END LOOP;
    IF dropped = 0 THEN  -- as every other file, applied twice it fails loudly
        RAISE EXCEPTION 'no foreign key references ingestions: 038 is applied already'
            USING ERRCODE = 'duplicate_object';
    END IF;
END
$$;
