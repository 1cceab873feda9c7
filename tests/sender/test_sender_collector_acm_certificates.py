"""acm_certificates: every key type asked for, summaries only (no call per certificate)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.acm_certificates import COLLECTOR
from support.sender_fixtures import (
    REGION,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
)


@mock_aws
def test_certificates_from_moto(clients):
    acm = boto3.client("acm", region_name=REGION)
    acm.request_certificate(DomainName="payments.example.com")
    acm.request_certificate(DomainName="www.example.com")
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    by_domain = {c["domain_name"]: c for c in section(outcome)}
    assert set(by_domain) == {"payments.example.com", "www.example.com"}
    assert by_domain["www.example.com"]["status"] == "PENDING_VALIDATION"
    assert by_domain["payments.example.com"]["not_after"].endswith("Z")


def test_pages_and_request_shape(clients):
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    summary = {
        "CertificateArn": arn,
        "DomainName": "*.legacy.example.com",
        "Status": "EXPIRED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "RSA_2048",
        "InUse": False,
        "RenewalEligibility": "INELIGIBLE",
        "NotBefore": datetime(2025, 1, 1, tzinfo=UTC),
        "NotAfter": datetime(2026, 1, 1, tzinfo=UTC),
    }
    with stubbed(clients, "acm") as acm:
        key_types = list(acm.client.meta.service_model.shape_for("KeyAlgorithm").enum)
        acm.add_response(
            "list_certificates",
            {"CertificateSummaryList": [summary], "NextToken": "n"},
            {"Includes": {"keyTypes": key_types}},
        )
        acm.add_response(
            "list_certificates",
            {
                "CertificateSummaryList": [
                    {**summary, "CertificateArn": arn.replace("12345678-", "87654321-")}
                ]
            },
            {"Includes": {"keyTypes": key_types}, "NextToken": "n"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    items = section(outcome)
    assert len(items) == 2
    assert items[0] == {
        "certificate_arn": arn,
        "region": REGION,
        "domain_name": "*.legacy.example.com",
        "status": "EXPIRED",
        "type": "IMPORTED",
        "key_algorithm": "RSA_2048",
        "in_use": False,
        "renewal_eligibility": "INELIGIBLE",
        "not_before": "2025-01-01T00:00:00Z",
        "not_after": "2026-01-01T00:00:00Z",
    }


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "acm") as acm:
        access_denied(acm, "list_certificates")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


@mock_aws
def test_throttling_is_retried(clients):
    boto3.client("acm", region_name=REGION).request_certificate(DomainName="a.example.com")
    throttle_first(clients.client("acm", REGION), times=3)
    assert run_collector(COLLECTOR, make_context(clients)).item_count == 1
