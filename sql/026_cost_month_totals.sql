-- 026_cost_month_totals: cost history read from per-month totals the loader keeps, instead of
-- summing the whole of cost_daily on every read (issue 16: every query p95 < 1 s at 1,000
-- accounts x 400 days). Same view names, columns, column order, types and rows.
--
-- Measured on the 1,000-account x 400-day scale database (3.4 million cost_daily rows, 800,000
-- forecasts), candidate and old side by side, EXPLAIN (ANALYZE, BUFFERS), warm, while other test
-- runs kept this 2-core machine at a load average of 8-9 (so both columns are several times
-- the quiet figures; make scale measured the old ones at 4-6.5 s), old -> new:
--
--   v_cost_monthly, all rows (122,100)          7,499 ms, 55,083 buffers ->   204 ms,   1,931
--   v_cost_by_account_monthly, all rows        11,489 ms, 55,228 buffers ->   352 ms (index order)
--   v_cost_forecast_vs_actual, all rows         9,694 ms, 68,930 buffers ->   704 ms (key lookups)
--   v_cost_forecast_vs_actual, one account      7,668 ms, 68,902 buffers ->   0.4 ms,     244
--   report forecast_by_month (2 months)         8,887 ms, 68,930 buffers ->   148 ms,  34,762
--   dataset cost_forecast, 42-day refresh      10,077 ms, 68,961 buffers ->   141 ms,  34,793
--   v_cost_monthly / v_cost_by_account_monthly, one account: 4-9 ms -> under 1 ms
--
-- Again at a load average of 4 (old -> new, ms): all rows v_cost_monthly 4,201 -> 64,
-- v_cost_by_account_monthly 4,444 -> 233, v_cost_forecast_vs_actual 4,764 -> 230; one account's
-- forecasts 3,192 -> 0.4; forecast_by_month 3,885 -> 48; dataset cost_forecast 3,966 -> 43.
--
-- The old views summed every cost_daily row on every read and ranked every forecast; the new
-- ones read the totals (one row per account, month, service and currency: 122,100 rows, 8 MB
-- at 1,000 accounts), and look the month to date and the latest forecast up by key.
--
-- Three small tables. Two are exactly a GROUP BY of cost_daily, kept up to date by the loader in
-- each file's transaction (receiver.cost_totals.refresh): after a file's cost_daily rows
-- are written (and its re-collected days replaced), the rows of every (account, month) whose
-- cost days the file touched are deleted and recomputed from cost_daily, under the account's
-- advisory lock (the snapshot pointers' lock, sql/021), so two files of one account cannot
-- interleave; rows are keyed by account: no row every file updates.
--   * cost_month_totals: one row per account, month, service and currency: the columns and
--     meaning of cost_monthly (sums, days, estimated/final/unknown days, first and last day)
--     plus day_mask, the days of the month with a row (bit d - 1 for day d), so the distinct
--     days of an account's month are the bits of the OR of its services' masks;
--   * cost_month_to_date: one row per account and day with cost: the account's cost (all
--     services and currencies) from the first of the month to that day included, the running
--     sums of the day sums, so "the cost of the month before the forecast" is one row.
-- Sums of sums are the same numeric (same value and the same scale: numeric addition is
-- exact and keeps the largest scale), NULLs ignored alike (a sum is NULL only where every value
-- summed is NULL), so the views return the same rows, text for text.
--
-- Retention (receiver.partitions.maintain): when a month's cost_daily partitions are dropped
-- (after cost_monthly received the month), the month's rows of both tables are deleted in the
-- same transaction, so they stay exactly cost_daily summed; v_cost_monthly then reads the month
-- from cost_monthly, as before. A late file of a dropped month lands in cost_daily's DEFAULT
-- partition and the loader sums it as any other month.
--
-- cost_forecast_latest: per account, month and metric, the latest forecast of the month (the
-- row v_cost_forecast_vs_actual ranked first among every forecast), recomputed by the loader
-- for the months of the forecasts a file writes and for its snapshot date; when retention drops
-- a month of forecasts, those generated in it are replaced by the latest left.
--
-- Back-filled here from cost_daily and cost_forecasts (three statements, one per table; at
-- 1,000 accounts x 400 days: 7.5 s, 3.4 s and 3.3 s, within the Data API's 45 s).

CREATE TABLE cost_month_totals (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    month           date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    service         text        NOT NULL,
    currency        text        NOT NULL DEFAULT '',
    unblended_cost  numeric,
    amortized_cost  numeric,
    days            integer     NOT NULL CHECK (days >= 0),
    estimated_days  integer     NOT NULL CHECK (estimated_days >= 0),
    final_days      integer     NOT NULL CHECK (final_days >= 0),
    unknown_days    integer     NOT NULL CHECK (unknown_days >= 0),
    first_day       date        NOT NULL,
    last_day        date        NOT NULL,
    day_mask        integer     NOT NULL,
    CONSTRAINT cost_month_totals_pkey PRIMARY KEY (account_id, month, service, currency)
);
COMMENT ON TABLE cost_month_totals IS 'Cost of one service in one account over one calendar month while its days are in cost_daily: the sum of its cost_daily rows (as cost_monthly), kept by the loader in each file''s transaction (receiver.loader.refresh_cost_totals). Months dropped by the retention policy are in cost_monthly instead.';
COMMENT ON COLUMN cost_month_totals.month IS 'First day of the month.';
COMMENT ON COLUMN cost_month_totals.currency IS 'cost_daily.currency; empty string when it was NULL.';
COMMENT ON COLUMN cost_month_totals.days IS 'Days with a cost_daily row in the month.';
COMMENT ON COLUMN cost_month_totals.estimated_days IS 'Days whose cost was still Cost Explorer''s estimate when last collected (cost_daily.estimated true).';
COMMENT ON COLUMN cost_month_totals.final_days IS 'Days whose cost was final (cost_daily.estimated false).';
COMMENT ON COLUMN cost_month_totals.unknown_days IS 'Days collected by older senders, which did not say (cost_daily.estimated NULL).';
COMMENT ON COLUMN cost_month_totals.first_day IS 'First usage_date of the month with a row.';
COMMENT ON COLUMN cost_month_totals.last_day IS 'Last usage_date of the month with a row.';
COMMENT ON COLUMN cost_month_totals.day_mask IS 'The days of the month with a row: bit (day - 1) set for each.';

CREATE TABLE cost_month_to_date (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    usage_date      date        NOT NULL,
    unblended_mtd   numeric,
    amortized_mtd   numeric,
    CONSTRAINT cost_month_to_date_pkey PRIMARY KEY (account_id, usage_date)
);
COMMENT ON TABLE cost_month_to_date IS 'Cost of one account (every service and currency) from the first of the month to usage_date included, on each day with a cost_daily row: the running sum of cost_daily''s day sums, kept by the loader with cost_month_totals.';
COMMENT ON COLUMN cost_month_to_date.unblended_mtd IS 'sum(cost_daily.unblended_cost) of the account from the first of the month to usage_date; NULL when every value was NULL.';
COMMENT ON COLUMN cost_month_to_date.amortized_mtd IS 'sum(cost_daily.amortized_cost) of the account from the first of the month to usage_date; NULL when every value was NULL.';

CREATE TABLE cost_forecast_latest (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    month           date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    metric          text        NOT NULL,
    generated_on    date        NOT NULL,
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    mean            numeric,
    lower_bound     numeric,
    upper_bound     numeric,
    currency        text,
    CONSTRAINT cost_forecast_latest_pkey PRIMARY KEY (account_id, month, metric)
);
COMMENT ON TABLE cost_forecast_latest IS 'The latest Cost Explorer forecast of one account, month and metric: of the cost_forecasts rows whose period starts in the month and ends by its end, the one generated last (then the longest, then the earliest start), kept by the loader with cost_month_totals.';
COMMENT ON COLUMN cost_forecast_latest.month IS 'First day of the month of period_start.';

INSERT INTO cost_month_totals (account_id, month, service, currency, unblended_cost,
                               amortized_cost, days, estimated_days, final_days, unknown_days,
                               first_day, last_day, day_mask)
SELECT account_id, date_trunc('month', usage_date)::date, service, coalesce(currency, ''),
       sum(unblended_cost), sum(amortized_cost), count(*),
       count(*) FILTER (WHERE estimated), count(*) FILTER (WHERE NOT estimated),
       count(*) FILTER (WHERE estimated IS NULL), min(usage_date), max(usage_date),
       bit_or(1 << (extract(day FROM usage_date)::integer - 1))
FROM cost_daily
GROUP BY account_id, date_trunc('month', usage_date)::date, service, coalesce(currency, '');

INSERT INTO cost_month_to_date (account_id, usage_date, unblended_mtd, amortized_mtd)
SELECT account_id, usage_date,
       sum(sum(unblended_cost)) OVER (PARTITION BY account_id, date_trunc('month', usage_date)
                                      ORDER BY usage_date),
       sum(sum(amortized_cost)) OVER (PARTITION BY account_id, date_trunc('month', usage_date)
                                      ORDER BY usage_date)
FROM cost_daily
GROUP BY account_id, usage_date;

INSERT INTO cost_forecast_latest (account_id, month, metric, generated_on, period_start,
                                  period_end, mean, lower_bound, upper_bound, currency)
SELECT DISTINCT ON (f.account_id, f.month, f.metric)
       f.account_id, f.month, f.metric, f.generated_on, f.period_start, f.period_end, f.mean,
       f.lower_bound, f.upper_bound, f.currency
FROM (SELECT cost_forecasts.*, date_trunc('month', period_start::timestamptz)::date AS month
      FROM cost_forecasts) f
WHERE f.period_end <= (f.month + interval '1 month')::date
ORDER BY f.account_id, f.month, f.metric, f.generated_on DESC, f.period_end DESC, f.period_start;

ANALYZE cost_forecast_latest;
ANALYZE cost_month_totals;
ANALYZE cost_month_to_date;

-- cost_monthly where the month is rolled up, the loader's totals otherwise (the same rows as
-- cost_daily summed by month).
CREATE OR REPLACE VIEW v_cost_monthly AS
 SELECT cost_monthly.account_id,
    cost_monthly.month,
    cost_monthly.service,
    cost_monthly.currency,
    cost_monthly.unblended_cost,
    cost_monthly.amortized_cost,
    cost_monthly.days,
    cost_monthly.estimated_days,
    cost_monthly.final_days,
    cost_monthly.unknown_days,
    true AS rolled_up
   FROM cost_monthly
