"""AWS Support cases, open and resolved, of the last twelve months (the API's default range).

``DescribeCases`` without communications (their text stays out of the document).
``SubscriptionRequiredException`` (Basic support) marks the collector skipped.
https://docs.aws.amazon.com/awssupport/latest/APIReference/API_DescribeCases.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code
from sender.collectors.base import Collector, Context, NotEnabled
from sender.normalize import text, timestamp


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.global_client("support")
    pages = ctx.pages(
        client,
        "describe_cases",
        includeResolvedCases=True,
        includeCommunications=False,
        maxResults=100,
    )
    try:
        for page in pages:
            for case in page.get("cases", []):
                case_id = ctx.identifier(case.get("caseId"), "caseId", key=True)
                if not case_id:
                    continue
                yield {
                    "case_id": case_id,
                    "display_id": ctx.identifier(case.get("displayId"), "displayId"),
                    "subject": text(case.get("subject")),
                    "status": text(case.get("status")),
                    "severity": text(case.get("severityCode")),
                    "service_code": text(case.get("serviceCode")),
                    "category_code": text(case.get("categoryCode")),
                    "language": text(case.get("language")),
                    "submitted_by": text(case.get("submittedBy")),
                    "created_at": timestamp(case.get("timeCreated")),
                }
    except ClientError as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise NotEnabled(
                "the AWS Support API needs a Business, Enterprise On-Ramp or Enterprise support "
                "plan (SubscriptionRequiredException)"
            ) from exc
        raise


COLLECTOR = Collector(
    name="support_cases",
    scope="global",
    fetch=fetch,
    keys=("case_id",),
    services=("support",),
    iam_actions=("support:DescribeCases",),
    description=(
        "AWS Support cases (open and resolved, last 12 months) with status, severity, service, "
        "category and creation time. "
        "https://docs.aws.amazon.com/awssupport/latest/APIReference/API_DescribeCases.html"
    ),
)
