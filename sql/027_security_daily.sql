-- 027_security_daily: v_security_posture reads a daily table the loader keeps, instead of
-- computing every (account, day) row at read time (issue 16: every view, report and dashboard
-- query p95 < 1 s at 1,000 accounts x 400 days).
--
-- Why a table and not a faster view: a posture row needs, per GuardDuty region, the latest ok
-- listing on or before its day, and the Inspector findings first observed by then. Both reach
-- back before any date range a reader asks for, so a view cannot restrict them to the range:
-- sql/023 looked them up per row by index (about 0.15 ms per account-day at N = 1,000, 30,000
-- rows for the report's 30 days), and a set-based view would read every account's whole history.
-- security_posture_daily holds exactly the view's rows (its columns but the account name), one
-- row per account and day, keyed by account (no row every load updates).
--
-- Kept exact by receiver.security_posture: each file's transaction recomputes its account's rows
-- set-based (about 15 ms per file at 400 days; late and re-delivered files, error, partial and
-- skipped collectors, Inspector findings closed later all follow, as the whole account is
-- recomputed and only changed rows are written), after its snapshot_pointers and under the same
-- per-account lock; receiver.partitions.maintain refreshes every account after retention drops
-- months or pointers; labkit.scale.populate rebuilds it after a bulk fill; tests/support/
-- security_posture.py proves it equals the sql/023 definition at the end of every test.
--
-- Measured at N = 1,000 accounts x 400 days (scale_1000 database, 2-core machine, jit off, warm):
--   v_security_posture, 30 days of snapshot_date (30,000 rows)  3,300-5,400 ms ->  30-45 ms
--     (buffers: 1,060,000 -> 800, rows written in date order; 8,300 when written by account)
--   v_security_posture, one account (400 rows)                     102 ms ->   3-12 ms
--   findings_daily refresh, 7 days (104,000 rows, under load)    6,580 ms -> 117 ms
--   the loader's refresh of one account (per file)                       40-60 ms with planning
--   this back-fill (400,000 rows)                                   17 s
-- The same rows (EXCEPT ALL both ways) for the 30 days and for three whole accounts.

CREATE TABLE security_posture_daily (
    account_id                     char(12) NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    snapshot_date                  date     NOT NULL,
    securityhub_open_critical      bigint,
    securityhub_open_high          bigint,
    securityhub_open_medium        bigint,
    securityhub_open_low           bigint,
    securityhub_open_informational bigint,
    securityhub_suppressed         bigint,
    securityhub_resolved           bigint,
    securityhub_active_records     bigint,
    guardduty_high                 bigint   NOT NULL,
    guardduty_medium               bigint   NOT NULL,
    guardduty_low                  bigint   NOT NULL,
    guardduty_listed_on            date,
    inspector_critical             bigint   NOT NULL,
    inspector_high                 bigint   NOT NULL,
    inspector_medium               bigint   NOT NULL,
    inspector_low                  bigint   NOT NULL,
    inspector_other                bigint   NOT NULL,
    updated_at                     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, snapshot_date)
);
CREATE INDEX security_posture_daily_date_idx ON security_posture_daily (snapshot_date);
COMMENT ON TABLE security_posture_daily IS 'The rows of v_security_posture (without the account name), kept by the loader in each file''s transaction (receiver.security_posture): per account and day with Security Hub counts or a collection run.';