UNION ALL
 SELECT t.account_id,
    t.month,
    t.service,
    t.currency,
    t.unblended_cost,
    t.amortized_cost,
    t.days,
    t.estimated_days,
    t.final_days,
    t.unknown_days,
    false AS rolled_up
   FROM cost_month_totals t
  WHERE NOT (EXISTS ( SELECT 1
           FROM cost_monthly m
          WHERE m.account_id = t.account_id AND m.month = t.month));

-- days_with_data: the distinct days of the month, the bits of its services' masks together.
-- Grouped in the primary key's order, then named (no sort of every row by account name).
CREATE OR REPLACE VIEW v_cost_by_account_monthly AS
 SELECT t.account_id,
    a.name AS account_name,
    t.month,
    t.unblended_cost,
    t.amortized_cost,
    t.service_count,
    t.days_with_data,
    t.last_usage_date
   FROM ( SELECT m.account_id,
            m.month,
            sum(m.unblended_cost) AS unblended_cost,
            sum(m.amortized_cost) AS amortized_cost,
            count(DISTINCT m.service) AS service_count,
            bit_count(bit_or(m.day_mask)::bit(32)) AS days_with_data,
            max(m.last_day) AS last_usage_date
           FROM cost_month_totals m
          GROUP BY m.account_id, m.month) t
     JOIN accounts a ON a.account_id = t.account_id;

