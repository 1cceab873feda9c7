"""inspector_findings: server-side filters, every page, not enabled -> skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from sender.collectors.inspector_findings import COLLECTOR
from support.sender_fixtures import (
    ACCOUNT,
    NOW,
    REGION,
    WireStub,
    make_context,
    run_collector,
    section,
    stubbed,
)

ACCOUNT_FILTER = [{"comparison": "EQUALS", "value": ACCOUNT}]
ACTIVE = {
    "awsAccountId": ACCOUNT_FILTER,
    "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}],
}
CLOSED = {
    "awsAccountId": ACCOUNT_FILTER,
    "findingStatus": [
        {"comparison": "EQUALS", "value": "CLOSED"},
        {"comparison": "EQUALS", "value": "SUPPRESSED"},
    ],
    "updatedAt": [{"startInclusive": datetime(2026, 11, 24, tzinfo=UTC), "endInclusive": NOW}],
}


def finding(n, **extra):
    return {
        "findingArn": f"arn:aws:inspector2:eu-west-1:{ACCOUNT}:finding/{n:032x}",
        "awsAccountId": ACCOUNT,
        "type": "PACKAGE_VULNERABILITY",
        "description": "HTTP/2 rapid reset",
        "severity": "HIGH",
        "firstObservedAt": datetime(2026, 11, 2, 8, 11, 37, tzinfo=UTC),
        "lastObservedAt": datetime(2026, 11, 24, 8, 11, 37, tzinfo=UTC),
        "updatedAt": datetime(2026, 11, 24, 8, 11, 37, tzinfo=UTC),
        "status": "ACTIVE",
        "title": "CVE-2023-44487 - golang.org/x/net",
        "remediation": {},
        "inspectorScore": 7.5,
        "exploitAvailable": "YES",
        "fixAvailable": "YES",
        "resources": [
            {
                "type": "AWS_ECR_CONTAINER_IMAGE",
                "region": REGION,
                "id": f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/api/sha256:5f2c",
            }
        ],
        **extra,
    }


def test_active_and_recently_closed_findings_over_pages(clients):
    with stubbed(clients, "inspector2") as ins:
        ins.add_response(
            "list_findings",
            {"findings": [finding(1)], "nextToken": "n"},
            {"filterCriteria": ACTIVE, "maxResults": 100},
        )
        ins.add_response(
            "list_findings",
            {"findings": [finding(2, severity="MEDIUM")]},
            {"filterCriteria": ACTIVE, "maxResults": 100, "nextToken": "n"},
        )
        ins.add_response(
            "list_findings",
            {"findings": [finding(3, status="CLOSED")]},
            {"filterCriteria": CLOSED, "maxResults": 100},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = section(outcome)
    assert [i["status"] for i in items] == ["ACTIVE", "ACTIVE", "CLOSED"]
    assert items[0] == {
        "finding_arn": f"arn:aws:inspector2:eu-west-1:{ACCOUNT}:finding/{1:032x}",
        "region": REGION,
        "type": "PACKAGE_VULNERABILITY",
        "severity": "HIGH",
        "status": "ACTIVE",
        "title": "CVE-2023-44487 - golang.org/x/net",
        "resource_type": "AWS_ECR_CONTAINER_IMAGE",
        "resource_id": f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/api/sha256:5f2c",
        "inspector_score": 7.5,
        "exploit_available": "YES",
        "fix_available": "YES",
        "first_observed_at": "2026-11-02T08:11:37Z",
        "last_observed_at": "2026-11-24T08:11:37Z",
        "updated_at": "2026-11-24T08:11:37Z",
        "description": "HTTP/2 rapid reset",
    }


def test_not_enabled_is_skipped(clients):
    with stubbed(clients, "inspector2") as ins:
        ins.add_client_error(
            "list_findings",
            service_error_code="AccessDeniedException",
            service_message="Invoking account does not have access to Inspector2 in eu-west-1",
            http_status_code=403,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert "does not have access" in outcome.error


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("inspector2", REGION))
    wire.add_error("ListFindings", "ThrottlingException", status=429)
    wire.add("ListFindings", {"findings": [finding(9)]})
    wire.add("ListFindings", {"findings": []})
    assert run_collector(COLLECTOR, make_context(clients)).item_count == 1
    wire.assert_done()


def test_description_is_cut_like_every_long_text(clients):
    long = "Vulnerabilität in libxml2 — präparierte Eingaben. " * 300
    lean = finding(7, description=long)
    with stubbed(clients, "inspector2") as ins:
        ins.add_response("list_findings", {"findings": [lean, finding(8)]})
        ins.add_response("list_findings", {"findings": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    first, second = section(outcome)
    assert first["description"] == long[:8192]
    assert second["description"] == "HTTP/2 rapid reset"
