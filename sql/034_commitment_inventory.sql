-- 034_commitment_inventory: every commitment an account owns, one row per reservation and per
-- Savings Plan, and which of them expire soon (issue 14 item 4, contract 1.2).
--
-- commitment_inventory: per account and snapshot date, each Reserved Instance / reserved node
-- (EC2, RDS, ElastiCache, OpenSearch, Redshift; region = the region it was described in) and
-- each Savings Plan (service 'SavingsPlans', region '' = the sender's global task; the region
-- an EC2 Instance Savings Plan applies to is plan_region), as the sender's
-- commitment_inventory collector describes them: terms, state, start and end, upfront and
-- recurring charges, and utilisation over the run's window from Cost Explorer (the owner's
-- view; NULL when not asked). Retired commitments that ended more than 90 days before the run
-- are not sent.
--
-- A snapshot table, partitioned by month like every other (022: a DEFAULT partition here;
-- receiver.partitions.maintain creates the month partitions and splits DEFAULT). Current rows
-- follow the snapshot pointers of the collector commitment_inventory per region ('' for the
-- Savings Plans): a region whose run failed keeps its last good rows.
--
-- v_commitments_expiring answers "what expires in the next 30, 60 or 90 days, and what does it
-- cover": active commitments of the current snapshot ending within 90 days of the snapshot date
-- (the day they were collected, as for ACM certificates; a view that read the clock would
-- change its answer without new data).

CREATE TABLE commitment_inventory (
    account_id               char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date            date        NOT NULL,
    service                  text        NOT NULL
        CHECK (service IN ('EC2', 'RDS', 'ElastiCache', 'OpenSearch', 'Redshift', 'SavingsPlans')),
    region                   text        NOT NULL DEFAULT '',
    commitment_id            text        NOT NULL,
    kind                     text        NOT NULL CHECK (kind IN ('RI', 'SP')),
    commitment_arn           text,
    description              text,
    instance_type            text,
    plan_type                text,
    product                  text,
    instance_family          text,
    plan_region              text,
    availability_zone        text,
    scope                    text,
    multi_az                 boolean,
    instance_count           integer     CHECK (instance_count >= 0),
    duration_seconds         integer     CHECK (duration_seconds >= 0),
    payment_option           text,
    offering_class           text,
    state                    text,
    start_at                 timestamptz,
    end_at                   timestamptz,
    end_computed             boolean,
    upfront_fee              numeric,
    usage_price              numeric,
    recurring_amount         numeric,
    recurring_frequency      text,
    hourly_commitment        numeric,
    currency                 text,
    utilization_pct          numeric,
    utilization_period_start date,
    utilization_period_end   date,
    unused_cost              numeric,
    net_savings              numeric,
    ingestion_id             bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at          timestamptz NOT NULL DEFAULT now(),
    last_loaded_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT commitment_inventory_pkey
        PRIMARY KEY (account_id, snapshot_date, service, region, commitment_id)
) PARTITION BY RANGE (snapshot_date);
CREATE TABLE commitment_inventory_default PARTITION OF commitment_inventory DEFAULT;
COMMENT ON TABLE commitment_inventory IS 'One commitment an account owns on a snapshot date: a Reserved Instance / reserved node (EC2, RDS, ElastiCache, OpenSearch, Redshift) or a Savings Plan, with its terms as the service describes them and its utilisation over the run''s window (Cost Explorer).';
COMMENT ON COLUMN commitment_inventory.region IS 'Region of a reservation; '''' for a Savings Plan (described globally; see plan_region).';
COMMENT ON COLUMN commitment_inventory.commitment_id IS 'ReservedInstancesId, ReservedDBInstanceId, ReservedCacheNodeId, ReservedInstanceId (OpenSearch), ReservedNodeId or savingsPlanId, never shortened.';
COMMENT ON COLUMN commitment_inventory.payment_option IS 'As the service names it: OfferingType (All Upfront, Partial Upfront, No Upfront, legacy Heavy Utilization), OpenSearch PaymentOption (ALL_UPFRONT, ...), a plan''s paymentOption.';
COMMENT ON COLUMN commitment_inventory.duration_seconds IS 'Term in seconds: 31536000 = 1 year, 94608000 = 3 years.';
COMMENT ON COLUMN commitment_inventory.end_at IS 'When the commitment ends: the API''s end (EC2, Savings Plans), else start_at + duration_seconds (end_computed).';
COMMENT ON COLUMN commitment_inventory.upfront_fee IS 'One-time purchase price (FixedPrice, upfrontPaymentAmount), in currency.';
COMMENT ON COLUMN commitment_inventory.usage_price IS 'Hourly usage charge of a reservation (UsagePrice), in currency.';
COMMENT ON COLUMN commitment_inventory.recurring_amount IS 'Recurring charge per recurring_frequency (RecurringCharges of that frequency summed; a plan''s recurringPaymentAmount, hourly), in currency.';
COMMENT ON COLUMN commitment_inventory.hourly_commitment IS 'A Savings Plan''s commitment: spend per hour committed, in currency.';
COMMENT ON COLUMN commitment_inventory.utilization_pct IS 'Share of the commitment used from utilization_period_start to utilization_period_end (exclusive), by any account of the billing family (Cost Explorer, owner''s view); NULL when not asked or not matched.';
COMMENT ON COLUMN commitment_inventory.unused_cost IS 'Cost of the unused part over the utilisation period (RICostForUnusedHours, UnusedCommitment), USD.';
COMMENT ON COLUMN commitment_inventory.net_savings IS 'Savings over On-Demand net of the commitment''s cost over the utilisation period (NetRISavings, NetSavings), USD.';

CREATE VIEW v_commitment_inventory_current AS
SELECT t.* FROM commitment_inventory t
JOIN v_snapshot_current s ON s.account_id = t.account_id
 AND s.collector = 'commitment_inventory' AND s.region = t.region
 AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_commitment_inventory_current IS 'Rows of commitment_inventory in the current snapshot of each account and region ('''' = the Savings Plans; see v_snapshot_current).';

