-- 002_cost: Cost Explorer cost, forecasts, usage, Marketplace and RI/SP commitments.
-- The item field `date` is stored as usage_date (the name used by the natural keys).
-- Cost tables are keyed by (account_id, usage_date, ...), so their primary keys already serve
-- the dashboards' (account_id, usage_date) range scans; no extra index is needed for that.

CREATE TABLE cost_daily (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    usage_date      date        NOT NULL,
    service         text        NOT NULL,
    unblended_cost  numeric,
    amortized_cost  numeric,
    currency        text,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cost_daily_pkey PRIMARY KEY (account_id, usage_date, service)
);
COMMENT ON TABLE cost_daily IS 'Cost of one service in one account on one day (Cost Explorer, DAILY granularity).';

CREATE TABLE cost_period_totals (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    kind            text        NOT NULL CHECK (kind IN ('window', 'previous_window', 'month_to_date')),
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    unblended_cost  numeric,
    amortized_cost  numeric,
    currency        text,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cost_period_totals_pkey PRIMARY KEY (account_id, kind, period_start, period_end),
    CONSTRAINT cost_period_totals_period_check CHECK (period_end >= period_start)
);
COMMENT ON TABLE cost_period_totals IS 'Total cost of one account over one period [start, end): the run window, the previous window or month to date.';
CREATE INDEX cost_period_totals_period_idx ON cost_period_totals (account_id, period_start);

CREATE TABLE cost_forecasts (
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
    CONSTRAINT cost_forecasts_pkey PRIMARY KEY (account_id, generated_on, metric, period_start, period_end),
    CONSTRAINT cost_forecasts_period_check CHECK (period_end >= period_start)
);
COMMENT ON TABLE cost_forecasts IS 'One Cost Explorer forecast of one metric for one period [start, end), as generated on a snapshot date.';
COMMENT ON COLUMN cost_forecasts.generated_on IS 'Snapshot date of the run that fetched the forecast (window end - 1 day).';
CREATE INDEX cost_forecasts_period_idx ON cost_forecasts (account_id, period_start);

CREATE TABLE service_usage (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    usage_date      date        NOT NULL,
    service         text        NOT NULL,
    usage_type      text        NOT NULL,
    unit            text        NOT NULL DEFAULT '',
    quantity        numeric,
    unblended_cost  numeric,
    currency        text,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_usage_pkey PRIMARY KEY (account_id, usage_date, service, usage_type, unit)
);
COMMENT ON TABLE service_usage IS 'Usage quantity and cost of one service usage type (in one unit) in one account on one day.';

CREATE TABLE marketplace_usage (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    usage_date      date        NOT NULL,
    product         text        NOT NULL,
    usage_type      text        NOT NULL,
    unit            text,
    quantity        numeric,
    cost            numeric,
    currency        text,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT marketplace_usage_pkey PRIMARY KEY (account_id, usage_date, product, usage_type)
);
COMMENT ON TABLE marketplace_usage IS 'Usage and cost of one AWS Marketplace product usage type in one account on one day.';

CREATE TABLE commitment_utilization (
    account_id           char(12)    NOT NULL REFERENCES accounts (account_id),
    kind                 text        NOT NULL CHECK (kind IN ('RI', 'SP')),
    period_start         date        NOT NULL,
    period_end           date        NOT NULL,
    utilization_pct      numeric,
    coverage_pct         numeric,
    commitment           numeric,
    used                 numeric,
    unused               numeric,
    net_savings          numeric,
    on_demand_equivalent numeric,
    currency             text,
    ingestion_id         bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at      timestamptz NOT NULL DEFAULT now(),
    last_loaded_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT commitment_utilization_pkey PRIMARY KEY (account_id, kind, period_start, period_end),
    CONSTRAINT commitment_utilization_period_check CHECK (period_end > period_start)
);
COMMENT ON TABLE commitment_utilization IS 'Reserved Instance (RI) or Savings Plans (SP) utilization and coverage of one account over one period [start, end).';
CREATE INDEX commitment_utilization_period_idx ON commitment_utilization (account_id, period_start);
