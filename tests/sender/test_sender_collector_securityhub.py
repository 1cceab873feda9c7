"""securityhub: active and recently archived findings, server-side filters, severity counts."""

from __future__ import annotations

import time

import boto3
from moto import mock_aws

from sender.collectors.securityhub import COLLECTOR
from support.sender_fixtures import (
    ACCOUNT,
    REGION,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
)


def finding(n, label="HIGH", state="ACTIVE", **extra):
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:subscription/aws-foundational-security-"
        f"best-practices/v/1.0.0/S3.8/finding/{n:08d}-2d41-4b9a-9f3c-1a2b3c4d5e6f",
        "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
        "ProductName": "Security Hub",
        "GeneratorId": "aws-foundational-security-best-practices/v/1.0.0/S3.8",
        "AwsAccountId": ACCOUNT,
        "Region": REGION,
        "Types": ["Software and Configuration Checks"],
        "CreatedAt": "2026-10-02T11:15:42.108Z",
        "UpdatedAt": "2026-11-24T23:10:05.731Z",
        "FirstObservedAt": "2026-10-02T11:15:42.108Z",
        "LastObservedAt": "2026-11-24T23:10:05.731Z",
        "Severity": {"Label": label, "Normalized": 70},
        "Title": "S3 general purpose buckets should block public access",
        "Description": 'The control fails if any setting is "false".',
        "Resources": [{"Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::bucket-{n}"}],
        "Compliance": {"Status": "FAILED"},
        "Remediation": {
            "Recommendation": {
                "Text": "For information on how to correct this issue, consult the AWS Security "
                "Hub controls documentation.",
                "Url": "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation",
            }
        },
        "Workflow": {"Status": "NEW"},
        "RecordState": state,
        **extra,
    }


