"""Security Hub findings (active, and archived during the window) and severity counts.

Filters are server-side: this account, this region (so a cross-region aggregator does not report
other regions' findings twice), record state, and for archived findings ``UpdatedAt`` from the
window start. Severity counts are computed from the active findings fetched, no extra call:
``count`` is every ACTIVE finding of the severity whatever its workflow status, and
``workflow_new``, ``workflow_notified``, ``workflow_suppressed`` and ``workflow_resolved`` split
them by ``Workflow.Status``. Open findings are NEW or NOTIFIED; SUPPRESSED and RESOLVED ones
(among them passed control findings, which Security Hub resolves) stay ACTIVE but are closed.
An account that has not enabled Security Hub answers ``InvalidAccessException``: skipped.
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sender.collectors.base import Collector, Context
from sender.normalize import arn, long_text, number, region, text, timestamp

LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
WORKFLOW = ("NEW", "NOTIFIED", "SUPPRESSED", "RESOLVED")


def fetch(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    client = ctx.client("securityhub")
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
    counts: Counter[str] = Counter()
    by_workflow: Counter[tuple[str, str]] = Counter()
    seen: set[str] = set()
    for filters in queries:
        for page in ctx.pages(client, "get_findings", Filters=filters, MaxResults=100):
            for finding in page.get("Findings", []):
                item = _item(finding, ctx.region)
                if item is None or item["finding_id"] in seen:
                    continue
                seen.add(item["finding_id"])
                if item["record_state"] == "ACTIVE" and item["severity_label"]:
                    counts[item["severity_label"]] += 1
                    by_workflow[item["severity_label"], item["workflow_status"] or ""] += 1
                yield "findings", item
    for label in LABELS:
        yield (
            "severity_counts",
            {
                "region": ctx.region,
                "severity_label": label,
                "count": counts[label],
                **{f"workflow_{w.lower()}": by_workflow[label, w] for w in WORKFLOW},
            },
        )


def _item(finding: dict[str, Any], default_region: str | None) -> dict[str, Any] | None:
    finding_id = text(finding.get("Id"))
    if not finding_id:
        return None
    severity = finding.get("Severity") or {}
    label = severity.get("Label")
    resource = (finding.get("Resources") or [{}])[0]
    return {
        "finding_id": finding_id,
        "product_arn": arn(finding.get("ProductArn")),
        "product_name": text(finding.get("ProductName")),
        "generator_id": text(finding.get("GeneratorId")),
        "title": text(finding.get("Title")),
        "description": long_text(finding.get("Description")),
        "severity_label": label if label in LABELS else None,
        "severity_normalized": number(severity.get("Normalized")),
        "resource_type": text(resource.get("Type")),
        "resource_id": text(resource.get("Id")),
        "region": region(finding.get("Region")) or default_region,
        "compliance_status": text((finding.get("Compliance") or {}).get("Status")),
        "workflow_status": text(
            (finding.get("Workflow") or {}).get("Status") or finding.get("WorkflowState")
        ),
        "record_state": text(finding.get("RecordState")),
        "first_observed_at": timestamp(finding.get("FirstObservedAt")),
        "last_observed_at": timestamp(finding.get("LastObservedAt")),
        "created_at": timestamp(finding.get("CreatedAt")),
        "updated_at": timestamp(finding.get("UpdatedAt")),
    }


COLLECTOR = Collector(
    name="securityhub",
    scope="regional",
    fetch=fetch,
    shape="parts",
    parts=("findings", "severity_counts"),
    keys={"findings": ("finding_id",), "severity_counts": ("region", "severity_label")},
    services=("securityhub",),
    iam_actions=("securityhub:GetFindings",),
    weight=8,
    description=(
        "Security Hub findings of every severity (active, and archived during the window) with "
        "product, resource, compliance, workflow and record state; per region and severity the "
        "ACTIVE findings and their split by workflow status (open = NEW or NOTIFIED). "
        "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html"
    ),
)
