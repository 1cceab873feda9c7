-- 012_cost_corrections: commitment and savings figures as AWS defines them (issue 17).
--
-- Reservations of every service: GetReservationUtilization and GetReservationCoverage answer
-- for EC2 only when the request names no SERVICE, so senders now ask each service that sells
-- reservations (EC2, RDS, ElastiCache, MemoryDB, Redshift, OpenSearch) and send one RI row per
-- service. Rows stored before were EC2's (the API's default) and are labelled so; documents of
-- older senders are loaded the same way (the loader fills 'Amazon Elastic Compute Cloud -
-- Compute' for an RI row without the field). SP rows have service '' (a plan is not tied to
-- one service).
--
-- Shared commitments: coverage is now sent whatever the account owns (a member is covered by
-- reservations and plans bought elsewhere in the billing family), so rows may hold coverage
-- without any commitment of their own (commitment/used/unused NULL). coverage_covered and
-- coverage_eligible (RI: reserved and total running hours; SP: covered and total eligible spend)
-- let views weight coverage by usage instead of averaging percentages.
--
-- Rightsizing savings: Compute Optimizer's savingsOpportunity is priced at On-Demand rates;
-- senders now send savingsOpportunityAfterDiscounts (Savings Plans and RI discounts included)
-- where Compute Optimizer gives it, and savings_basis says which one a row holds. Rows stored
-- before, and older senders' documents (the loader fills it), are 'on_demand' when they have
-- savings.

ALTER TABLE commitment_utilization
    ADD COLUMN service          text    NOT NULL DEFAULT '',
    ADD COLUMN coverage_covered numeric CHECK (coverage_covered >= 0),
    ADD COLUMN coverage_eligible   numeric CHECK (coverage_eligible >= 0);
UPDATE commitment_utilization SET service = 'Amazon Elastic Compute Cloud - Compute' WHERE kind = 'RI';
ALTER TABLE commitment_utilization DROP CONSTRAINT commitment_utilization_pkey;
ALTER TABLE commitment_utilization
    ADD CONSTRAINT commitment_utilization_pkey PRIMARY KEY (account_id, kind, service, period_start, period_end);
