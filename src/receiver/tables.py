"""Which document items feed which table, column by column.

Every column the loader writes is listed here by name and type; nothing is derived from the
keys of the document. ``account_id`` (and, for snapshot tables, the snapshot column) are the
same for every row of a file, so they are bound once per statement rather than sent per row.
The bookkeeping columns ``ingestion_id``, ``first_loaded_at`` and ``last_loaded_at`` are set by
the SQL in ``receiver.upsert``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # PostgreSQL type of the column in the jsonb_to_recordset definition
    source: str  # field of the document item (or of its parent, see Table.parent_fields)
    empty_default: bool = False  # NOT NULL DEFAULT '' key column: null in the document -> ''
    # documents of older senders lack the field: (other field, its value or None for any
    # non-null value, value to use), e.g. a commitment row without ``service`` was EC2 when its
    # kind is RI (Cost Explorer's default)
    absent: tuple[str, str | None, str] | None = None


@dataclass(frozen=True)
class Table:
    name: str
    path: tuple[str, ...]  # where the items are under ``data`` (a list, or an object if single)
    key: tuple[str, ...]  # natural key columns after account_id (and the snapshot column)
    columns: tuple[Column, ...]
    snapshot: str | None = None  # snapshot column (snapshot_date / generated_on) or None
    collector: str | None = None  # collector whose status governs the snapshot
    region_column: str | None = None  # column that names the collector region; None = global
    null_region: str = ""  # slice of a row whose region is null, unless a global entry exists
    account_wide: bool = False  # snapshot attributed to the account, not to a region
    single: bool = False  # path names one object, not a list
    parent: str | None = None  # parent table: rows are replaced per parent key
    children_field: str | None = None  # field of the parent item holding the child list
    parent_fields: tuple[str, ...] = ()  # parent columns copied into each child row
    newer_wins: str | None = None  # timestamp column: an older state never overwrites a newer one
    keep_known_values: bool = False  # a null in the document keeps the stored value
    # False: a file without rows for this table never deletes the day's rows (cost forecasts
    # come only from scheduled runs; a backfill of the same day has none to replace them with)
    replace_when_empty: bool = True
    # organization cost mode: account_id is a column of each row (other accounts' Cost Explorer
    # rows sent by a management account), not bound once per file; see `per_row_account`
    account_per_row: bool = False
    # collector whose ``ok`` file holds every row of the days it covers (the document's window
    # and each day it has a row for, per account): rows of those days it did not write are
    # deleted, e.g. a service zeroed by a credit when Cost Explorer re-collects an estimated day.
    # The first key column is the day.
    replace_days: str | None = None

    @property
    def constant_columns(self) -> tuple[str, ...]:
        constants = () if self.account_per_row else ("account_id",)
        return (*constants, self.snapshot) if self.snapshot else constants

    @property
    def natural_key(self) -> tuple[str, ...]:
        return (*self.constant_columns, *self.key)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def cols(spec: str, **renamed: str) -> tuple[Column, ...]:
    """``"name type, name type"``; ``renamed`` maps a column to its document field."""
    columns = []
    for part in spec.split(","):
        name, _, kind = part.strip().partition(" ")
        empty = kind.endswith("!")
        columns.append(Column(name, kind.rstrip("!"), renamed.get(name, name), empty))
    return tuple(columns)


TS = "timestamptz"

ACCOUNTS = Table(
    "accounts",
    ("account",),
    key=(),
    single=True,
    keep_known_values=True,
    columns=cols(
        f"name text, email text, status text, joined_at {TS}, organization_id text, "
        "management_account_id text, ou_id text, ou_path text"
    ),
)
ACCOUNT_CONTACTS = Table(
    "account_contacts",
    ("account",),
    key=("contact_type",),
    parent="accounts",
    children_field="contacts",
    columns=cols(
        "contact_type text, full_name text, title text, email text, phone_number text, "
        "company_name text, address_line1 text, address_line2 text, address_line3 text, "
        "city text, state_or_region text, postal_code text, country_code text, website_url text"
    ),
)
COST_DAILY = Table(
    "cost_daily",
    ("cost", "daily"),
    key=("usage_date", "service"),
    replace_days="cost",
    columns=cols(
        "usage_date date, service text, unblended_cost numeric, amortized_cost numeric, "
        "currency text, estimated boolean",
        usage_date="date",
    ),
)
COST_PERIOD_TOTALS = Table(
    "cost_period_totals",
    ("cost", "totals"),
    key=("kind", "period_start", "period_end"),
    columns=cols(
        "kind text, period_start date, period_end date, unblended_cost numeric, "
        "amortized_cost numeric, currency text"
    ),
)
COST_FORECASTS = Table(
    "cost_forecasts",
    ("cost", "forecast"),
    key=("metric", "period_start", "period_end"),
    snapshot="generated_on",
    collector="cost",
    replace_when_empty=False,
    columns=cols(
        "metric text, period_start date, period_end date, mean numeric, lower_bound numeric, "
        "upper_bound numeric, currency text"
    ),
)
ORGANIZATION_COST_FORECASTS = Table(
    "organization_cost_forecasts",
    ("cost", "organization_forecast"),
    key=("metric", "period_start", "period_end"),
    snapshot="generated_on",
    collector="cost",
    replace_when_empty=False,
    columns=cols(
        "metric text, period_start date, period_end date, mean numeric, lower_bound numeric, "
        "upper_bound numeric, currency text"
    ),
)
SERVICE_USAGE = Table(
    "service_usage",
    ("service_usage",),
    key=("usage_date", "service", "usage_type", "unit"),
    columns=cols(
        "usage_date date, service text, usage_type text, unit text!, quantity numeric, "
        "unblended_cost numeric, currency text",
        usage_date="date",
    ),
)
MARKETPLACE_USAGE = Table(
    "marketplace_usage",
    ("marketplace_usage",),
    key=("usage_date", "product", "usage_type"),
    columns=cols(
        "usage_date date, product text, usage_type text, unit text, quantity numeric, "
        "cost numeric, currency text",
        usage_date="date",
    ),
)
EC2_SERVICE = "Amazon Elastic Compute Cloud - Compute"
COMMITMENT_UTILIZATION = Table(
    "commitment_utilization",
    ("commitments",),
    key=("kind", "service", "period_start", "period_end"),
    columns=tuple(
        replace(c, absent=("kind", "RI", EC2_SERVICE)) if c.name == "service" else c
        for c in cols(
            "kind text, service text!, period_start date, period_end date, "
            "utilization_pct numeric, coverage_pct numeric, coverage_covered numeric, "
            "coverage_eligible numeric, commitment numeric, used numeric, unused numeric, "
            "net_savings numeric, on_demand_equivalent numeric, currency text"
        )
    ),
)
SECURITYHUB_FINDINGS = Table(
    "securityhub_findings",
    ("securityhub", "findings"),
    key=("finding_id",),
    newer_wins="updated_at",
    columns=cols(
        "finding_id text, product_arn text, product_name text, generator_id text, title text, "
        "description text, severity_label text, severity_normalized numeric, "
        "resource_type text, resource_id text, region text, compliance_status text, "
        f"workflow_status text, record_state text, first_observed_at {TS}, "
        f"last_observed_at {TS}, created_at {TS}, updated_at {TS}"
    ),
)
SECURITYHUB_SEVERITY_COUNTS = Table(
    "securityhub_severity_counts",
    ("securityhub", "severity_counts"),
    key=("region", "severity_label"),
    snapshot="snapshot_date",
    collector="securityhub",
    region_column="region",
    columns=cols(
        "region text, severity_label text, count integer, workflow_new integer, "
        "workflow_notified integer, workflow_suppressed integer, workflow_resolved integer"
    ),
)
GUARDDUTY_FINDINGS = Table(
    "guardduty_findings",
    ("guardduty_findings",),
    key=("region", "finding_id"),
    newer_wins="updated_at",
    columns=cols(
        "region text, finding_id text, detector_id text, type text, severity numeric, "
        "title text, resource_type text, resource_id text, count bigint, archived boolean, "
        f"created_at {TS}, updated_at {TS}"
    ),
)
# What each region's collector listed on the snapshot date: GuardDuty deletes findings (after 90
# days, or all of them with the detector), so open means listed by the latest complete collection
GUARDDUTY_FINDING_SNAPSHOTS = replace(
    GUARDDUTY_FINDINGS,
    name="guardduty_finding_snapshots",
    newer_wins=None,
    snapshot="snapshot_date",
    collector="guardduty_findings",
    region_column="region",
)
INSPECTOR_FINDINGS = Table(
    "inspector_findings",
    ("inspector_findings",),
    key=("finding_arn",),
    newer_wins="updated_at",
    columns=cols(
        "finding_arn text, region text, type text, severity text, status text, title text, "
        "resource_type text, resource_id text, inspector_score numeric, "
        f"exploit_available text, fix_available text, first_observed_at {TS}, "
        f"last_observed_at {TS}, updated_at {TS}"
    ),
)
KMS_KEYS = Table(
    "kms_keys",
    ("kms_keys",),
    key=("key_arn",),
    snapshot="snapshot_date",
    collector="kms_keys",
    region_column="region",
    columns=cols(
        "key_arn text, key_id text, region text, aliases text[], description text, "
        "key_state text, key_manager text, key_spec text, key_usage text, origin text, "
        f"multi_region boolean, rotation_enabled boolean, created_at {TS}"
    ),
)
WAF_WEB_ACLS = Table(
    "waf_web_acls",
    ("waf_web_acls",),
    key=("web_acl_arn",),
    snapshot="snapshot_date",
    collector="waf_web_acls",
    region_column="region",
    null_region="us-east-1",  # CLOUDFRONT web ACLs are read in us-east-1
    columns=cols(
        "web_acl_arn text, name text, web_acl_id text, scope text, region text, "
        "default_action text, capacity bigint, logging_enabled boolean, "
        "associated_resources text[]"
    ),
)
WAF_RULES = Table(
    "waf_rules",
    ("waf_web_acls",),
    key=("web_acl_arn", "rule_name"),
    snapshot="snapshot_date",
    parent="waf_web_acls",
    children_field="rules",
    parent_fields=("web_acl_arn",),
    columns=cols(
        "web_acl_arn text, rule_name text, priority integer, action text, "
        "statement_type text, managed_rule_group text",
        rule_name="name",
    ),
)
CLOUDTRAIL_TRAILS = Table(
    "cloudtrail_trails",
    ("cloudtrail_trails",),
    key=("trail_arn",),
    snapshot="snapshot_date",
    collector="cloudtrail_trails",
    account_wide=True,
    columns=cols(
        "trail_arn text, name text, home_region text, is_multi_region boolean, "
        "is_organization_trail boolean, is_logging boolean, log_file_validation boolean, "
        f"s3_bucket text, kms_key_id text, latest_delivery_at {TS}, latest_delivery_error text"
    ),
)
SECRETS = Table(
    "secrets",
    ("secrets",),
    key=("secret_arn",),
    snapshot="snapshot_date",
    collector="secrets",
    region_column="region",
    columns=cols(
        "secret_arn text, name text, region text, kms_key_id text, rotation_enabled boolean, "
        f"rotation_days integer, last_rotated_at {TS}, last_accessed_at {TS}, "
        f"last_changed_at {TS}, created_at {TS}, primary_region text"
    ),
)
ACM_CERTIFICATES = Table(
    "acm_certificates",
    ("acm_certificates",),
    key=("certificate_arn",),
    snapshot="snapshot_date",
    collector="acm_certificates",
    region_column="region",
    columns=cols(
        "certificate_arn text, region text, domain_name text, status text, type text, "
        "key_algorithm text, in_use boolean, renewal_eligibility text, "
        f"not_before {TS}, not_after {TS}"
    ),
)
CONFIG_RULES = Table(
    "config_rules",
    ("config", "rules"),
    key=("region", "rule_name"),
    snapshot="snapshot_date",
    collector="config",
    region_column="region",
    columns=cols(
        "region text, rule_name text, compliance text, non_compliant_resource_count integer, "
        "source_owner text, source_identifier text"
    ),
)
CONFIG_CONFORMANCE_PACKS = Table(
    "config_conformance_packs",
    ("config", "conformance_packs"),
    key=("region", "pack_name"),
    snapshot="snapshot_date",
    collector="config",
    region_column="region",
    columns=cols(
        "region text, pack_name text, compliance text, compliant_rule_count integer, "
        "non_compliant_rule_count integer"
    ),
)
CONFIG_NONCOMPLIANT_RESOURCES = Table(
    "config_noncompliant_resources",
    ("config", "noncompliant_resources"),
    key=("region", "rule_name", "resource_type", "resource_id"),
    snapshot="snapshot_date",
    collector="config",
    region_column="region",
    columns=cols(
        "region text, rule_name text, resource_type text, resource_id text, annotation text, "
        f"recorded_at {TS}"
    ),
)
SSM_MANAGED_INSTANCES = Table(
    "ssm_managed_instances",
    ("ssm_instances",),
    key=("region", "instance_id"),
    snapshot="snapshot_date",
    collector="ssm_instances",
    region_column="region",
    columns=cols(
        "region text, instance_id text, computer_name text, platform_type text, "
        "platform_name text, platform_version text, agent_version text, ping_status text, "
        f"last_ping_at {TS}, ip_address text"
    ),
)
SSM_APPLICATIONS = Table(
    "ssm_applications",
    ("ssm_instances",),
    key=("region", "instance_id", "name", "version", "architecture"),
    snapshot="snapshot_date",
    parent="ssm_managed_instances",
    children_field="applications",
    parent_fields=("region", "instance_id"),
    columns=cols(
        "region text, instance_id text, name text, version text!, architecture text!, "
        f"publisher text, installed_at {TS}"
    ),
)
SSM_PATCHES = Table(
    "ssm_patches",
    ("ssm_instances",),
    key=("region", "instance_id", "patch_id"),
    snapshot="snapshot_date",
    parent="ssm_managed_instances",
    children_field="patches",
    parent_fields=("region", "instance_id"),
    columns=cols(
        "region text, instance_id text, patch_id text, title text, classification text, "
        f"severity text, state text, installed_at {TS}"
    ),
)
TRUSTED_ADVISOR_CHECKS = Table(
    "trusted_advisor_checks",
    ("trusted_advisor_checks",),
    key=("check_id",),
    snapshot="snapshot_date",
    collector="trusted_advisor_checks",
    columns=cols(
        "check_id text, name text, category text, status text, resources_processed integer, "
        "resources_flagged integer, resources_suppressed integer, "
        f"estimated_monthly_savings numeric, currency text, refreshed_at {TS}"
    ),
)
HEALTH_EVENTS = Table(
    "health_events",
    ("health_events",),
    key=("event_arn",),
    newer_wins="last_updated_at",
    columns=cols(
        "event_arn text, service text, event_type_code text, event_type_category text, "
        f"region text, status_code text, scope text, start_time {TS}, end_time {TS}, "
        f"last_updated_at {TS}, affected_entity_count integer"
    ),
)
APPSIGNALS_SERVICES = Table(
    "appsignals_services",
    ("application_signals", "services"),
    key=("region", "name", "environment"),
    snapshot="snapshot_date",
    collector="application_signals",
    region_column="region",
    columns=cols("region text, name text, environment text!, type text, attributes jsonb"),
)
APPSIGNALS_SLOS = Table(
    "appsignals_slos",
    ("application_signals", "slos"),
    key=("slo_arn",),
    snapshot="snapshot_date",
    collector="application_signals",
    region_column="region",
    columns=cols(
        "slo_arn text, name text, region text, service_name text, goal_attainment numeric, "
        f"attainment numeric, status text, updated_at {TS}"
    ),
)
RESILIENCEHUB_APPS = Table(
    "resiliencehub_apps",
    ("resilience_hub_apps",),
    key=("app_arn",),
    snapshot="snapshot_date",
    collector="resilience_hub_apps",
    region_column="region",
    columns=cols(
        "app_arn text, name text, region text, compliance_status text, "
        "resiliency_score numeric, drift_status text, policy_name text, "
        f"last_assessment_at {TS}, assessment_status text"
    ),
)
SAVINGS_ON_DEMAND = ("estimated_monthly_savings", None, "on_demand")
COMPUTE_OPTIMIZER_RECOMMENDATIONS = Table(
    "compute_optimizer_recommendations",
    ("compute_optimizer",),
    key=("resource_arn",),
    snapshot="snapshot_date",
    collector="compute_optimizer",
    region_column="region",
    columns=(
        *cols(
            "resource_arn text, resource_type text, region text, finding text, "
            "current_configuration text, recommended_configuration text, "
            "estimated_monthly_savings numeric, savings_percentage numeric, "
            "performance_risk text, currency text"
        ),
        # older senders priced every saving at On-Demand (savingsOpportunity)
        Column("savings_basis", "text", "savings_basis", absent=SAVINGS_ON_DEMAND),
    ),
)
RESOURCES = Table(
    "resources",
    ("resources",),
    key=("region", "resource_type", "resource_id"),
    snapshot="snapshot_date",
    collector="resources",
    region_column="region",
    columns=cols(
        "region text, resource_type text, resource_id text, arn text, name text, state text, "
        "attributes jsonb, tags jsonb"
    ),
)
SUPPORT_CASES = Table(
    "support_cases",
    ("support_cases",),
    key=("case_id",),
    columns=cols(
        "case_id text, display_id text, subject text, status text, severity text, "
        f"service_code text, category_code text, language text, submitted_by text, "
        f"created_at {TS}"
    ),
)
IAM_SUMMARY = Table(
    "iam_summary",
    ("iam",),
    key=(),
    snapshot="snapshot_date",
    collector="iam",
    single=True,
    columns=cols(
        "users_total integer, users_with_console integer, users_with_mfa integer, "
        "users_without_mfa integer, root_mfa_enabled boolean, root_access_keys integer, "
        "access_keys_active integer, access_keys_older_than_90_days integer, "
        f"credential_report_generated_at {TS}, console_users_with_mfa integer, "
        "console_users_without_mfa integer"
    ),
)
IAM_USERS = Table(
    "iam_users",
    ("iam",),
    key=("user_name",),
    snapshot="snapshot_date",
    parent="iam_summary",
    children_field="users",
    columns=cols(
        f"user_name text, arn text, created_at {TS}, password_enabled boolean, "
        f"password_last_used_at {TS}, mfa_active boolean, access_key_1_active boolean, "
        f"access_key_1_last_rotated_at {TS}, access_key_1_last_used_at {TS}, "
        f"access_key_2_active boolean, access_key_2_last_rotated_at {TS}, "
        f"access_key_2_last_used_at {TS}"
    ),
)

# Load order: parents before children, then a fixed order, so that concurrent loads of the
# same account take their row locks in the same order (with rows sorted by key within a table).
TABLES: tuple[Table, ...] = (
    ACCOUNTS,
    ACCOUNT_CONTACTS,
    COST_DAILY,
    COST_PERIOD_TOTALS,
    COST_FORECASTS,
    ORGANIZATION_COST_FORECASTS,
    SERVICE_USAGE,
    MARKETPLACE_USAGE,
    COMMITMENT_UTILIZATION,
    SECURITYHUB_FINDINGS,
    SECURITYHUB_SEVERITY_COUNTS,
    GUARDDUTY_FINDINGS,
    GUARDDUTY_FINDING_SNAPSHOTS,
    INSPECTOR_FINDINGS,
    KMS_KEYS,
    WAF_WEB_ACLS,
    WAF_RULES,
    CLOUDTRAIL_TRAILS,
    SECRETS,
    ACM_CERTIFICATES,
    CONFIG_RULES,
    CONFIG_CONFORMANCE_PACKS,
    CONFIG_NONCOMPLIANT_RESOURCES,
    SSM_MANAGED_INSTANCES,
    SSM_APPLICATIONS,
    SSM_PATCHES,
    TRUSTED_ADVISOR_CHECKS,
    HEALTH_EVENTS,
    APPSIGNALS_SERVICES,
    APPSIGNALS_SLOS,
    RESILIENCEHUB_APPS,
    COMPUTE_OPTIMIZER_RECOMMENDATIONS,
    RESOURCES,
    SUPPORT_CASES,
    IAM_SUMMARY,
    IAM_USERS,
)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def per_row_account(table: Table) -> Table:
    """The same SQL table, written with ``account_id`` taken from each row (first key column)."""
    account = Column("account_id", "char(12)", "account_id")
    return replace(
        table,
        key=("account_id", *table.key),
        columns=(account, *table.columns),
        account_per_row=True,
    )


# Tables whose rows may name another account (documents in organization cost mode, from an
# account the receiver lists in ORGANIZATION_COST_ACCOUNTS): table name -> per-row variant.
# None has a snapshot column, so a row of another account is a plain upsert, as from its own
# sender. Kept in sync with contract.validation.ORGANIZATION_COST_PARTS.
ORGANIZATION_COST: dict[str, Table] = {
    t.name: per_row_account(t)
    for t in (
        COST_DAILY,
        COST_PERIOD_TOTALS,
        SERVICE_USAGE,
        MARKETPLACE_USAGE,
        COMMITMENT_UTILIZATION,
    )
}


@dataclass
class TableRows:
    """Rows of one table built from one document, sorted by natural key."""

    table: Table
    rows: list[dict] = field(default_factory=list)
    pointers: list[str] = field(default_factory=list)  # JSON pointer of each row's item
    parents: list[dict] = field(default_factory=list)  # parent keys whose children are replaced