-- The back-fill: the sql/023 definition, set-based (receiver.security_posture.compute_sql).
INSERT INTO security_posture_daily (account_id, snapshot_date, securityhub_open_critical, securityhub_open_high, securityhub_open_medium, securityhub_open_low, securityhub_open_informational, securityhub_suppressed, securityhub_resolved, securityhub_active_records, guardduty_high, guardduty_medium, guardduty_low, guardduty_listed_on, inspector_critical, inspector_high, inspector_medium, inspector_low, inspector_other)
WITH keys AS (
    SELECT u.account_id, u.snapshot_date,
           bool_and(u.workflow_new IS NOT NULL AND u.workflow_notified IS NOT NULL)
               FILTER (WHERE u.counted) AS known,
           COALESCE(sum(u.workflow_new + u.workflow_notified) FILTER (WHERE u.severity_label = 'CRITICAL'), 0::bigint)
               AS open_critical,
           COALESCE(sum(u.workflow_new + u.workflow_notified) FILTER (WHERE u.severity_label = 'HIGH'), 0::bigint)
               AS open_high,
           COALESCE(sum(u.workflow_new + u.workflow_notified) FILTER (WHERE u.severity_label = 'MEDIUM'), 0::bigint)
               AS open_medium,
           COALESCE(sum(u.workflow_new + u.workflow_notified) FILTER (WHERE u.severity_label = 'LOW'), 0::bigint)
               AS open_low,
           COALESCE(sum(u.workflow_new + u.workflow_notified) FILTER (WHERE u.severity_label = 'INFORMATIONAL'),
                    0::bigint) AS open_informational,
           sum(u.workflow_suppressed) AS suppressed,
           sum(u.workflow_resolved) AS resolved,
           CASE WHEN count(*) FILTER (WHERE u.counted) > 0
                THEN COALESCE(sum(u.count), 0::bigint) END AS active_records
    FROM (
        SELECT c.account_id, c.snapshot_date, true AS counted, c.severity_label, c.count,
               c.workflow_new, c.workflow_notified, c.workflow_suppressed, c.workflow_resolved
        FROM securityhub_severity_counts c
        WHERE TRUE
        UNION ALL
        SELECT r.account_id, r.window_end - 1, false, NULL, NULL, NULL, NULL, NULL, NULL
        FROM collection_runs r
        WHERE TRUE
    ) u
    GROUP BY u.account_id, u.snapshot_date
),
regions AS (
    SELECT p.account_id, p.region
    FROM snapshot_pointers p
    WHERE p.kind = 'region' AND p.collector = 'guardduty_findings' AND TRUE
),
listings AS (
    SELECT o.account_id, o.region, o.snapshot_date,
           count(g.finding_id) FILTER (WHERE g.severity >= 7::numeric) AS high,
           count(g.finding_id) FILTER (WHERE g.severity >= 4::numeric AND g.severity < 7::numeric)
               AS medium,
           count(g.finding_id) FILTER (WHERE g.severity < 4::numeric) AS low
    FROM (
        SELECT DISTINCT r.account_id, c.region, r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
        JOIN regions p ON p.account_id = c.account_id AND p.region = c.region
        WHERE c.collector = 'guardduty_findings' AND c.status = 'ok' AND TRUE
    ) o
    LEFT JOIN guardduty_finding_snapshots g
      ON g.account_id = o.account_id AND g.region = o.region AND g.snapshot_date = o.snapshot_date
     AND g.archived IS NOT TRUE
    GROUP BY o.account_id, o.region, o.snapshot_date
),
carried AS (
    SELECT x.account_id, x.snapshot_date, x.is_key,
           max(x.listing) OVER (PARTITION BY x.account_id, x.region ORDER BY x.snapshot_date)
               AS listing
    FROM (
        SELECT k.account_id, k.snapshot_date, p.region, true AS is_key,
               CAST(NULL AS bigint[]) AS listing
        FROM keys k
        JOIN regions p ON p.account_id = k.account_id
        UNION ALL
        SELECT l.account_id, l.snapshot_date, l.region, false,
               ARRAY[l.snapshot_date - DATE '2000-01-01', l.high, l.medium, l.low]
        FROM listings l
    ) x
),
guardduty AS (
    SELECT c.account_id, c.snapshot_date,
           sum(c.listing[2]) AS high, sum(c.listing[3]) AS medium, sum(c.listing[4]) AS low,
           DATE '2000-01-01' + CAST(min(c.listing[1]) AS integer) AS listed_on
    FROM carried c
    WHERE c.is_key AND c.listing IS NOT NULL
    GROUP BY c.account_id, c.snapshot_date
),
inspector AS (
    SELECT f.account_id, f.since,
           lead(f.since) OVER (PARTITION BY f.account_id ORDER BY f.since) AS until,
           sum(f.critical) OVER w AS critical, sum(f.high) OVER w AS high,
           sum(f.medium) OVER w AS medium, sum(f.low) OVER w AS low,
           sum(f.other) OVER w AS other
    FROM (
        SELECT i.account_id,
               COALESCE(CAST(i.first_observed_at AT TIME ZONE 'UTC' AS date), DATE '-infinity')
                   AS since,
               count(*) FILTER (WHERE i.severity = 'CRITICAL') AS critical,
               count(*) FILTER (WHERE i.severity = 'HIGH') AS high,
               count(*) FILTER (WHERE i.severity = 'MEDIUM') AS medium,
               count(*) FILTER (WHERE i.severity = 'LOW') AS low,
               count(*) FILTER (WHERE i.severity IS NULL
                                   OR i.severity NOT IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW'))
                   AS other
        FROM inspector_findings i
        WHERE i.status = 'ACTIVE' AND TRUE
        GROUP BY 1, 2
    ) f
    WINDOW w AS (PARTITION BY f.account_id ORDER BY f.since)
),
computed AS (
    SELECT k.account_id, k.snapshot_date,
           CASE WHEN k.known THEN k.open_critical END AS securityhub_open_critical,
           CASE WHEN k.known THEN k.open_high END AS securityhub_open_high,
           CASE WHEN k.known THEN k.open_medium END AS securityhub_open_medium,
           CASE WHEN k.known THEN k.open_low END AS securityhub_open_low,
           CASE WHEN k.known THEN k.open_informational END AS securityhub_open_informational,
           CASE WHEN k.known THEN COALESCE(k.suppressed, 0::bigint) END AS securityhub_suppressed,
           CASE WHEN k.known THEN COALESCE(k.resolved, 0::bigint) END AS securityhub_resolved,
           k.active_records AS securityhub_active_records,
           CAST(COALESCE(g.high, 0) AS bigint) AS guardduty_high,
           CAST(COALESCE(g.medium, 0) AS bigint) AS guardduty_medium,
           CAST(COALESCE(g.low, 0) AS bigint) AS guardduty_low,
           g.listed_on AS guardduty_listed_on,
           CAST(COALESCE(s.critical, 0) AS bigint) AS inspector_critical,
           CAST(COALESCE(s.high, 0) AS bigint) AS inspector_high,
           CAST(COALESCE(s.medium, 0) AS bigint) AS inspector_medium,
           CAST(COALESCE(s.low, 0) AS bigint) AS inspector_low,
           CAST(COALESCE(s.other, 0) AS bigint) AS inspector_other
    FROM keys k
    LEFT JOIN guardduty g ON g.account_id = k.account_id AND g.snapshot_date = k.snapshot_date
    LEFT JOIN inspector s ON s.account_id = k.account_id AND s.since <= k.snapshot_date
                         AND (s.until IS NULL OR k.snapshot_date < s.until)
)
SELECT account_id, snapshot_date, securityhub_open_critical, securityhub_open_high, securityhub_open_medium, securityhub_open_low, securityhub_open_informational, securityhub_suppressed, securityhub_resolved, securityhub_active_records, guardduty_high, guardduty_medium, guardduty_low, guardduty_listed_on, inspector_critical, inspector_high, inspector_medium, inspector_low, inspector_other FROM computed
ORDER BY snapshot_date, account_id;  -- a day's rows together: date ranges read few pages
ANALYZE security_posture_daily;

CREATE OR REPLACE VIEW v_security_posture AS
SELECT p.account_id,
       a.name AS account_name,
       p.snapshot_date,
       p.securityhub_open_critical,
       p.securityhub_open_high,
       p.securityhub_open_medium,
       p.securityhub_open_low,
       p.securityhub_open_informational,
       p.securityhub_suppressed,
       p.securityhub_resolved,
       p.securityhub_active_records,
       p.guardduty_high,
       p.guardduty_medium,
       p.guardduty_low,
       p.guardduty_listed_on,
       p.inspector_critical,
       p.inspector_high,
       p.inspector_medium,
       p.inspector_low,
       p.inspector_other
FROM security_posture_daily p
JOIN accounts a ON a.account_id = p.account_id;
