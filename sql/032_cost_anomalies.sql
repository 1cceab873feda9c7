-- 032_cost_anomalies: cost anomalies from AWS Cost Anomaly Detection (issue 14, item 2).
--
-- The sender's cost_anomalies collector asks GetAnomalies for the anomalies whose dates reach the
-- run's window (a backfill asks older windows; AWS keeps anomalies 90 days) and sends each one in
-- its current state: one row per anomaly (the latest file's state wins, as for support cases),
-- its root causes replaced with it. Open = AnomalyEndDate absent: the anomaly has not ended.
-- Impacts are US dollars, as GetAnomalies reports them.
-- https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetAnomalies.html

CREATE TABLE cost_anomalies (
    account_id              char(12)    NOT NULL REFERENCES accounts (account_id),
    anomaly_id              text        NOT NULL,
    monitor_arn             text,
    start_date              date,
    end_date                date,
    dimension_value         text,
    max_impact              numeric,
    total_impact            numeric,
    total_actual_spend      numeric,
    total_expected_spend    numeric,
    total_impact_percentage numeric,
    max_score               numeric,
    current_score           numeric,
    feedback                text CHECK (feedback IN ('YES', 'NO', 'PLANNED_ACTIVITY')),
    ingestion_id            bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at         timestamptz NOT NULL DEFAULT now(),
    last_loaded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cost_anomalies_pkey PRIMARY KEY (account_id, anomaly_id)
);
COMMENT ON TABLE cost_anomalies IS 'One cost anomaly detected by a Cost Anomaly Detection monitor the account sees (GetAnomalies), in its latest state: dates, impact in USD (max, total, actual and expected spend, percentage), score and feedback. end_date NULL: still open.';
CREATE INDEX cost_anomalies_dates_idx ON cost_anomalies (account_id, start_date);
CREATE INDEX cost_anomalies_open_idx ON cost_anomalies (account_id) WHERE end_date IS NULL;

CREATE TABLE cost_anomaly_root_causes (
    account_id          char(12)    NOT NULL REFERENCES accounts (account_id),
    anomaly_id          text        NOT NULL,
    position            integer     NOT NULL CHECK (position >= 1),
    service             text,
    region              text,
    usage_type          text,
    linked_account      text,
    linked_account_name text,
    contribution        numeric,
    ingestion_id        bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at     timestamptz NOT NULL DEFAULT now(),
    last_loaded_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cost_anomaly_root_causes_pkey PRIMARY KEY (account_id, anomaly_id, position),
    CONSTRAINT cost_anomaly_root_causes_anomaly_fkey FOREIGN KEY (account_id, anomaly_id)
        REFERENCES cost_anomalies (account_id, anomaly_id) ON DELETE CASCADE
);
COMMENT ON TABLE cost_anomaly_root_causes IS 'The root causes of a cost anomaly in the order AWS lists them (position 1 first): service, region, usage type, linked account and its name, and the cause''s contribution to the impact in USD when AWS gives it.';

CREATE VIEW v_cost_anomalies_current AS
SELECT a.account_id,
       acc.name                                      AS account_name,
       a.anomaly_id,
       a.monitor_arn,
       a.dimension_value,
       a.start_date,
       a.end_date,
       a.end_date IS NULL                            AS is_open,
       CASE WHEN a.end_date IS NULL THEN 'open' ELSE 'closed' END AS state,
       coalesce(a.end_date, current_date) - a.start_date + 1 AS days_detected,
       a.max_impact,
       a.total_impact,
       a.total_actual_spend,
       a.total_expected_spend,
       a.total_impact_percentage,
       'USD'::text                                   AS currency,
       a.max_score,
       a.current_score,
       a.feedback,
       rc.service                                    AS top_service,
       rc.region                                     AS top_region,
       rc.usage_type                                 AS top_usage_type,
       rc.linked_account                             AS top_linked_account,
       rc.linked_account_name                        AS top_linked_account_name,
       coalesce(rcn.root_causes, 0)                  AS root_cause_count,
       a.last_loaded_at
FROM cost_anomalies a
JOIN accounts acc USING (account_id)
LEFT JOIN cost_anomaly_root_causes rc
       ON rc.account_id = a.account_id AND rc.anomaly_id = a.anomaly_id AND rc.position = 1
LEFT JOIN LATERAL (
    SELECT count(*)::integer AS root_causes
    FROM cost_anomaly_root_causes r
    WHERE r.account_id = a.account_id AND r.anomaly_id = a.anomaly_id
) rcn ON true;
COMMENT ON VIEW v_cost_anomalies_current IS 'Every cost anomaly in its latest state, open ones (end_date NULL: AWS has not ended it) flagged is_open / state = open; impacts are USD as GetAnomalies reports them (total_impact = actual - expected spend over the anomaly so far); days_detected counts to today while open; the first root cause AWS lists and the number of root causes.';

CREATE VIEW v_cost_anomaly_root_causes AS
SELECT r.account_id, r.anomaly_id, r.position, r.service, r.region, r.usage_type,
       r.linked_account, r.linked_account_name, r.contribution, 'USD'::text AS currency,
       a.end_date IS NULL AS anomaly_is_open
FROM cost_anomaly_root_causes r
JOIN cost_anomalies a USING (account_id, anomaly_id);
COMMENT ON VIEW v_cost_anomaly_root_causes IS 'Each root cause of each cost anomaly (position 1 = the first AWS lists), with its contribution in USD when AWS gives one, and whether its anomaly is still open.';
