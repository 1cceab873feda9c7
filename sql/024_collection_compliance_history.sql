-- 024_collection_compliance_history: collection-health and compliance history views read only
-- the rows of the days (or the account) asked for (issue 16: every query p95 < 1 s at 1,000
-- accounts x 400 days).
--
-- Same names, columns, types and rows; what changed and why:
--   * v_report_collection_days: the runs x days expansion was a CTE read twice, so it was
--     materialized over the whole history before the consumer's day range applied (and every
--     collector_runs row was joined). Now a day-covering run is split into one-day runs (day =
--     window_start, indexable) and longer runs (expanded as before), the CTE is NOT MATERIALIZED,
--     and the picked run, the run count and each collector's latest status are computed in ONE
--     grouping by (account_id, day), so a filter on day or account_id reaches collection_runs.
--     A collector row counts when no better-ranked run covering the same day has the same
--     (collector, region) - the DISTINCT ON of before; a day with one run skips that check.
--   * v_compliance_trend: the per-row NOT EXISTS read v_config_complete_collections, which the
--     planner aggregated over every Config collector row of the history. Now the cut-short days
--     (a partial Config run with no complete rule list for its region that day) are found from
--     the few partial Config collectors (new partial index) with index probes, and the rules are
--     grouped by (account_id, snapshot_date) before the account name is joined.
--   * v_collection_health: three correlated subqueries per account x day (each range-scanning
--     the account's whole run history) became one grouping of the runs of the 30 days (one-day
--     runs by window_start; longer runs through a small partial index), then the picked run's
--     collectors per row as before.
-- New indexes (small; collection_runs and collector_runs are not partitioned and keep all
-- history): collection_runs (window_start); collection_runs (window_end) for runs longer than a
-- day; collector_runs (collector, status) for statuses other than ok; and expression statistics
-- on the run span, so the planner knows one-day runs are the rule.
-- ingestions ((received_at AT TIME ZONE 'UTC')::date): v_ingestion_status (unchanged) read over a
-- day range scans only those days' files.
--
-- Measured at N = 100 accounts x 400 days (the kept scale_100 database, on this 2-core machine
-- while a 1,000-account fill ran: load average ~11, cache churning, so wall times are inflated
-- for both; EXPLAIN (ANALYZE, BUFFERS), best of 3; shared buffers touched), old -> new:
--   v_report_collection_days, 30 days of day  12,561 ms / 51,332 buf ->   406 ms / 19,199 buf
--   v_report_collection_days, one account      1,256 ms /  1,402 buf ->    60 ms /  2,811 buf
--   v_compliance_trend, 30 days of date        1,036 ms / 30,982 buf ->   197 ms /  6,123 buf
--   v_compliance_trend, one account              878 ms / 27,729 buf ->    13 ms /    565 buf
--   v_compliance_trend, all rows (compliance_daily) 9,971 ms / 57,080 buf -> 1,672 ms / 27,839 buf
--   v_collection_health, all rows (collection_daily) 2,306 ms / 54,795 buf -> 216 ms / 19,200 buf
--   v_collection_health, one account              93 ms /    578 buf ->   0.7 ms /    223 buf
-- What still grows with N: a 30-day read of v_report_collection_days / v_collection_health reads
-- every collector row of those runs (38 per run here), and v_compliance_trend in full groups every
-- config_rules row of the history; see docs/scale.md for the figures of make scale.
-- v_collection_health's 30 days are an integer series (planned as 30 rows, not 1,000: the old
-- estimate of 100,000 rows pushed the plan's cost over jit_above_cost and JIT compilation cost
-- more than the query).

CREATE INDEX collection_runs_window_start_idx ON collection_runs (window_start);
CREATE INDEX collection_runs_long_window_idx ON collection_runs (window_end)
    WHERE window_end - window_start > 1;
CREATE INDEX collector_runs_collector_failed_idx ON collector_runs (collector, status)
    WHERE status <> 'ok';
-- v_ingestion_status groups by this expression: a day range read (30 days of day) reads only
-- those days' files (at N = 100, 30 days: 8,036 -> 681 buffers, 63-78 -> 53 ms; the jsonb row
-- totals of the files read are the rest).
CREATE INDEX ingestions_received_day_idx ON ingestions (((received_at AT TIME ZONE 'UTC')::date));
CREATE STATISTICS collection_runs_span_stats ON ((window_end - window_start))
    FROM collection_runs;
ANALYZE collection_runs;
ANALYZE ingestions;

