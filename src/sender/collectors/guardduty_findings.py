"""GuardDuty findings of every detector in the region: current ones, and ones archived during
the window.

``ListFindings`` (server-side criteria: this account; archived or not; updated since the window
start for archived ones) gives ids, ``GetFindings`` fetches them 50 at a time. No detector in the
region means GuardDuty is not enabled there: skipped.
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html
https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetFindings.html
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sender.collectors.base import Collector, Context, NotEnabled, chunks
from sender.normalize import boolean, count, long_text, number, region, text, timestamp

BATCH = 50


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("guardduty")
    detectors = [
        detector_id
        for page in ctx.pages(client, "list_detectors")
        for detector_id in page.get("DetectorIds", [])
    ]
    if not detectors:
        raise NotEnabled(f"GuardDuty is not enabled in {ctx.region} (no detector)")
    since = int(datetime.combine(ctx.window.start, datetime.min.time(), UTC).timestamp() * 1000)
    account = {"accountId": {"Equals": [ctx.account_id]}}
    criteria = [
        {**account, "service.archived": {"Equals": ["false"]}},
        {
            **account,
            "service.archived": {"Equals": ["true"]},
            "updatedAt": {"GreaterThanOrEqual": since},
        },
    ]
    for detector_id in detectors:
        for criterion in criteria:
            ids = [
                finding_id
                for page in ctx.pages(
                    client,
                    "list_findings",
                    DetectorId=detector_id,
                    FindingCriteria={"Criterion": criterion},
                    MaxResults=50,
                )
                for finding_id in page.get("FindingIds", [])
            ]
            for batch in chunks(ids, BATCH):
                ctx.check_time()
                response = client.get_findings(DetectorId=detector_id, FindingIds=batch)
                for finding in response.get("Findings", []):
                    item = _item(ctx, finding, detector_id)
                    if item is not None:
                        yield item


def _resource_id(resource: dict[str, Any]) -> Any:
    if resource.get("InstanceDetails", {}).get("InstanceId"):
        return resource["InstanceDetails"]["InstanceId"]
    if resource.get("AccessKeyDetails", {}).get("AccessKeyId"):
        return resource["AccessKeyDetails"]["AccessKeyId"]
    for key, field in (
        ("EksClusterDetails", "Name"),
        ("EcsClusterDetails", "Name"),
        ("LambdaDetails", "FunctionArn"),
        ("RdsDbInstanceDetails", "DbInstanceIdentifier"),
        ("ContainerDetails", "Id"),
    ):
        if resource.get(key, {}).get(field):
            return resource[key][field]
    buckets = resource.get("S3BucketDetails") or []
    if buckets:
        return buckets[0].get("Arn") or buckets[0].get("Name")
    return None


def _item(ctx: Context, finding: dict[str, Any], detector_id: str) -> dict | None:
    finding_id = ctx.identifier(finding.get("Id"), "finding Id", key=True)
    if not finding_id:
        return None
    resource = finding.get("Resource") or {}
    service = finding.get("Service") or {}
    severity = number(finding.get("Severity"))
    confidence = number(finding.get("Confidence"))
    return {
        "finding_id": finding_id,
        "detector_id": ctx.identifier(service.get("DetectorId") or detector_id, "DetectorId"),
        "region": region(finding.get("Region")) or ctx.region,
        "type": text(finding.get("Type")),
        "severity": severity if severity is None or 0 <= severity <= 10 else None,
        "title": text(finding.get("Title")),
        "resource_type": text(resource.get("ResourceType")),
        "resource_id": ctx.identifier(_resource_id(resource), "resource id"),
        "count": count(service.get("Count")),
        "archived": boolean(service.get("Archived")),
        "created_at": timestamp(finding.get("CreatedAt")),
        "updated_at": timestamp(finding.get("UpdatedAt")),
        "description": long_text(finding.get("Description")),
        "confidence": confidence if confidence is None or confidence >= 0 else None,
    }


COLLECTOR = Collector(
    name="guardduty_findings",
    scope="regional",
    fetch=fetch,
    keys=("region", "finding_id"),
    services=("guardduty",),
    iam_actions=("guardduty:GetFindings", "guardduty:ListDetectors", "guardduty:ListFindings"),
    weight=4,
    description=(
        "GuardDuty findings of every detector (current, and archived during the window) with "
        "severity, type, resource, count, description, confidence and timestamps. "
        "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html"
    ),
)
