"""cloudtrail_trails: each trail once (home region or first configured), status from its home."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.cloudtrail_trails import COLLECTOR
from support.sender_fixtures import (
    REGION,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
    validate_outcome,
)


@mock_aws
def test_trails_with_status_from_moto(clients):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    ct = boto3.client("cloudtrail", region_name=REGION)
    ct.create_trail(
        Name="org", S3BucketName="trail-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    ct.start_logging(Name="org")
    ct.create_trail(Name="quiet", S3BucketName="trail-logs")
    regions = (REGION, "us-east-1")
    outcomes = [
        run_collector(COLLECTOR, make_context(clients, region, regions=regions))
        for region in regions
    ]
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert outcomes[1].item_count == 0  # the multi-region trail is reported by its home region
    trails = {
        t["name"]: t
        for t in validate_outcome(*outcomes, regions=regions)["data"]["cloudtrail_trails"]
    }
    assert trails["org"]["is_multi_region"] is True and trails["org"]["is_logging"] is True
    assert trails["org"]["log_file_validation"] is True
    assert trails["quiet"]["is_logging"] is False
    assert trails["quiet"]["home_region"] == REGION


def test_trails_of_unconfigured_regions_are_reported_by_the_first_region(clients):
    arn = "arn:aws:cloudtrail:ap-south-1:111122223333:trail/org-trail"
    with stubbed(clients, "cloudtrail") as ct, stubbed(clients, "cloudtrail", "ap-south-1") as home:
        ct.add_response(
            "describe_trails",
            {
                "trailList": [
                    {
                        "Name": "org-trail",
                        "TrailARN": arn,
                        "HomeRegion": "ap-south-1",
                        "IsOrganizationTrail": True,
                        "IsMultiRegionTrail": True,
                        "S3BucketName": "org-logs",
                    }
                ]
            },
            {"includeShadowTrails": True},
        )
        home.add_response(
            "get_trail_status",
            {
                "IsLogging": True,
                "LatestDeliveryTime": datetime(2026, 11, 25, 1, 58, 12, tzinfo=UTC),
                "LatestDeliveryError": "AccessDenied: bucket policy",
            },
            {"Name": arn},
        )
        outcome = run_collector(COLLECTOR, make_context(clients, regions=(REGION, "us-east-1")))
    [trail] = section(outcome)
    assert trail["is_organization_trail"] is True
    assert trail["latest_delivery_at"] == "2026-11-25T01:58:12Z"
    assert trail["latest_delivery_error"] == "AccessDenied: bucket policy"


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "cloudtrail") as ct:
        access_denied(ct, "describe_trails")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


@mock_aws
def test_throttling_is_retried(clients):
    throttle_first(clients.client("cloudtrail", REGION))
    assert run_collector(COLLECTOR, make_context(clients)).status == "ok"
