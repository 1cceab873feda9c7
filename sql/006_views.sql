-- 006_views: read-only views for dashboards.
-- Days derived from timestamps are UTC days, whatever the session time zone.

CREATE VIEW v_cost_by_account_service_daily AS
SELECT c.account_id,
       a.name AS account_name,
       c.usage_date,
       c.service,
       c.unblended_cost,
       c.amortized_cost
FROM cost_daily c
JOIN accounts a ON a.account_id = c.account_id;
COMMENT ON VIEW v_cost_by_account_service_daily IS 'Daily cost per account and service, with the account name.';

CREATE VIEW v_cost_by_account_monthly AS
SELECT c.account_id,
       a.name                                  AS account_name,
       date_trunc('month', c.usage_date)::date AS month,
       sum(c.unblended_cost)                   AS unblended_cost,
       sum(c.amortized_cost)                   AS amortized_cost,
       count(DISTINCT c.service)               AS service_count,
       count(DISTINCT c.usage_date)            AS days_with_data,
       max(c.usage_date)                       AS last_usage_date
FROM cost_daily c
JOIN accounts a ON a.account_id = c.account_id
GROUP BY c.account_id, a.name, date_trunc('month', c.usage_date);
COMMENT ON VIEW v_cost_by_account_monthly IS 'Monthly cost per account (sum of cost_daily over the calendar month).';

-- For each account and month: the actual cost so far (cost_daily) and the latest forecast
-- that lies inside that month (period_start in the month, period_end <= first day of the next
-- month), one row per forecast metric. A forecast usually covers "today to month end", so
-- projected_month_total = actual cost of the month before the forecast period + forecast mean,
-- using the actual that matches the metric (unblended or amortized). Months with actual cost
-- but no forecast appear once, with NULL forecast columns.
CREATE VIEW v_cost_forecast_vs_actual AS
WITH actual AS (
    SELECT account_id,
           date_trunc('month', usage_date)::date AS month,
           sum(unblended_cost)                   AS unblended_mtd,
           sum(amortized_cost)                   AS amortized_mtd,
           max(usage_date)                       AS actual_through
    FROM cost_daily
    GROUP BY account_id, date_trunc('month', usage_date)
),
ranked_forecast AS (
    SELECT f.*,
           date_trunc('month', f.period_start)::date AS month,
           row_number() OVER (
               PARTITION BY f.account_id, date_trunc('month', f.period_start), f.metric
               ORDER BY f.generated_on DESC, f.period_end DESC, f.period_start ASC
           ) AS recency
    FROM cost_forecasts f
    WHERE f.period_end <= (date_trunc('month', f.period_start) + interval '1 month')::date
),
latest_forecast AS (
    SELECT * FROM ranked_forecast WHERE recency = 1
),
months AS (
    SELECT account_id, month FROM actual
    UNION
    SELECT account_id, month FROM latest_forecast
)
SELECT m.month,
       m.account_id,
       acc.name                                   AS account_name,
       act.unblended_mtd                          AS actual_unblended_mtd,
       act.amortized_mtd                          AS actual_amortized_mtd,
       act.actual_through,
       f.metric                                   AS forecast_metric,
       f.generated_on                             AS forecast_generated_on,
       f.period_start                             AS forecast_period_start,
       f.period_end                               AS forecast_period_end,
       f.mean                                     AS forecast_mean,
       f.lower_bound                              AS forecast_lower_bound,
       f.upper_bound                              AS forecast_upper_bound,
       f.currency                                 AS forecast_currency,
       coalesce(before_forecast.cost, 0) + f.mean AS projected_month_total
FROM months m
JOIN accounts acc ON acc.account_id = m.account_id
LEFT JOIN actual act ON act.account_id = m.account_id AND act.month = m.month
LEFT JOIN latest_forecast f ON f.account_id = m.account_id AND f.month = m.month
LEFT JOIN LATERAL (
    SELECT sum(CASE WHEN f.metric = 'AMORTIZED_COST' THEN d.amortized_cost ELSE d.unblended_cost END) AS cost
    FROM cost_daily d
    WHERE d.account_id = m.account_id
      AND d.usage_date >= m.month
      AND d.usage_date < f.period_start
) before_forecast ON true;
COMMENT ON VIEW v_cost_forecast_vs_actual IS 'Per account and month: actual cost to date and the latest forecast of that month (one row per forecast metric).';

