"""The QuickSight datasets: one custom SQL query each, reading only ``v_*`` views.

Every dataset that is about accounts joins ``v_account_dimensions`` and names the three
dimensions the dashboard filters by alike (``account_name``, ``ou_path``, ``account_labels``),
and calls its region ``region`` and its date ``day``: QuickSight applies a cross-dataset filter to
every dataset holding a column of the same name and type, so one control filters every visual.
Datasets describing the current state (one row per finding, key or certificate today) have no
``day`` and are untouched by the date filter. Columns are declared with their QuickSight types
(``CreateDataSet`` needs them for custom SQL); tests run each query as the read-only reader role
against a database loaded by ``make demo`` and compare names and types.
"""

from __future__ import annotations

from dataclasses import dataclass

QUICKSIGHT_TYPES = ("STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT", "BOOLEAN", "JSON")
DIMENSIONS = "d.account_id, d.account_name, d.ou_path, d.account_labels"
DIMENSION_COLUMNS = "account_id account_name ou_path account_labels"


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class Dataset:
    key: str
    name: str
    sql: str
    columns: tuple[Column, ...]
    import_mode: str = "SPICE"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"dataset {self.key} has no column {name!r}")


def _columns(spec: str) -> tuple[Column, ...]:
    """``"a b:DECIMAL c:DATETIME"``: a name without a type is a STRING."""
    columns = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        columns.append(Column(name, kind or "STRING"))
    return tuple(columns)


def _dataset(key: str, name: str, sql: str, columns: str) -> Dataset:
    return Dataset(key, name, " ".join(sql.split()), _columns(columns))