def _filters(state, **extra):
    return {
        "AwsAccountId": [{"Value": ACCOUNT, "Comparison": "EQUALS"}],
        "Region": [{"Value": REGION, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": state, "Comparison": "EQUALS"}],
        **extra,
    }


def test_pages_of_active_and_archived_findings_with_counts(clients):
    with stubbed(clients, "securityhub") as hub:
        _v2_refused(hub)
        hub.add_response(
            "get_findings",
            {"Findings": [finding(1), finding(2, "LOW")], "NextToken": "p2"},
            {"Filters": _filters("ACTIVE"), "MaxResults": 100},
        )
        hub.add_response(
            "get_findings",
            {"Findings": [finding(3, "CRITICAL")]},
            {"Filters": _filters("ACTIVE"), "MaxResults": 100, "NextToken": "p2"},
        )
        archived = _filters(
            "ARCHIVED", UpdatedAt=[{"Start": "2026-11-24T00:00:00Z", "End": "2026-11-25T02:00:00Z"}]
        )
        hub.add_response(
            "get_findings",
            {"Findings": [finding(4, state="ARCHIVED", Workflow={"Status": "RESOLVED"})]},
            {"Filters": archived, "MaxResults": 100},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    data = section(outcome)
    assert len(data["findings"]) == 4
    first = data["findings"][0]
    assert (first["severity_label"], first["severity_normalized"]) == ("HIGH", 70)
    assert (first["resource_type"], first["compliance_status"]) == ("AwsS3Bucket", "FAILED")
    assert first["remediation_text"].startswith("For information on how to correct this issue")
    assert first["remediation_url"] == (
        "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation"
    )
    assert data["findings"][3]["record_state"] == "ARCHIVED"
    assert {c["severity_label"]: c["count"] for c in data["severity_counts"]} == {
        "INFORMATIONAL": 0,
        "LOW": 1,
        "MEDIUM": 0,
        "HIGH": 1,
        "CRITICAL": 1,
    }  # archived findings are not counted


def test_not_subscribed_is_skipped(clients):
    with stubbed(clients, "securityhub") as hub:
        _v2_refused(hub)
        hub.add_client_error(
            "get_findings",
            service_error_code="InvalidAccessException",
            service_message="Account 123456789012 is not subscribed to AWS Security Hub",
            http_status_code=401,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert "not subscribed to AWS Security Hub" in outcome.error


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "securityhub") as hub:
        _v2_refused(hub)
        hub.add_client_error(
            "get_findings", service_error_code="AccessDeniedException", http_status_code=403
        )
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


@mock_aws
def test_findings_from_moto_and_throttling_is_retried(clients):
    hub = boto3.client("securityhub", region_name=REGION)
    hub.enable_security_hub()
    hub.batch_import_findings(
        Findings=[finding(n, label) for n, label in enumerate(["LOW", "HIGH", "HIGH"])]
    )
    throttle_first(clients.client("securityhub", REGION), times=2, code="TooManyRequestsException")
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    data = section(outcome)
    assert len(data["findings"]) == 3
    assert {c["severity_label"]: c["count"] for c in data["severity_counts"]}["HIGH"] == 2


def test_counts_split_by_workflow_status_so_closed_findings_are_not_open(clients):
    """Suppressed, resolved and passed control findings stay ACTIVE but are not open."""
    passed = {
        "Severity": {"Label": "INFORMATIONAL", "Original": "INFORMATIONAL", "Normalized": 0},
        "Compliance": {"Status": "PASSED"},
        "Workflow": {"Status": "RESOLVED"},
    }
    findings = [
        finding(1, "CRITICAL"),
        finding(2, "HIGH", Workflow={"Status": "NOTIFIED"}),
        finding(3, "HIGH", Workflow={"Status": "SUPPRESSED"}),
        finding(4, "HIGH", Workflow={"Status": "RESOLVED"}),
        *(finding(10 + n, **passed) for n in range(5)),
    ]
    with stubbed(clients, "securityhub") as hub:
        _v2_refused(hub)
        hub.add_response(
            "get_findings",
            {"Findings": findings},
            {"Filters": _filters("ACTIVE"), "MaxResults": 100},
        )
        hub.add_response("get_findings", {"Findings": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    counts = {c["severity_label"]: c for c in section(outcome)["severity_counts"]}
    high, critical, info = counts["HIGH"], counts["CRITICAL"], counts["INFORMATIONAL"]
    assert high["count"] == 3  # every ACTIVE record, as before
    assert (high["workflow_new"], high["workflow_notified"]) == (0, 1)
    assert (high["workflow_suppressed"], high["workflow_resolved"]) == (1, 1)
    assert (critical["workflow_new"], critical["count"]) == (1, 1)
    assert (info["count"], info["workflow_resolved"], info["workflow_new"]) == (5, 5, 0)
    for c in counts.values():
        split = sum(c[f"workflow_{w}"] for w in ("new", "notified", "suppressed", "resolved"))
        assert split == c["count"]


# ---------------------------------------------------------------- server-side counts (item 5)


def _v2_rules():
    scope = [
        {"FieldName": "cloud.account.uid", "Filter": {"Value": ACCOUNT, "Comparison": "EQUALS"}},
        {"FieldName": "cloud.region", "Filter": {"Value": REGION, "Comparison": "EQUALS"}},
        {"FieldName": "activity_name", "Filter": {"Value": "Close", "Comparison": "NOT_EQUALS"}},
    ]
    return [
        {
            "GroupByField": "severity",
            "Filters": {
                "CompositeFilters": [
                    {
                        "StringFilters": [
                            *scope,
                            {"FieldName": "status", "Filter": {"Value": s, "Comparison": "EQUALS"}},
                        ],
                        "Operator": "AND",
                    }
                ]
            },
        }
        for s in ("New", "In Progress", "Suppressed", "Resolved")
    ]


def _statistics(new, in_progress, suppressed, resolved):
    """A GetFindingStatisticsV2 answer: one GroupByResult per rule, counts by OCSF severity."""
    return {
        "GroupByResults": [
            {
                "GroupByField": "severity",
                "GroupByValues": [{"FieldValue": k, "Count": v} for k, v in values.items()],
            }
            for values in (new, in_progress, suppressed, resolved)
        ]
    }


def _v2_refused(hub):
    hub.add_client_error(
        "get_finding_statistics_v2",
        service_error_code="AccessDeniedException",
        service_message="Security Hub is not enabled for this account",
        http_status_code=403,
    )


def test_an_account_too_large_to_page_still_reports_complete_server_side_counts(clients):
    """120,000 ACTIVE findings need 1,201 GetFindings pages, ~400 s at 3 requests per second:
    more than the budget. The counts come from the server in one call; no page is started."""
    stats = _statistics(
        new={"Critical": 1200, "High": 8000, "Medium": 20000, "Low": 4000},
        in_progress={"High": 800, "Fatal": 3},
        suppressed={"Low": 997},
        resolved={"Informational": 85000},
    )
    with stubbed(clients, "securityhub") as hub:
        hub.add_response("get_finding_statistics_v2", stats, {"GroupByRules": _v2_rules()})
        outcome = run_collector(COLLECTOR, make_context(clients), budget=240.0)
    assert outcome.status == "partial"
    assert "120000 ACTIVE findings need 1201 GetFindings pages" in outcome.error
    data = section(outcome)
    assert data["findings"] == []
    counts = {c["severity_label"]: c for c in data["severity_counts"]}
    assert counts["CRITICAL"]["workflow_new"] == 1200
    assert counts["CRITICAL"]["workflow_notified"] == 3  # OCSF Fatal is above Critical
    assert (counts["HIGH"]["count"], counts["HIGH"]["workflow_notified"]) == (8800, 800)
    assert (counts["LOW"]["count"], counts["LOW"]["workflow_suppressed"]) == (4997, 997)
    assert counts["INFORMATIONAL"]["workflow_resolved"] == 85000
    assert sum(c["count"] for c in counts.values()) == 120000


def test_server_side_counts_and_every_page_when_the_budget_covers_them(clients):
    stats = _statistics(new={"High": 1}, in_progress={}, suppressed={}, resolved={})
    with stubbed(clients, "securityhub") as hub:
        hub.add_response("get_finding_statistics_v2", stats, {"GroupByRules": _v2_rules()})
        hub.add_response(
            "get_findings",
            {"Findings": [finding(1)]},
            {"Filters": _filters("ACTIVE"), "MaxResults": 100},
        )
        hub.add_response("get_findings", {"Findings": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    data = section(outcome)
    assert len(data["findings"]) == 1
    assert {c["severity_label"]: c["workflow_new"] for c in data["severity_counts"]}["HIGH"] == 1


def test_without_server_counts_a_run_out_of_time_sends_no_counts(clients):
    """Counted while paging, the counts are only complete after the last page: a run that
    stops early sends its findings and no counts (which would otherwise look complete)."""
    with stubbed(clients, "securityhub") as hub:
        _v2_refused(hub)
        hub.add_response(
            "get_findings",
            {"Findings": [finding(1), finding(2)], "NextToken": "p2"},
            {"Filters": _filters("ACTIVE"), "MaxResults": 100},
        )
        ctx = make_context(clients)
        start = time.monotonic()
        readings = iter([start, start])  # the statistics call, the first page; then out of time
        ctx.clock = lambda: next(readings, start + 10_000)
        outcome = run_collector(COLLECTOR, ctx)
    assert outcome.status == "partial"
    assert outcome.error.startswith("time budget exhausted")
    data = section(outcome)
    assert len(data["findings"]) == 2
    assert not data.get("severity_counts")


def test_remediation_text_is_cut_and_its_url_never(clients):
    """Remediation.Recommendation.Text is longText (cut at 8,192, non-ASCII kept); a URL is
    never cut: one too long to keep is left out; a finding without Remediation has neither."""
    long = "Öffentlichen Zugriff sperren, siehe Handbuch §4. " * 300
    findings = [
        finding(
            1, Remediation={"Recommendation": {"Text": long, "Url": "https://x/" + "u" * 2100}}
        ),
        finding(2, Remediation={}),
    ]
    del findings[1]["Remediation"]
    with stubbed(clients, "securityhub") as hub:
        _v2_refused(hub)
        hub.add_response("get_findings", {"Findings": findings})
        hub.add_response("get_findings", {"Findings": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    first, second = section(outcome)["findings"]
    assert first["remediation_text"] == long[:8192]
    assert first["remediation_url"] is None
    assert (second["remediation_text"], second["remediation_url"]) == (None, None)
