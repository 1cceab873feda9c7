"""Trusted Advisor check results: status, resource counts and estimated savings.

Two kinds of calls whatever the number of checks: ``DescribeTrustedAdvisorChecks`` lists them,
``DescribeTrustedAdvisorCheckSummaries`` returns the summaries in batches (no call per check).
The AWS Support API needs a Business, Enterprise On-Ramp or Enterprise support plan; without one
it answers ``SubscriptionRequiredException`` and the collector is skipped with that reason.
https://docs.aws.amazon.com/awssupport/latest/APIReference/API_DescribeTrustedAdvisorCheckSummaries.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code
from sender.collectors.base import Collector, Context, NotEnabled, chunks
from sender.normalize import count, money, text, timestamp

BATCH = 100
STATUSES = {"ok", "warning", "error", "not_available"}


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.global_client("support")
    try:
        checks = client.describe_trusted_advisor_checks(language="en").get("checks", [])
    except ClientError as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise NotEnabled(
                "Trusted Advisor through the AWS Support API needs a Business, Enterprise On-Ramp "
                "or Enterprise support plan (SubscriptionRequiredException)"
            ) from exc
        raise
    by_id = {c["id"]: c for c in checks if c.get("id")}
    for batch in chunks(sorted(by_id), BATCH):
        ctx.check_time()
        response = client.describe_trusted_advisor_check_summaries(checkIds=batch)
        for summary in response.get("summaries", []):
            check_id = ctx.identifier(summary.get("checkId"), "checkId", key=True)
            if not check_id:
                continue
            check = by_id.get(check_id, {})
            resources = summary.get("resourcesSummary") or {}
            savings = (summary.get("categorySpecificSummary") or {}).get("costOptimizing") or {}
            amount = savings.get("estimatedMonthlySavings")
            status = summary.get("status")
            yield {
                "check_id": check_id,
                "name": text(check.get("name")),
                "category": text(check.get("category")),
                "status": status if status in STATUSES else None,
                "resources_processed": count(resources.get("resourcesProcessed")),
                "resources_flagged": count(resources.get("resourcesFlagged")),
                "resources_suppressed": count(resources.get("resourcesSuppressed")),
                "estimated_monthly_savings": money(amount) if amount is not None else None,
                "currency": "USD" if amount is not None else None,
                "refreshed_at": timestamp(summary.get("timestamp")),
            }


COLLECTOR = Collector(
    name="trusted_advisor_checks",
    scope="global",
    fetch=fetch,
    keys=("check_id",),
    services=("support",),
    iam_actions=(
        "support:DescribeTrustedAdvisorCheckSummaries",
        "support:DescribeTrustedAdvisorChecks",
    ),
    weight=2,
    description=(
        "Trusted Advisor checks with status, processed/flagged/suppressed resources and "
        "estimated monthly savings (Business support or higher; skipped otherwise). "
        "https://docs.aws.amazon.com/awssupport/latest/APIReference/"
        "API_DescribeTrustedAdvisorCheckSummaries.html"
    ),
)