-- The months of cost or forecasts (a filter on account_id or month reaches both tables); the
-- month's actual is its month to date on its last day with cost, the cost before the forecast
-- the month to date on the last day with cost before the forecast's start (none: 0, as
-- before), both one row by key; the latest forecast by key.
CREATE OR REPLACE VIEW v_cost_forecast_vs_actual AS
 WITH months AS (
         SELECT t.account_id, t.month FROM cost_month_totals t GROUP BY t.account_id, t.month
        UNION
         SELECT l.account_id, l.month FROM cost_forecast_latest l
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
     LEFT JOIN LATERAL ( SELECT d.unblended_mtd,
            d.amortized_mtd,
            d.usage_date AS actual_through
           FROM cost_month_to_date d
          WHERE d.account_id = m.account_id AND d.usage_date >= m.month AND d.usage_date < (m.month + '1 mon'::interval)::date
          ORDER BY d.usage_date DESC
         LIMIT 1) act ON true
     LEFT JOIN cost_forecast_latest f ON f.account_id = m.account_id AND f.month = m.month
     LEFT JOIN LATERAL ( SELECT
                CASE WHEN f.metric = 'AMORTIZED_COST'::text THEN d.amortized_mtd ELSE d.unblended_mtd END AS cost
           FROM cost_month_to_date d
          WHERE d.account_id = f.account_id AND d.usage_date >= f.month AND d.usage_date < f.period_start
          ORDER BY d.usage_date DESC
         LIMIT 1) b ON true;
