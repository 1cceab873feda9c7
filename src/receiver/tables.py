"""Which document items feed which table, column by column, derived from the contract.

A table's columns are the fields of its section's item definition in the contract
(``contract/sender-document.schema.json``), under the same names, with the PostgreSQL type the
field's definition maps to (``TYPES``): the field list is written once, in the contract. Only
what the contract cannot say is declared here, per table:

- where the items are (``path``), the natural key, and whether the table is a snapshot (with
  the collector whose status governs it) or keyed by the items' own identity;
- ``renamed``: a column stored under another name than its field (``date`` -> ``usage_date``);
- ``types``: a column whose PostgreSQL type differs from its definition's (``bigint``);
- ``absent``: the value of a field that older senders' documents lack;
- fields that are no columns: ``account_id`` (``NOT_COLUMNS``), and lists of objects, which are
  child tables (``parent``/``children_field``); lists of strings are array columns.

Key columns come first (parent columns of a child first of all), then the other fields in
the contract's order. A key column whose field may be null or absent is stored as ``''``
(its SQL column is ``NOT NULL DEFAULT ''``). Columns are derived on first use and cached, so
importing this module reads no file. ``account_id`` (and, for snapshot tables, the snapshot
column) are the same for every row of a file, so they are bound once per statement rather than
sent per row. The bookkeeping columns ``ingestion_id``, ``first_loaded_at`` and
``last_loaded_at`` are set by the SQL in ``receiver.upsert``. The SQL DDL (``sql/``) stays
hand-written; ``tests/receiver/test_sql_schema.py`` holds it to these columns.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any

# Fields of an item definition that are never columns of its table, and why.
NOT_COLUMNS = {
    "account_id": "bound once per file from the envelope (per row in organization cost mode, "
    "see per_row_account); the contract requires it to equal the envelope's",
}

# Contract definition (without its ``OrNull`` suffix) -> PostgreSQL type; any other string is text.
TYPES = {
    "timestamp": "timestamptz",
    "date": "date",
    "money": "numeric",
    "percent": "numeric",
    "count": "integer",
    "booleanOr": "boolean",
    "stringMap": "jsonb",
}
# JSON type of an inline definition -> PostgreSQL type (first match wins: "number" before null)
JSON_TYPES = {"number": "numeric", "integer": "integer", "boolean": "boolean", "object": "jsonb"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # PostgreSQL type the upsert casts the column's value to (upsert._by_position)
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
    # The exceptions to "one column per field, same name, type from the contract":
    renamed: dict[str, str] = field(default_factory=dict, hash=False)  # column -> its field
    types: dict[str, str] = field(default_factory=dict, hash=False)  # column -> PostgreSQL type
    absent: dict[str, tuple[str, str | None, str]] = field(default_factory=dict, hash=False)

    @property
    def constant_columns(self) -> tuple[str, ...]:
        constants = () if self.account_per_row else ("account_id",)
        return (*constants, self.snapshot) if self.snapshot else constants

    @property
    def natural_key(self) -> tuple[str, ...]:
        return (*self.constant_columns, *self.key)

    @functools.cached_property
    def columns(self) -> tuple[Column, ...]:
        return _derive_columns(self)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @functools.cached_property
    def key_columns(self) -> tuple[Column, ...]:
        """The columns of ``key``, in column order."""
        return tuple(c for c in self.columns if c.name in self.key)

    @functools.cached_property
    def key_column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.key_columns)

    @functools.cached_property
    def section(self) -> str:
        """The items' place in ``data``, e.g. ``cost.daily[]``, ``ssm_instances[].patches[]``."""
        return _section_path(self)


# --------------------------------------------------------------------------- derivation


@functools.cache
def _schema() -> dict[str, Any]:
    from contract import load_schema  # first use only: the receiver's handler has it loaded

    return load_schema()