COMMENT ON TABLE commitment_utilization IS 'Reserved Instance (RI, one row per reservation service) or Savings Plans (SP) utilization and coverage of one account over one period [start, end). Utilization describes the account''s own commitments; coverage its usage, whoever owns the commitment covering it.';
COMMENT ON COLUMN commitment_utilization.service IS 'RI: the Cost Explorer SERVICE the reservations are for (e.g. Amazon Relational Database Service); '''' for SP.';
COMMENT ON COLUMN commitment_utilization.coverage_covered IS 'Usage covered by commitments, whoever owns them: RI reserved hours, SP covered spend (currency).';
COMMENT ON COLUMN commitment_utilization.coverage_eligible IS 'Usage that commitments could cover: RI total running hours, SP total eligible spend (currency).';

ALTER TABLE compute_optimizer_recommendations
    ADD COLUMN savings_basis text CHECK (savings_basis IN ('after_discounts', 'on_demand'));
UPDATE compute_optimizer_recommendations SET savings_basis = 'on_demand'
WHERE estimated_monthly_savings IS NOT NULL;
COMMENT ON COLUMN compute_optimizer_recommendations.savings_basis IS 'What estimated_monthly_savings and savings_percentage are priced at: after_discounts (Savings Plans and RI discounts included) or on_demand (On-Demand prices, when Compute Optimizer gives no after-discount figure).';

CREATE OR REPLACE VIEW v_compute_optimizer_recommendations_current AS
SELECT t.* FROM compute_optimizer_recommendations t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'compute_optimizer'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_compute_optimizer_recommendations_current IS 'Rows of compute_optimizer_recommendations in the current snapshot (see v_snapshot_current), with savings_basis.';

-- v_savings_opportunities and v_report_savings_current: one unused-commitment item per RI
-- service (the latest period per account, kind and service), the service named.
CREATE OR REPLACE VIEW v_savings_opportunities AS
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
                 c.current_configuration, '->', c.recommended_configuration,
                 CASE c.savings_basis WHEN 'after_discounts' THEN '(after discounts)'
                                      WHEN 'on_demand' THEN '(On-Demand prices)' END),
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
       concat_ws(' ', u.kind, nullif(u.service, '')),
       'Unused ' || CASE u.kind WHEN 'RI' THEN 'Reserved Instance' ELSE 'Savings Plans' END
           || ' commitment' || coalesce(' for ' || nullif(u.service, ''), '')
           || coalesce(' (' || round(u.utilization_pct, 1) || '% utilized)', ''),
       round(u.unused
             * ((date_trunc('month', u.period_start) + interval '1 month')::date
                - date_trunc('month', u.period_start)::date)
             / (u.period_end - u.period_start), 4),
       u.currency
FROM commitment_utilization u
JOIN accounts a ON a.account_id = u.account_id
WHERE u.unused > 0;
COMMENT ON VIEW v_savings_opportunities IS 'Savings opportunities: flagged Trusted Advisor checks, Compute Optimizer recommendations (after Savings Plans / RI discounts where Compute Optimizer gives them, the description says which) and unused RI (per service) / SP commitment, with estimated monthly savings.';

CREATE OR REPLACE VIEW v_report_savings_current AS
WITH latest_commitment AS (
    SELECT DISTINCT ON (u.account_id, u.kind, u.service) u.*
    FROM commitment_utilization u
    ORDER BY u.account_id, u.kind, u.service, u.period_end DESC, u.period_start DESC
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
       concat_ws(' ', c.resource_type, c.current_configuration, '->', c.recommended_configuration,
                 CASE c.savings_basis WHEN 'after_discounts' THEN '(after discounts)'
                                      WHEN 'on_demand' THEN '(On-Demand prices)' END),
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
       concat_ws(' ', u.kind, nullif(u.service, '')),
       'Unused ' || CASE u.kind WHEN 'RI' THEN 'Reserved Instance' ELSE 'Savings Plans' END
           || ' commitment' || coalesce(' for ' || nullif(u.service, ''), '')
           || coalesce(' (' || round(u.utilization_pct, 1) || '% utilized)', ''),
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
COMMENT ON VIEW v_report_savings_current IS 'Current savings opportunities: flagged Trusted Advisor checks and Compute Optimizer recommendations of the current snapshot, unused RI (per service) / SP commitment of the latest period, with estimated monthly savings.';

-- Per kind and period over all accounts. Utilization = used / committed over the accounts
-- that own commitments; coverage = covered / coverable usage over every account that reported
-- coverage (owner or not), weighted by usage (RI hours, SP spend); when any row of the period
-- lacks those amounts (older senders), the mean of the percentages. accounts counts distinct
-- accounts; owning_accounts those with a commitment of their own.
CREATE OR REPLACE VIEW v_report_commitment_utilization AS
SELECT u.kind,
       u.period_start,
       u.period_end,
       count(DISTINCT u.account_id)   AS accounts,
       sum(u.commitment)              AS commitment,
       sum(u.used)                    AS used,
       sum(u.unused)                  AS unused,
       sum(u.net_savings)             AS net_savings,
       sum(u.on_demand_equivalent)    AS on_demand_equivalent,
       coalesce(round(100 * sum(u.used) FILTER (WHERE u.commitment IS NOT NULL)
                      / nullif(sum(u.commitment) FILTER (WHERE u.used IS NOT NULL), 0), 2),
                round(avg(u.utilization_pct), 2)) AS utilization_pct,
       CASE WHEN bool_and(u.coverage_pct IS NULL OR (u.coverage_covered IS NOT NULL
                                                     AND u.coverage_eligible IS NOT NULL))
            THEN round(100 * sum(u.coverage_covered) / nullif(sum(u.coverage_eligible), 0), 2)
            ELSE round(avg(u.coverage_pct), 2) END AS coverage_pct,
       min(u.currency)                AS currency,
       count(DISTINCT u.account_id) FILTER (WHERE u.commitment IS NOT NULL OR u.utilization_pct IS NOT NULL) AS owning_accounts
FROM commitment_utilization u
GROUP BY u.kind, u.period_start, u.period_end;
COMMENT ON VIEW v_report_commitment_utilization IS 'Per RI/SP kind and period, over all accounts: commitment, used and unused amounts, utilization (used / commitment, owners of commitments) and coverage (covered / coverable usage of every account reporting it, whoever owns the commitment) in percent.';

-- Per kind, service and period over all accounts: which services reservations cover.
CREATE VIEW v_report_commitment_services AS
SELECT u.kind,
       u.service,
       u.period_start,
       u.period_end,
       count(DISTINCT u.account_id)   AS accounts,
       sum(u.commitment)              AS commitment,
       sum(u.unused)                  AS unused,
       sum(u.net_savings)             AS net_savings,
       coalesce(round(100 * sum(u.used) FILTER (WHERE u.commitment IS NOT NULL)
                      / nullif(sum(u.commitment) FILTER (WHERE u.used IS NOT NULL), 0), 2),
                round(avg(u.utilization_pct), 2)) AS utilization_pct,
       CASE WHEN bool_and(u.coverage_pct IS NULL OR (u.coverage_covered IS NOT NULL
                                                     AND u.coverage_eligible IS NOT NULL))
            THEN round(100 * sum(u.coverage_covered) / nullif(sum(u.coverage_eligible), 0), 2)
            ELSE round(avg(u.coverage_pct), 2) END AS coverage_pct,
       min(u.currency)                AS currency
FROM commitment_utilization u
GROUP BY u.kind, u.service, u.period_start, u.period_end;
COMMENT ON VIEW v_report_commitment_services IS 'Per RI/SP kind, service (RI: the reservation service, '''' for SP) and period, over all accounts: commitment, unused, net savings, utilization and usage-weighted coverage in percent.';
