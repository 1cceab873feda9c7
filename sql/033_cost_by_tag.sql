-- 033_cost_by_tag: daily cost by cost-allocation tag (issue 14, item 3).
--
-- The sender takes a list of tag keys (SENDER_COST_TAG_KEYS, Terraform cost_tag_keys; empty: no
-- request) and asks Cost Explorer, per key, one GetCostAndUsage over the window, DAILY, grouped
-- by TAG:<key>, filtered on the own account (UnblendedCost and AmortizedCost, as cost_daily).
-- Cost Explorer names each group "<key>$<value>"; resources without the tag fall in "<key>$",
-- stored as tag_value '' with untagged true. A key must be activated as a cost-allocation tag
-- in the payer account, and only cost from its activation on is grouped by it.
-- A re-delivered or re-collected day replaces that day's rows of the account (the loader's
-- replace_days for cost_by_tag).
-- https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
-- Partitioned by calendar month like cost_daily (sql/022): the migrator's maintain creates the
-- month partitions and retention drops a month with the other detail (no rollup is kept: cost by
-- tag older than retention_days is gone).

CREATE TABLE cost_by_tag (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    usage_date      date        NOT NULL,
    tag_key         text        NOT NULL,
    tag_value       text        NOT NULL DEFAULT '',
    untagged        boolean     NOT NULL DEFAULT false,
    unblended_cost  numeric,
    amortized_cost  numeric,
    currency        text,
    estimated       boolean,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cost_by_tag_pkey PRIMARY KEY (account_id, usage_date, tag_key, tag_value),
    CONSTRAINT cost_by_tag_untagged_check CHECK (NOT untagged OR tag_value = '')
) PARTITION BY RANGE (usage_date);
CREATE TABLE cost_by_tag_default PARTITION OF cost_by_tag DEFAULT;
COMMENT ON TABLE cost_by_tag IS 'Cost of one account on one day per value of one cost-allocation tag key (Cost Explorer grouped by TAG:<key>); tag_value '''' with untagged true: cost of resources without the tag. estimated: Cost Explorer''s Estimated flag of the day.';
CREATE INDEX cost_by_tag_key_day_idx ON cost_by_tag (account_id, usage_date, tag_key);

CREATE VIEW v_cost_by_tag_monthly AS
SELECT t.account_id,
       a.name                                   AS account_name,
       date_trunc('month', t.usage_date)::date  AS month,
       t.tag_key,
       t.tag_value,
       t.untagged,
       coalesce(t.currency, '')                 AS currency,
       sum(t.unblended_cost)                    AS unblended_cost,
       sum(t.amortized_cost)                    AS amortized_cost,
       count(DISTINCT t.usage_date)::integer    AS days,
       bool_or(t.estimated)                     AS estimated
FROM cost_by_tag t
JOIN accounts a USING (account_id)
GROUP BY t.account_id, a.name, date_trunc('month', t.usage_date)::date, t.tag_key, t.tag_value,
         t.untagged, coalesce(t.currency, '');
COMMENT ON VIEW v_cost_by_tag_monthly IS 'Cost per account, calendar month (first day), cost-allocation tag key and value: unblended and amortized cost summed over the days collected (days), estimated true while any of them is Cost Explorer''s estimate; untagged true (tag_value empty): resources without the tag.';

CREATE VIEW v_cost_untagged_share AS
SELECT t.account_id,
       a.name                                   AS account_name,
       date_trunc('month', t.usage_date)::date  AS month,
       t.tag_key,
       coalesce(t.currency, '')                 AS currency,
       sum(t.unblended_cost)                    AS unblended_cost,
       coalesce(sum(t.unblended_cost) FILTER (WHERE t.untagged), 0) AS untagged_unblended_cost,
       CASE WHEN sum(t.unblended_cost) > 0
            THEN round(100 * coalesce(sum(t.unblended_cost) FILTER (WHERE t.untagged), 0)
                       / sum(t.unblended_cost), 2)
       END                                      AS untagged_pct,
       count(DISTINCT t.tag_value) FILTER (WHERE NOT t.untagged)::integer AS tag_values,
       count(DISTINCT t.usage_date)::integer    AS days,
       bool_or(t.estimated)                     AS estimated
FROM cost_by_tag t
JOIN accounts a USING (account_id)
GROUP BY t.account_id, a.name, date_trunc('month', t.usage_date)::date, t.tag_key,
         coalesce(t.currency, '');
COMMENT ON VIEW v_cost_untagged_share IS 'Per account, calendar month and cost-allocation tag key: unblended cost in all, the part of resources without the tag (untagged_unblended_cost) and its share in percent (NULL when the month cost nothing), the number of tag values seen, the days collected, estimated while any day is Cost Explorer''s estimate.';
