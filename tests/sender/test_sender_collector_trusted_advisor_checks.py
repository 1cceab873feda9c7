"""trusted_advisor_checks: two kinds of calls, summaries in batches, Basic support -> skipped."""

from __future__ import annotations

import boto3
from moto import mock_aws

from sender.collectors.trusted_advisor_checks import COLLECTOR
from support.sender_fixtures import (
    WireStub,
    answer,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"


def check(check_id, name, category):
    return {"id": check_id, "name": name, "description": "", "category": category, "metadata": []}


def summary(check_id, status, flagged, savings=None):
    item = {
        "checkId": check_id,
        "timestamp": "2026-11-24T20:41:09Z",
        "status": status,
        "hasFlaggedResources": bool(flagged),
        "resourcesSummary": {
            "resourcesProcessed": 12,
            "resourcesFlagged": flagged,
            "resourcesIgnored": 0,
            "resourcesSuppressed": 0,
        },
        "categorySpecificSummary": {},
    }
    if savings is not None:
        item["categorySpecificSummary"] = {
            "costOptimizing": {
                "estimatedMonthlySavings": savings,
                "estimatedPercentMonthlySavings": 12.5,
            }
        }
    return item


def test_checks_with_summaries_in_batches_of_100(clients):
    checks = [check(f"chk{n:04d}", f"Check {n}", "security") for n in range(150)]
    checks[0] = check("Qch7DwouX1", "Low Utilization Amazon EC2 Instances", "cost_optimizing")
    ids = sorted(c["id"] for c in checks)
    with stubbed(clients, "support", G) as support:
        support.add_response(
            "describe_trusted_advisor_checks", {"checks": checks}, {"language": "en"}
        )
        support.add_response(
            "describe_trusted_advisor_check_summaries",
            {
                "summaries": [summary("Qch7DwouX1", "warning", 2, 143.22)]
                + [summary(i, "ok", 0) for i in ids[:100] if i != "Qch7DwouX1"]
            },
            {"checkIds": ids[:100]},
        )
        support.add_response(
            "describe_trusted_advisor_check_summaries",
            {"summaries": [summary(i, "not_available", 0) for i in ids[100:]]},
            {"checkIds": ids[100:]},
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    items = {i["check_id"]: i for i in section(outcome)}
    assert len(items) == 150
    assert items["Qch7DwouX1"] == {
        "check_id": "Qch7DwouX1",
        "name": "Low Utilization Amazon EC2 Instances",
        "category": "cost_optimizing",
        "status": "warning",
        "resources_processed": 12,
        "resources_flagged": 2,
        "resources_suppressed": 0,
        "estimated_monthly_savings": "143.22",
        "currency": "USD",
        "refreshed_at": "2026-11-24T20:41:09Z",
    }
    assert clients.calls_for("support") == 3


def test_basic_support_is_skipped_with_the_reason(clients):
    with stubbed(clients, "support", G) as support:
        support.add_client_error(
            "describe_trusted_advisor_checks",
            service_error_code="SubscriptionRequiredException",
            service_message="AWS Premium Support Subscription is required",
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "skipped"
    assert "Business, Enterprise On-Ramp or Enterprise support plan" in outcome.error


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "support", G) as support:
        support.add_client_error(
            "describe_trusted_advisor_checks",
            service_error_code="AccessDeniedException",
            http_status_code=403,
        )
        assert run_collector(COLLECTOR, make_context(clients, None)).status == "skipped"


@mock_aws
def test_check_list_from_moto(clients):
    answer(clients.client("support", G), "DescribeTrustedAdvisorCheckSummaries", {"summaries": []})
    outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok" and outcome.item_count == 0
    assert boto3.client("support", region_name=G).describe_trusted_advisor_checks(language="en")


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("support", G))
    wire.add_error("DescribeTrustedAdvisorChecks", "ThrottlingException")
    wire.add("DescribeTrustedAdvisorChecks", {"checks": [check("a", "A", "security")]})
    wire.add_error("DescribeTrustedAdvisorCheckSummaries", "ThrottlingException")
    wire.add("DescribeTrustedAdvisorCheckSummaries", {"summaries": [summary("a", "error", 1)]})
    assert section(run_collector(COLLECTOR, make_context(clients, None)))[0]["status"] == "error"
    wire.assert_done()
