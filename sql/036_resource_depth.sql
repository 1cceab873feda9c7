-- 036_resource_depth: what the reference's data has on WAF, Compute Optimizer, Resilience Hub
-- and Systems Manager and we lacked (issue 14 item 6, contract 1.2).
--
-- New nullable columns (rows stored before, and documents of senders before 1.2, leave them
-- NULL: unknown, never false):
--   * waf_web_acls: geo_blocking, sqli_protection, xss_protection, rate_limiting: a rule that
--     is not in Count mode carries the protection (GeoMatchStatement; SqliMatchStatement or the
--     AWS managed group AWSManagedRulesSQLiRuleSet; XssMatchStatement or
--     AWSManagedRulesCommonRuleSet; RateBasedStatement; nested And/Or/Not statements included,
--     one's own rule groups not opened). waf_rules.protections: what each rule carries,
--     whatever its action (GEO, SQLI, XSS, RATE). Logging stays logging_enabled (003).
--   * compute_optimizer_recommendations: finding_reasons (findingReasonCodes, EC2 and Lambda),
--     migration_effort (the top option's, EC2 and Auto Scaling groups), recommended_performance_
--     risk (the top option's performanceRisk, 0-4), lookback_days. performance_risk (003) is
--     the current configuration's currentPerformanceRisk.
--   * resiliencehub_apps: assessment_arn, the latest assessment.
--   * ssm_managed_instances: resource_type (EC2Instance / ManagedInstance), source_type,
--     agent_is_latest (IsLatestVersion), association_status and the association run dates.
--
-- New child tables, snapshots of their parents' collectors, partitioned by month like every
-- snapshot table (022: a DEFAULT partition here; receiver.partitions.maintain creates the month
-- partitions and splits DEFAULT), rows replaced with their parent's:
--   * compute_optimizer_utilization: utilizationMetrics of each recommendation, one row per
--     metric and statistic over the lookback period;
--   * resiliencehub_app_disruptions: per app and disruption type (Software, Hardware, AZ,
--     Region), the policy's target RPO/RTO and the latest successful assessment's current and
--     achievable RPO/RTO, in seconds, and whether the policy is met.
--
-- The *_current views of the four parent tables are re-created so that they carry the new
-- columns (t.* is expanded when a view is created); two new *_current views for the children.

ALTER TABLE waf_web_acls
    ADD COLUMN geo_blocking    boolean,
    ADD COLUMN sqli_protection boolean,
    ADD COLUMN xss_protection  boolean,
    ADD COLUMN rate_limiting   boolean;
COMMENT ON COLUMN waf_web_acls.geo_blocking IS 'A rule not in Count mode has a GeoMatchStatement (nested And/Or/Not included); NULL: unknown (sender before contract 1.2).';
COMMENT ON COLUMN waf_web_acls.sqli_protection IS 'A rule not in Count mode has a SqliMatchStatement or is the AWS managed group AWSManagedRulesSQLiRuleSet; NULL: unknown.';
COMMENT ON COLUMN waf_web_acls.xss_protection IS 'A rule not in Count mode has an XssMatchStatement or is the AWS managed group AWSManagedRulesCommonRuleSet (CrossSiteScripting rules); NULL: unknown.';
COMMENT ON COLUMN waf_web_acls.rate_limiting IS 'A rule not in Count mode has a RateBasedStatement; NULL: unknown.';

ALTER TABLE waf_rules ADD COLUMN protections text[];
COMMENT ON COLUMN waf_rules.protections IS 'Protections the rule''s statement carries whatever its action: GEO, SQLI, XSS, RATE; NULL: unknown (sender before contract 1.2).';

ALTER TABLE compute_optimizer_recommendations
    ADD COLUMN finding_reasons              text[],
    ADD COLUMN migration_effort             text
        CHECK (migration_effort IN ('VeryLow', 'Low', 'Medium', 'High')),
    ADD COLUMN recommended_performance_risk numeric
        CHECK (recommended_performance_risk BETWEEN 0 AND 4),
    ADD COLUMN lookback_days                numeric CHECK (lookback_days >= 0);
COMMENT ON COLUMN compute_optimizer_recommendations.finding_reasons IS 'findingReasonCodes (EC2 and Lambda), e.g. CPUOverprovisioned; NULL: unknown (sender before contract 1.2).';
COMMENT ON COLUMN compute_optimizer_recommendations.migration_effort IS 'Effort to move to the top recommendation (migrationEffort: VeryLow, Low, Medium, High); EC2 and Auto Scaling groups only.';
COMMENT ON COLUMN compute_optimizer_recommendations.recommended_performance_risk IS 'Performance risk of the top recommendation, 0 (very low) to 4 (very high); EC2, EBS and Auto Scaling groups. performance_risk is the current configuration''s.';
COMMENT ON COLUMN compute_optimizer_recommendations.lookback_days IS 'Days of metrics the recommendation was computed from (lookBackPeriodInDays).';

ALTER TABLE resiliencehub_apps ADD COLUMN assessment_arn text;
COMMENT ON COLUMN resiliencehub_apps.assessment_arn IS 'The latest assessment (the one last_assessment_at and assessment_status describe).';

ALTER TABLE ssm_managed_instances
    ADD COLUMN resource_type                  text,
    ADD COLUMN source_type                    text,
    ADD COLUMN agent_is_latest                boolean,
    ADD COLUMN association_status             text,
    ADD COLUMN last_association_at            timestamptz,
    ADD COLUMN last_successful_association_at timestamptz;
COMMENT ON COLUMN ssm_managed_instances.resource_type IS 'ResourceType: EC2Instance, or ManagedInstance (a hybrid, on-premises node).';
COMMENT ON COLUMN ssm_managed_instances.source_type IS 'SourceType: AWS::EC2::Instance, AWS::IoT::Thing or AWS::SSM::ManagedInstance.';
COMMENT ON COLUMN ssm_managed_instances.agent_is_latest IS 'IsLatestVersion: the SSM Agent is the latest for the platform (Linux nodes; NULL where Systems Manager does not say, or before contract 1.2).';
COMMENT ON COLUMN ssm_managed_instances.association_status IS 'AssociationStatus of the node''s State Manager associations, e.g. Success, Failed, Pending.';
COMMENT ON COLUMN ssm_managed_instances.last_association_at IS 'LastAssociationExecutionDate.';
COMMENT ON COLUMN ssm_managed_instances.last_successful_association_at IS 'LastSuccessfulAssociationExecutionDate.';

CREATE TABLE compute_optimizer_utilization (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    resource_arn    text        NOT NULL,
    metric          text        NOT NULL,
    statistic       text        NOT NULL,
    value           numeric,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT compute_optimizer_utilization_pkey
        PRIMARY KEY (account_id, snapshot_date, resource_arn, metric, statistic),
    CONSTRAINT compute_optimizer_utilization_recommendation_fkey
        FOREIGN KEY (account_id, snapshot_date, resource_arn)
        REFERENCES compute_optimizer_recommendations (account_id, snapshot_date, resource_arn)
        ON DELETE CASCADE
) PARTITION BY RANGE (snapshot_date);
CREATE TABLE compute_optimizer_utilization_default
    PARTITION OF compute_optimizer_utilization DEFAULT;
COMMENT ON TABLE compute_optimizer_utilization IS 'One utilisation metric (utilizationMetrics) of a Compute Optimizer recommendation on a snapshot date, over the recommendation''s lookback period: EC2 and Auto Scaling Cpu, Memory, disk, network and GPU figures, EBS volume operations, Lambda Duration and Memory.';
COMMENT ON COLUMN compute_optimizer_utilization.metric IS 'name: Cpu, Memory, EBS_READ_OPS_PER_SECOND, NETWORK_IN_BYTES_PER_SECOND, GPU_PERCENTAGE, ...; EBS VolumeReadOpsPerSecond, ...; Lambda Duration, Memory.';
COMMENT ON COLUMN compute_optimizer_utilization.statistic IS 'Maximum or Average.';
COMMENT ON COLUMN compute_optimizer_utilization.value IS 'Percent for Cpu, Memory and GPU metrics; milliseconds for Lambda Duration; MB for Lambda Memory; per second for the rates.';

CREATE TABLE resiliencehub_app_disruptions (
    account_id             char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date          date        NOT NULL,
    app_arn                text        NOT NULL,
    disruption_type        text        NOT NULL
        CHECK (disruption_type IN ('Software', 'Hardware', 'AZ', 'Region')),
    target_rpo_seconds     integer     CHECK (target_rpo_seconds >= 0),
    target_rto_seconds     integer     CHECK (target_rto_seconds >= 0),
    current_rpo_seconds    integer     CHECK (current_rpo_seconds >= 0),
    current_rto_seconds    integer     CHECK (current_rto_seconds >= 0),
    achievable_rpo_seconds integer     CHECK (achievable_rpo_seconds >= 0),
    achievable_rto_seconds integer     CHECK (achievable_rto_seconds >= 0),
    compliance_status      text,
    ingestion_id           bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at        timestamptz NOT NULL DEFAULT now(),
    last_loaded_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resiliencehub_app_disruptions_pkey
        PRIMARY KEY (account_id, snapshot_date, app_arn, disruption_type),
    CONSTRAINT resiliencehub_app_disruptions_app_fkey
        FOREIGN KEY (account_id, snapshot_date, app_arn)
        REFERENCES resiliencehub_apps (account_id, snapshot_date, app_arn) ON DELETE CASCADE
) PARTITION BY RANGE (snapshot_date);
CREATE TABLE resiliencehub_app_disruptions_default
    PARTITION OF resiliencehub_app_disruptions DEFAULT;
COMMENT ON TABLE resiliencehub_app_disruptions IS 'RPO and RTO of one Resilience Hub application for one disruption type on a snapshot date, in seconds: the resiliency policy''s targets (of the policy the latest successful assessment was judged against, else the app''s current policy) and that assessment''s current and achievable estimates.';
COMMENT ON COLUMN resiliencehub_app_disruptions.target_rpo_seconds IS 'Policy target RPO (FailurePolicy.rpoInSecs).';
COMMENT ON COLUMN resiliencehub_app_disruptions.target_rto_seconds IS 'Policy target RTO (FailurePolicy.rtoInSecs).';
COMMENT ON COLUMN resiliencehub_app_disruptions.current_rpo_seconds IS 'Estimated current RPO of the latest successful assessment (DisruptionCompliance.currentRpoInSecs); NULL without one.';
COMMENT ON COLUMN resiliencehub_app_disruptions.current_rto_seconds IS 'Estimated current RTO of the latest successful assessment (DisruptionCompliance.currentRtoInSecs); NULL without one.';
COMMENT ON COLUMN resiliencehub_app_disruptions.achievable_rpo_seconds IS 'RPO the application could achieve (DisruptionCompliance.achievableRpoInSecs).';
COMMENT ON COLUMN resiliencehub_app_disruptions.achievable_rto_seconds IS 'RTO the application could achieve (DisruptionCompliance.achievableRtoInSecs).';
COMMENT ON COLUMN resiliencehub_app_disruptions.compliance_status IS 'PolicyMet, PolicyBreached, MissingPolicy or NotApplicable for this disruption type; NULL without an assessment.';

CREATE OR REPLACE VIEW v_waf_web_acls_current AS
SELECT t.* FROM waf_web_acls t
WHERE EXISTS (
    SELECT 1 FROM v_snapshot_current s
    WHERE s.account_id = t.account_id AND s.collector = 'waf_web_acls'
      AND s.snapshot_date = t.snapshot_date
      AND (s.region = coalesce(t.region, '') OR (t.region IS NULL AND s.region = 'us-east-1'))
);
COMMENT ON VIEW v_waf_web_acls_current IS 'Rows of waf_web_acls in the current snapshot (see v_snapshot_current), with the protection flags.';

CREATE OR REPLACE VIEW v_waf_rules_current AS
SELECT t.* FROM waf_rules t
JOIN v_waf_web_acls_current p ON p.account_id = t.account_id
 AND p.snapshot_date = t.snapshot_date AND p.web_acl_arn = t.web_acl_arn;
COMMENT ON VIEW v_waf_rules_current IS 'Rows of waf_rules in the current snapshot (see v_snapshot_current), with each rule''s protections.';

CREATE OR REPLACE VIEW v_compute_optimizer_recommendations_current AS
SELECT t.* FROM compute_optimizer_recommendations t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'compute_optimizer'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_compute_optimizer_recommendations_current IS 'Rows of compute_optimizer_recommendations in the current snapshot (see v_snapshot_current), with savings_basis, finding reasons, migration effort and the top option''s risk.';

CREATE VIEW v_compute_optimizer_utilization_current AS
SELECT t.* FROM compute_optimizer_utilization t
JOIN v_compute_optimizer_recommendations_current p ON p.account_id = t.account_id
 AND p.snapshot_date = t.snapshot_date AND p.resource_arn = t.resource_arn;
COMMENT ON VIEW v_compute_optimizer_utilization_current IS 'Rows of compute_optimizer_utilization in the current snapshot (see v_snapshot_current).';

CREATE OR REPLACE VIEW v_resiliencehub_apps_current AS
SELECT t.* FROM resiliencehub_apps t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'resilience_hub_apps'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_resiliencehub_apps_current IS 'Rows of resiliencehub_apps in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_resiliencehub_app_disruptions_current AS
SELECT t.* FROM resiliencehub_app_disruptions t
JOIN v_resiliencehub_apps_current p ON p.account_id = t.account_id
 AND p.snapshot_date = t.snapshot_date AND p.app_arn = t.app_arn;
COMMENT ON VIEW v_resiliencehub_app_disruptions_current IS 'Rows of resiliencehub_app_disruptions in the current snapshot (see v_snapshot_current).';

CREATE OR REPLACE VIEW v_ssm_managed_instances_current AS
SELECT t.* FROM ssm_managed_instances t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'ssm_instances'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_ssm_managed_instances_current IS 'Rows of ssm_managed_instances in the current snapshot (see v_snapshot_current), with node type, agent and association status.';
