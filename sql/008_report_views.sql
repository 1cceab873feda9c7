-- 008_report_views: views the HTML report (python -m receiver report) reads besides those of 006
-- and 007. They hold no period of their own: the report filters them by day, so a report can
-- end on the latest data day rather than today.

-- v_cost_by_account_service_daily with the currency, so amounts in different currencies are
-- never added up.
CREATE VIEW v_report_cost_daily AS
SELECT c.account_id,
       a.name AS account_name,
       c.usage_date,
       c.service,
       c.currency,
       c.unblended_cost,
       c.amortized_cost
FROM cost_daily c
JOIN accounts a ON a.account_id = c.account_id;
COMMENT ON VIEW v_report_cost_daily IS 'Daily cost per account and service with its currency and the account name.';

-- One row per account and UTC day covered by at least one run (a run covers every day of its
-- window [start, end)). The day is described by the most specific (shortest window), latest of
-- those runs, as in v_collection_health. status is the worst of each collector's latest status
-- for the day over every run covering it: error, then partial, then skipped (a collector that did
-- not run, e.g. a service not enabled), else ok. Days without any run have no row: the report
-- shows them as missing.
CREATE VIEW v_report_collection_days AS
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
-- each collector's (and region's) latest word on the day: a backfill that re-collected only the
-- cost collectors does not hide what the scheduled run said about the others
latest AS (
    SELECT DISTINCT ON (c.account_id, c.day, s.collector, s.region)
           c.account_id, c.day, s.status
    FROM covered c
    JOIN collector_runs s ON s.run_id = c.run_id
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
COMMENT ON VIEW v_report_collection_days IS 'Per account and day covered by a run: the most specific, latest run of that day, and the worst of each collector''s latest status for the day (error, partial, skipped, ok) over every run covering it; days without a run have no row.';

-- Every collector that did not report ok, with the day its run describes (window_end - 1).
CREATE VIEW v_report_collector_issues AS
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
JOIN collection_runs r ON r.run_id = c.run_id
JOIN accounts a ON a.account_id = r.account_id
WHERE c.status <> 'ok';
COMMENT ON VIEW v_report_collector_issues IS 'Collectors whose status was partial, skipped or error, with account, run day (window_end - 1), region and error text.';

-- The savings of v_savings_opportunities, but only from what is current: the current snapshot
-- of Trusted Advisor checks and Compute Optimizer recommendations (see v_snapshot_current),
-- and per account and kind the latest RI/SP period (latest end, then shortest). Unused
-- commitment is scaled to a month as in v_savings_opportunities. resources_flagged is the
-- Trusted Advisor count, 1 for a Compute Optimizer recommendation, NULL for commitments.
CREATE VIEW v_report_savings_current AS
WITH latest_commitment AS (
    SELECT DISTINCT ON (u.account_id, u.kind) u.*
    FROM commitment_utilization u
    ORDER BY u.account_id, u.kind, u.period_end DESC, u.period_start DESC
)
SELECT 'trusted_advisor'::text     AS source,
       t.account_id,
       a.name                      AS account_name,
       t.snapshot_date             AS as_of,
       t.check_id                  AS item_id,
       t.name                      AS title,
       t.category,
       t.status                    AS finding,
       t.resources_flagged,
       t.estimated_monthly_savings,
       t.currency
FROM v_trusted_advisor_checks_current t
JOIN accounts a ON a.account_id = t.account_id
WHERE t.status IN ('warning', 'error')
  AND t.estimated_monthly_savings > 0
UNION ALL
SELECT 'compute_optimizer'::text,
       c.account_id,
       a.name,
       c.snapshot_date,
       c.resource_arn,
       concat_ws(' ', c.resource_type, c.current_configuration, '->', c.recommended_configuration),
       c.resource_type,
       c.finding,
       1,
       c.estimated_monthly_savings,
       c.currency
FROM v_compute_optimizer_recommendations_current c
JOIN accounts a ON a.account_id = c.account_id
WHERE c.estimated_monthly_savings > 0
UNION ALL
SELECT 'commitment'::text,
       u.account_id,
       a.name,
       u.period_end - 1,
       u.kind,
       'Unused ' || CASE u.kind WHEN 'RI' THEN 'Reserved Instance' ELSE 'Savings Plans' END
           || ' commitment' || coalesce(' (' || round(u.utilization_pct, 1) || '% utilized)', ''),
       u.kind,
       'unused',
       NULL::integer,
       round(u.unused
             * ((date_trunc('month', u.period_start) + interval '1 month')::date
                - date_trunc('month', u.period_start)::date)
             / (u.period_end - u.period_start), 4),
       u.currency
FROM latest_commitment u
JOIN accounts a ON a.account_id = u.account_id
WHERE u.unused > 0;
COMMENT ON VIEW v_report_savings_current IS 'Current savings opportunities: flagged Trusted Advisor checks and Compute Optimizer recommendations of the current snapshot, unused RI/SP commitment of the latest period, with estimated monthly savings.';

-- Per commitment kind and period, all accounts together. utilization_pct = used / commitment
-- (falling back to the mean of the accounts' percentages when amounts are missing);
-- coverage_pct is the plain mean of the accounts' coverage percentages (the data holds no
-- total on-demand spend to weight it by).
CREATE VIEW v_report_commitment_utilization AS
SELECT u.kind,
       u.period_start,
       u.period_end,
       count(*)                       AS accounts,
       sum(u.commitment)              AS commitment,
       sum(u.used)                    AS used,
       sum(u.unused)                  AS unused,
       sum(u.net_savings)             AS net_savings,
       sum(u.on_demand_equivalent)    AS on_demand_equivalent,
       coalesce(round(100 * sum(u.used) FILTER (WHERE u.commitment IS NOT NULL)
                      / nullif(sum(u.commitment) FILTER (WHERE u.used IS NOT NULL), 0), 2),
                round(avg(u.utilization_pct), 2)) AS utilization_pct,
       round(avg(u.coverage_pct), 2)  AS coverage_pct,
       min(u.currency)                AS currency
FROM commitment_utilization u
GROUP BY u.kind, u.period_start, u.period_end;
COMMENT ON VIEW v_report_commitment_utilization IS 'Per RI/SP kind and period, over all accounts: commitment, used and unused amounts, utilization (used / commitment) and mean coverage in percent.';
