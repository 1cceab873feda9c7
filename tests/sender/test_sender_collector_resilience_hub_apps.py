"""resilience_hub_apps: apps, their latest assessment and policy name."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.resilience_hub_apps import COLLECTOR
from support.sender_fixtures import (
    REGION,
    WireStub,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

APP = "arn:aws:resiliencehub:eu-west-1:123456789012:app/4f1a2b3c-5d6e-7f80-9a1b-2c3d4e5f6a7b"
POLICY = "arn:aws:resiliencehub:eu-west-1:123456789012:resiliency-policy/9a8b7c6d"


def test_apps_with_latest_assessment_and_policy(clients):
    created = datetime(2026, 1, 1, tzinfo=UTC)
    with stubbed(clients, "resiliencehub") as hub:
        hub.add_response(
            "list_apps",
            {
                "appSummaries": [
                    {
                        "appArn": APP,
                        "name": "payments-platform",
                        "creationTime": created,
                        "complianceStatus": "PolicyBreached",
                        "resiliencyScore": 62.5,
                        "driftStatus": "NotDetected",
                    }
                ],
                "nextToken": "a",
            },
            {"maxResults": 100},
        )
        hub.add_response("list_apps", {"appSummaries": []}, {"maxResults": 100, "nextToken": "a"})
        hub.add_response(
            "list_resiliency_policies",
            {
                "resiliencyPolicies": [
                    {"policyArn": POLICY, "policyName": "mission-critical-rto-1h"}
                ]
            },
            {"maxResults": 100},
        )
        hub.add_response(
            "describe_app",
            {
                "app": {
                    "appArn": APP,
                    "name": "payments-platform",
                    "creationTime": created,
                    "policyArn": POLICY,
                }
            },
            {"appArn": APP},
        )
        hub.add_response(
            "list_app_assessments",
            {
                "assessmentSummaries": [
                    {
                        "assessmentArn": f"{APP}/assessment/1",
                        "assessmentStatus": "Success",
                        "endTime": datetime(2026, 11, 24, 5, tzinfo=UTC),
                    }
                ]
            },
            {"appArn": APP, "reverseOrder": True, "maxResults": 1},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    assert section(outcome) == [
        {
            "app_arn": APP,
            "name": "payments-platform",
            "region": REGION,
            "compliance_status": "PolicyBreached",
            "resiliency_score": 62.5,
            "drift_status": "NotDetected",
            "policy_name": "mission-critical-rto-1h",
            "last_assessment_at": "2026-11-24T05:00:00Z",
            "assessment_status": "Success",
        }
    ]


@mock_aws
def test_unassessed_app_from_moto(clients):
    boto3.client("resiliencehub", region_name=REGION).create_app(name="reporting")
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [app] = section(outcome)
    assert app["name"] == "reporting" and app["assessment_status"] is None


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "resiliencehub") as hub:
        access_denied(hub, "list_apps")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("resiliencehub", REGION))
    wire.add_error("ListApps", "ThrottlingException", status=429)
    wire.add("ListApps", {"appSummaries": []})
    assert run_collector(COLLECTOR, make_context(clients)).status == "ok"
    wire.assert_done()
