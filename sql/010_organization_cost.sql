-- 010_organization_cost: the organization's total cost forecast, from a sender in organization
-- cost mode (SENDER_COST_MODE=organization, in the management account).
--
-- In that mode the other Cost Explorer rows (cost_daily, cost_period_totals, service_usage,
-- marketplace_usage, commitment_utilization) are written under each linked account's own id,
-- into the same tables as in account mode: no new table or view is needed for them. Forecasts
-- are the exception: GetCostForecast has no GroupBy, so a forecast per account would cost two
-- requests per account and day. The management account forecasts the organization's total
-- instead, and it is stored here as what it is, never as any account's forecast.

CREATE TABLE organization_cost_forecasts (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    generated_on    date        NOT NULL,
    metric          text        NOT NULL CHECK (metric IN ('UNBLENDED_COST', 'AMORTIZED_COST')),
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    mean            numeric,
    lower_bound     numeric,
    upper_bound     numeric,
    currency        text,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organization_cost_forecasts_pkey PRIMARY KEY (account_id, generated_on, metric, period_start, period_end),
    CONSTRAINT organization_cost_forecasts_period_check CHECK (period_end >= period_start)
);
COMMENT ON TABLE organization_cost_forecasts IS 'One Cost Explorer forecast of the whole organization''s cost (every linked account together) for one period [start, end), generated on a snapshot date by the management account''s sender (account_id) in organization cost mode.';
COMMENT ON COLUMN organization_cost_forecasts.account_id IS 'The management (payer) account whose sender asked for the forecast; the forecast covers its whole organization.';
COMMENT ON COLUMN organization_cost_forecasts.generated_on IS 'Snapshot date of the run that fetched the forecast (window end - 1 day).';
