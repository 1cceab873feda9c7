-- 023_security_history: the security views read history by index, per row, instead of
-- aggregating every run (issue 16: every view, report and dashboard query under 1 s at
-- 1,000 accounts x 400 days). Same views, columns, types, order and rows; only the plans change.
--
-- v_security_posture: for each (account, day) the old view ran a LATERAL GROUP BY over the whole
--   v_guardduty_complete_collections history up to that day (400 days x 400 days per account)
--   and joined a GROUP BY of every securityhub_severity_counts row, which no date range reaches.
--   Now, per row: the Security Hub counts of that (account, day) by primary key; per GuardDuty
--   region the latest ok collection on or before the day is one backward index walk
--   (collection_runs_account_end_idx, then collector_runs_guardduty_ok_idx), the regions being
--   the account's snapshot_pointers of guardduty_findings (kind region: a region with an ok run
--   always has one, sql/021); Inspector as before. A date range reaches collection_runs through
--   collection_runs_snapshot_date_idx. Aggregates over an empty set keep the old NULLs
--   (securityhub_active_records is NULL on a day without counts rows).
-- v_guardduty_findings_current: the latest ok collection per (account, region) is the same
--   backward walk from that region's pointer (ok or partial, so never older than the latest ok)
--   instead of a GROUP BY over every guardduty collector run; an account filter reaches the
--   pointers. v_critical_findings_current reads it (unchanged text) and its Security Hub
--   "no newer ok run" test now probes collection_runs_account_collected_idx and
--   collector_runs_securityhub_ok_idx instead of hashing every Security Hub collector run.
-- v_guardduty_complete_collections keeps its text: collector_runs_guardduty_ok_idx makes its
--   probes index-only and collection_runs_snapshot_date_idx serves a date range.
--
-- Measured at N = 100 accounts x 400 days (scale database, 2-core machine shared with a
-- 1,000-account fill; EXPLAIN ANALYZE execution with jit off, warm), before -> after:
--   v_security_posture, one account              2,843 ms ->    52 ms
--   v_security_posture, 30 days (3,000 rows)     10,631 ms ->   363 ms (per-row index work)
--   findings_daily dataset, 7 days (9,100 rows)             ->   135 ms; all 520,000 rows 7.8 s
--   v_guardduty_findings_current, all rows         495 ms ->    14 ms; one account 28 -> 0.4 ms
--   v_critical_findings_current, all rows          410 ms ->    44 ms; one account 439 -> 0.9 ms
--   v_guardduty_complete_collections, 30 days       48 ms ->    38 ms; one account 12 -> 1 ms
-- With jit on (the server default, docs/scale.md's setting) the planner's estimate for
-- v_security_posture (per-row laterals, each over the monthly partitions) passes jit_above_cost
-- and jit_optimize_above_cost: JIT compilation then costs 0.7 s (one account) to 8 s (30 days)
-- on this loaded machine, far more than the execution. Readers should run with jit off.

-- Indexes: all small (one row per file, or one row per ok run of a collector).
CREATE INDEX collection_runs_snapshot_date_idx
    ON collection_runs ((window_end - 1), account_id);
CREATE INDEX collection_runs_account_collected_idx
    ON collection_runs (account_id, collected_at);
CREATE INDEX collector_runs_guardduty_ok_idx
    ON collector_runs (account_id, run_id, region)
    WHERE collector = 'guardduty_findings' AND status = 'ok';
CREATE INDEX collector_runs_securityhub_ok_idx
    ON collector_runs (run_id, region)
    WHERE collector = 'securityhub' AND status = 'ok';

CREATE OR REPLACE VIEW v_guardduty_findings_current AS
SELECT p.account_id,
       t.snapshot_date,
       p.region,
       t.finding_id,
       t.detector_id,
       t.type,
       t.severity,
       t.title,
       t.resource_type,
       t.resource_id,
       t.count,
       t.archived,
       t.created_at,
       t.updated_at,
       t.ingestion_id,
       t.first_loaded_at,
       t.last_loaded_at
FROM snapshot_pointers p
CROSS JOIN LATERAL (
    SELECT r.window_end - 1 AS snapshot_date
    FROM collection_runs r
    JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
    WHERE r.account_id = p.account_id AND r.window_end <= p.snapshot_date + 1
      AND c.collector = 'guardduty_findings' AND c.region = p.region AND c.status = 'ok'
    ORDER BY r.window_end DESC
    LIMIT 1
) s
CROSS JOIN LATERAL (
    SELECT g.*
    FROM guardduty_finding_snapshots g
    WHERE g.account_id = p.account_id AND g.region = p.region AND g.snapshot_date = s.snapshot_date
    OFFSET 0
) t
WHERE p.kind = 'region' AND p.collector = 'guardduty_findings';

CREATE OR REPLACE VIEW v_security_posture AS
WITH snapshots AS (
    SELECT securityhub_severity_counts.account_id, securityhub_severity_counts.snapshot_date
    FROM securityhub_severity_counts
    GROUP BY securityhub_severity_counts.account_id, securityhub_severity_counts.snapshot_date
    UNION
    SELECT collection_runs.account_id, collection_runs.window_end - 1
    FROM collection_runs
)
SELECT s.account_id,
       a.name AS account_name,
       s.snapshot_date,
       CASE WHEN sh.known THEN sh.open_critical END AS securityhub_open_critical,
       CASE WHEN sh.known THEN sh.open_high END AS securityhub_open_high,
       CASE WHEN sh.known THEN sh.open_medium END AS securityhub_open_medium,
       CASE WHEN sh.known THEN sh.open_low END AS securityhub_open_low,
       CASE WHEN sh.known THEN sh.open_informational END AS securityhub_open_informational,
       CASE WHEN sh.known THEN COALESCE(sh.suppressed, 0::bigint) END AS securityhub_suppressed,
       CASE WHEN sh.known THEN COALESCE(sh.resolved, 0::bigint) END AS securityhub_resolved,
       sh.active_records AS securityhub_active_records,
       gd.high AS guardduty_high,
       gd.medium AS guardduty_medium,
       gd.low AS guardduty_low,
       gd.listed_on AS guardduty_listed_on,
       insp.critical AS inspector_critical,
       insp.high AS inspector_high,
       insp.medium AS inspector_medium,
       insp.low AS inspector_low,
       insp.other AS inspector_other
FROM snapshots s
JOIN accounts a ON a.account_id = s.account_id
CROSS JOIN LATERAL (
    SELECT bool_and(c.workflow_new IS NOT NULL AND c.workflow_notified IS NOT NULL) AS known,
           COALESCE(sum(c.workflow_new + c.workflow_notified) FILTER (WHERE c.severity_label = 'CRITICAL'), 0::bigint) AS open_critical,
           COALESCE(sum(c.workflow_new + c.workflow_notified) FILTER (WHERE c.severity_label = 'HIGH'), 0::bigint) AS open_high,
           COALESCE(sum(c.workflow_new + c.workflow_notified) FILTER (WHERE c.severity_label = 'MEDIUM'), 0::bigint) AS open_medium,
           COALESCE(sum(c.workflow_new + c.workflow_notified) FILTER (WHERE c.severity_label = 'LOW'), 0::bigint) AS open_low,
           COALESCE(sum(c.workflow_new + c.workflow_notified) FILTER (WHERE c.severity_label = 'INFORMATIONAL'), 0::bigint) AS open_informational,
           sum(c.workflow_suppressed) AS suppressed,
           sum(c.workflow_resolved) AS resolved,
           CASE WHEN count(*) > 0 THEN COALESCE(sum(c.count), 0::bigint) END AS active_records
    FROM securityhub_severity_counts c
    WHERE c.account_id = s.account_id AND c.snapshot_date = s.snapshot_date
) sh
CROSS JOIN LATERAL (
    SELECT count(g.finding_id) FILTER (WHERE g.severity >= 7::numeric) AS high,
           count(g.finding_id) FILTER (WHERE g.severity >= 4::numeric AND g.severity < 7::numeric) AS medium,
           count(g.finding_id) FILTER (WHERE g.severity < 4::numeric) AS low,
           min(l.snapshot_date) AS listed_on
    FROM snapshot_pointers p
    CROSS JOIN LATERAL (
        SELECT r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
        WHERE r.account_id = s.account_id AND r.window_end <= s.snapshot_date + 1
          AND c.collector = 'guardduty_findings' AND c.region = p.region AND c.status = 'ok'
        ORDER BY r.window_end DESC
        LIMIT 1
    ) l
    LEFT JOIN guardduty_finding_snapshots g
      ON g.account_id = s.account_id AND g.region = p.region AND g.snapshot_date = l.snapshot_date
     AND g.archived IS NOT TRUE
    WHERE p.account_id = s.account_id AND p.kind = 'region' AND p.collector = 'guardduty_findings'
) gd
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE i.severity = 'CRITICAL') AS critical,
           count(*) FILTER (WHERE i.severity = 'HIGH') AS high,
           count(*) FILTER (WHERE i.severity = 'MEDIUM') AS medium,
           count(*) FILTER (WHERE i.severity = 'LOW') AS low,
           count(*) FILTER (WHERE i.severity IS NULL OR i.severity <> ALL (ARRAY['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'])) AS other
    FROM inspector_findings i
    WHERE i.account_id = s.account_id AND i.status = 'ACTIVE'
      AND (i.first_observed_at IS NULL
           OR i.first_observed_at < ((s.snapshot_date + 1)::timestamp AT TIME ZONE 'UTC'))
) insp;
