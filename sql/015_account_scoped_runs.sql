-- 015_account_scoped_runs: a run's identity is scoped to its account.
--
-- History runs have predictable ids (uuid5 of the account, interval and window), and run_id was
-- unique across all accounts: a member could upload, under its own prefix, a file carrying
-- another account's future run id and make that account's real backfill fail. From here on a
-- run is identified by (account_id, run_id): two accounts may use the same run id without
-- touching each other's runs, and every join between runs and collectors matches both columns.

ALTER TABLE collector_runs ADD COLUMN account_id char(12);
UPDATE collector_runs c SET account_id = r.account_id
FROM collection_runs r WHERE r.run_id = c.run_id;
ALTER TABLE collector_runs ALTER COLUMN account_id SET NOT NULL;

ALTER TABLE collector_runs DROP CONSTRAINT collector_runs_run_id_fkey;
ALTER TABLE collector_runs DROP CONSTRAINT collector_runs_pkey;
ALTER TABLE collection_runs DROP CONSTRAINT collection_runs_pkey;
ALTER TABLE collection_runs ADD CONSTRAINT collection_runs_pkey PRIMARY KEY (account_id, run_id);
ALTER TABLE collector_runs
    ADD CONSTRAINT collector_runs_pkey PRIMARY KEY (account_id, run_id, collector, region);
ALTER TABLE collector_runs
    ADD CONSTRAINT collector_runs_run_fkey FOREIGN KEY (account_id, run_id)
        REFERENCES collection_runs (account_id, run_id) ON DELETE CASCADE;
COMMENT ON COLUMN collection_runs.run_id IS 'The document''s run_id; unique per account only (another account may send the same id without affecting this run).';
COMMENT ON COLUMN collector_runs.account_id IS 'Account of the run (collection_runs is keyed by account_id and run_id).';

-- Every view that joined collector_runs to collection_runs on run_id alone, with the same
-- columns, now joining on (account_id, run_id).

CREATE OR REPLACE VIEW v_collection_health AS
WITH days AS (
    SELECT g.day::date AS day
    FROM generate_series((now() AT TIME ZONE 'UTC')::date - 30,
                         (now() AT TIME ZONE 'UTC')::date - 1,
                         interval '1 day') AS g(day)
)
SELECT a.account_id,
       a.name                                   AS account_name,
       d.day,
       runs.run_count > 0                       AS run_received,
       runs.run_count,
       runs.last_collected_at,
       best.run_id,
       best.interval,
       coalesce(cs.collectors_ok, 0)            AS collectors_ok,
       coalesce(cs.collectors_partial, 0)       AS collectors_partial,
       coalesce(cs.collectors_skipped, 0)       AS collectors_skipped,
       coalesce(cs.collectors_error, 0)         AS collectors_error,
       cs.failed_collectors,
       cs.partial_collectors,
       CASE
           WHEN runs.run_count = 0          THEN 'missing'
           WHEN cs.collectors_error > 0     THEN 'error'
           WHEN cs.collectors_partial > 0   THEN 'partial'
           ELSE 'ok'
       END                                      AS health
FROM accounts a
CROSS JOIN days d
CROSS JOIN LATERAL (
    SELECT count(*) AS run_count, max(r.collected_at) AS last_collected_at
    FROM collection_runs r
    WHERE r.account_id = a.account_id
      AND r.window_start <= d.day
      AND r.window_end > d.day
) runs
LEFT JOIN LATERAL (
    SELECT r.run_id, r.interval
    FROM collection_runs r
    WHERE r.account_id = a.account_id
      AND r.window_start <= d.day
      AND r.window_end > d.day
    ORDER BY r.window_end - r.window_start, r.collected_at DESC, r.run_id
    LIMIT 1
) best ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.status = 'ok')      AS collectors_ok,
           count(*) FILTER (WHERE c.status = 'partial') AS collectors_partial,
           count(*) FILTER (WHERE c.status = 'skipped') AS collectors_skipped,
           count(*) FILTER (WHERE c.status = 'error')   AS collectors_error,
           string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
               FILTER (WHERE c.status = 'error')        AS failed_collectors,
           string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
               FILTER (WHERE c.status = 'partial')      AS partial_collectors
    FROM collector_runs c
    WHERE c.account_id = a.account_id AND c.run_id = best.run_id
) cs ON true;

CREATE OR REPLACE VIEW v_snapshot_current AS
SELECT r.account_id,
       c.collector,
       c.region,
       max(r.window_end - 1) AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE c.status IN ('ok', 'partial')
GROUP BY r.account_id, c.collector, c.region;

CREATE OR REPLACE VIEW v_snapshot_current_account AS
SELECT s.account_id,
       s.collector,
       max(s.snapshot_date) AS snapshot_date
FROM (
    SELECT r.account_id, c.collector, r.window_end - 1 AS snapshot_date
    FROM collection_runs r
    JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
    GROUP BY r.run_id, r.account_id, c.collector, r.window_end
    HAVING bool_and(c.status IN ('ok', 'partial'))
) s
GROUP BY s.account_id, s.collector;