CREATE VIEW v_commitments_expiring AS
SELECT e.account_id,
       e.kind,
       e.service,
       e.region,
       e.commitment_id,
       e.commitment_arn,
       e.covers,
       e.instance_count,
       e.payment_option,
       e.duration_seconds,
       e.start_at,
       e.end_at,
       e.end_computed,
       e.days_left,
       CASE WHEN e.days_left <= 30 THEN 30 WHEN e.days_left <= 60 THEN 60 ELSE 90 END
           AS expires_within_days,
       e.upfront_fee,
       e.recurring_amount,
       e.recurring_frequency,
       e.hourly_commitment,
       e.currency,
       e.utilization_pct,
       e.utilization_period_start,
       e.utilization_period_end,
       e.snapshot_date
FROM (
    SELECT t.*,
           (t.end_at AT TIME ZONE 'UTC')::date - t.snapshot_date AS days_left,
           CASE WHEN t.kind = 'SP' THEN
               concat_ws(' ', coalesce(t.plan_type, 'Unknown'), 'Savings Plan',
                         CASE WHEN t.hourly_commitment IS NOT NULL THEN
                             concat(t.hourly_commitment, ' ', coalesce(t.currency, ''), '/hour')
                         END,
                         CASE WHEN t.instance_family IS NOT NULL THEN
                             concat('(', t.instance_family, ' in ', coalesce(t.plan_region, '?'),
                                    ')')
                         END)
           ELSE
               concat_ws(' ', t.service,
                         concat(coalesce(t.instance_count::text, '?'), ' x ',
                                coalesce(t.instance_type, '?')),
                         t.product,
                         CASE WHEN t.multi_az THEN 'Multi-AZ' END,
                         concat('in ', coalesce(t.availability_zone, nullif(t.region, ''))))
           END AS covers
    FROM v_commitment_inventory_current t
    WHERE lower(t.state) = 'active'
      AND t.end_at IS NOT NULL
) e
WHERE e.days_left BETWEEN 0 AND 90;
COMMENT ON VIEW v_commitments_expiring IS 'Active commitments of the current snapshot that end within 90 days of the snapshot date: days_left, the bucket expires_within_days (30, 60 or 90) and what each covers (instances and type, or the plan''s hourly commitment).';
COMMENT ON COLUMN v_commitments_expiring.days_left IS 'Days from the snapshot date (the day collected) to the day the commitment ends (UTC).';
COMMENT ON COLUMN v_commitments_expiring.expires_within_days IS '30 when days_left <= 30, 60 when <= 60, else 90.';
COMMENT ON COLUMN v_commitments_expiring.covers IS 'What the commitment covers: service, count x instance type, product, Multi-AZ and where (reservations); type, hourly commitment and family/region (Savings Plans).';
