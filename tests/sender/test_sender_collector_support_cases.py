"""support_cases: open and resolved cases, every page, Basic support -> skipped."""

from __future__ import annotations

import boto3
from moto import mock_aws

from sender.collectors.support_cases import COLLECTOR
from support.sender_fixtures import (
    WireStub,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
REQUEST = {"includeResolvedCases": True, "includeCommunications": False, "maxResults": 100}


def case(n, **extra):
    return {
        "caseId": f"case-123456789012-muen-2026-{n:016x}",
        "displayId": f"1712345678{n:02d}",
        "subject": 'RDS storage full on "payments-ledger"',
        "status": "opened",
        "serviceCode": "amazon-relational-database-service-postgresql",
        "categoryCode": "performance",
        "severityCode": "urgent",
        "submittedBy": "oncall@example.com",
        "timeCreated": "2026-11-24T21:37:05.123Z",
        "language": "en",
        **extra,
    }


def test_cases_over_pages(clients):
    with stubbed(clients, "support", G) as support:
        support.add_response("describe_cases", {"cases": [case(1)], "nextToken": "n"}, REQUEST)
        support.add_response(
            "describe_cases",
            {
                "cases": [
                    case(
                        2, status="resolved", timeCreated="2026-11-03T08:00:00+01:00", language="de"
                    )
                ]
            },
            {**REQUEST, "nextToken": "n"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok"
    first, second = section(outcome)
    assert first["severity"] == "urgent" and first["created_at"] == "2026-11-24T21:37:05.123Z"
    assert second["created_at"] == "2026-11-03T07:00:00Z"  # the reference failed to parse these


@mock_aws
def test_cases_from_moto(clients):
    boto3.client("support", region_name=G).create_case(
        subject="Limit increase",
        communicationBody="please",
        serviceCode="ec2",
        severityCode="low",
        categoryCode="limits",
    )
    outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok"
    assert section(outcome)[0]["subject"] == "Limit increase"


def test_basic_support_is_skipped(clients):
    with stubbed(clients, "support", G) as support:
        support.add_client_error(
            "describe_cases", service_error_code="SubscriptionRequiredException"
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "skipped" and "support plan" in outcome.error


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "support", G) as support:
        support.add_client_error(
            "describe_cases", service_error_code="AccessDeniedException", http_status_code=403
        )
        assert run_collector(COLLECTOR, make_context(clients, None)).status == "skipped"


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("support", G))
    wire.add_error("DescribeCases", "ThrottlingException")
    wire.add("DescribeCases", {"cases": [case(3)]})
    assert run_collector(COLLECTOR, make_context(clients, None)).item_count == 1
    wire.assert_done()