CREATE OR REPLACE VIEW v_compliance_trend AS
WITH cut_short AS (
    SELECT DISTINCT cr.account_id, cr.window_end - 1 AS snapshot_date
    FROM collector_runs c
    JOIN collection_runs cr ON cr.account_id = c.account_id AND cr.run_id = c.run_id
    WHERE c.collector = 'config' AND c.status = 'partial'
      AND NOT EXISTS (
          SELECT 1
          FROM collection_runs kr
          JOIN collector_runs k ON k.account_id = kr.account_id AND k.run_id = kr.run_id
          WHERE kr.account_id = cr.account_id AND kr.window_end = cr.window_end
            AND k.collector = 'config' AND k.region = c.region
            AND (k.status = 'ok'
                 OR (k.status = 'partial'
                     AND COALESCE(k.error, '') NOT LIKE 'time budget exhausted%'
                     AND COALESCE(k.error, '') NOT LIKE '%did not finish within its time budget%')))
),
per_day AS (
    SELECT r.account_id,
           r.snapshot_date,
           count(*) AS rules_total,
           count(*) FILTER (WHERE r.compliance = 'COMPLIANT') AS rules_compliant,
           count(*) FILTER (WHERE r.compliance = 'NON_COMPLIANT') AS rules_non_compliant,
           count(*) FILTER (WHERE r.compliance = 'NOT_APPLICABLE') AS rules_not_applicable,
           count(*) FILTER (WHERE r.compliance = 'INSUFFICIENT_DATA' OR r.compliance IS NULL)
               AS rules_insufficient_data,
           COALESCE(sum(r.non_compliant_resource_count), 0) AS non_compliant_resources,
           round(100.0 * count(*) FILTER (WHERE r.compliance = 'COMPLIANT')::numeric
                 / NULLIF(count(*) FILTER (WHERE r.compliance IN ('COMPLIANT', 'NON_COMPLIANT')), 0)::numeric,
                 2) AS compliance_pct
    FROM config_rules r
    WHERE NOT EXISTS (
        SELECT 1 FROM cut_short x
        WHERE x.account_id = r.account_id AND x.snapshot_date = r.snapshot_date)
    GROUP BY r.account_id, r.snapshot_date
)
SELECT d.account_id, a.name AS account_name, d.snapshot_date, d.rules_total, d.rules_compliant,
       d.rules_non_compliant, d.rules_not_applicable, d.rules_insufficient_data,
       d.non_compliant_resources, d.compliance_pct
FROM per_day d
JOIN accounts a ON a.account_id = d.account_id;

CREATE OR REPLACE VIEW v_report_collection_days AS
WITH covered AS NOT MATERIALIZED (
    SELECT r.account_id, r.window_start AS day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span
    FROM collection_runs r
    WHERE r.window_end - r.window_start = 1
    UNION ALL
    SELECT r.account_id, g.day::date AS day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span
    FROM collection_runs r
    CROSS JOIN LATERAL generate_series(r.window_start::timestamptz, (r.window_end - 1)::timestamptz,
                                       interval '1 day') AS g(day)
    WHERE r.window_end - r.window_start > 1
),
runs AS (
    SELECT c.account_id, c.day, c.run_id, c."interval", c.collected_at, c.span,
           row_number() OVER (PARTITION BY c.account_id, c.day
                              ORDER BY c.span, c.collected_at DESC, c.run_id) AS run_rank,
           count(*) OVER (PARTITION BY c.account_id, c.day) AS run_count
    FROM covered c
),
collectors AS (
    SELECT r.account_id, r.day, r.run_id, r."interval", r.collected_at, r.run_rank, r.run_count,
           s.status,
           s.run_id IS NOT NULL AND better.found IS NULL AS latest
    FROM runs r
    LEFT JOIN collector_runs s ON s.account_id = r.account_id AND s.run_id = r.run_id
    -- a better-ranked run covering the same day reported this (collector, region): not the
    -- latest; only looked up on days with several runs
    LEFT JOIN LATERAL (
        SELECT true AS found
        FROM collection_runs b
        JOIN collector_runs bs ON bs.account_id = b.account_id AND bs.run_id = b.run_id
        WHERE r.run_count > 1
          AND b.account_id = r.account_id
          AND b.window_start <= r.day AND b.window_end > r.day
          AND bs.collector = s.collector AND bs.region = s.region
          AND (b.window_end - b.window_start < r.span
               OR (b.window_end - b.window_start = r.span
                   AND (b.collected_at > r.collected_at
                        OR (b.collected_at = r.collected_at AND b.run_id < r.run_id))))
        LIMIT 1
    ) better ON true
),
days AS (
    SELECT account_id, day,
           max(run_count) AS run_count,
           (array_agg(run_id) FILTER (WHERE run_rank = 1))[1] AS run_id,
           (array_agg("interval") FILTER (WHERE run_rank = 1))[1] AS "interval",
           (array_agg(collected_at) FILTER (WHERE run_rank = 1))[1] AS collected_at,
           count(*) FILTER (WHERE latest AND status = 'ok') AS collectors_ok,
           count(*) FILTER (WHERE latest AND status = 'partial') AS collectors_partial,
           count(*) FILTER (WHERE latest AND status = 'skipped') AS collectors_skipped,
           count(*) FILTER (WHERE latest AND status = 'error') AS collectors_error
    FROM collectors
    GROUP BY account_id, day
)
SELECT d.account_id,
       a.name AS account_name,
       d.day,
       d.run_count,
       d.run_id,
       d."interval",
       d.collected_at,
       d.collectors_ok,
       d.collectors_partial,
       d.collectors_skipped,
       d.collectors_error,
       CASE
           WHEN d.collectors_error > 0 THEN 'error'
           WHEN d.collectors_partial > 0 THEN 'partial'
           WHEN d.collectors_skipped > 0 THEN 'skipped'
           ELSE 'ok'
       END AS status
