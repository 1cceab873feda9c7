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
    validate_outcome,
)

APP = "arn:aws:resiliencehub:eu-west-1:123456789012:app/4f1a2b3c-5d6e-7f80-9a1b-2c3d4e5f6a7b"
POLICY = "arn:aws:resiliencehub:eu-west-1:123456789012:resiliency-policy/9a8b7c6d"
ASSESSMENT = f"{APP}/app-assessment/1"
# FailurePolicy per disruption type, as the API reference's ResiliencyPolicy shows it
TARGETS = {
    "Software": {"rpoInSecs": 300, "rtoInSecs": 3600},
    "Hardware": {"rpoInSecs": 300, "rtoInSecs": 3600},
    "AZ": {"rpoInSecs": 900, "rtoInSecs": 3600},
}


def _policy(arn, name, targets):
    return {
        "policyArn": arn,
        "policyName": name,
        "tier": "MissionCritical",
        "policy": targets,
        "creationTime": datetime(2026, 1, 1, tzinfo=UTC),
    }


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
            {"resiliencyPolicies": [_policy(POLICY, "mission-critical-rto-1h", TARGETS)]},
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
                        "assessmentArn": ASSESSMENT,
                        "assessmentStatus": "Success",
                        "endTime": datetime(2026, 11, 24, 5, tzinfo=UTC),
                    }
                ]
            },
            {"appArn": APP, "reverseOrder": True, "maxResults": 1},
        )
        hub.add_response(
            "describe_app_assessment",
            {
                "assessment": {
                    "appArn": APP,
                    "assessmentArn": ASSESSMENT,
                    "assessmentStatus": "Success",
                    "invoker": "System",
                    "endTime": datetime(2026, 11, 24, 5, tzinfo=UTC),
                    "complianceStatus": "PolicyBreached",
                    # the policy at assessment time (AZ target then 30 min), Region absent
                    "policy": _policy(
                        POLICY,
                        "mission-critical-rto-1h",
                        {**TARGETS, "AZ": {"rpoInSecs": 900, "rtoInSecs": 1800}},
                    ),
                    "compliance": {
                        "Software": {
                            "complianceStatus": "PolicyMet",
                            "currentRpoInSecs": 0,
                            "currentRtoInSecs": 600,
                            "achievableRpoInSecs": 0,
                            "achievableRtoInSecs": 300,
                        },
                        "AZ": {
                            "complianceStatus": "PolicyBreached",
                            "currentRpoInSecs": 3600,
                            "currentRtoInSecs": 7200,
                            "achievableRpoInSecs": 300,
                            "achievableRtoInSecs": 1200,
                            "message": "Aurora cluster has no reader in a second AZ",
                        },
                    },
                }
            },
            {"assessmentArn": ASSESSMENT},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    validate_outcome(outcome)
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
            "assessment_arn": ASSESSMENT,
            "disruptions": [
                {
                    "disruption_type": "Software",
                    "target_rpo_seconds": 300,
                    "target_rto_seconds": 3600,
                    "current_rpo_seconds": 0,
                    "current_rto_seconds": 600,
                    "achievable_rpo_seconds": 0,
                    "achievable_rto_seconds": 300,
                    "compliance_status": "PolicyMet",
                },
                {  # no estimate: Resilience Hub sent none for Hardware
                    "disruption_type": "Hardware",
                    "target_rpo_seconds": 300,
                    "target_rto_seconds": 3600,
                    "current_rpo_seconds": None,
                    "current_rto_seconds": None,
                    "achievable_rpo_seconds": None,
                    "achievable_rto_seconds": None,
                    "compliance_status": None,
                },
                {  # the target the assessment was judged against, not today's policy
                    "disruption_type": "AZ",
                    "target_rpo_seconds": 900,
                    "target_rto_seconds": 1800,
                    "current_rpo_seconds": 3600,
                    "current_rto_seconds": 7200,
                    "achievable_rpo_seconds": 300,
                    "achievable_rto_seconds": 1200,
                    "compliance_status": "PolicyBreached",
                },
            ],
        }
    ]


GOV_APP = (
    "arn:aws-us-gov:resiliencehub:us-gov-west-1:123456789012:"
    "app/7e6d5c4b-3a2f-1e0d-9c8b-7a6f5e4d3c2b"
)
GOV_POLICY = "arn:aws-us-gov:resiliencehub:us-gov-west-1:123456789012:resiliency-policy/0f1e2d3c"


def test_targets_of_the_current_policy_without_a_successful_assessment(clients):
    """An app whose latest assessment is still running (no DescribeAppAssessment call): the
    targets are its current policy's, the estimates null; aws-us-gov ARNs, a non-ASCII name."""
    with stubbed(clients, "resiliencehub", "us-gov-west-1") as hub:
        hub.add_response(
            "list_apps",
            {
                "appSummaries": [
                    {
                        "appArn": GOV_APP,
                        "name": "Zahlungsverkehr Süd",
                        "creationTime": datetime(2026, 3, 1, tzinfo=UTC),
                    }
                ]
            },
        )
        hub.add_response(
            "list_resiliency_policies",
            {
                "resiliencyPolicies": [
                    _policy(
                        GOV_POLICY,
                        "région-critique",
                        {"Region": {"rpoInSecs": 3600, "rtoInSecs": 14400}},
                    )
                ]
            },
        )
        hub.add_response(
            "describe_app",
            {
                "app": {
                    "appArn": GOV_APP,
                    "name": "Zahlungsverkehr Süd",
                    "creationTime": datetime(2026, 3, 1, tzinfo=UTC),
                    "policyArn": GOV_POLICY,
                }
            },
        )
        hub.add_response(
            "list_app_assessments",
            {
                "assessmentSummaries": [
                    {
                        "assessmentArn": f"{GOV_APP}/app-assessment/2",
                        "assessmentStatus": "InProgress",
                    }
                ]
            },
        )
        outcome = run_collector(COLLECTOR, make_context(clients, "us-gov-west-1"))
    assert outcome.status == "ok", outcome.error
    validate_outcome(outcome, regions=("us-gov-west-1",))
    [app] = section(outcome)
    assert (app["name"], app["policy_name"]) == ("Zahlungsverkehr Süd", "région-critique")
    assert app["disruptions"] == [
        {
            "disruption_type": "Region",
            "target_rpo_seconds": 3600,
            "target_rto_seconds": 14400,
            "current_rpo_seconds": None,
            "current_rto_seconds": None,
            "achievable_rpo_seconds": None,
            "achievable_rto_seconds": None,
            "compliance_status": None,
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
