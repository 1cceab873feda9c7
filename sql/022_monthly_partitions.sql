-- 022_monthly_partitions: snapshot and per-day tables partitioned by month, plus monthly rollups
-- that outlive the daily detail (issue 16, item 3).
--
-- Partitioned (declarative RANGE partitioning on the day column, one partition per calendar
-- month, named <table>_pYYYYMM, and a DEFAULT partition <table>_default so that a file dated
-- outside every partition still loads):
--   * every snapshot table (receiver.tables: Table.snapshot): on snapshot_date
--     securityhub_severity_counts, guardduty_finding_snapshots, kms_keys, waf_web_acls, waf_rules,
--     cloudtrail_trails, secrets, acm_certificates, config_rules, config_conformance_packs,
--     config_noncompliant_resources, ssm_managed_instances, ssm_applications, ssm_patches,
--     trusted_advisor_checks, appsignals_services, appsignals_slos, resiliencehub_apps,
--     compute_optimizer_recommendations, resources, iam_summary, iam_users;
--     on generated_on: cost_forecasts, organization_cost_forecasts;
--   * every table whose key has a day: cost_daily, service_usage, marketplace_usage (usage_date).
-- Left out, and why:
--   * accounts, account_contacts: no date; one row per account (contact);
--   * cost_period_totals, commitment_utilization: keyed by a period [start, end) that may span
--     months, a few rows per account and run; they stay small;
--   * securityhub_findings, guardduty_findings, inspector_findings, health_events, support_cases:
--     keyed by the item's own identity and updated in place (newer wins), not one row per day;
--   * ingestions, collection_runs, collector_runs: bookkeeping keyed by file or run id (collector_runs
--     has no date column); current state reads snapshot_pointers (021), not their history;
--   * snapshot_pointers (021): one row per (account, kind, collector, region), small by design.
--
-- In place and without loss: each table is renamed aside, a partitioned table with the same
-- name, columns, defaults, NOT NULL and CHECK constraints, primary key, indexes, foreign keys
-- (both ways) and comments takes its place, the rows are copied, and the old table is dropped.
-- Partitions cover every month holding rows plus the current month and three months ahead
-- (receiver.partitions.maintain keeps creating them, splits rows out of DEFAULT and applies the
-- retention policy). Every view depending on these tables, directly or through other views, is
-- saved from pg_get_viewdef with its options and comments, dropped, and recreated in dependency
-- order afterwards, so no view definition is repeated here. Grants are re-applied by the
-- migration runner at the end of the run.
--
-- The Data API runs one statement per call, 45 s each: the work is done by helper functions this
-- file creates, calls once per table (one copy per call) and drops at the end. See
-- docs/upgrading.md for the time it takes and what to do with a very large database.

CREATE TABLE migration_022_views (
    name        text    PRIMARY KEY,
    depth       integer NOT NULL,
    definition  text    NOT NULL,
    options     text[],
    comment     text,
    columns     jsonb   NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE migration_022_foreign_keys (
    table_name  text NOT NULL,
    name        text NOT NULL,
    definition  text NOT NULL,
    PRIMARY KEY (table_name, name)
);

-- Save every view that depends on one of `tables` (directly or through other views), then drop
-- them, most dependent first. Returns how many.
CREATE FUNCTION migration_022_save_views(tables text[]) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    v record;
    saved integer := 0;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = 'public') THEN
        RAISE EXCEPTION 'materialized views are not handled by 022';
    END IF;
    INSERT INTO migration_022_views (name, depth, definition, options, comment, columns)
    WITH RECURSIVE dependent (view_oid, depth) AS (
        SELECT r.ev_class, 1
        FROM pg_depend d
        JOIN pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass
          AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid IN (SELECT t::regclass::oid FROM unnest(tables) AS t)
          AND r.ev_class <> d.refobjid
        UNION
        SELECT r.ev_class, dependent.depth + 1
        FROM dependent
        JOIN pg_depend d ON d.refobjid = dependent.view_oid
                        AND d.classid = 'pg_rewrite'::regclass
                        AND d.refclassid = 'pg_class'::regclass
        JOIN pg_rewrite r ON r.oid = d.objid
        WHERE r.ev_class <> dependent.view_oid
    ), deepest AS (
        SELECT view_oid, max(depth) AS depth FROM dependent GROUP BY view_oid
    )
    SELECT c.oid::regclass::text,
           deepest.depth,
           rtrim(pg_get_viewdef(c.oid), E'; \n'),
           c.reloptions,
           obj_description(c.oid, 'pg_class'),
           coalesce((SELECT jsonb_object_agg(a.attname, col_description(c.oid, a.attnum))
                     FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND col_description(c.oid, a.attnum) IS NOT NULL), '{}'::jsonb)
    FROM deepest
    JOIN pg_class c ON c.oid = deepest.view_oid
    WHERE c.relkind = 'v';
    FOR v IN SELECT name FROM migration_022_views ORDER BY depth DESC, name LOOP
        EXECUTE format('DROP VIEW %s', v.name);
        saved := saved + 1;
    END LOOP;
    RETURN saved;