def _resolve(node: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The definition a node refers to, and the name of the last definition on the way."""
    defs, name = _schema()["$defs"], ""
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        node = defs[name]
    return node, name


def _walk(path: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """The item definition at ``path`` under ``data``, and the path's parts as written in docs."""
    node, _ = _resolve(_schema()["properties"]["data"])
    parts = []
    for part in path:
        node, _ = _resolve(node["properties"][part])
        if node.get("type") == "array":
            node, _ = _resolve(node["items"])
            part += "[]"
        parts.append(part)
    return node, parts


def _items(table: Table) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(item definition, parent item definition or None) of a table."""
    parent, _ = _walk(table.path)
    if table.children_field is None:
        return parent, None
    child, _ = _resolve(parent["properties"][table.children_field])
    item, _ = _resolve(child["items"])
    return item, parent


def _section_path(table: Table) -> str:
    _, parts = _walk(table.path)
    if table.children_field is not None:
        parts.append(f"{table.children_field}[]")
    return ".".join(parts)


def pg_type(node: dict[str, Any]) -> str:
    """PostgreSQL type of a field's definition in the contract."""
    node, name = _resolve(node)
    if node.get("type") == "array":
        return pg_type(node["items"]) + "[]"
    for prefix, kind in TYPES.items():
        if name.startswith(prefix):
            return kind
    types = node.get("type", "string")
    types = [types] if isinstance(types, str) else types
    return next((JSON_TYPES[t] for t in types if t in JSON_TYPES), "text")


def is_child_list(node: dict[str, Any]) -> bool:
    """A list of objects: stored in a table of its own, never as a column."""
    node, _ = _resolve(node)
    return node.get("type") == "array" and _resolve(node["items"])[0].get("type") == "object"


def _may_be_missing(item: dict[str, Any], name: str) -> bool:
    node, _ = _resolve(item["properties"][name])
    types = node.get("type", [])
    return name not in item.get("required", ()) or "null" in types or None in node.get("enum", ())


def _derive_columns(table: Table) -> tuple[Column, ...]:
    item, parent = _items(table)
    fields = {column: table.renamed.get(column, column) for column in table.key}
    for name, definition in item["properties"].items():
        if name in NOT_COLUMNS or is_child_list(definition):
            continue
        column = next((c for c, f in table.renamed.items() if f == name), name)
        fields.setdefault(column, name)
    columns = []
    if table.account_per_row:
        columns.append(Column("account_id", "char(12)", "account_id"))
    for column, source in fields.items():
        if column in NOT_COLUMNS:
            continue
        owner = parent if column in table.parent_fields else item
        assert owner is not None, f"{table.name}.{column}: no such field"
        definition = owner["properties"][source]
        columns.append(
            Column(
                column,
                table.types.get(column) or pg_type(definition),
                source,
                empty_default=column in table.key
                and column not in table.parent_fields
                and pg_type(definition) == "text"
                and _may_be_missing(owner, source),
                absent=table.absent.get(column),
            )
        )
    return tuple(columns)


# --------------------------------------------------------------------------- the tables

DATE_COLUMN = {"usage_date": "date"}  # a bare ``date`` column would shadow the SQL type name

ACCOUNTS = Table("accounts", ("account",), key=(), single=True, keep_known_values=True)
ACCOUNT_CONTACTS = Table(
    "account_contacts",
    ("account",),
    key=("contact_type",),
    parent="accounts",
    children_field="contacts",
)
COST_DAILY = Table(
    "cost_daily",
    ("cost", "daily"),
    key=("usage_date", "service"),
    replace_days="cost",
    renamed=DATE_COLUMN,
)
COST_PERIOD_TOTALS = Table(
    "cost_period_totals", ("cost", "totals"), key=("kind", "period_start", "period_end")
)
COST_FORECASTS = Table(
    "cost_forecasts",
    ("cost", "forecast"),
    key=("metric", "period_start", "period_end"),
    snapshot="generated_on",
    collector="cost",
    replace_when_empty=False,
)
ORGANIZATION_COST_FORECASTS = replace(
    COST_FORECASTS, name="organization_cost_forecasts", path=("cost", "organization_forecast")
)
SERVICE_USAGE = Table(
    "service_usage",
    ("service_usage",),
    key=("usage_date", "service", "usage_type", "unit"),
    renamed=DATE_COLUMN,
)
MARKETPLACE_USAGE = Table(
    "marketplace_usage",
    ("marketplace_usage",),
    key=("usage_date", "product", "usage_type"),
    renamed=DATE_COLUMN,
)
EC2_SERVICE = "Amazon Elastic Compute Cloud - Compute"
COMMITMENT_UTILIZATION = Table(
    "commitment_utilization",
    ("commitments",),
    key=("kind", "service", "period_start", "period_end"),
    absent={"service": ("kind", "RI", EC2_SERVICE)},
)
SECURITYHUB_FINDINGS = Table(
    "securityhub_findings",
    ("securityhub", "findings"),
    key=("finding_id",),
    newer_wins="updated_at",
)
SECURITYHUB_SEVERITY_COUNTS = Table(
    "securityhub_severity_counts",
    ("securityhub", "severity_counts"),
    key=("region", "severity_label"),
    snapshot="snapshot_date",
    collector="securityhub",
    region_column="region",
)
SECURITYHUB_STANDARD_SCORES = Table(
    "securityhub_standard_scores",
    ("securityhub_standards", "standards"),
    key=("region", "standards_arn"),
    snapshot="snapshot_date",
    collector="securityhub_standards",
    region_column="region",
)
SECURITYHUB_STANDARD_CONTROLS = Table(
    "securityhub_standard_controls",
    ("securityhub_standards", "controls"),
    key=("region", "standards_arn", "control_id"),
    snapshot="snapshot_date",
    collector="securityhub_standards",
    region_column="region",
)
GUARDDUTY_FINDINGS = Table(
    "guardduty_findings",
    ("guardduty_findings",),
    key=("region", "finding_id"),
    newer_wins="updated_at",
    types={"count": "bigint"},  # occurrences of a finding are not bounded by 2^31
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
    "inspector_findings", ("inspector_findings",), key=("finding_arn",), newer_wins="updated_at"
)
KMS_KEYS = Table(
    "kms_keys",
    ("kms_keys",),
    key=("key_arn",),
    snapshot="snapshot_date",
    collector="kms_keys",
    region_column="region",
)
WAF_WEB_ACLS = Table(
    "waf_web_acls",
    ("waf_web_acls",),
    key=("web_acl_arn",),
    snapshot="snapshot_date",
    collector="waf_web_acls",
    region_column="region",
    null_region="us-east-1",  # CLOUDFRONT web ACLs are read in us-east-1
    types={"capacity": "bigint"},  # web ACL capacity units, as WAF's API types them (Long)
)
WAF_RULES = Table(
    "waf_rules",
    ("waf_web_acls",),
    key=("web_acl_arn", "rule_name"),
    snapshot="snapshot_date",
    parent="waf_web_acls",
    children_field="rules",
    parent_fields=("web_acl_arn",),
    renamed={"rule_name": "name"},  # the key names the rule, not the web ACL
)
CLOUDTRAIL_TRAILS = Table(
    "cloudtrail_trails",
    ("cloudtrail_trails",),
    key=("trail_arn",),
    snapshot="snapshot_date",
    collector="cloudtrail_trails",
    account_wide=True,
)
SECRETS = Table(
    "secrets",
    ("secrets",),
    key=("secret_arn",),
    snapshot="snapshot_date",
    collector="secrets",
    region_column="region",
)
ACM_CERTIFICATES = Table(
    "acm_certificates",
    ("acm_certificates",),
    key=("certificate_arn",),
    snapshot="snapshot_date",
    collector="acm_certificates",
    region_column="region",
)
CONFIG_RULES = Table(
    "config_rules",
    ("config", "rules"),
    key=("region", "rule_name"),
    snapshot="snapshot_date",
    collector="config",
    region_column="region",
)
CONFIG_CONFORMANCE_PACKS = Table(
    "config_conformance_packs",
    ("config", "conformance_packs"),
    key=("region", "pack_name"),
    snapshot="snapshot_date",
    collector="config",
    region_column="region",
)
CONFIG_NONCOMPLIANT_RESOURCES = Table(
    "config_noncompliant_resources",
    ("config", "noncompliant_resources"),
    key=("region", "rule_name", "resource_type", "resource_id"),
    snapshot="snapshot_date",
    collector="config",
    region_column="region",
)
SSM_MANAGED_INSTANCES = Table(
    "ssm_managed_instances",
    ("ssm_instances",),
    key=("region", "instance_id"),
    snapshot="snapshot_date",
    collector="ssm_instances",
    region_column="region",
)
SSM_APPLICATIONS = Table(
    "ssm_applications",
    ("ssm_instances",),
    key=("region", "instance_id", "name", "version", "architecture"),
    snapshot="snapshot_date",
    parent="ssm_managed_instances",
    children_field="applications",
    parent_fields=("region", "instance_id"),
)
SSM_PATCHES = Table(
    "ssm_patches",
    ("ssm_instances",),
    key=("region", "instance_id", "patch_id"),
    snapshot="snapshot_date",
    parent="ssm_managed_instances",
    children_field="patches",
    parent_fields=("region", "instance_id"),
)
TRUSTED_ADVISOR_CHECKS = Table(
    "trusted_advisor_checks",
    ("trusted_advisor_checks",),
    key=("check_id",),
    snapshot="snapshot_date",
    collector="trusted_advisor_checks",
)
HEALTH_EVENTS = Table(
    "health_events", ("health_events",), key=("event_arn",), newer_wins="last_updated_at"
)
APPSIGNALS_SERVICES = Table(
    "appsignals_services",
    ("application_signals", "services"),
    key=("region", "name", "environment"),
    snapshot="snapshot_date",
    collector="application_signals",
    region_column="region",
)
APPSIGNALS_SLOS = Table(
    "appsignals_slos",
    ("application_signals", "slos"),
    key=("slo_arn",),
    snapshot="snapshot_date",
    collector="application_signals",
    region_column="region",
)
RESILIENCEHUB_APPS = Table(
    "resiliencehub_apps",
    ("resilience_hub_apps",),
    key=("app_arn",),
    snapshot="snapshot_date",
    collector="resilience_hub_apps",
    region_column="region",
)
RESILIENCEHUB_APP_DISRUPTIONS = Table(
    "resiliencehub_app_disruptions",
    ("resilience_hub_apps",),
    key=("app_arn", "disruption_type"),
    snapshot="snapshot_date",
    parent="resiliencehub_apps",
    children_field="disruptions",
    parent_fields=("app_arn",),
)
COMPUTE_OPTIMIZER_RECOMMENDATIONS = Table(
    "compute_optimizer_recommendations",
    ("compute_optimizer",),
    key=("resource_arn",),
    snapshot="snapshot_date",
    collector="compute_optimizer",
    region_column="region",
    # older senders priced every saving at On-Demand (savingsOpportunity)
    absent={"savings_basis": ("estimated_monthly_savings", None, "on_demand")},
)
COMPUTE_OPTIMIZER_UTILIZATION = Table(
    "compute_optimizer_utilization",
    ("compute_optimizer",),
    key=("resource_arn", "metric", "statistic"),
    snapshot="snapshot_date",
    parent="compute_optimizer_recommendations",
    children_field="utilization",
    parent_fields=("resource_arn",),
)
RESOURCES = Table(
    "resources",
    ("resources",),
    key=("region", "resource_type", "resource_id"),
    snapshot="snapshot_date",
    collector="resources",
    region_column="region",
)
# Reservations per region, Savings Plans from the global task (region null: the '' slice)
COMMITMENT_INVENTORY = Table(
    "commitment_inventory",
    ("commitment_inventory",),
    key=("service", "region", "commitment_id"),
    snapshot="snapshot_date",
    collector="commitment_inventory",
    region_column="region",
)
SUPPORT_CASES = Table("support_cases", ("support_cases",), key=("case_id",))
# Cost anomalies in their latest state (GetAnomalies answers the current state of each anomaly,
# so the newest file's row is the one to keep); root causes are replaced with their anomaly.
COST_ANOMALIES = Table("cost_anomalies", ("cost_anomalies",), key=("anomaly_id",))
COST_ANOMALY_ROOT_CAUSES = Table(
    "cost_anomaly_root_causes",
    ("cost_anomalies",),
    key=("anomaly_id", "position"),
    parent="cost_anomalies",
    children_field="root_causes",
    parent_fields=("anomaly_id",),
)
COST_BY_TAG = Table(
    "cost_by_tag",
    ("cost_by_tag",),
    key=("usage_date", "tag_key", "tag_value"),
    replace_days="cost_by_tag",
    renamed=DATE_COLUMN,
)
IAM_SUMMARY = Table(
    "iam_summary", ("iam",), key=(), snapshot="snapshot_date", collector="iam", single=True
)
IAM_USERS = Table(
    "iam_users",
    ("iam",),
    key=("user_name",),
    snapshot="snapshot_date",
    parent="iam_summary",
    children_field="users",
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
    SECURITYHUB_STANDARD_SCORES,
    SECURITYHUB_STANDARD_CONTROLS,
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
    RESILIENCEHUB_APP_DISRUPTIONS,
    COMPUTE_OPTIMIZER_RECOMMENDATIONS,
    COMPUTE_OPTIMIZER_UTILIZATION,
    RESOURCES,
    COMMITMENT_INVENTORY,
    SUPPORT_CASES,
    COST_ANOMALIES,
    COST_ANOMALY_ROOT_CAUSES,
    COST_BY_TAG,
    IAM_SUMMARY,
    IAM_USERS,
)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def per_row_account(table: Table) -> Table:
    """The same SQL table, written with ``account_id`` taken from each row (first key column)."""
    return replace(table, key=("account_id", *table.key), account_per_row=True)


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


def field_definitions(table: Table) -> dict[str, dict[str, Any]]:
    """Every field of the table's item definition (stored or not), in the contract's order."""
    item, _ = _items(table)
    return {name: _resolve(node)[0] for name, node in item["properties"].items()}