CREATE OR REPLACE VIEW v_report_collection_days AS
WITH covered AS (
    SELECT r.account_id,
           g.day::date                     AS day,
           r.run_id,
           r.interval,
           r.collected_at,
           r.window_end - r.window_start   AS span
    FROM collection_runs r
    CROSS JOIN LATERAL generate_series(r.window_start, r.window_end - 1, interval '1 day') AS g(day)
),
picked AS (
    SELECT DISTINCT ON (account_id, day)
           account_id, day, run_id, interval, collected_at,
           count(*) OVER (PARTITION BY account_id, day) AS run_count
    FROM covered
    ORDER BY account_id, day, span, collected_at DESC, run_id
),
latest AS (
    SELECT DISTINCT ON (c.account_id, c.day, s.collector, s.region)
           c.account_id, c.day, s.status
    FROM covered c
    JOIN collector_runs s ON s.account_id = c.account_id AND s.run_id = c.run_id
    ORDER BY c.account_id, c.day, s.collector, s.region, c.span, c.collected_at DESC, c.run_id
),
counted AS (
    SELECT account_id, day,
           count(*) FILTER (WHERE status = 'ok')      AS collectors_ok,
           count(*) FILTER (WHERE status = 'partial') AS collectors_partial,
           count(*) FILTER (WHERE status = 'skipped') AS collectors_skipped,
           count(*) FILTER (WHERE status = 'error')   AS collectors_error
    FROM latest
    GROUP BY account_id, day
)
SELECT p.account_id,
       a.name                              AS account_name,
       p.day,
       p.run_count,
       p.run_id,
       p.interval,
       p.collected_at,
       coalesce(k.collectors_ok, 0)        AS collectors_ok,
       coalesce(k.collectors_partial, 0)   AS collectors_partial,
       coalesce(k.collectors_skipped, 0)   AS collectors_skipped,
       coalesce(k.collectors_error, 0)     AS collectors_error,
       CASE
           WHEN k.collectors_error > 0   THEN 'error'
           WHEN k.collectors_partial > 0 THEN 'partial'
           WHEN k.collectors_skipped > 0 THEN 'skipped'
           ELSE 'ok'
       END                                 AS status
FROM picked p
JOIN accounts a ON a.account_id = p.account_id
LEFT JOIN counted k ON k.account_id = p.account_id AND k.day = p.day;

CREATE OR REPLACE VIEW v_report_collector_issues AS
SELECT r.account_id,
       a.name              AS account_name,
       r.window_end - 1    AS day,
       r.interval,
       r.collected_at,
       r.run_id,
       c.collector,
       c.region,
       c.status,
       c.error,
       c.item_count
FROM collector_runs c
JOIN collection_runs r ON r.account_id = c.account_id AND r.run_id = c.run_id
JOIN accounts a ON a.account_id = r.account_id
WHERE c.status <> 'ok';

CREATE OR REPLACE VIEW v_guardduty_complete_collections AS
SELECT r.account_id, c.region, r.window_end - 1 AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE c.collector = 'guardduty_findings' AND c.status = 'ok'
GROUP BY r.account_id, c.region, r.window_end;

CREATE OR REPLACE VIEW v_securityhub_count_snapshots AS
SELECT r.account_id, c.region, r.window_end - 1 AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE c.collector = 'securityhub' AND c.status IN ('ok', 'partial')
  AND EXISTS (
      SELECT 1 FROM securityhub_severity_counts t
      WHERE t.account_id = r.account_id AND t.region = c.region
        AND t.snapshot_date = r.window_end - 1
  )
GROUP BY r.account_id, c.region, r.window_end;

CREATE OR REPLACE VIEW v_config_complete_collections AS
SELECT r.account_id, c.region, r.window_end - 1 AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE c.collector = 'config'
  AND (c.status = 'ok'
       OR (c.status = 'partial'
           AND coalesce(c.error, '') NOT LIKE 'time budget exhausted%'
           AND coalesce(c.error, '') NOT LIKE '%did not finish within its time budget%'))
GROUP BY r.account_id, c.region, r.window_end;

CREATE OR REPLACE VIEW v_compliance_trend AS
SELECT r.account_id,
       a.name                                                     AS account_name,
       r.snapshot_date,
       count(*)                                                   AS rules_total,
       count(*) FILTER (WHERE r.compliance = 'COMPLIANT')         AS rules_compliant,
       count(*) FILTER (WHERE r.compliance = 'NON_COMPLIANT')     AS rules_non_compliant,
       count(*) FILTER (WHERE r.compliance = 'NOT_APPLICABLE')    AS rules_not_applicable,
       count(*) FILTER (WHERE r.compliance = 'INSUFFICIENT_DATA'
                           OR r.compliance IS NULL)               AS rules_insufficient_data,
       coalesce(sum(r.non_compliant_resource_count), 0)           AS non_compliant_resources,
       round(100.0 * count(*) FILTER (WHERE r.compliance = 'COMPLIANT')
             / nullif(count(*) FILTER (WHERE r.compliance IN ('COMPLIANT', 'NON_COMPLIANT')), 0),
             2)                                                   AS compliance_pct
FROM config_rules r
JOIN accounts a ON a.account_id = r.account_id
WHERE NOT EXISTS (
    SELECT 1
    FROM collection_runs cr
    JOIN collector_runs c ON c.account_id = cr.account_id AND c.run_id = cr.run_id
                         AND c.collector = 'config'
    WHERE cr.account_id = r.account_id AND cr.window_end - 1 = r.snapshot_date
      AND c.status = 'partial'
      AND NOT EXISTS (
          SELECT 1 FROM v_config_complete_collections k
          WHERE k.account_id = r.account_id AND k.region = c.region
            AND k.snapshot_date = r.snapshot_date
      )
)
GROUP BY r.account_id, a.name, r.snapshot_date;
