"""CloudTrail trails with logging status and last delivery.

``DescribeTrails`` (not paginated: it returns every trail) with shadow trails, so organization and
multi-region trails are seen too. Each trail is reported once: by the task of its home region, or
by the first configured region when its home region is not configured. ``GetTrailStatus`` is asked
in the trail's home region.
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors.base import Collector, Context
from sender.normalize import boolean, long_text, region, text, timestamp

NOT_VISIBLE = {"TrailNotFoundException", "CloudTrailARNInvalidException"}


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("cloudtrail")
    trails = client.describe_trails(includeShadowTrails=True).get("trailList", [])
    for trail in trails:
        trail_arn = ctx.arn(trail.get("TrailARN"), "TrailARN", key=True)
        home = region(trail.get("HomeRegion"))
        if not trail_arn or not home:
            continue
        owner = home if home in ctx.regions else ctx.regions[0]
        if owner != ctx.region:
            continue
        ctx.check_time()
        status = _status(ctx, trail_arn, home)
        yield {
            "trail_arn": trail_arn,
            "name": text(trail.get("Name")),
            "home_region": home,
            "is_multi_region": boolean(trail.get("IsMultiRegionTrail")),
            "is_organization_trail": boolean(trail.get("IsOrganizationTrail")),
            "is_logging": boolean(status.get("IsLogging")),
            "log_file_validation": boolean(trail.get("LogFileValidationEnabled")),
            "s3_bucket": ctx.identifier(trail.get("S3BucketName"), "S3BucketName"),
            "kms_key_id": ctx.identifier(trail.get("KmsKeyId"), "KmsKeyId"),
            "latest_delivery_at": timestamp(status.get("LatestDeliveryTime")),
            "latest_delivery_error": long_text(status.get("LatestDeliveryError") or None),
        }


def _status(ctx: Context, trail_arn: str, home: str) -> dict[str, Any]:
    try:
        return ctx.client("cloudtrail", home).get_trail_status(Name=trail_arn)
    except ClientError as exc:
        code = error_code(exc)
        if code not in NOT_VISIBLE and code not in SKIP_CODES:
            ctx.warn(f"status of {trail_arn}: {error_message(exc)}")
        return {}


COLLECTOR = Collector(
    name="cloudtrail_trails",
    scope="regional",
    fetch=fetch,
    keys=("trail_arn",),
    services=("cloudtrail",),
    iam_actions=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"),
    description=(
        "CloudTrail trails (including organization and multi-region trails) with logging "
        "status, log file validation, destination and last delivery. "
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html"
    ),
)