-- Per account and snapshot date (dates of Security Hub counts and of collection runs).
-- Security Hub: counts as reported for that date (NULL when Security Hub sent nothing).
-- GuardDuty and Inspector findings are kept in their latest state, so "active on date D"
-- means created/first observed by the end of D (UTC) and currently not archived / ACTIVE.
-- GuardDuty bands: high >= 7, medium >= 4 and < 7, low < 4.
CREATE VIEW v_security_posture AS
WITH snapshots AS (
    SELECT account_id, snapshot_date FROM securityhub_severity_counts
    UNION
    SELECT account_id, window_end - 1 FROM collection_runs
),
securityhub AS (
    SELECT account_id,
           snapshot_date,
           coalesce(sum(count) FILTER (WHERE severity_label = 'CRITICAL'), 0)      AS critical,
           coalesce(sum(count) FILTER (WHERE severity_label = 'HIGH'), 0)          AS high,
           coalesce(sum(count) FILTER (WHERE severity_label = 'MEDIUM'), 0)        AS medium,
           coalesce(sum(count) FILTER (WHERE severity_label = 'LOW'), 0)           AS low,
           coalesce(sum(count) FILTER (WHERE severity_label = 'INFORMATIONAL'), 0) AS informational
    FROM securityhub_severity_counts
    GROUP BY account_id, snapshot_date
)
SELECT s.account_id,
       a.name                 AS account_name,
       s.snapshot_date,
       sh.critical            AS securityhub_critical,
       sh.high                AS securityhub_high,
       sh.medium              AS securityhub_medium,
       sh.low                 AS securityhub_low,
       sh.informational       AS securityhub_informational,
       gd.high                AS guardduty_high,
       gd.medium              AS guardduty_medium,
       gd.low                 AS guardduty_low,
       insp.critical          AS inspector_critical,
       insp.high              AS inspector_high,
       insp.medium            AS inspector_medium,
       insp.low               AS inspector_low,
       insp.other             AS inspector_other
FROM snapshots s
JOIN accounts a ON a.account_id = s.account_id
LEFT JOIN securityhub sh ON sh.account_id = s.account_id AND sh.snapshot_date = s.snapshot_date
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE g.severity >= 7)                  AS high,
           count(*) FILTER (WHERE g.severity >= 4 AND g.severity < 7) AS medium,
           count(*) FILTER (WHERE g.severity < 4)                   AS low
    FROM guardduty_findings g
    WHERE g.account_id = s.account_id
      AND g.archived IS NOT TRUE
      AND (g.created_at IS NULL OR g.created_at < (s.snapshot_date + 1)::timestamp AT TIME ZONE 'UTC')
) gd
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE i.severity = 'CRITICAL')                 AS critical,
           count(*) FILTER (WHERE i.severity = 'HIGH')                     AS high,
           count(*) FILTER (WHERE i.severity = 'MEDIUM')                   AS medium,
           count(*) FILTER (WHERE i.severity = 'LOW')                      AS low,
           count(*) FILTER (WHERE i.severity IS NULL
                               OR i.severity NOT IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')) AS other
    FROM inspector_findings i
    WHERE i.account_id = s.account_id
      AND i.status = 'ACTIVE'
      AND (i.first_observed_at IS NULL
           OR i.first_observed_at < (s.snapshot_date + 1)::timestamp AT TIME ZONE 'UTC')
) insp;
COMMENT ON VIEW v_security_posture IS 'Per account and snapshot date: Security Hub counts by severity, active GuardDuty and Inspector findings by severity.';

-- compliance_pct = compliant / (compliant + non-compliant) rules, in percent, 2 decimals;
-- NOT_APPLICABLE and INSUFFICIENT_DATA rules are counted but not part of the percentage.
CREATE VIEW v_compliance_trend AS
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
GROUP BY r.account_id, a.name, r.snapshot_date;
COMMENT ON VIEW v_compliance_trend IS 'Per account and snapshot date: AWS Config rules by compliance and the compliant percentage of evaluated rules.';

CREATE VIEW v_inventory_latest AS
WITH latest AS (
    SELECT account_id, max(snapshot_date) AS snapshot_date
    FROM resources
    GROUP BY account_id
)
SELECT r.account_id,
       a.name     AS account_name,
       r.snapshot_date,
       r.region,
       r.resource_type,
       count(*)   AS resource_count
FROM resources r
JOIN latest l ON l.account_id = r.account_id AND l.snapshot_date = r.snapshot_date
JOIN accounts a ON a.account_id = r.account_id
GROUP BY r.account_id, a.name, r.snapshot_date, r.region, r.resource_type;
COMMENT ON VIEW v_inventory_latest IS 'Resource counts by account, region and type on each account''s latest inventory snapshot.';

