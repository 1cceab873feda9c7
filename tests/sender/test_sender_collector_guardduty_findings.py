"""guardduty_findings: every detector, server-side criteria, 50 ids per GetFindings, no cap."""

from __future__ import annotations

import boto3
from moto import mock_aws

from sender.collectors.guardduty_findings import COLLECTOR
from support.guardduty import ACTIVE, DETECTOR, INSTANCE, KEY, finding
from support.sender_fixtures import (
    ACCOUNT,
    REGION,
    WireStub,
    access_denied,
    answer,
    make_context,
    run_collector,
    section,
    stubbed,
)

SINCE = 1795478400000  # 2026-11-24T00:00:00Z, the window start
ARCHIVED = {
    "accountId": {"Equals": [ACCOUNT]},
    "service.archived": {"Equals": ["true"]},
    "updatedAt": {"GreaterThanOrEqual": SINCE},
}


def test_every_page_every_detector_in_batches_of_fifty(clients):
    ids = [f"{n:032x}" for n in range(60)]
    with stubbed(clients, "guardduty") as gd:
        gd.add_response("list_detectors", {"DetectorIds": [DETECTOR]})
        gd.add_response(
            "list_findings",
            {"FindingIds": ids[:50], "NextToken": "t"},
            {"DetectorId": DETECTOR, "FindingCriteria": {"Criterion": ACTIVE}, "MaxResults": 50},
        )
        gd.add_response(
            "list_findings",
            {"FindingIds": ids[50:]},
            {
                "DetectorId": DETECTOR,
                "FindingCriteria": {"Criterion": ACTIVE},
                "MaxResults": 50,
                "NextToken": "t",
            },
        )
        gd.add_response(
            "get_findings",
            {"Findings": [finding(i, INSTANCE) for i in ids[:50]]},
            {"DetectorId": DETECTOR, "FindingIds": ids[:50]},
        )
        gd.add_response(
            "get_findings",
            {"Findings": [finding(i, KEY) for i in ids[50:]]},
            {"DetectorId": DETECTOR, "FindingIds": ids[50:]},
        )
        gd.add_response(
            "list_findings",
            {"FindingIds": []},
            {"DetectorId": DETECTOR, "FindingCriteria": {"Criterion": ARCHIVED}, "MaxResults": 50},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = section(outcome)
    assert len(items) == 60  # the reference stopped at 50
    assert items[0] == {
        "finding_id": ids[0],
        "detector_id": DETECTOR,
        "region": REGION,
        "type": "Recon:EC2/PortProbeUnprotectedPort",
        "severity": 2,
        "title": "Unprotected port on EC2 instance is being probed.",
        "resource_type": "Instance",
        "resource_id": "i-0123456789abcdef0",
        "count": 37,
        "archived": False,
        "created_at": "2026-11-21T03:44:10.512Z",
        "updated_at": "2026-11-24T22:19:48.003Z",
        "description": "EC2 instance has an unprotected port which is being probed by a known "
        "malicious host.",
        "confidence": 5,
    }
    assert items[-1]["resource_id"] == "ASIAEXAMPLE7QWERTY12"


@mock_aws
def test_no_detector_means_not_enabled(clients):
    outcome = run_collector(COLLECTOR, make_context(clients))  # moto: ListDetectors is real
    assert outcome.status == "skipped"
    assert outcome.error == "GuardDuty is not enabled in eu-west-1 (no detector)"


@mock_aws
def test_detectors_come_from_moto(clients):
    detector = boto3.client("guardduty", region_name=REGION).create_detector(Enable=True)
    gd = clients.client("guardduty", REGION)
    answer(gd, "ListFindings", {"FindingIds": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok" and outcome.item_count == 0
    assert detector["DetectorId"]


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "guardduty") as gd:
        access_denied(gd, "list_detectors")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("guardduty", REGION))
    wire.add("ListDetectors", {"DetectorIds": [DETECTOR]})
    wire.add_error("ListFindings", "TooManyRequestsException", status=429)
    wire.add("ListFindings", {"FindingIds": ["a" * 32]})
    wire.add_error("GetFindings", "ThrottlingException")
    wire.add("GetFindings", {"Findings": [finding("a" * 32, INSTANCE)]})
    wire.add("ListFindings", {"FindingIds": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    wire.assert_done()
    assert outcome.status == "ok" and outcome.item_count == 1


def test_description_cut_like_every_long_text_and_confidence_absent(clients):
    """Description is longText (8,192 characters, cut; non-ASCII kept); Confidence is sent as
    GuardDuty gives it, absent when GuardDuty leaves it out."""
    long = "Trafic sortant inhabituel vers « hôte » malveillant. " * 200
    lean = finding("f" * 32, INSTANCE, Description=long)
    del lean["Confidence"]
    with stubbed(clients, "guardduty") as gd:
        gd.add_response("list_detectors", {"DetectorIds": [DETECTOR]})
        gd.add_response("list_findings", {"FindingIds": ["f" * 32]})
        gd.add_response("get_findings", {"Findings": [lean]})
        gd.add_response("list_findings", {"FindingIds": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [item] = section(outcome)
    assert item["description"] == long[:8192]
    assert "« hôte »" in item["description"]
    assert item["confidence"] is None