END
$fn$;

-- Replace `tbl` by a table partitioned by month on `col`, holding the same rows.
CREATE FUNCTION migration_022_partition(tbl text, col text, months_ahead integer)
RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    old_oid   oid := tbl::regclass::oid;
    aside     text := tbl || '_pre022';
    r         record;
    indexes   text[];
    keys      text[][];
    comments  text[];
    copied    bigint;
    months    integer := 0;
    first_month date;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint c JOIN pg_attribute a
          ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.conrelid = old_oid AND c.contype = 'p' AND a.attname = col
    ) THEN
        RAISE EXCEPTION '%: its primary key lacks %, it cannot be partitioned on it', tbl, col;
    END IF;
    -- foreign keys of other tables referencing this one: held, re-added once it is partitioned
    FOR r IN SELECT conrelid::regclass::text AS owner, conname, pg_get_constraintdef(oid) AS def
             FROM pg_constraint WHERE contype = 'f' AND confrelid = old_oid AND conrelid <> old_oid
    LOOP
        INSERT INTO migration_022_foreign_keys VALUES (r.owner, r.conname, r.def);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.owner, r.conname);
    END LOOP;
    -- its own foreign keys
    INSERT INTO migration_022_foreign_keys
    SELECT tbl, conname, pg_get_constraintdef(oid)
    FROM pg_constraint WHERE contype = 'f' AND conrelid = old_oid;
    -- indexes that back no constraint, as written (they are recreated under the same name)
    SELECT coalesce(array_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid), '{}')
    INTO indexes
    FROM pg_index i
    WHERE i.indrelid = old_oid
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                                      AND c.conrelid = old_oid);
    -- primary key, unique and exclusion constraints
    SELECT coalesce(array_agg(ARRAY[conname::text, pg_get_constraintdef(oid)] ORDER BY contype, conname),
                    '{}')
    INTO keys
    FROM pg_constraint WHERE conrelid = old_oid AND contype IN ('p', 'u', 'x');
    -- comments on the table, its indexes and its non-CHECK constraints (LIKE copies columns' and
    -- CHECK constraints' comments)
    SELECT coalesce(array_agg(stmt), '{}') INTO comments FROM (
        SELECT format('COMMENT ON TABLE %I IS %L', tbl, obj_description(old_oid, 'pg_class')) AS stmt
        WHERE obj_description(old_oid, 'pg_class') IS NOT NULL
        UNION ALL
        SELECT format('COMMENT ON CONSTRAINT %I ON %I IS %L', conname, tbl,
                      obj_description(oid, 'pg_constraint'))
        FROM pg_constraint
        WHERE conrelid = old_oid AND contype <> 'c' AND obj_description(oid, 'pg_constraint') IS NOT NULL
        UNION ALL
        SELECT format('COMMENT ON INDEX %I IS %L', c.relname, obj_description(c.oid, 'pg_class'))
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = old_oid AND obj_description(c.oid, 'pg_class') IS NOT NULL
    ) s;

    -- aside: the old table and its indexes (index names are schema-wide) under other names
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, aside);
    FOR r IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = old_oid
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, 'migration_022_' || r.relname);
    END LOOP;
    FOR r IN SELECT conname FROM pg_constraint WHERE conrelid = old_oid AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', aside, r.conname);
    END LOOP;

    EXECUTE format(
        'CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS '
        'INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE) PARTITION BY RANGE (%I)',
        tbl, aside, col);
    EXECUTE format('SELECT min(%I) FROM %I', col, aside) INTO first_month;
    FOR r IN EXECUTE format(
        'SELECT DISTINCT date_trunc(''month'', %I)::date AS m FROM %I '
        'UNION SELECT generate_series(date_trunc(''month'', current_date), '
        'date_trunc(''month'', current_date) + make_interval(months => %s), '
        '''1 month'')::date ORDER BY 1', col, aside, months_ahead)
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                       tbl || '_p' || to_char(r.m, 'YYYYMM'), tbl, r.m,
                       (r.m + interval '1 month')::date);
        months := months + 1;
    END LOOP;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);

    EXECUTE format('INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM %I', tbl, aside);
    GET DIAGNOSTICS copied = ROW_COUNT;

    FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, keys[i][1], keys[i][2]);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(indexes, 1), 0) LOOP
        EXECUTE indexes[i];
    END LOOP;
    EXECUTE format('DROP TABLE %I', aside);
    -- its own foreign keys, and those of already partitioned tables referencing it
    FOR r IN DELETE FROM migration_022_foreign_keys WHERE table_name = tbl RETURNING * LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, r.name, r.definition);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(comments, 1), 0) LOOP
        EXECUTE comments[i];
    END LOOP;
    EXECUTE format('ANALYZE %I', tbl);
    RETURN format('%s: %s rows, %s month partitions from %s', tbl, copied, months, first_month);
END
$fn$;

-- Re-add held foreign keys, then recreate the saved views, least dependent first.
CREATE FUNCTION migration_022_restore() RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    c record;
    restored integer := 0;
BEGIN
    FOR r IN DELETE FROM migration_022_foreign_keys RETURNING * LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.table_name, r.name, r.definition);
    END LOOP;
    FOR r IN SELECT * FROM migration_022_views ORDER BY depth, name LOOP
        EXECUTE format('CREATE VIEW %s%s AS %s', r.name,
                       CASE WHEN r.options IS NULL THEN ''
                            ELSE format(' WITH (%s)', array_to_string(r.options, ', ')) END,
                       r.definition);
        IF r.comment IS NOT NULL THEN
            EXECUTE format('COMMENT ON VIEW %s IS %L', r.name, r.comment);
        END IF;
        FOR c IN SELECT key, value FROM jsonb_each_text(r.columns) LOOP
            EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', r.name, c.key, c.value);
        END LOOP;
        restored := restored + 1;
    END LOOP;
    RETURN restored;
END
$fn$;

SELECT migration_022_save_views(ARRAY[
    'cost_daily', 'service_usage', 'marketplace_usage', 'cost_forecasts',
    'organization_cost_forecasts', 'securityhub_severity_counts', 'guardduty_finding_snapshots',
    'kms_keys', 'waf_web_acls', 'waf_rules', 'cloudtrail_trails', 'secrets', 'acm_certificates',
    'config_rules', 'config_conformance_packs', 'config_noncompliant_resources',
    'ssm_managed_instances', 'ssm_applications', 'ssm_patches', 'trusted_advisor_checks',
    'appsignals_services', 'appsignals_slos', 'resiliencehub_apps',
    'compute_optimizer_recommendations', 'resources', 'iam_summary', 'iam_users'
]);

-- one table per statement (parents before their children)
SELECT migration_022_partition('cost_daily', 'usage_date', 3);
SELECT migration_022_partition('service_usage', 'usage_date', 3);
SELECT migration_022_partition('marketplace_usage', 'usage_date', 3);
SELECT migration_022_partition('cost_forecasts', 'generated_on', 3);
SELECT migration_022_partition('organization_cost_forecasts', 'generated_on', 3);
SELECT migration_022_partition('securityhub_severity_counts', 'snapshot_date', 3);
SELECT migration_022_partition('guardduty_finding_snapshots', 'snapshot_date', 3);
SELECT migration_022_partition('kms_keys', 'snapshot_date', 3);
SELECT migration_022_partition('waf_web_acls', 'snapshot_date', 3);
SELECT migration_022_partition('waf_rules', 'snapshot_date', 3);
SELECT migration_022_partition('cloudtrail_trails', 'snapshot_date', 3);
SELECT migration_022_partition('secrets', 'snapshot_date', 3);
SELECT migration_022_partition('acm_certificates', 'snapshot_date', 3);
SELECT migration_022_partition('config_rules', 'snapshot_date', 3);
SELECT migration_022_partition('config_conformance_packs', 'snapshot_date', 3);
SELECT migration_022_partition('config_noncompliant_resources', 'snapshot_date', 3);
SELECT migration_022_partition('ssm_managed_instances', 'snapshot_date', 3);
SELECT migration_022_partition('ssm_applications', 'snapshot_date', 3);
SELECT migration_022_partition('ssm_patches', 'snapshot_date', 3);
SELECT migration_022_partition('trusted_advisor_checks', 'snapshot_date', 3);
SELECT migration_022_partition('appsignals_services', 'snapshot_date', 3);
SELECT migration_022_partition('appsignals_slos', 'snapshot_date', 3);
SELECT migration_022_partition('resiliencehub_apps', 'snapshot_date', 3);
SELECT migration_022_partition('compute_optimizer_recommendations', 'snapshot_date', 3);
SELECT migration_022_partition('resources', 'snapshot_date', 3);
SELECT migration_022_partition('iam_summary', 'snapshot_date', 3);
SELECT migration_022_partition('iam_users', 'snapshot_date', 3);

SELECT migration_022_restore();

DROP FUNCTION migration_022_save_views(text[]);
DROP FUNCTION migration_022_partition(text, text, integer);
DROP FUNCTION migration_022_restore();
DROP TABLE migration_022_views;
DROP TABLE migration_022_foreign_keys;

-- Monthly rollups: what stays of a month once receiver.partitions.maintain has dropped its daily
-- detail (retention, default 400 days). A month is rolled up just before its partitions are
-- dropped; months still in detail are read from the daily tables.

CREATE TABLE cost_monthly (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    month           date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    service         text        NOT NULL,
    currency        text        NOT NULL DEFAULT '',
    unblended_cost  numeric,
    amortized_cost  numeric,
    days            integer     NOT NULL CHECK (days >= 0),
    estimated_days  integer     NOT NULL CHECK (estimated_days >= 0),
    final_days      integer     NOT NULL CHECK (final_days >= 0),
    unknown_days    integer     NOT NULL CHECK (unknown_days >= 0),
    first_day       date        NOT NULL,
    last_day        date        NOT NULL,
    rolled_up_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cost_monthly_pkey PRIMARY KEY (account_id, month, service, currency)
);
COMMENT ON TABLE cost_monthly IS 'Cost of one service in one account over one calendar month: the sum of its cost_daily rows, kept after the daily rows are dropped by the retention policy (receiver.partitions).';
COMMENT ON COLUMN cost_monthly.month IS 'First day of the month.';
COMMENT ON COLUMN cost_monthly.currency IS 'cost_daily.currency; empty string when it was NULL.';
COMMENT ON COLUMN cost_monthly.days IS 'Days with a cost_daily row in the month.';
COMMENT ON COLUMN cost_monthly.estimated_days IS 'Days whose cost was still Cost Explorer''s estimate when last collected (cost_daily.estimated true): the month''s sum is not final while this is above 0.';
COMMENT ON COLUMN cost_monthly.final_days IS 'Days whose cost was final (cost_daily.estimated false).';
COMMENT ON COLUMN cost_monthly.unknown_days IS 'Days collected by older senders, which did not say (cost_daily.estimated NULL).';
COMMENT ON COLUMN cost_monthly.first_day IS 'First usage_date of the month with a row.';
COMMENT ON COLUMN cost_monthly.last_day IS 'Last usage_date of the month with a row.';

CREATE TABLE service_usage_monthly (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    month           date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    service         text        NOT NULL,
    usage_type      text        NOT NULL,
    unit            text        NOT NULL DEFAULT '',
    currency        text        NOT NULL DEFAULT '',
    quantity        numeric,
    unblended_cost  numeric,
    days            integer     NOT NULL CHECK (days >= 0),
    rolled_up_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_usage_monthly_pkey
        PRIMARY KEY (account_id, month, service, usage_type, unit, currency)
);
COMMENT ON TABLE service_usage_monthly IS 'Usage quantity and cost of one service usage type (in one unit) in one account over one calendar month: the sum of its service_usage rows, kept after the daily rows are dropped by the retention policy.';
COMMENT ON COLUMN service_usage_monthly.month IS 'First day of the month.';
COMMENT ON COLUMN service_usage_monthly.currency IS 'service_usage.currency; empty string when it was NULL.';
COMMENT ON COLUMN service_usage_monthly.days IS 'Days with a service_usage row in the month.';

CREATE TABLE marketplace_usage_monthly (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    month           date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    product         text        NOT NULL,
    usage_type      text        NOT NULL,
    unit            text        NOT NULL DEFAULT '',
    currency        text        NOT NULL DEFAULT '',
    quantity        numeric,
    cost            numeric,
    days            integer     NOT NULL CHECK (days >= 0),
    rolled_up_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT marketplace_usage_monthly_pkey
        PRIMARY KEY (account_id, month, product, usage_type, unit, currency)
);
COMMENT ON TABLE marketplace_usage_monthly IS 'Usage and cost of one AWS Marketplace product usage type in one account over one calendar month: the sum of its marketplace_usage rows, kept after the daily rows are dropped by the retention policy.';
COMMENT ON COLUMN marketplace_usage_monthly.month IS 'First day of the month.';
COMMENT ON COLUMN marketplace_usage_monthly.unit IS 'marketplace_usage.unit; empty string when it was NULL.';
COMMENT ON COLUMN marketplace_usage_monthly.currency IS 'marketplace_usage.currency; empty string when it was NULL.';
COMMENT ON COLUMN marketplace_usage_monthly.days IS 'Days with a marketplace_usage row in the month.';

CREATE TABLE securityhub_severity_monthly (
    account_id          char(12)    NOT NULL REFERENCES accounts (account_id),
    month               date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    region              text        NOT NULL,
    severity_label      text        NOT NULL,
    snapshot_date       date        NOT NULL,
    count               integer,
    workflow_new        integer,
    workflow_notified   integer,
    workflow_suppressed integer,
    workflow_resolved   integer,
    rolled_up_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT securityhub_severity_monthly_pkey PRIMARY KEY (account_id, month, region, severity_label)
);
COMMENT ON TABLE securityhub_severity_monthly IS 'Security Hub finding counts per severity of one account and region at the end of one calendar month: the rows of securityhub_severity_counts on the month''s last snapshot date of that account and region, kept after the daily snapshots are dropped by the retention policy.';
COMMENT ON COLUMN securityhub_severity_monthly.month IS 'First day of the month.';
COMMENT ON COLUMN securityhub_severity_monthly.snapshot_date IS 'The month''s last snapshot of the account and region, which the counts are from.';

CREATE TABLE config_compliance_monthly (
    account_id              char(12)    NOT NULL REFERENCES accounts (account_id),
    month                   date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    region                  text        NOT NULL,
    compliance              text        NOT NULL,
    snapshot_date           date        NOT NULL,
    rules                   integer     NOT NULL CHECK (rules >= 0),
    noncompliant_resources  bigint,
    rolled_up_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT config_compliance_monthly_pkey PRIMARY KEY (account_id, month, region, compliance)
);
COMMENT ON TABLE config_compliance_monthly IS 'AWS Config rules per compliance state of one account and region at the end of one calendar month: config_rules on the month''s last snapshot date of that account and region, counted, kept after the daily snapshots are dropped by the retention policy.';
COMMENT ON COLUMN config_compliance_monthly.month IS 'First day of the month.';
COMMENT ON COLUMN config_compliance_monthly.compliance IS 'config_rules.compliance (COMPLIANT, NON_COMPLIANT, ...); empty string when it was NULL.';
COMMENT ON COLUMN config_compliance_monthly.snapshot_date IS 'The month''s last snapshot of the account and region, which the counts are from.';
COMMENT ON COLUMN config_compliance_monthly.rules IS 'Config rules in that compliance state.';
COMMENT ON COLUMN config_compliance_monthly.noncompliant_resources IS 'Sum of the rules'' non_compliant_resource_count.';

-- Monthly cost over the whole history: rollups where the daily detail is gone, the daily detail
-- summed by month elsewhere (the reader reads views only).
CREATE VIEW v_cost_monthly AS
SELECT account_id, month, service, currency, unblended_cost, amortized_cost, days,
       estimated_days, final_days, unknown_days, true AS rolled_up
FROM cost_monthly
UNION ALL
SELECT d.account_id,
       date_trunc('month', d.usage_date)::date,
       d.service,
       coalesce(d.currency, ''),
       sum(d.unblended_cost),
       sum(d.amortized_cost),
       count(*)::integer,
       (count(*) FILTER (WHERE d.estimated))::integer,
       (count(*) FILTER (WHERE NOT d.estimated))::integer,
       (count(*) FILTER (WHERE d.estimated IS NULL))::integer,
       false
FROM cost_daily d
WHERE NOT EXISTS (SELECT 1 FROM cost_monthly m
                  WHERE m.account_id = d.account_id
                    AND m.month = date_trunc('month', d.usage_date)::date)
GROUP BY d.account_id, date_trunc('month', d.usage_date)::date, d.service, coalesce(d.currency, '');
COMMENT ON VIEW v_cost_monthly IS 'Cost per account, calendar month (first day), service and currency over the whole history: cost_monthly where the retention policy has rolled the month up (rolled_up true), cost_daily summed by month otherwise. estimated_days above 0: the month is not final yet.';
