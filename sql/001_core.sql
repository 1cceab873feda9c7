-- 001_core: accounts and the bookkeeping tables (files, runs, collectors).
--
-- Conventions used by every migration (see docs/data-model.md):
--   * natural keys are the PRIMARY KEY, in the documented column order, so the loader's
--     ON CONFLICT (<key columns>) matches exactly;
--   * timestamps are timestamptz, money and quantities numeric, counts integer/bigint >= 0;
--   * every data row records which file last wrote it (ingestion_id) and when it was first and
--     last loaded (first_loaded_at, last_loaded_at). The bookkeeping column is last_loaded_at,
--     not updated_at, because several AWS items carry their own updated_at field.

CREATE TABLE ingestions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket         text        NOT NULL,
    object_key     text        NOT NULL,
    version_id     text        NOT NULL DEFAULT '',
    etag           text,
    size_bytes     bigint      CHECK (size_bytes >= 0),
    account_id     text,
    run_id         uuid,
    status         text        NOT NULL CHECK (status IN ('loaded', 'failed', 'skipped')),
    error          text,
    rows           jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(rows) = 'object'),
    duration_ms    integer     CHECK (duration_ms >= 0),
    attempts       integer     NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    received_at    timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    CONSTRAINT ingestions_natural_key UNIQUE (bucket, object_key, version_id),
    CONSTRAINT ingestions_failed_has_error CHECK (status <> 'failed' OR error IS NOT NULL)
);
COMMENT ON TABLE ingestions IS 'One S3 object version the receiver loaded, failed or skipped (account_id is as named by the key, unchecked).';
COMMENT ON COLUMN ingestions.version_id IS 'S3 version id; empty string when the bucket is unversioned.';
COMMENT ON COLUMN ingestions.rows IS 'Rows written per table, e.g. {"cost_daily": 42}.';
CREATE INDEX ingestions_status_received_idx ON ingestions (status, received_at);
CREATE INDEX ingestions_received_idx ON ingestions (received_at);
CREATE INDEX ingestions_account_idx ON ingestions (account_id, received_at);

CREATE TABLE accounts (
    account_id            char(12)    PRIMARY KEY CHECK (account_id ~ '^[0-9]{12}$'),
    name                  text,
    email                 text,
    status                text,
    joined_at             timestamptz,
    organization_id       text,
    management_account_id char(12)    CHECK (management_account_id ~ '^[0-9]{12}$'),
    ou_id                 text,
    ou_path               text,
    ingestion_id          bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at       timestamptz NOT NULL DEFAULT now(),
    last_loaded_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE accounts IS 'One AWS account that sent data (details from Organizations when available).';

CREATE TABLE account_contacts (
    account_id        char(12)    NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    contact_type      text        NOT NULL CHECK (contact_type IN ('PRIMARY', 'BILLING', 'OPERATIONS', 'SECURITY')),
    full_name         text,
    title             text,
    email             text,
    phone_number      text,
    company_name      text,
    address_line1     text,
    address_line2     text,
    address_line3     text,
    city              text,
    state_or_region   text,
    postal_code       text,
    country_code      text,
    website_url       text,
    ingestion_id      bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at   timestamptz NOT NULL DEFAULT now(),
    last_loaded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT account_contacts_pkey PRIMARY KEY (account_id, contact_type)
);
COMMENT ON TABLE account_contacts IS 'One contact (primary, billing, operations or security) of an account.';

CREATE TABLE collection_runs (
    run_id          uuid        PRIMARY KEY,
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    schema_version  text,
    interval        text        NOT NULL CHECK (interval IN ('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY')),
    window_start    date        NOT NULL,
    window_end      date        NOT NULL,
    collected_at    timestamptz NOT NULL,
    sender_version  text,
    regions         text[]      NOT NULL DEFAULT '{}',
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT collection_runs_window_check CHECK (window_end > window_start)
);
COMMENT ON TABLE collection_runs IS 'One sender run (one document): account, interval, window [start, end), versions, regions.';
CREATE INDEX collection_runs_account_window_idx ON collection_runs (account_id, window_start, window_end);

CREATE TABLE collector_runs (
    run_id          uuid        NOT NULL REFERENCES collection_runs (run_id) ON DELETE CASCADE,
    collector       text        NOT NULL,
    region          text        NOT NULL DEFAULT '',
    status          text        NOT NULL CHECK (status IN ('ok', 'partial', 'skipped', 'error')),
    error           text,
    item_count      integer     CHECK (item_count >= 0),
    duration_ms     integer     CHECK (duration_ms >= 0),
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT collector_runs_pkey PRIMARY KEY (run_id, collector, region),
    CONSTRAINT collector_runs_ok_has_no_error CHECK (status <> 'ok' OR error IS NULL)
);
COMMENT ON TABLE collector_runs IS 'One collector in one sender run (region is empty for global collectors) and how it went.';
COMMENT ON COLUMN collector_runs.region IS 'Region the collector covered; empty string for global collectors.';
CREATE INDEX collector_runs_failed_idx ON collector_runs (status) WHERE status <> 'ok';
