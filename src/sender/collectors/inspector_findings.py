"""Amazon Inspector findings: active ones, and ones closed or suppressed during the window.

Filters are server-side (``filterCriteria``: account, status, ``updatedAt``), never client-side.
Inspector not activated in the region answers AccessDenied: skipped.
https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListFindings.html
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sender.collectors.base import Collector, Context
from sender.normalize import long_text, number, region, text, timestamp


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("inspector2")
    account = [{"comparison": "EQUALS", "value": ctx.account_id}]
    since = datetime.combine(ctx.window.start, datetime.min.time(), UTC)
    queries = [
        {"awsAccountId": account, "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]},
        {
            "awsAccountId": account,
            "findingStatus": [
                {"comparison": "EQUALS", "value": "CLOSED"},
                {"comparison": "EQUALS", "value": "SUPPRESSED"},
            ],
            "updatedAt": [{"startInclusive": since, "endInclusive": ctx.now}],
        },
    ]
    for criteria in queries:
        for page in ctx.pages(client, "list_findings", filterCriteria=criteria, maxResults=100):
            for finding in page.get("findings", []):
                item = _item(ctx, finding)
                if item is not None:
                    yield item


def _item(ctx: Context, finding: dict[str, Any]) -> dict[str, Any] | None:
    finding_arn = ctx.arn(finding.get("findingArn"), "findingArn", key=True)
    if not finding_arn:
        return None
    resource = (finding.get("resources") or [{}])[0] or {}
    return {
        "finding_arn": finding_arn,
        "region": region(resource.get("region")) or ctx.region,
        "type": text(finding.get("type")),
        "severity": text(finding.get("severity")),
        "status": text(finding.get("status")),
        "title": text(finding.get("title")),
        "resource_type": text(resource.get("type")),
        "resource_id": ctx.identifier(resource.get("id"), "resource id"),
        "inspector_score": number(finding.get("inspectorScore")),
        "exploit_available": text(finding.get("exploitAvailable")),
        "fix_available": text(finding.get("fixAvailable")),
        "first_observed_at": timestamp(finding.get("firstObservedAt")),
        "last_observed_at": timestamp(finding.get("lastObservedAt")),
        "updated_at": timestamp(finding.get("updatedAt")),
        "description": long_text(finding.get("description")),
    }


COLLECTOR = Collector(
    name="inspector_findings",
    scope="regional",
    fetch=fetch,
    keys=("finding_arn",),
    services=("inspector2",),
    iam_actions=("inspector2:ListFindings",),
    weight=4,
    description=(
        "Amazon Inspector findings (active, and closed or suppressed during the window) with "
        "severity, type, resource, status, score, description and first/last observed, "
        "filtered server-side. "
        "https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListFindings.html"
    ),
)
