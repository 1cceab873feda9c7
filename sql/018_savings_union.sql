-- 018_savings_union: the savings sources written once.
--
-- v_savings_opportunities (every snapshot and period) and v_report_savings_current (the current
-- ones) each spelled out the same UNION of flagged Trusted Advisor checks, Compute Optimizer
-- recommendations and unused RI/SP commitment (006 and 008, both replaced in 012).
-- v_savings_sources holds that union once, with every column either view shows and is_current;
-- both views become projections of it, with the same columns in the same order and the same
-- rows. A new source is one more branch here.
--
-- is_current: a Trusted Advisor or Compute Optimizer row of the current snapshot (its row is in
-- v_trusted_advisor_checks_current / v_compute_optimizer_recommendations_current, matched on
-- the table's primary key), or the latest commitment period of its account, kind and service,
-- chosen among all periods before the unused > 0 filter, as the report view always did.

CREATE VIEW v_savings_sources AS
SELECT 'trusted_advisor'::text       AS source,
       t.account_id,
       a.name                        AS account_name,
       t.snapshot_date               AS period_start,
       t.snapshot_date + 1           AS period_end,
       t.snapshot_date               AS as_of,
       t.check_id                    AS item_id,
       t.name                        AS title,
       t.category,
       t.status                      AS finding,
       t.resources_flagged,
       concat_ws(' ', t.name, '(' || t.category || ')',
                 '- ' || t.resources_flagged || ' resources flagged') AS description,
       t.estimated_monthly_savings,
       t.currency,
       cur.check_id IS NOT NULL      AS is_current
FROM trusted_advisor_checks t
JOIN accounts a ON a.account_id = t.account_id
LEFT JOIN v_trusted_advisor_checks_current cur
       ON cur.account_id = t.account_id AND cur.snapshot_date = t.snapshot_date
      AND cur.check_id = t.check_id
WHERE t.status IN ('warning', 'error')
  AND t.estimated_monthly_savings > 0
UNION ALL
SELECT 'compute_optimizer'::text,
       c.account_id,
       a.name,
       c.snapshot_date,
       c.snapshot_date + 1,
       c.snapshot_date,
       c.resource_arn,
       concat_ws(' ', c.resource_type, c.current_configuration, '->', c.recommended_configuration,
                 CASE c.savings_basis WHEN 'after_discounts' THEN '(after discounts)'
                                      WHEN 'on_demand' THEN '(On-Demand prices)' END),
       c.resource_type,
       c.finding,
       1,
       concat_ws(' ', c.resource_type, c.finding || ':',
                 c.current_configuration, '->', c.recommended_configuration,
                 CASE c.savings_basis WHEN 'after_discounts' THEN '(after discounts)'
                                      WHEN 'on_demand' THEN '(On-Demand prices)' END),
       c.estimated_monthly_savings,
       c.currency,
       cur.resource_arn IS NOT NULL
FROM compute_optimizer_recommendations c
JOIN accounts a ON a.account_id = c.account_id
LEFT JOIN v_compute_optimizer_recommendations_current cur
       ON cur.account_id = c.account_id AND cur.snapshot_date = c.snapshot_date
      AND cur.resource_arn = c.resource_arn
WHERE c.estimated_monthly_savings > 0
UNION ALL
SELECT 'commitment'::text,
       u.account_id,
       a.name,
       u.period_start,
       u.period_end,
       u.period_end - 1,
       concat_ws(' ', u.kind, nullif(u.service, '')),
       u.label,
       u.kind,
       'unused',
       NULL::integer,
       u.label,
       -- the unused amount of the period scaled to its calendar month
       round(u.unused
             * ((date_trunc('month', u.period_start) + interval '1 month')::date
                - date_trunc('month', u.period_start)::date)
             / (u.period_end - u.period_start), 4),
       u.currency,
       u.is_latest
FROM (
    SELECT c.*,
           'Unused ' || CASE c.kind WHEN 'RI' THEN 'Reserved Instance' ELSE 'Savings Plans' END
               || ' commitment' || coalesce(' for ' || nullif(c.service, ''), '')
               || coalesce(' (' || round(c.utilization_pct, 1) || '% utilized)', '') AS label,
           row_number() OVER (PARTITION BY c.account_id, c.kind, c.service
                              ORDER BY c.period_end DESC, c.period_start DESC) = 1 AS is_latest
    FROM commitment_utilization c
) u
JOIN accounts a ON a.account_id = u.account_id
WHERE u.unused > 0;
COMMENT ON VIEW v_savings_sources IS 'Every savings opportunity of every snapshot and period, with is_current: flagged Trusted Advisor checks, Compute Optimizer recommendations (after Savings Plans / RI discounts where Compute Optimizer gives them) and unused RI (per service) / SP commitment scaled to a month. v_savings_opportunities and v_report_savings_current select from it.';

CREATE OR REPLACE VIEW v_savings_opportunities AS
SELECT source, account_id, account_name, period_start, period_end, item_id, description,
       estimated_monthly_savings, currency
FROM v_savings_sources;
COMMENT ON VIEW v_savings_opportunities IS 'Savings opportunities: flagged Trusted Advisor checks, Compute Optimizer recommendations (after Savings Plans / RI discounts where Compute Optimizer gives them, the description says which) and unused RI (per service) / SP commitment, with estimated monthly savings.';

CREATE OR REPLACE VIEW v_report_savings_current AS
SELECT source, account_id, account_name, as_of, item_id, title, category, finding,
       resources_flagged, estimated_monthly_savings, currency
FROM v_savings_sources
WHERE is_current;
COMMENT ON VIEW v_report_savings_current IS 'Current savings opportunities: flagged Trusted Advisor checks and Compute Optimizer recommendations of the current snapshot, unused RI (per service) / SP commitment of the latest period, with estimated monthly savings.';
