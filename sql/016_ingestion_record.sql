-- 016_ingestion_record: what the receiver learned about each file, and the seed's `logs` view.
--
-- A receiver reads documents of a newer minor contract version by ignoring the fields it does
-- not know (docs/upgrading.md, "Contract versions"); the ingestion record keeps the document's
-- version and how many fields, and which (the first 100), were ignored, so an operator sees
-- that the analytics side is behind its senders.

ALTER TABLE ingestions ADD COLUMN schema_version text;
ALTER TABLE ingestions ADD COLUMN ignored_field_count integer NOT NULL DEFAULT 0
    CONSTRAINT ingestions_ignored_field_count_check CHECK (ignored_field_count >= 0);
ALTER TABLE ingestions ADD COLUMN ignored_fields text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN ingestions.schema_version IS 'Contract version the document declared (NULL when the file could not be read that far).';
COMMENT ON COLUMN ingestions.ignored_field_count IS 'Fields of a newer minor contract version this receiver does not know and ignored (0 for a document of this or an older version).';
COMMENT ON COLUMN ingestions.ignored_fields IS 'JSON pointers of the first 100 ignored fields, e.g. /data/kms_keys/0/new_field.';

CREATE VIEW logs AS
SELECT i.id,
       i.received_at,
       i.finished_at,
       i.status,
       i.account_id,
       i.object_key,
       i.version_id,
       i.run_id,
       i.schema_version,
       i.error,
       coalesce((SELECT sum((e.value #>> '{}')::numeric)
                 FROM jsonb_each(i.rows) AS e
                 WHERE jsonb_typeof(e.value) = 'number'), 0)::bigint AS rows_written,
       i.ignored_field_count,
       i.size_bytes,
       i.duration_ms,
       i.attempts
FROM ingestions i;
COMMENT ON VIEW logs IS 'Processing status of every file the receiver saw (the seed''s "logs table"): loaded, failed (with the reason) or skipped, with rows written, contract version and ignored newer fields.';
