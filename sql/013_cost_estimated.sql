-- 013_cost_estimated: which daily costs are still estimates (issue 17).
--
-- Cost Explorer flags every day of a result Estimated until the month's figures are final
-- (credits, refunds, discounts and tax arrive later, up to the month's invoice). Senders now send
-- the flag per cost.daily row, and every scheduled DAILY run re-collects the open month (and,
-- early in a month, the previous one), so a day's row is refreshed until it is final. The loader
-- replaces the rows of each re-collected day of an account (a service zeroed by a credit leaves
-- no row). Rows stored before, and older senders' documents, have estimated NULL: unknown.

ALTER TABLE cost_daily ADD COLUMN estimated boolean;
COMMENT ON COLUMN cost_daily.estimated IS 'Cost Explorer''s Estimated flag of the day when collected: true while the figures may still change, false once final, NULL unknown (older senders).';

CREATE OR REPLACE VIEW v_report_cost_daily AS
SELECT c.account_id,
       a.name AS account_name,
       c.usage_date,
       c.service,
       c.currency,
       c.unblended_cost,
       c.amortized_cost,
       c.estimated
FROM cost_daily c
JOIN accounts a ON a.account_id = c.account_id;
COMMENT ON VIEW v_report_cost_daily IS 'Daily cost per account and service with its currency, the account name and whether the day is still estimated (Cost Explorer''s Estimated flag; NULL unknown).';
