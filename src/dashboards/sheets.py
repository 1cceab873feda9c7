"""The dashboard's sheets: which visual answers which question, in page order.

Overview, Cost, Security findings, Security controls, Resilience and Collection health. They
cover every question the reference's four sheets answer (see issue 11 and docs/dashboards in
the module README) plus forecast against actual, savings, commitments, collection health with
silent accounts, GuardDuty and Inspector. The calculated fields some visuals read are declared
here too, next to the visuals that use them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.visuals import (
    Visual,
    bar,
    calculated,
    category,
    counted,
    day,
    kpi,
    line,
    pie,
    pivot,
    table,
    total,
)

# Cost Explorer's SERVICE names of the security services the platform reads, for "security spend".
SECURITY_SERVICES = (
    "AWS Security Hub",
    "Amazon GuardDuty",
    "Amazon Inspector",
    "AWS WAF",
    "AWS Key Management Service",
    "AWS Config",
    "AWS Secrets Manager",
    "AWS CloudTrail",
    "AWS Certificate Manager",
    "Amazon Detective",
    "Amazon Macie",
    "AWS Shield",
    "AWS Firewall Manager",
    "AWS Network Firewall",
)


@dataclass(frozen=True)
class CalculatedField:
    dataset: str
    name: str
    expression: str


@dataclass
class Sheet:
    sheet_id: str
    name: str
    description: str
    visuals: list[Visual]


CALCULATED_FIELDS = (
    CalculatedField(
        "config_rules",
        "compliance_now",
        "countIf({rule_name}, {compliance} = 'COMPLIANT') / "
        "(countIf({rule_name}, {compliance} = 'COMPLIANT') + "
        "countIf({rule_name}, {compliance} = 'NON_COMPLIANT'))",
    ),
    CalculatedField(
        "compliance_daily",
        "compliance_ratio",
        "sum({rules_compliant}) / (sum({rules_compliant}) + sum({rules_non_compliant}))",
    ),
    CalculatedField(
        "securityhub_findings",
        "open_critical",
        "countIf({finding_id}, {severity_label} = 'CRITICAL')",
    ),
    CalculatedField(
        "securityhub_findings", "open_high", "countIf({finding_id}, {severity_label} = 'HIGH')"
    ),
    CalculatedField(
        "securityhub_findings",
        "open_medium",
        "countIf({finding_id}, {severity_label} = 'MEDIUM')",
    ),
    CalculatedField(
        "accounts",
        "silent_accounts",
        "countIf({account_id}, {reporting_status} = 'silent' OR "
        "{reporting_status} = 'never_reported')",
    ),
    CalculatedField(
        "cost_daily",
        "security_spend",
        "sumIf({amortized_cost}, in({service}, ["
        + ", ".join(f'"{s}"' for s in SECURITY_SERVICES)
        + "]))",
    ),
)

AMORTIZED = (
    "Amortized cost from Cost Explorer (commitment fees spread over the days and accounts that "
    "use them), in the period the date control selects; days Cost Explorer still estimates are "
    "included (Cost sheet: estimated vs final)"
)


def overview() -> Sheet:
    return Sheet(
        "overview",
        "Overview",
        "Cost, compliance, accounts and open findings at a glance.",
        [
            kpi("ov-cost", "Total cost", AMORTIZED, total("cost_daily", "amortized_cost")),
            kpi(
                "ov-compliance",
                "Compliance now",
                "Share of evaluated AWS Config rules that are COMPLIANT in each account's latest "
                "snapshot (rules with no data or not applicable excluded)",
                calculated("config_rules", "compliance_now"),
            ),
            kpi(
                "ov-accounts",
                "Accounts",
                "Accounts known from the organization roster or because they sent data",
                counted("accounts", "account_id", "DISTINCT_COUNT"),
            ),
            kpi(
                "ov-services",
                "Services with cost",
                "Distinct Cost Explorer services with cost in the period",
                counted("cost_daily", "service", "DISTINCT_COUNT"),
            ),
            line(
                "ov-cost-daily",
                "Daily cost",
                AMORTIZED,
                day("cost_daily"),
                [total("cost_daily", "amortized_cost")],
            ),
            line(
                "ov-compliance-trend",
                "Compliance per day",
                "Share of evaluated Config rules COMPLIANT per snapshot day, all accounts",
                day("compliance_daily"),
                [calculated("compliance_daily", "compliance_ratio")],
            ),
            line(
                "ov-drift",
                "Non-compliant resources per day (configuration drift)",
                "Resources AWS Config evaluated NON_COMPLIANT per snapshot day, per account",
                day("compliance_daily"),
                [total("compliance_daily", "non_compliant_resources")],
                category("compliance_daily", "account_name"),
            ),
            bar(
                "ov-cost-account-service",
                "Cost per account and service",
                AMORTIZED,
                category("cost_daily", "account_name"),
                [total("cost_daily", "amortized_cost")],
                category("cost_daily", "service"),
            ),
            pie(
                "ov-accounts-ou",
                "Accounts by OU",
                "Known accounts per organizational unit path (roster); '(no OU known)' without one",
                category("accounts", "ou_path"),
                counted("accounts", "account_id", "DISTINCT_COUNT"),
            ),
            bar(
                "ov-accounts-status",
                "Accounts by reporting status",
                "reporting: sent data within the silence threshold; silent or never_reported: "
                "expected by the roster but quiet; not expected: excluded by tag or status",
                category("accounts", "reporting_status"),
                [counted("accounts", "account_id", "DISTINCT_COUNT")],
            ),
            bar(
                "ov-findings-severity",
                "Open Security Hub findings by severity",
                "Findings open now (record ACTIVE, workflow NEW or NOTIFIED) the senders listed",
                category("securityhub_findings", "severity_label"),
                [counted("securityhub_findings", "finding_id")],
            ),
            bar(
                "ov-findings-resource",
                "Open Security Hub findings by resource type",
                "Findings open now (record ACTIVE, workflow NEW or NOTIFIED), by the resource "
                "type Security Hub names",
                category("securityhub_findings", "resource_type"),
                [counted("securityhub_findings", "finding_id")],
            ),
        ],
    )


def cost() -> Sheet:
    return Sheet(
        "cost",
        "Cost",
        "Cost per account and service, estimated vs final, forecast, savings and commitments.",
        [
            kpi(
                "co-savings",
                "Savings per month identified",
                "Sum of estimated monthly savings open now across Trusted Advisor, Compute "
                "Optimizer and Cost Explorer recommendations (sources may overlap)",
                total("savings", "estimated_monthly_savings"),
            ),
            kpi(
                "co-unblended",
                "Unblended cost",
                "Unblended cost in the period (commitment fees on the 1st, on the buyer)",
                total("cost_daily", "unblended_cost"),
            ),
            line(
                "co-account-daily",
                "Cost per account per day",
                AMORTIZED,
                day("cost_daily"),
                [total("cost_daily", "amortized_cost")],
                category("cost_daily", "account_name"),
                size="full",
            ),
            pivot(
                "co-account-service",
                "Account by service",
                AMORTIZED,
                [category("cost_daily", "service")],
                [category("cost_daily", "account_name")],
                [total("cost_daily", "amortized_cost")],
            ),
            bar(
                "co-estimated",
                "Cost per day, estimated vs final",
                "Amortized cost per day split by whether Cost Explorer still estimates the day "
                "(estimated figures change until the month's bill is final)",
                day("cost_daily"),
                [total("cost_daily", "amortized_cost")],
                category("cost_daily", "cost_status"),
                horizontal=False,
            ),
            bar(
                "co-forecast",
                "Month to date against forecast",
                "Per account and month: amortized cost so far, Cost Explorer's forecast of the "
                "rest of the month (mean), and their sum, the projected month total",
                category("cost_forecast", "account_name"),
                [
                    total("cost_forecast", "actual_amortized_mtd"),
                    total("cost_forecast", "forecast_mean"),
                    total("cost_forecast", "projected_month_total"),
                ],
                arrangement="CLUSTERED",
            ),
            table(
                "co-savings-items",
                "Savings opportunities",
                "Each recommendation open now with its estimated monthly savings, largest first",
                [
                    category("savings", "account_name"),
                    category("savings", "source"),
                    category("savings", "title"),
                    category("savings", "finding"),
                    total("savings", "estimated_monthly_savings"),
                    category("savings", "currency"),
                ],
                sort=("estimated_monthly_savings", "DESC"),
            ),
            line(
                "co-commitments",
                "Commitment utilization",
                "Reserved Instances and Savings Plans: share of the commitment used, per period "
                "Cost Explorer reports (organization-wide for the payer's view)",
                day("commitments"),
                [total("commitments", "utilization_pct", "AVERAGE")],
                category("commitments", "kind"),
            ),
        ],
    )


def findings() -> Sheet:
    return Sheet(
        "findings",
        "Security findings",
        "Open findings of Security Hub, GuardDuty and Inspector, now and over time.",
        [
            kpi(
                "fi-critical",
                "Open critical",
                "Security Hub findings open now, severity CRITICAL",
                calculated("securityhub_findings", "open_critical"),
            ),
            kpi(
                "fi-high",
                "Open high",
                "Security Hub findings open now, severity HIGH",
                calculated("securityhub_findings", "open_high"),
            ),
            kpi(
                "fi-medium",
                "Open medium",
                "Security Hub findings open now, severity MEDIUM",
                calculated("securityhub_findings", "open_medium"),
            ),
            kpi(
                "fi-spend",
                "Security spend",
                "Amortized cost of the AWS security services (Security Hub, GuardDuty, "
                "Inspector, WAF, KMS, Config, Secrets Manager, CloudTrail, ACM and others) in "
                "the period",
                calculated("cost_daily", "security_spend"),
            ),
            line(
                "fi-trend",
                "Open findings over time",
                "Per snapshot day: Security Hub open (NEW or NOTIFIED), GuardDuty listed and not "
                "archived, Inspector ACTIVE",
                day("findings_daily"),
                [total("findings_daily", "open_findings")],
                category("findings_daily", "source"),
            ),
            bar(
                "fi-product",
                "Open findings by product",
                "Security Hub findings open now, by the product that raised them",
                category("securityhub_findings", "product_name"),
                [counted("securityhub_findings", "finding_id")],
                category("securityhub_findings", "severity_label"),
            ),
            table(
                "fi-summary",
                "Finding summary",
                "Security Hub findings open now, most severe first",
                [
                    category("securityhub_findings", "account_name"),
                    category("securityhub_findings", "severity_label"),
                    category("securityhub_findings", "title"),
                    category("securityhub_findings", "product_name"),
                    category("securityhub_findings", "resource_type"),
                    category("securityhub_findings", "resource_id"),
                    category("securityhub_findings", "workflow_status"),
                    day("securityhub_findings", "first_observed_at"),
                ],
                sort=("severity_label", "ASC"),
            ),
            bar(
                "fi-guardduty",
                "GuardDuty findings by severity",
                "Findings the latest complete collection listed, not archived; bands as GuardDuty "
                "defines them (critical 9-10, high 7-8.9, medium 4-6.9, low below 4)",
                category("guardduty_findings", "severity_label"),
                [counted("guardduty_findings", "finding_id")],
                category("guardduty_findings", "account_name"),
            ),
            table(
                "fi-guardduty-list",
                "GuardDuty findings",
                "Open now, highest severity first",
                [
                    category("guardduty_findings", "account_name"),
                    category("guardduty_findings", "region"),
                    total("guardduty_findings", "severity", "MAX"),
                    category("guardduty_findings", "type"),
                    category("guardduty_findings", "title"),
                    category("guardduty_findings", "resource_id"),
                    day("guardduty_findings", "updated_at"),
                ],
                sort=("severity", "DESC"),
            ),
            bar(
                "fi-inspector",
                "Inspector findings by severity",
                "Findings with status ACTIVE now (SUPPRESSED and CLOSED left out)",
                category("inspector_findings", "severity"),
                [counted("inspector_findings", "finding_arn")],
                category("inspector_findings", "fix_available"),
            ),
            table(
                "fi-inspector-list",
                "Inspector findings",
                "ACTIVE now, highest Inspector score first; exploit and fix availability as "
                "Inspector reports them",
                [
                    category("inspector_findings", "account_name"),
                    category("inspector_findings", "severity"),
                    total("inspector_findings", "inspector_score", "MAX"),
                    category("inspector_findings", "title"),
                    category("inspector_findings", "resource_id"),
                    category("inspector_findings", "exploit_available"),
                    category("inspector_findings", "fix_available"),
                ],
                sort=("inspector_score", "DESC"),
            ),
        ],
    )


def controls() -> Sheet:
    return Sheet(
        "controls",
        "Security controls",
        "Config conformance packs and non-compliant resources, patching, KMS, WAF, secrets, "
        "certificates and managed instances, each as of the latest snapshot.",
        [
            table(
                "ct-packs",
                "Conformance packs",
                "AWS Config conformance packs now, with their compliant and non-compliant rules",
                [
                    category("conformance_packs", "account_name"),
                    category("conformance_packs", "region"),
                    category("conformance_packs", "pack_name"),
                    category("conformance_packs", "compliance"),
                    total("conformance_packs", "compliant_rule_count"),
                    total("conformance_packs", "non_compliant_rule_count"),
                ],
                sort=("non_compliant_rule_count", "DESC"),
                size="half",
            ),
            bar(
                "ct-patches",
                "Patch compliance",
                "Patches per state per account on the managed instances (Systems Manager "
                "patch states: MISSING and FAILED need action)",
                category("ssm_patches", "account_name"),
                [total("ssm_patches", "patches")],
                category("ssm_patches", "state"),
            ),
            table(
                "ct-noncompliant",
                "Non-compliant resources",
                "Resources AWS Config evaluates NON_COMPLIANT now, with the rule and annotation",
                [
                    category("noncompliant_resources", "account_name"),
                    category("noncompliant_resources", "region"),
                    category("noncompliant_resources", "rule_name"),
                    category("noncompliant_resources", "resource_type"),
                    category("noncompliant_resources", "resource_id"),
                    category("noncompliant_resources", "annotation"),
                ],
            ),
            bar(
                "ct-kms",
                "KMS keys by rotation",
                "Enabled and disabled keys by automatic rotation; AWS managed keys are rotated "
                "by AWS, asymmetric, HMAC and imported keys cannot rotate automatically",
                category("kms_keys", "rotation"),
                [counted("kms_keys", "key_arn")],
                category("kms_keys", "key_manager"),
            ),
            table(
                "ct-waf",
                "WAF web ACLs",
                "Each web ACL now: logging, and whether its rules include geo blocking, SQL "
                "injection, cross-site scripting (own or AWS managed rules) and rate limiting",
                [
                    category("waf_web_acls", "account_name"),
                    category("waf_web_acls", "name"),
                    category("waf_web_acls", "scope"),
                    category("waf_web_acls", "default_action"),
                    category("waf_web_acls", "logging"),
                    category("waf_web_acls", "geo_blocking"),
                    category("waf_web_acls", "sql_injection"),
                    category("waf_web_acls", "cross_site_scripting"),
                    category("waf_web_acls", "rate_limiting"),
                    total("waf_web_acls", "associated_resources"),
                ],
                size="half",
            ),
            table(
                "ct-secrets",
                "Secrets rotation",
                "Secrets Manager secrets now: rotation and days since the last rotation (or "
                "creation), longest first",
                [
                    category("secrets", "account_name"),
                    category("secrets", "region"),
                    category("secrets", "name"),
                    category("secrets", "rotation"),
                    total("secrets", "rotation_days"),
                    total("secrets", "days_since_rotation"),
                ],
                sort=("days_since_rotation", "DESC"),
                size="half",
            ),
            bar(
                "ct-acm",
                "Certificates by expiry",
                "ACM certificates now, by days left before NotAfter on the snapshot day",
                category("acm_certificates", "expiry"),
                [counted("acm_certificates", "certificate_arn")],
                category("acm_certificates", "in_use"),
            ),
            table(
                "ct-acm-list",
                "Certificates expiring first",
                "ACM certificates now, soonest expiry first",
                [
                    category("acm_certificates", "account_name"),
                    category("acm_certificates", "domain_name"),
                    category("acm_certificates", "status"),
                    category("acm_certificates", "in_use"),
                    day("acm_certificates", "not_after"),
                    total("acm_certificates", "days_to_expiry", "MIN"),
                ],
                sort=("days_to_expiry", "ASC"),
                size="half",
            ),
            bar(
                "ct-ssm",
                "Managed instances by agent status",
                "Systems Manager managed instances now, by ping status (ConnectionLost: the "
                "agent stopped reporting)",
                category("ssm_instances", "ping_status"),
                [counted("ssm_instances", "instance_id")],
                category("ssm_instances", "platform_type"),
            ),
            table(
                "ct-ssm-list",
                "Managed instances",
                "Systems Manager managed instances now",
                [
                    category("ssm_instances", "account_name"),
                    category("ssm_instances", "region"),
                    category("ssm_instances", "instance_id"),
                    category("ssm_instances", "computer_name"),
                    category("ssm_instances", "platform_name"),
                    category("ssm_instances", "agent_version"),
                    category("ssm_instances", "ping_status"),
                    day("ssm_instances", "last_ping_at"),
                ],
            ),
        ],
    )


def resilience() -> Sheet:
    return Sheet(
        "resilience",
        "Resilience",
        "Where resources run (Availability Zones, regions), what they are, and Resilience Hub.",
        [
            bar(
                "re-az",
                "Resources by Availability Zone",
                "Current snapshot; only EC2 instances, subnets and EBS volumes carry a zone, "
                "every other type is '(regional)'",
                category("resources_by_az", "availability_zone"),
                [total("resources_by_az", "resource_count")],
                category("resources_by_az", "resource_type"),
            ),
            bar(
                "re-region",
                "Resources by region",
                "Current snapshot, per region and resource type",
                category("inventory", "region"),
                [total("inventory", "resource_count")],
                category("inventory", "resource_type"),
            ),
            pie(
                "re-breakdown",
                "Resource breakdown",
                "Current snapshot, per resource type, all accounts and regions",
                category("inventory", "resource_type"),
                total("inventory", "resource_count"),
            ),
            table(
                "re-apps",
                "Resilience Hub applications",
                "Each application's latest assessment: resiliency score, policy compliance, drift",
                [
                    category("resiliencehub_apps", "account_name"),
                    category("resiliencehub_apps", "name"),
                    category("resiliencehub_apps", "policy_name"),
                    category("resiliencehub_apps", "compliance_status"),
                    total("resiliencehub_apps", "resiliency_score", "MAX"),
                    category("resiliencehub_apps", "drift_status"),
                    day("resiliencehub_apps", "last_assessment_at"),
                ],
                size="half",
            ),
        ],
    )


def collection() -> Sheet:
    return Sheet(
        "collection",
        "Collection health",
        "Which accounts report, which are silent, which collectors fail, what the receiver loaded.",
        [
            kpi(
                "ch-silent",
                "Silent accounts",
                "Accounts the organization roster expects that are silent or never reported",
                calculated("accounts", "silent_accounts"),
            ),
            table(
                "ch-accounts",
                "Accounts",
                "Every known account, its reporting status and hours since its last report",
                [
                    category("accounts", "account_name"),
                    category("accounts", "account_id"),
                    category("accounts", "ou_path"),
                    category("accounts", "reporting_status"),
                    day("accounts", "last_report_at"),
                    total("accounts", "hours_since_report", "MAX"),
                ],
                sort=("hours_since_report", "DESC"),
                size="half",
            ),
            bar(
                "ch-health",
                "Account-days by collection health",
                "Per day: accounts whose run was ok, partial, had errors, or missing",
                day("collection_daily"),
                [counted("collection_daily", "account_id")],
                category("collection_daily", "health"),
                horizontal=False,
            ),
            table(
                "ch-issues",
                "Collector issues",
                "Collectors that ended error, partial or skipped, with the error they reported",
                [
                    day("collector_issues"),
                    category("collector_issues", "account_name"),
                    category("collector_issues", "collector"),
                    category("collector_issues", "region"),
                    category("collector_issues", "status"),
                    category("collector_issues", "error"),
                ],
                sort=("day", "DESC"),
            ),
            bar(
                "ch-ingestion",
                "Files loaded and failed per day",
                "Files the receiver took from the bucket per day: loaded, failed (kept under "
                "failed/ with their reason) and skipped",
                day("ingestion_daily"),
                [
                    total("ingestion_daily", "files_loaded"),
                    total("ingestion_daily", "files_failed"),
                    total("ingestion_daily", "files_skipped"),
                ],
                horizontal=False,
            ),
        ],
    )


def sheets() -> list[Sheet]:
    return [overview(), cost(), findings(), controls(), resilience(), collection()]