FROM days d
JOIN accounts a ON a.account_id = d.account_id;

CREATE OR REPLACE VIEW v_collection_health AS
WITH days AS (
    -- the 30 days before today (UTC); an integer series, so the planner knows it is 30 rows
    SELECT (now() AT TIME ZONE 'UTC')::date - g.n AS day
    FROM generate_series(1, 30) AS g(n)
),
covering AS (
    SELECT r.account_id, r.window_start AS day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span
    FROM collection_runs r
    WHERE r.window_end - r.window_start = 1
      AND r.window_start BETWEEN (now() AT TIME ZONE 'UTC')::date - 30
                             AND (now() AT TIME ZONE 'UTC')::date - 1
    UNION ALL
    SELECT r.account_id, d.day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span
    FROM collection_runs r
    JOIN days d ON r.window_start <= d.day AND r.window_end > d.day
    WHERE r.window_end - r.window_start > 1
      AND r.window_end > (now() AT TIME ZONE 'UTC')::date - 30
),
runs AS (
    SELECT account_id, day,
           count(*) AS run_count,
           max(collected_at) AS last_collected_at,
           (array_agg(run_id ORDER BY span, collected_at DESC, run_id))[1] AS run_id,
           (array_agg("interval" ORDER BY span, collected_at DESC, run_id))[1] AS "interval"
    FROM covering
    GROUP BY account_id, day
)
SELECT a.account_id,
       a.name AS account_name,
       d.day,
       COALESCE(runs.run_count, 0) > 0 AS run_received,
       COALESCE(runs.run_count, 0) AS run_count,
       runs.last_collected_at,
       runs.run_id,
       runs."interval",
       COALESCE(cs.collectors_ok, 0) AS collectors_ok,
       COALESCE(cs.collectors_partial, 0) AS collectors_partial,
       COALESCE(cs.collectors_skipped, 0) AS collectors_skipped,
       COALESCE(cs.collectors_error, 0) AS collectors_error,
       cs.failed_collectors,
       cs.partial_collectors,
       CASE
           WHEN COALESCE(runs.run_count, 0) = 0 THEN 'missing'
           WHEN cs.collectors_error > 0 THEN 'error'
           WHEN cs.collectors_partial > 0 THEN 'partial'
           ELSE 'ok'
       END AS health
FROM accounts a
CROSS JOIN days d
LEFT JOIN runs ON runs.account_id = a.account_id AND runs.day = d.day
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.status = 'ok') AS collectors_ok,
           count(*) FILTER (WHERE c.status = 'partial') AS collectors_partial,
           count(*) FILTER (WHERE c.status = 'skipped') AS collectors_skipped,
           count(*) FILTER (WHERE c.status = 'error') AS collectors_error,
           string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
               FILTER (WHERE c.status = 'error') AS failed_collectors,
           string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
               FILTER (WHERE c.status = 'partial') AS partial_collectors
    FROM collector_runs c
    WHERE c.account_id = a.account_id AND c.run_id = runs.run_id
) cs ON true;