# The cost datasets join the dimensions as a subquery that is not pulled up (OFFSET 0): each
# account's labels (a jsonb aggregate in v_account_dimensions) are then computed once per account
# instead of once per cost row (342,000 rows in a 42-day refresh at 1,000 accounts: 1.8 s -> 0.4 s).
DATASETS: tuple[Dataset, ...] = (
    _dataset(
        "cost_daily",
        "Cost per account, service and day",
        f"""
        SELECT {DIMENSIONS}, c.usage_date AS day, c.service, c.currency,
               c.unblended_cost, c.amortized_cost,
               CASE WHEN c.estimated THEN 'estimated' ELSE 'final' END AS cost_status
        FROM v_report_cost_daily c
        JOIN (SELECT * FROM v_account_dimensions OFFSET 0) d ON d.account_id = c.account_id
        """,
        f"{DIMENSION_COLUMNS} day:DATETIME service currency unblended_cost:DECIMAL "
        "amortized_cost:DECIMAL cost_status",
    ),
    _dataset(
        "cost_forecast",
        "Month to date cost against Cost Explorer's forecast",
        f"""
        SELECT {DIMENSIONS}, f.month AS day, f.actual_unblended_mtd, f.actual_amortized_mtd,
               f.actual_through, f.forecast_metric, f.forecast_generated_on, f.forecast_mean,
               f.forecast_lower_bound, f.forecast_upper_bound, f.projected_month_total,
               f.forecast_currency
        FROM v_cost_forecast_vs_actual f
        JOIN (SELECT * FROM v_account_dimensions OFFSET 0) d ON d.account_id = f.account_id
        """,
        f"{DIMENSION_COLUMNS} day:DATETIME actual_unblended_mtd:DECIMAL "
        "actual_amortized_mtd:DECIMAL actual_through:DATETIME forecast_metric "
        "forecast_generated_on:DATETIME forecast_mean:DECIMAL forecast_lower_bound:DECIMAL "
        "forecast_upper_bound:DECIMAL projected_month_total:DECIMAL forecast_currency",
    ),
    _dataset(
        "savings",
        "Savings opportunities open now",
        f"""
        SELECT {DIMENSIONS}, s.source, s.as_of, s.item_id, s.title, s.category, s.finding,
               s.resources_flagged, s.estimated_monthly_savings, s.currency
        FROM v_report_savings_current s
        JOIN v_account_dimensions d ON d.account_id = s.account_id
        """,
        f"{DIMENSION_COLUMNS} source as_of:DATETIME item_id title category finding "
        "resources_flagged:INTEGER estimated_monthly_savings:DECIMAL currency",
    ),
    _dataset(
        "commitments",
        "Reserved Instances and Savings Plans utilization and coverage",
        """
        SELECT c.kind, c.period_start AS day, c.period_end, c.accounts, c.owning_accounts,
               c.commitment, c.used, c.unused, c.net_savings, c.on_demand_equivalent,
               c.utilization_pct, c.coverage_pct, c.currency
        FROM v_report_commitment_utilization c
        """,
        "kind day:DATETIME period_end:DATETIME accounts:INTEGER owning_accounts:INTEGER "
        "commitment:DECIMAL used:DECIMAL unused:DECIMAL net_savings:DECIMAL "
        "on_demand_equivalent:DECIMAL utilization_pct:DECIMAL coverage_pct:DECIMAL currency",
    ),
    _dataset(
        "compliance_daily",
        "AWS Config rule compliance per account and day",
        f"""
        SELECT {DIMENSIONS}, t.snapshot_date AS day, t.rules_total, t.rules_compliant,
               t.rules_non_compliant, t.rules_not_applicable, t.rules_insufficient_data,
               t.non_compliant_resources, t.compliance_pct
        FROM v_compliance_trend t
        JOIN v_account_dimensions d ON d.account_id = t.account_id
        """,
        f"{DIMENSION_COLUMNS} day:DATETIME rules_total:INTEGER rules_compliant:INTEGER "
        "rules_non_compliant:INTEGER rules_not_applicable:INTEGER "
        "rules_insufficient_data:INTEGER non_compliant_resources:INTEGER compliance_pct:DECIMAL",
    ),
    _dataset(
        "config_rules",
        "AWS Config rules now",
        f"""
        SELECT {DIMENSIONS}, r.region, r.snapshot_date, r.rule_name, r.compliance,
               r.non_compliant_resource_count, r.source_owner, r.source_identifier
        FROM v_config_rules_current r
        JOIN v_account_dimensions d ON d.account_id = r.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME rule_name compliance "
        "non_compliant_resource_count:INTEGER source_owner source_identifier",
    ),
    _dataset(
        "conformance_packs",
        "AWS Config conformance packs now",
        f"""
        SELECT {DIMENSIONS}, p.region, p.snapshot_date, p.pack_name, p.compliance,
               p.compliant_rule_count, p.non_compliant_rule_count
        FROM v_config_conformance_packs_current p
        JOIN v_account_dimensions d ON d.account_id = p.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME pack_name compliance "
        "compliant_rule_count:INTEGER non_compliant_rule_count:INTEGER",
    ),
    _dataset(
        "noncompliant_resources",
        "Resources AWS Config finds non-compliant now",
        f"""
        SELECT {DIMENSIONS}, n.region, n.snapshot_date, n.rule_name, n.resource_type,
               n.resource_id, n.annotation, n.recorded_at
        FROM v_config_noncompliant_resources_current n
        JOIN v_account_dimensions d ON d.account_id = n.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME rule_name resource_type "
        "resource_id annotation recorded_at:DATETIME",
    ),
    _dataset(
        "findings_daily",
        "Open findings per account, source, severity and day",
        f"""
        SELECT {DIMENSIONS}, p.snapshot_date AS day, f.source, f.severity, f.open_findings
        FROM v_security_posture p
        JOIN v_account_dimensions d ON d.account_id = p.account_id
        CROSS JOIN LATERAL (VALUES
            ('Security Hub', 'CRITICAL', p.securityhub_open_critical),
            ('Security Hub', 'HIGH', p.securityhub_open_high),
            ('Security Hub', 'MEDIUM', p.securityhub_open_medium),
            ('Security Hub', 'LOW', p.securityhub_open_low),
            ('Security Hub', 'INFORMATIONAL', p.securityhub_open_informational),
            ('GuardDuty', 'HIGH', p.guardduty_high),
            ('GuardDuty', 'MEDIUM', p.guardduty_medium),
            ('GuardDuty', 'LOW', p.guardduty_low),
            ('Inspector', 'CRITICAL', p.inspector_critical),
            ('Inspector', 'HIGH', p.inspector_high),
            ('Inspector', 'MEDIUM', p.inspector_medium),
            ('Inspector', 'LOW', p.inspector_low),
            ('Inspector', 'OTHER', p.inspector_other)
        ) AS f (source, severity, open_findings)
        WHERE f.open_findings IS NOT NULL
        """,
        f"{DIMENSION_COLUMNS} day:DATETIME source severity open_findings:INTEGER",
    ),
    _dataset(
        "securityhub_findings",
        "Security Hub findings open now",
        f"""
        SELECT {DIMENSIONS}, f.region, f.finding_id, f.product_name, f.generator_id, f.title,
               f.severity_label, f.resource_type, f.resource_id, f.compliance_status,
               f.workflow_status, f.first_observed_at, f.updated_at
        FROM v_securityhub_findings_current f
        JOIN v_account_dimensions d ON d.account_id = f.account_id
        """,
        f"{DIMENSION_COLUMNS} region finding_id product_name generator_id title "
        "severity_label resource_type resource_id compliance_status workflow_status "
        "first_observed_at:DATETIME updated_at:DATETIME",
    ),
    _dataset(
        "guardduty_findings",
        "GuardDuty findings open now",
        f"""
        SELECT {DIMENSIONS}, g.region, g.snapshot_date, g.finding_id, g.type, g.title,
               g.severity,
               CASE WHEN g.severity >= 9 THEN 'CRITICAL' WHEN g.severity >= 7 THEN 'HIGH'
                    WHEN g.severity >= 4 THEN 'MEDIUM' ELSE 'LOW' END AS severity_label,
               g.resource_type, g.resource_id, g.count, g.created_at, g.updated_at
        FROM v_guardduty_findings_current g
        JOIN v_account_dimensions d ON d.account_id = g.account_id
        WHERE g.archived IS NOT TRUE
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME finding_id type title "
        "severity:DECIMAL severity_label resource_type resource_id count:INTEGER "
        "created_at:DATETIME updated_at:DATETIME",
    ),
    _dataset(
        "inspector_findings",
        "Inspector findings open now",
        f"""
        SELECT {DIMENSIONS}, i.region, i.finding_arn, i.severity, i.title, i.type,
               i.resource_type, i.resource_id, i.inspector_score, i.exploit_available,
               i.fix_available, i.first_observed_at, i.last_observed_at
        FROM v_inspector_findings_current i
        JOIN v_account_dimensions d ON d.account_id = i.account_id
        """,
        f"{DIMENSION_COLUMNS} region finding_arn severity title type resource_type "
        "resource_id inspector_score:DECIMAL exploit_available fix_available "
        "first_observed_at:DATETIME last_observed_at:DATETIME",
    ),
    _dataset(
        "kms_keys",
        "KMS keys and their rotation now",
        f"""
        SELECT {DIMENSIONS}, k.region, k.snapshot_date, k.key_arn, k.key_id,
               array_to_string(k.aliases, ', ') AS aliases, k.key_state, k.key_manager,
               k.key_spec, k.key_usage, k.origin,
               CASE WHEN k.key_manager = 'AWS' THEN 'AWS managed (rotated by AWS)'
                    WHEN k.rotation_enabled THEN 'enabled'
                    WHEN k.rotation_enabled IS NULL THEN 'unknown or not rotatable'
                    ELSE 'disabled' END AS rotation
        FROM v_kms_keys_current k
        JOIN v_account_dimensions d ON d.account_id = k.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME key_arn key_id aliases key_state "
        "key_manager key_spec key_usage origin rotation",
    ),
    _dataset(
        "waf_web_acls",
        "WAF web ACLs and what their rules cover now",
        f"""
        SELECT {DIMENSIONS}, w.region, w.scope, w.snapshot_date, w.name, w.web_acl_arn,
               w.default_action, w.capacity,
               CASE WHEN w.logging_enabled THEN 'yes' WHEN w.logging_enabled IS NULL
                    THEN 'unknown' ELSE 'no' END AS logging,
               coalesce(cardinality(w.associated_resources), 0) AS associated_resources,
               r.rules, r.geo_blocking, r.sql_injection, r.cross_site_scripting,
               r.rate_limiting
        FROM v_waf_web_acls_current w
        JOIN v_account_dimensions d ON d.account_id = w.account_id
        CROSS JOIN LATERAL (
            SELECT count(*) AS rules,
                   CASE WHEN bool_or(x.statement_type = 'GeoMatchStatement')
                        THEN 'yes' ELSE 'no' END AS geo_blocking,
                   CASE WHEN bool_or(x.statement_type = 'SqliMatchStatement'
                                     OR x.managed_rule_group ILIKE '%SQLi%')
                        THEN 'yes' ELSE 'no' END AS sql_injection,
                   CASE WHEN bool_or(x.statement_type = 'XssMatchStatement'
                                     OR x.managed_rule_group ILIKE '%CommonRuleSet%')
                        THEN 'yes' ELSE 'no' END AS cross_site_scripting,
                   CASE WHEN bool_or(x.statement_type = 'RateBasedStatement')
                        THEN 'yes' ELSE 'no' END AS rate_limiting
            FROM v_waf_rules_current x
            WHERE x.account_id = w.account_id AND x.web_acl_arn = w.web_acl_arn
        ) r
        """,
        f"{DIMENSION_COLUMNS} region scope snapshot_date:DATETIME name web_acl_arn "
        "default_action capacity:INTEGER logging associated_resources:INTEGER rules:INTEGER "
        "geo_blocking sql_injection cross_site_scripting rate_limiting",
    ),
    _dataset(
        "secrets",
        "Secrets Manager secrets and their rotation now",
        f"""
        SELECT {DIMENSIONS}, s.region, s.snapshot_date, s.name, s.secret_arn,
               CASE WHEN s.rotation_enabled THEN 'enabled' WHEN s.rotation_enabled IS NULL
                    THEN 'unknown' ELSE 'disabled' END AS rotation,
               s.rotation_days, s.last_rotated_at, s.last_accessed_at,
               (s.snapshot_date - coalesce(s.last_rotated_at, s.created_at)::date)
                   AS days_since_rotation
        FROM v_secrets_current s
        JOIN v_account_dimensions d ON d.account_id = s.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME name secret_arn rotation "
        "rotation_days:INTEGER last_rotated_at:DATETIME last_accessed_at:DATETIME "
        "days_since_rotation:INTEGER",
    ),
    _dataset(
        "acm_certificates",
        "ACM certificates and their expiry now",
        f"""
        SELECT {DIMENSIONS}, c.region, c.snapshot_date, c.domain_name, c.certificate_arn,
               c.status, c.type, c.renewal_eligibility,
               CASE WHEN c.in_use THEN 'yes' WHEN c.in_use IS NULL THEN 'unknown'
                    ELSE 'no' END AS in_use,
               c.not_after, (c.not_after::date - c.snapshot_date) AS days_to_expiry,
               CASE WHEN c.not_after IS NULL THEN 'no expiry (not issued)'
                    WHEN c.not_after::date < c.snapshot_date THEN 'expired'
                    WHEN c.not_after::date - c.snapshot_date <= 30 THEN 'within 30 days'
                    WHEN c.not_after::date - c.snapshot_date <= 60 THEN 'within 60 days'
                    WHEN c.not_after::date - c.snapshot_date <= 90 THEN 'within 90 days'
                    ELSE 'later than 90 days' END AS expiry
        FROM v_acm_certificates_current c
        JOIN v_account_dimensions d ON d.account_id = c.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME domain_name certificate_arn status "
        "type renewal_eligibility in_use not_after:DATETIME days_to_expiry:INTEGER expiry",
    ),
    _dataset(
        "ssm_instances",
        "Systems Manager managed instances now",
        f"""
        SELECT {DIMENSIONS}, i.region, i.snapshot_date, i.instance_id, i.computer_name,
               i.platform_type, i.platform_name, i.platform_version, i.agent_version,
               i.ping_status, i.last_ping_at
        FROM v_ssm_managed_instances_current i
        JOIN v_account_dimensions d ON d.account_id = i.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME instance_id computer_name "
        "platform_type platform_name platform_version agent_version ping_status "
        "last_ping_at:DATETIME",
    ),
    _dataset(
        "ssm_patches",
        "Patches per instance and state now",
        f"""
        SELECT {DIMENSIONS}, p.region, p.snapshot_date, p.instance_id, p.state,
               coalesce(p.severity, 'Unspecified') AS severity, p.classification,
               count(*) AS patches
        FROM v_ssm_patches_current p
        JOIN v_account_dimensions d ON d.account_id = p.account_id
        GROUP BY d.account_id, d.account_name, d.ou_path, d.account_labels, p.region,
                 p.snapshot_date, p.instance_id, p.state, coalesce(p.severity, 'Unspecified'),
                 p.classification
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME instance_id state severity "
        "classification patches:INTEGER",
    ),
    _dataset(
        "resources_by_az",
        "Resources per Availability Zone and region now",
        f"""
        SELECT {DIMENSIONS}, r.region,
               coalesce(r.availability_zone,
                        CASE WHEN r.zonal THEN '(zone not recorded)' ELSE '(regional)' END)
                   AS availability_zone,
               r.resource_type, r.snapshot_date, r.resource_count
        FROM v_resources_by_az_current r
        JOIN v_account_dimensions d ON d.account_id = r.account_id
        """,
        f"{DIMENSION_COLUMNS} region availability_zone resource_type snapshot_date:DATETIME "
        "resource_count:INTEGER",
    ),
    _dataset(
        "inventory",
        "Resources per type and region now",
        f"""
        SELECT {DIMENSIONS}, v.region, v.resource_type, v.snapshot_date, v.resource_count
        FROM v_inventory_latest v
        JOIN v_account_dimensions d ON d.account_id = v.account_id
        """,
        f"{DIMENSION_COLUMNS} region resource_type snapshot_date:DATETIME resource_count:INTEGER",
    ),
    _dataset(
        "resiliencehub_apps",
        "Resilience Hub applications now",
        f"""
        SELECT {DIMENSIONS}, a.region, a.snapshot_date, a.name, a.app_arn,
               a.compliance_status, a.resiliency_score, a.drift_status, a.policy_name,
               a.assessment_status, a.last_assessment_at
        FROM v_resiliencehub_apps_current a
        JOIN v_account_dimensions d ON d.account_id = a.account_id
        """,
        f"{DIMENSION_COLUMNS} region snapshot_date:DATETIME name app_arn compliance_status "
        "resiliency_score:DECIMAL drift_status policy_name assessment_status "
        "last_assessment_at:DATETIME",
    ),
    _dataset(
        "collection_daily",
        "Collection health per account and day",
        f"""
        SELECT {DIMENSIONS}, h.day, h.health, h.run_count, h.collectors_ok,
               h.collectors_partial, h.collectors_skipped, h.collectors_error,
               h.failed_collectors, h.partial_collectors, h.last_collected_at
        FROM v_collection_health h
        JOIN v_account_dimensions d ON d.account_id = h.account_id
        """,
        f"{DIMENSION_COLUMNS} day:DATETIME health run_count:INTEGER collectors_ok:INTEGER "
        "collectors_partial:INTEGER collectors_skipped:INTEGER collectors_error:INTEGER "
        "failed_collectors partial_collectors last_collected_at:DATETIME",
    ),
    _dataset(
        "accounts",
        "Accounts and whether they report",
        f"""
        SELECT {DIMENSIONS},
               CASE WHEN d.in_roster THEN coalesce(e.reporting_status, 'not expected')
                    ELSE 'reporting, not in the roster' END AS reporting_status,
               e.last_report_at, e.hours_since_report, e.silent_after_hours
        FROM v_account_dimensions d
        LEFT JOIN v_expected_accounts e ON e.account_id = d.account_id
        """,
        f"{DIMENSION_COLUMNS} reporting_status last_report_at:DATETIME "
        "hours_since_report:DECIMAL silent_after_hours:INTEGER",
    ),
    _dataset(
        "collector_issues",
        "Collectors that failed, ended partial or were skipped",
        f"""
        SELECT {DIMENSIONS}, i.day, i.collector, i.region, i.status, i.error, i.collected_at
        FROM v_report_collector_issues i
        JOIN v_account_dimensions d ON d.account_id = i.account_id
        """,
        f"{DIMENSION_COLUMNS} day:DATETIME collector region status error collected_at:DATETIME",
    ),
    _dataset(
        "ingestion_daily",
        "Files received and loaded per day",
        """
        SELECT s.day, s.files_total, s.files_loaded, s.files_failed, s.files_skipped,
               s.bytes_total, s.rows_written, s.avg_duration_ms, s.last_error,
               s.last_failed_object_key
        FROM v_ingestion_status s
        """,
        "day:DATETIME files_total:INTEGER files_loaded:INTEGER files_failed:INTEGER "
        "files_skipped:INTEGER bytes_total:DECIMAL rows_written:DECIMAL "
        "avg_duration_ms:DECIMAL last_error last_failed_object_key",
    ),
)
