"""Security Hub findings (active, and archived during the window) and severity counts.

Severity counts per region and severity: ``count`` is every ACTIVE finding of the severity
whatever its workflow status, and ``workflow_new``, ``workflow_notified``, ``workflow_suppressed``
and ``workflow_resolved`` split them by workflow status. Open findings are NEW or NOTIFIED;
SUPPRESSED and RESOLVED ones (among them passed control findings, which Security Hub resolves)
stay ACTIVE but are closed.

Counts come from the server when it can count: ``GetFindingStatisticsV2`` (Security Hub with
OCSF findings; IAM action ``securityhub:GetAdhocInsightResults``, read-only, no insight to
create) in one request, grouped by ``severity`` with one rule per OCSF ``status`` (New = NEW,
In Progress = NOTIFIED, Suppressed, Resolved), filtered to this account and region and to active
findings (``activity_name`` not ``Close``). Where that call is refused (Security Hub V2 not
enabled, or not allowed), they are counted from the ACTIVE findings paged with ``GetFindings``,
and sent only when every page was read: a run that stops early sends findings but no counts
(it ends ``partial``), so it never replaces a complete count (see sql/014).

Time budget, from the documented rate limits: ``GetFindings`` allows 3 requests per second
(burst 6) at 100 findings per page, i.e. at most ~300 findings per second: the default budget of
240 s per collector and region covers ~70,000 findings at best. When the server counted and the
ACTIVE findings need more pages than the remaining budget covers at 3 requests per second, the
findings are not paged at all (a warning: ``partial``, counts complete) rather than cut at an
arbitrary page.

Filters are server-side: this account, this region (so a cross-region aggregator does not report
other regions' findings twice), record state, and for archived findings ``UpdatedAt`` from the
window start. An account that has not enabled Security Hub answers ``InvalidAccessException``:
skipped.
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindingStatisticsV2.html
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_message
from sender.collectors.base import Collector, Context
from sender.normalize import identifier, long_text, number, region, text, timestamp

logger = logging.getLogger(__name__)

LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
WORKFLOW = ("NEW", "NOTIFIED", "SUPPRESSED", "RESOLVED")
# OCSF finding status (GetFindingStatisticsV2) of each ASFF workflow status
OCSF_STATUS = {
    "NEW": "New",
    "NOTIFIED": "In Progress",
    "SUPPRESSED": "Suppressed",
    "RESOLVED": "Resolved",
}
# OCSF severities beyond ASFF's labels: Fatal is above Critical
OCSF_SEVERITY = {"FATAL": "CRITICAL"}
PAGE_SIZE = 100  # GetFindings MaxResults
REQUESTS_PER_SECOND = 3.0  # GetFindings RateLimit (BurstLimit 6)


def fetch(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    client = ctx.client("securityhub")
    server = _server_counts(ctx, client)
    if server is not None:
        for label in LABELS:
            split = {w: server[label, w] for w in WORKFLOW}
            yield "severity_counts", _counts_item(ctx.region, label, split)
        active = sum(server.values())
        pages = math.ceil(active / PAGE_SIZE) + 1  # + the archived listing's first page
        needed = pages / REQUESTS_PER_SECOND
        remaining = ctx.deadline - ctx.clock()
        if needed > remaining:
            ctx.warn(
                f"{active} ACTIVE findings need {pages} GetFindings pages, ~{needed:.0f} s at "
                f"{REQUESTS_PER_SECOND:.0f} requests per second, more than the {remaining:.0f} s "
                "left: findings not listed (severity counts are complete, from the server)"
            )
            return
    base = {
        "AwsAccountId": [{"Value": ctx.account_id, "Comparison": "EQUALS"}],
        "Region": [{"Value": ctx.region, "Comparison": "EQUALS"}],
    }
    queries = [
        {**base, "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}]},
        {
            **base,
            "RecordState": [{"Value": "ARCHIVED", "Comparison": "EQUALS"}],
            "UpdatedAt": [{"Start": timestamp(ctx.window.start), "End": timestamp(ctx.now)}],
        },
    ]
    by_workflow: Counter[tuple[str, str]] = Counter()
    seen: set[str] = set()
    for filters in queries:
        for page in ctx.pages(client, "get_findings", Filters=filters, MaxResults=PAGE_SIZE):
            for finding in page.get("Findings", []):
                item = _item(ctx, finding)
                if item is None or item["finding_id"] in seen:
                    continue
                seen.add(item["finding_id"])
                if item["record_state"] == "ACTIVE" and item["severity_label"]:
                    by_workflow[item["severity_label"], item["workflow_status"] or ""] += 1
                yield "findings", item
    if server is None:  # every page was read: the counts are complete
        for label in LABELS:
            split = {w: by_workflow[label, w] for w in WORKFLOW}
            total = sum(n for (lab, _), n in by_workflow.items() if lab == label)
            yield "severity_counts", _counts_item(ctx.region, label, split, total)


def _counts_item(
    region_name: str | None, label: str, split: dict[str, int], total: int | None = None
) -> dict[str, Any]:
    return {
        "region": region_name,
        "severity_label": label,
        "count": sum(split.values()) if total is None else total,
        **{f"workflow_{w.lower()}": split[w] for w in WORKFLOW},
    }


def _server_counts(ctx: Context, client: Any) -> Counter[tuple[str, str]] | None:
    """ACTIVE findings by (severity label, workflow status) counted by Security Hub, or None
    when it cannot count here (then the findings are counted while paging)."""
    scope = [
        {
            "FieldName": "cloud.account.uid",
            "Filter": {"Value": ctx.account_id, "Comparison": "EQUALS"},
        },
        {"FieldName": "cloud.region", "Filter": {"Value": ctx.region, "Comparison": "EQUALS"}},
        {"FieldName": "activity_name", "Filter": {"Value": "Close", "Comparison": "NOT_EQUALS"}},
    ]
    rules = [
        {
            "GroupByField": "severity",
            "Filters": {
                "CompositeFilters": [
                    {
                        "StringFilters": [
                            *scope,
                            {
                                "FieldName": "status",
                                "Filter": {"Value": OCSF_STATUS[w], "Comparison": "EQUALS"},
                            },
                        ],
                        "Operator": "AND",
                    }
                ]
            },
        }
        for w in WORKFLOW
    ]
    ctx.check_time()
    try:
        answer = client.get_finding_statistics_v2(GroupByRules=rules)
    except ClientError as exc:
        logger.info(
            "Security Hub cannot count here: counting while paging",
            extra={"region": ctx.region, "error": error_message(exc)},
        )
        return None
    results = answer.get("GroupByResults") or []
    if len(results) != len(WORKFLOW):
        return None
    counts: Counter[tuple[str, str]] = Counter()
    for workflow, result in zip(WORKFLOW, results, strict=True):
        for value in result.get("GroupByValues") or []:
            label = str(value.get("FieldValue") or "").upper()
            label = OCSF_SEVERITY.get(label, label)
            if label in LABELS:
                counts[label, workflow] += int(value.get("Count") or 0)
    return counts


def _severity_label(severity: dict[str, Any]) -> str | None:
    """``Label``; for findings that carry only the deprecated ``Normalized`` score, the label
    the ASFF documents for its range (0 informational, 1-39 low, 40-69 medium, 70-89 high,
    90-100 critical)."""
    label = severity.get("Label")
    if label in LABELS:
        return label
    score = number(severity.get("Normalized"))
    if label is not None or score is None or not 0 <= score <= 100:
        return None
    for bound, name in ((90, "CRITICAL"), (70, "HIGH"), (40, "MEDIUM"), (1, "LOW")):
        if score >= bound:
            return name
    return "INFORMATIONAL"


def _item(ctx: Context, finding: dict[str, Any]) -> dict[str, Any] | None:
    finding_id = ctx.identifier(finding.get("Id"), "finding Id", key=True)
    if not finding_id:
        return None
    severity = finding.get("Severity") or {}
    label = _severity_label(severity)
    resource = (finding.get("Resources") or [{}])[0] or {}
    recommendation = (finding.get("Remediation") or {}).get("Recommendation") or {}
    return {
        "finding_id": finding_id,
        "product_arn": ctx.arn(finding.get("ProductArn"), "ProductArn"),
        "product_name": text(finding.get("ProductName")),
        "generator_id": ctx.identifier(finding.get("GeneratorId"), "GeneratorId"),
        "title": text(finding.get("Title")),
        "description": long_text(finding.get("Description")),
        "severity_label": label,
        "severity_normalized": number(severity.get("Normalized")),
        "resource_type": text(resource.get("Type")),
        "resource_id": ctx.identifier(resource.get("Id"), "resource Id"),
        "region": region(finding.get("Region")) or ctx.region,
        "compliance_status": text((finding.get("Compliance") or {}).get("Status")),
        "workflow_status": text(
            (finding.get("Workflow") or {}).get("Status") or finding.get("WorkflowState")
        ),
        "record_state": text(finding.get("RecordState")),
        "first_observed_at": timestamp(finding.get("FirstObservedAt")),
        "last_observed_at": timestamp(finding.get("LastObservedAt")),
        "created_at": timestamp(finding.get("CreatedAt")),
        "updated_at": timestamp(finding.get("UpdatedAt")),
        "remediation_text": long_text(recommendation.get("Text")),
        "remediation_url": identifier(recommendation.get("Url")),
    }


COLLECTOR = Collector(
    name="securityhub",
    scope="regional",
    fetch=fetch,
    shape="parts",
    parts=("findings", "severity_counts"),
    keys={"findings": ("finding_id",), "severity_counts": ("region", "severity_label")},
    services=("securityhub",),
    iam_actions=("securityhub:GetAdhocInsightResults", "securityhub:GetFindings"),
    weight=8,
    description=(
        "Security Hub findings of every severity (active, and archived during the window) with "
        "product, resource, compliance, workflow and record state, remediation text and URL; "
        "per region and severity the ACTIVE findings and their split by workflow status "
        "(open = NEW or NOTIFIED), counted by "
        "the server (GetFindingStatisticsV2) where it can, else while paging. "
        "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html"
    ),
)