-- Every row covers [period_start, period_end): the snapshot day for Trusted Advisor and
-- Compute Optimizer, the utilization period for commitments. Unused commitment is scaled to
-- a month (unused / days in period * days in the month of period_start), so a calendar-month
-- period shows its unused amount unchanged.
CREATE VIEW v_savings_opportunities AS
SELECT 'trusted_advisor'::text       AS source,
       t.account_id,
       a.name                        AS account_name,
       t.snapshot_date               AS period_start,
       t.snapshot_date + 1           AS period_end,
       t.check_id                    AS item_id,
       concat_ws(' ', t.name, '(' || t.category || ')',
                 '- ' || t.resources_flagged || ' resources flagged') AS description,
       t.estimated_monthly_savings,
       t.currency
FROM trusted_advisor_checks t
JOIN accounts a ON a.account_id = t.account_id
WHERE t.status IN ('warning', 'error')
  AND t.estimated_monthly_savings > 0
UNION ALL
SELECT 'compute_optimizer'::text,
       c.account_id,
       a.name,
       c.snapshot_date,
       c.snapshot_date + 1,
       c.resource_arn,
       concat_ws(' ', c.resource_type, c.finding || ':',
                 c.current_configuration, '->', c.recommended_configuration),
       c.estimated_monthly_savings,
       c.currency
FROM compute_optimizer_recommendations c
JOIN accounts a ON a.account_id = c.account_id
WHERE c.estimated_monthly_savings > 0
UNION ALL
SELECT 'commitment'::text,
       u.account_id,
       a.name,
       u.period_start,
       u.period_end,
       u.kind,
       'Unused ' || CASE u.kind WHEN 'RI' THEN 'Reserved Instance' ELSE 'Savings Plans' END
           || ' commitment' || coalesce(' (' || round(u.utilization_pct, 1) || '% utilized)', ''),
       round(u.unused
             * ((date_trunc('month', u.period_start) + interval '1 month')::date
                - date_trunc('month', u.period_start)::date)
             / (u.period_end - u.period_start), 4),
       u.currency
FROM commitment_utilization u
JOIN accounts a ON a.account_id = u.account_id
WHERE u.unused > 0;
COMMENT ON VIEW v_savings_opportunities IS 'Savings opportunities: flagged Trusted Advisor checks, Compute Optimizer recommendations and unused RI/SP commitment, with estimated monthly savings.';

-- One row per account and UTC day over the last 30 complete days (today excluded: today's
-- daily run arrives tomorrow). A day is covered by every run whose window [start, end)
-- contains it; collector statistics come from the most specific (shortest window), latest of
-- those runs. health: missing (no run), error, partial, ok (skipped collectors are not failures).
CREATE VIEW v_collection_health AS
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
    WHERE c.run_id = best.run_id
) cs ON true;
COMMENT ON VIEW v_collection_health IS 'Per account and day (last 30 complete UTC days): whether a run covered the day and how its collectors fared; includes days with no run.';

CREATE VIEW v_ingestion_status AS
SELECT (i.received_at AT TIME ZONE 'UTC')::date                 AS day,
       count(*)                                                 AS files_total,
       count(*) FILTER (WHERE i.status = 'loaded')              AS files_loaded,
       count(*) FILTER (WHERE i.status = 'failed')              AS files_failed,
       count(*) FILTER (WHERE i.status = 'skipped')             AS files_skipped,
       sum(i.size_bytes)                                        AS bytes_total,
       sum(row_totals.row_count)                                AS rows_written,
       round(avg(i.duration_ms))                                AS avg_duration_ms,
       max(i.duration_ms)                                       AS max_duration_ms,
       max(i.received_at)                                       AS last_received_at,
       max(i.received_at) FILTER (WHERE i.status = 'failed')    AS last_failed_at,
       (array_agg(i.error ORDER BY i.received_at DESC, i.id DESC)
            FILTER (WHERE i.status = 'failed'))[1]              AS last_error,
       (array_agg(i.object_key ORDER BY i.received_at DESC, i.id DESC)
            FILTER (WHERE i.status = 'failed'))[1]              AS last_failed_object_key
FROM ingestions i
CROSS JOIN LATERAL (
    SELECT sum((e.value #>> '{}')::numeric) AS row_count
    FROM jsonb_each(i.rows) AS e
    WHERE jsonb_typeof(e.value) = 'number'
) row_totals
GROUP BY (i.received_at AT TIME ZONE 'UTC')::date;
COMMENT ON VIEW v_ingestion_status IS 'Per UTC day: files received, loaded, failed and skipped, rows written, and the last error.';
