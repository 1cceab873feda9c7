-- 007_current_snapshots: which snapshot of a point-in-time category is "current".
--
-- Snapshot tables keep one row per snapshot_date (history). A snapshot is current when it is
-- the latest snapshot_date of its (account, collector, region) whose collector status was ok or
-- partial in a loaded run. A collector that reported error or skipped therefore never makes an
-- older snapshot stop being current, and nothing is deleted or flagged when a newer snapshot
-- arrives: these views compute "current" at read time, so late or out-of-order files need no
-- rewrite of older rows.
--
-- Collector names are the document's section keys (data.kms_keys -> collector 'kms_keys');
-- a global collector has region '' in collector_runs. Rows are attributed to a collector's
-- region through their own region column (see v_waf_web_acls_current for web ACLs without one). CloudTrail trails are
-- deduplicated across regions by the sender, so they are attributed to the account as a whole:
-- a run counts for them only when every cloudtrail_trails collector of that run succeeded.

CREATE VIEW v_snapshot_current AS
SELECT r.account_id,
       c.collector,
       c.region,
       max(r.window_end - 1) AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.run_id = r.run_id
WHERE c.status IN ('ok', 'partial')
GROUP BY r.account_id, c.collector, c.region;
COMMENT ON VIEW v_snapshot_current IS 'Per account, collector and region ('''' = global): the latest snapshot date whose collector status was ok or partial.';

CREATE VIEW v_snapshot_current_account AS
SELECT s.account_id,
       s.collector,
       max(s.snapshot_date) AS snapshot_date
FROM (
    SELECT r.account_id, c.collector, r.window_end - 1 AS snapshot_date
    FROM collection_runs r
    JOIN collector_runs c ON c.run_id = r.run_id
    GROUP BY r.run_id, r.account_id, c.collector, r.window_end
    HAVING bool_and(c.status IN ('ok', 'partial'))
) s
GROUP BY s.account_id, s.collector;
COMMENT ON VIEW v_snapshot_current_account IS 'Per account and collector: the latest snapshot date of a run in which every region of that collector was ok or partial.';

CREATE VIEW v_securityhub_severity_counts_current AS
SELECT t.* FROM securityhub_severity_counts t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'securityhub'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_securityhub_severity_counts_current IS 'Rows of securityhub_severity_counts in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_kms_keys_current AS
SELECT t.* FROM kms_keys t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'kms_keys'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_kms_keys_current IS 'Rows of kms_keys in the current snapshot (see v_snapshot_current).';

-- A CLOUDFRONT web ACL has no region: it belongs to the global WAF collector, or to us-east-1
-- (where CloudFront ACLs are read) when the sender reports it there.
CREATE VIEW v_waf_web_acls_current AS
SELECT t.* FROM waf_web_acls t
WHERE EXISTS (
    SELECT 1 FROM v_snapshot_current s
    WHERE s.account_id = t.account_id AND s.collector = 'waf_web_acls'
      AND s.snapshot_date = t.snapshot_date
      AND (s.region = coalesce(t.region, '') OR (t.region IS NULL AND s.region = 'us-east-1'))
);

COMMENT ON VIEW v_waf_web_acls_current IS 'Rows of waf_web_acls in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_waf_rules_current AS
SELECT t.* FROM waf_rules t
JOIN v_waf_web_acls_current p ON p.account_id = t.account_id
 AND p.snapshot_date = t.snapshot_date AND p.web_acl_arn = t.web_acl_arn;

COMMENT ON VIEW v_waf_rules_current IS 'Rows of waf_rules in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_cloudtrail_trails_current AS
SELECT t.* FROM cloudtrail_trails t
JOIN v_snapshot_current_account s ON s.account_id = t.account_id
 AND s.collector = 'cloudtrail_trails' AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_cloudtrail_trails_current IS 'Rows of cloudtrail_trails in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_secrets_current AS
SELECT t.* FROM secrets t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'secrets'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_secrets_current IS 'Rows of secrets in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_acm_certificates_current AS
SELECT t.* FROM acm_certificates t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'acm_certificates'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_acm_certificates_current IS 'Rows of acm_certificates in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_iam_summary_current AS
SELECT t.* FROM iam_summary t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'iam'
 AND s.region = '' AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_iam_summary_current IS 'Rows of iam_summary in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_iam_users_current AS
SELECT t.* FROM iam_users t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'iam'
 AND s.region = '' AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_iam_users_current IS 'Rows of iam_users in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_config_rules_current AS
SELECT t.* FROM config_rules t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'config'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_config_rules_current IS 'Rows of config_rules in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_config_conformance_packs_current AS
SELECT t.* FROM config_conformance_packs t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'config'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_config_conformance_packs_current IS 'Rows of config_conformance_packs in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_config_noncompliant_resources_current AS
SELECT t.* FROM config_noncompliant_resources t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'config'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_config_noncompliant_resources_current IS 'Rows of config_noncompliant_resources in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_ssm_managed_instances_current AS
SELECT t.* FROM ssm_managed_instances t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'ssm_instances'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_ssm_managed_instances_current IS 'Rows of ssm_managed_instances in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_ssm_applications_current AS
SELECT t.* FROM ssm_applications t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'ssm_instances'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_ssm_applications_current IS 'Rows of ssm_applications in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_ssm_patches_current AS
SELECT t.* FROM ssm_patches t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'ssm_instances'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_ssm_patches_current IS 'Rows of ssm_patches in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_trusted_advisor_checks_current AS
SELECT t.* FROM trusted_advisor_checks t
JOIN v_snapshot_current s ON s.account_id = t.account_id
 AND s.collector = 'trusted_advisor_checks' AND s.region = '' AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_trusted_advisor_checks_current IS 'Rows of trusted_advisor_checks in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_appsignals_services_current AS
SELECT t.* FROM appsignals_services t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'application_signals'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_appsignals_services_current IS 'Rows of appsignals_services in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_appsignals_slos_current AS
SELECT t.* FROM appsignals_slos t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'application_signals'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_appsignals_slos_current IS 'Rows of appsignals_slos in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_resiliencehub_apps_current AS
SELECT t.* FROM resiliencehub_apps t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'resilience_hub_apps'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_resiliencehub_apps_current IS 'Rows of resiliencehub_apps in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_compute_optimizer_recommendations_current AS
SELECT t.* FROM compute_optimizer_recommendations t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'compute_optimizer'
 AND s.region = coalesce(t.region, '') AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_compute_optimizer_recommendations_current IS 'Rows of compute_optimizer_recommendations in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_resources_current AS
SELECT t.* FROM resources t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'resources'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;

COMMENT ON VIEW v_resources_current IS 'Rows of resources in the current snapshot (see v_snapshot_current).';

CREATE VIEW v_cost_forecasts_current AS
SELECT t.* FROM cost_forecasts t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'cost'
 AND s.region = '' AND s.snapshot_date = t.generated_on;

COMMENT ON VIEW v_cost_forecasts_current IS 'Rows of cost_forecasts in the current snapshot (see v_snapshot_current).';

