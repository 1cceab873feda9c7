-- 025_cost_history: the cost and savings views read history set-based (issue 16: every query
-- p95 < 1 s at 1,000 accounts x 400 days). Same names, columns, column order, types and rows.
--
-- Measured on the 100-account x 400-day scale database (this 2-core machine, shared with a
-- 1,000-account fill and test runs while it ran, so wall times are noisy: the buffer counts are
-- the stable figure), EXPLAIN (ANALYZE, BUFFERS), old -> new, same conditions:
--
--   v_cost_forecast_vs_actual, all rows    25,754 buffers, 8,758 ms -> 7,102 buffers, 935 ms
--   dataset cost_forecast                  25,750 buffers, 9,182 ms -> 7,104 buffers, 1,461 ms
--   v_cost_forecast_vs_actual, one account  7,339 buffers ->  7,095 (still every account's cost)
--   v_report_savings_current, all rows     69,414 buffers, 1,327 ms -> 3,812 buffers (its time
--                                          left was waiting for the disk under the fill)
--   v_report_savings_current, one account     561 buffers, 9.7 ms ->    86 buffers, 1.4 ms
--   dataset savings                        69,204 buffers, 2,798 ms -> 4,693 buffers, 574 ms
--   v_savings_sources, 30 days             32,296 buffers, 1,199 ms -> 11,884 buffers, 395 ms
--   v_savings_opportunities, 30 days       26,912 buffers, 565 ms -> 10,511 buffers, 314 ms
--   v_savings_sources / _opportunities, one account: 1,803 buffers, unchanged
--
-- v_cost_forecast_vs_actual: the projected month total summed, for every one of its rows, the
-- cost_daily rows of its account from the first of the month to the forecast's start in a
-- LATERAL subquery, an index scan per row (2,900 at 100 accounts) that read most of cost_daily
-- again, one row at a time, after the actual totals had read it whole. cost_daily is now summed once per account and day (daily); the
-- month's actual and the cost before the forecast both come from those day totals (a sum of
-- per-day sums is the same numeric, NULLs ignored the same way). The latest forecast per
-- account, month and metric is chosen as before.
--
-- v_savings_sources: is_current matched every Trusted Advisor and Compute Optimizer row to
-- v_trusted_advisor_checks_current / v_compute_optimizer_recommendations_current, which the
-- planner computed over the whole history; it now matches the row's own snapshot date to its
-- snapshot_pointers row directly (kind 'region', the collector, region '' or the row's region:
-- the definition of those views, 021). The latest commitment period per account, kind and
-- service is a DISTINCT ON over the new index commitment_utilization_latest_idx (an index-only
-- scan) instead of a row_number() window over the whole table sorted on disk, so a filter on
-- period_start or account_id now reaches commitment_utilization.
--
-- v_report_savings_current: was v_savings_sources WHERE is_current (018), which still read
-- every snapshot of Trusted Advisor and Compute Optimizer (the planner cannot prune partitions
-- through a join to the pointers). It now starts from the pointers and reads each current
-- snapshot through the primary key (LATERAL ... OFFSET 0 keeps that per-pointer probe, so
-- partitions are pruned at run time; its account_id is the pointer's, so a filter on it picks
-- the account's pointers first), and the commitment branch joins only the latest periods.
-- Its branches must stay those of v_savings_sources restricted to is_current: a new source is
-- one more branch in both (tests/receiver/test_scale_views_cost.py proves they agree).
--
-- Not changed, still over the 60 ms target at 100 accounts: every view and dataset that
-- aggregates or returns the whole of cost_daily (v_cost_by_account_monthly, v_cost_monthly, the
-- cost_daily dataset, and the actual-cost half of v_cost_forecast_vs_actual) reads every
-- cost_daily row each time; that grows with accounts x days. Bounding it needs per-month totals
-- kept up to date (a rollup of closed months), not a rewrite.

CREATE INDEX commitment_utilization_latest_idx
    ON commitment_utilization (account_id, kind, service, period_end DESC, period_start DESC);

CREATE OR REPLACE VIEW v_cost_forecast_vs_actual AS
 WITH daily AS (
         SELECT cost_daily.account_id,
            cost_daily.usage_date,
            date_trunc('month'::text, cost_daily.usage_date::timestamp with time zone)::date AS month,
            sum(cost_daily.unblended_cost) AS unblended_cost,
            sum(cost_daily.amortized_cost) AS amortized_cost
           FROM cost_daily
          GROUP BY cost_daily.usage_date, cost_daily.account_id
        ), actual AS (
         SELECT daily.account_id,
            daily.month,
            sum(daily.unblended_cost) AS unblended_mtd,
            sum(daily.amortized_cost) AS amortized_mtd,
            max(daily.usage_date) AS actual_through
           FROM daily
          GROUP BY daily.account_id, daily.month
        ), ranked_forecast AS (
         SELECT f_1.account_id,
            f_1.generated_on,
            f_1.metric,
            f_1.period_start,
            f_1.period_end,
            f_1.mean,
            f_1.lower_bound,
            f_1.upper_bound,
            f_1.currency,
            date_trunc('month'::text, f_1.period_start::timestamp with time zone)::date AS month,
            row_number() OVER (PARTITION BY f_1.account_id, (date_trunc('month'::text, f_1.period_start::timestamp with time zone)), f_1.metric ORDER BY f_1.generated_on DESC, f_1.period_end DESC, f_1.period_start) AS recency
           FROM cost_forecasts f_1
          WHERE f_1.period_end <= (date_trunc('month'::text, f_1.period_start::timestamp with time zone) + '1 mon'::interval)::date
        ), latest_forecast AS (
         SELECT ranked_forecast.account_id, ranked_forecast.generated_on, ranked_forecast.metric,
            ranked_forecast.period_start, ranked_forecast.period_end, ranked_forecast.mean,
            ranked_forecast.lower_bound, ranked_forecast.upper_bound, ranked_forecast.currency,
            ranked_forecast.month
           FROM ranked_forecast
          WHERE ranked_forecast.recency = 1
        ), before_forecast AS (
         SELECT f.account_id, f.month, f.metric,
            sum(CASE WHEN f.metric = 'AMORTIZED_COST'::text THEN d.amortized_cost ELSE d.unblended_cost END) AS cost
           FROM latest_forecast f
           JOIN daily d ON d.account_id = f.account_id AND d.month = f.month AND d.usage_date < f.period_start
          GROUP BY f.account_id, f.month, f.metric
        ), months AS (
         SELECT actual.account_id, actual.month FROM actual
        UNION
         SELECT latest_forecast.account_id, latest_forecast.month FROM latest_forecast
        )
 SELECT m.month,
    m.account_id,
    acc.name AS account_name,
    act.unblended_mtd AS actual_unblended_mtd,
    act.amortized_mtd AS actual_amortized_mtd,
    act.actual_through,
    f.metric AS forecast_metric,
    f.generated_on AS forecast_generated_on,
    f.period_start AS forecast_period_start,
    f.period_end AS forecast_period_end,
    f.mean AS forecast_mean,
    f.lower_bound AS forecast_lower_bound,
    f.upper_bound AS forecast_upper_bound,
    f.currency AS forecast_currency,
    COALESCE(b.cost, 0::numeric) + f.mean AS projected_month_total
   FROM months m
     JOIN accounts acc ON acc.account_id = m.account_id
     LEFT JOIN actual act ON act.account_id = m.account_id AND act.month = m.month
     LEFT JOIN latest_forecast f ON f.account_id = m.account_id AND f.month = m.month
     LEFT JOIN before_forecast b ON b.account_id = f.account_id AND b.month = f.month AND b.metric = f.metric;

CREATE OR REPLACE VIEW v_savings_sources AS
 SELECT 'trusted_advisor'::text AS source,
    t.account_id,
    a.name AS account_name,
    t.snapshot_date AS period_start,
    t.snapshot_date + 1 AS period_end,
    t.snapshot_date AS as_of,
    t.check_id AS item_id,
    t.name AS title,
    t.category,
    t.status AS finding,
    t.resources_flagged,
    concat_ws(' '::text, t.name, ('('::text || t.category) || ')'::text, ('- '::text || t.resources_flagged) || ' resources flagged'::text) AS description,
    t.estimated_monthly_savings,
    t.currency,
    cur.account_id IS NOT NULL AS is_current
   FROM trusted_advisor_checks t
     JOIN accounts a ON a.account_id = t.account_id
     LEFT JOIN snapshot_pointers cur ON cur.account_id = t.account_id AND cur.kind = 'region'::text AND cur.collector = 'trusted_advisor_checks'::text AND cur.region = ''::text AND cur.snapshot_date = t.snapshot_date
  WHERE (t.status = ANY (ARRAY['warning'::text, 'error'::text])) AND t.estimated_monthly_savings > 0::numeric
UNION ALL
 SELECT 'compute_optimizer'::text AS source,
    c.account_id,
    a.name AS account_name,
    c.snapshot_date AS period_start,
    c.snapshot_date + 1 AS period_end,
    c.snapshot_date AS as_of,
    c.resource_arn AS item_id,
    concat_ws(' '::text, c.resource_type, c.current_configuration, '->', c.recommended_configuration,
        CASE c.savings_basis
            WHEN 'after_discounts'::text THEN '(after discounts)'::text
            WHEN 'on_demand'::text THEN '(On-Demand prices)'::text
            ELSE NULL::text
        END) AS title,
    c.resource_type AS category,
    c.finding,
    1 AS resources_flagged,
    concat_ws(' '::text, c.resource_type, c.finding || ':'::text, c.current_configuration, '->', c.recommended_configuration,
        CASE c.savings_basis
            WHEN 'after_discounts'::text THEN '(after discounts)'::text
            WHEN 'on_demand'::text THEN '(On-Demand prices)'::text
            ELSE NULL::text
        END) AS description,
    c.estimated_monthly_savings,
    c.currency,
    cur.account_id IS NOT NULL AS is_current
   FROM compute_optimizer_recommendations c
     JOIN accounts a ON a.account_id = c.account_id
     LEFT JOIN snapshot_pointers cur ON cur.account_id = c.account_id AND cur.kind = 'region'::text AND cur.collector = 'compute_optimizer'::text AND cur.region = COALESCE(c.region, ''::text) AND cur.snapshot_date = c.snapshot_date
  WHERE c.estimated_monthly_savings > 0::numeric
UNION ALL
 SELECT 'commitment'::text AS source,
    u.account_id,
    a.name AS account_name,
    u.period_start,
    u.period_end,
    u.period_end - 1 AS as_of,
    concat_ws(' '::text, u.kind, NULLIF(u.service, ''::text)) AS item_id,
    ((('Unused '::text ||
        CASE u.kind
            WHEN 'RI'::text THEN 'Reserved Instance'::text
            ELSE 'Savings Plans'::text
        END) || ' commitment'::text) || COALESCE(' for '::text || NULLIF(u.service, ''::text), ''::text)) || COALESCE((' ('::text || round(u.utilization_pct, 1)) || '% utilized)'::text, ''::text) AS title,
    u.kind AS category,
    'unused'::text AS finding,
    NULL::integer AS resources_flagged,
    ((('Unused '::text ||
        CASE u.kind
            WHEN 'RI'::text THEN 'Reserved Instance'::text
            ELSE 'Savings Plans'::text
        END) || ' commitment'::text) || COALESCE(' for '::text || NULLIF(u.service, ''::text), ''::text)) || COALESCE((' ('::text || round(u.utilization_pct, 1)) || '% utilized)'::text, ''::text) AS description,
    round(u.unused * ((date_trunc('month'::text, u.period_start::timestamp with time zone) + '1 mon'::interval)::date - date_trunc('month'::text, u.period_start::timestamp with time zone)::date)::numeric / (u.period_end - u.period_start)::numeric, 4) AS estimated_monthly_savings,
    u.currency,
    latest.account_id IS NOT NULL AS is_current
   FROM commitment_utilization u
     JOIN accounts a ON a.account_id = u.account_id
     LEFT JOIN ( SELECT DISTINCT ON (l.account_id, l.kind, l.service) l.account_id, l.kind, l.service, l.period_start, l.period_end
           FROM commitment_utilization l
          ORDER BY l.account_id, l.kind, l.service, l.period_end DESC, l.period_start DESC) latest
       ON latest.account_id = u.account_id AND latest.kind = u.kind AND latest.service = u.service AND latest.period_start = u.period_start AND latest.period_end = u.period_end
  WHERE u.unused > 0::numeric;

CREATE OR REPLACE VIEW v_report_savings_current AS
 SELECT 'trusted_advisor'::text AS source,
    p.account_id,
    a.name AS account_name,
    t.snapshot_date AS as_of,
    t.check_id AS item_id,
    t.name AS title,
    t.category,
    t.status AS finding,
    t.resources_flagged,
    t.estimated_monthly_savings,
    t.currency
   FROM snapshot_pointers p
     JOIN accounts a ON a.account_id = p.account_id
     CROSS JOIN LATERAL ( SELECT t_1.account_id, t_1.snapshot_date, t_1.check_id, t_1.name, t_1.category, t_1.status,
                t_1.resources_flagged, t_1.estimated_monthly_savings, t_1.currency
           FROM trusted_advisor_checks t_1
          WHERE t_1.account_id = p.account_id AND t_1.snapshot_date = p.snapshot_date
            AND (t_1.status = ANY (ARRAY['warning'::text, 'error'::text])) AND t_1.estimated_monthly_savings > 0::numeric
         OFFSET 0) t
  WHERE p.kind = 'region'::text AND p.collector = 'trusted_advisor_checks'::text AND p.region = ''::text
UNION ALL
 SELECT 'compute_optimizer'::text AS source,
    p.account_id,
    a.name AS account_name,
    c.snapshot_date AS as_of,
    c.resource_arn AS item_id,
    concat_ws(' '::text, c.resource_type, c.current_configuration, '->', c.recommended_configuration,
        CASE c.savings_basis
            WHEN 'after_discounts'::text THEN '(after discounts)'::text
            WHEN 'on_demand'::text THEN '(On-Demand prices)'::text
            ELSE NULL::text
        END) AS title,
    c.resource_type AS category,
    c.finding,
    1 AS resources_flagged,
    c.estimated_monthly_savings,
    c.currency
   FROM snapshot_pointers p
     JOIN accounts a ON a.account_id = p.account_id
     CROSS JOIN LATERAL ( SELECT c_1.account_id, c_1.snapshot_date, c_1.resource_arn, c_1.resource_type, c_1.finding,
                c_1.current_configuration, c_1.recommended_configuration, c_1.savings_basis,
                c_1.estimated_monthly_savings, c_1.currency
           FROM compute_optimizer_recommendations c_1
          WHERE c_1.account_id = p.account_id AND c_1.snapshot_date = p.snapshot_date
            AND COALESCE(c_1.region, ''::text) = p.region AND c_1.estimated_monthly_savings > 0::numeric
         OFFSET 0) c
  WHERE p.kind = 'region'::text AND p.collector = 'compute_optimizer'::text
UNION ALL
 SELECT 'commitment'::text AS source,
    u.account_id,
    a.name AS account_name,
    u.period_end - 1 AS as_of,
    concat_ws(' '::text, u.kind, NULLIF(u.service, ''::text)) AS item_id,
    ((('Unused '::text ||
        CASE u.kind
            WHEN 'RI'::text THEN 'Reserved Instance'::text
            ELSE 'Savings Plans'::text
        END) || ' commitment'::text) || COALESCE(' for '::text || NULLIF(u.service, ''::text), ''::text)) || COALESCE((' ('::text || round(u.utilization_pct, 1)) || '% utilized)'::text, ''::text) AS title,
    u.kind AS category,
    'unused'::text AS finding,
    NULL::integer AS resources_flagged,
    round(u.unused * ((date_trunc('month'::text, u.period_start::timestamp with time zone) + '1 mon'::interval)::date - date_trunc('month'::text, u.period_start::timestamp with time zone)::date)::numeric / (u.period_end - u.period_start)::numeric, 4) AS estimated_monthly_savings,
    u.currency
   FROM ( SELECT DISTINCT ON (l.account_id, l.kind, l.service) l.account_id, l.kind, l.service, l.period_start, l.period_end
           FROM commitment_utilization l
          ORDER BY l.account_id, l.kind, l.service, l.period_end DESC, l.period_start DESC) latest
     JOIN commitment_utilization u ON u.account_id = latest.account_id AND u.kind = latest.kind AND u.service = latest.service AND u.period_start = latest.period_start AND u.period_end = latest.period_end
     JOIN accounts a ON a.account_id = u.account_id
  WHERE u.unused > 0::numeric;
