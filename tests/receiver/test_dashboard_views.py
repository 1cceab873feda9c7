"""The dashboard views of sql/019_dashboard_views.sql on real PostgreSQL (issue 11).

Documents shaped like a sender's go through the real loader; the views must show what is open
now and nothing that is closed: a resolved, suppressed or archived Security Hub finding, an
archived GuardDuty finding or one the latest complete collection no longer lists, a CLOSED or
SUPPRESSED Inspector finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from support.receiver_fixtures import Db, fixture_doc, load_doc, shifted, variant

ACCOUNT = "123456789012"
HUB = (
    f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:subscription/"
    "aws-foundational-security-best-practices/v/1.0.0"
)
INSPECTOR = f"arn:aws:inspector2:eu-west-1:{ACCOUNT}:finding/"
# open, CRITICAL, sent by Inspector to Security Hub in us-east-1, where the sender's own
# Inspector collector was skipped: it counts under securityhub
VIA_HUB = f"arn:aws:inspector2:us-east-1:{ACCOUNT}:finding/a1b2c3d4e5f60718293a4b5c6d7e8f90"


@pytest.fixture
def db(migrated_dsn: str) -> Iterator[Db]:
    database = Db("psycopg", migrated_dsn, PsycopgExecutor(migrated_dsn))
    try:
        yield database
    finally:
        database.close()


def _hub(control: str, workflow: str, record_state: str = "ACTIVE") -> dict[str, Any]:
    return {
        "finding_id": f"{HUB}/{control}/finding/{control.lower()}-{workflow.lower()}",
        "product_arn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
        "product_name": "Security Hub",
        "generator_id": f"aws-foundational-security-best-practices/v/1.0.0/{control}",
        "title": f"{control} control ({workflow}, {record_state})",
        "description": None,
        "severity_label": "CRITICAL",
        "severity_normalized": 90,
        "resource_type": "AwsAccount",
        "resource_id": f"AWS::::Account:{ACCOUNT}",
        "region": "eu-west-1",
        "compliance_status": "FAILED" if workflow != "RESOLVED" else "PASSED",
        "workflow_status": workflow,
        "record_state": record_state,
        "first_observed_at": "2026-11-20T09:00:00.000Z",
        "last_observed_at": "2026-11-24T23:10:05.731Z",
        "created_at": "2026-11-20T09:00:00.000Z",
        "updated_at": "2026-11-24T23:10:05.731Z",
    }


def _guardduty(finding_id: str, severity: float, archived: bool) -> dict[str, Any]:
    return {
        "finding_id": finding_id,
        "detector_id": "12abc34d567e8fa901bc2d34e56789f0",
        "region": "eu-west-1",
        "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "severity": severity,
        "title": f"EC2 instance i-0123456789abcdef0 is querying a crypto domain ({finding_id}).",
        "resource_type": "Instance",
        "resource_id": "i-0123456789abcdef0",
        "count": 4,
        "archived": archived,
        "created_at": "2026-11-23T04:00:00Z",
        "updated_at": "2026-11-24T04:00:00Z",
    }


def _inspector(suffix: str, severity: str, status: str) -> dict[str, Any]:
    return {
        "finding_arn": INSPECTOR + suffix,
        "region": "eu-west-1",
        "type": "PACKAGE_VULNERABILITY",
        "severity": severity,
        "status": status,
        "title": f"CVE-2024-3094 - xz-utils ({suffix})",
        "resource_type": "AWS_EC2_INSTANCE",
        "resource_id": "i-0123456789abcdef0",
        "inspector_score": 10.0,
        "exploit_available": "YES",
        "fix_available": "YES",
        "first_observed_at": "2026-11-22T08:00:00.000Z",
        "last_observed_at": "2026-11-24T08:00:00.000Z",
        "updated_at": "2026-11-24T08:00:00.000Z",
    }


def _critical(doc: dict[str, Any]) -> None:
    data = doc["data"]
    data["securityhub"]["findings"] += [
        _hub("IAM.6", "NEW"),  # open
        _hub("EC2.19", "NOTIFIED"),  # open
        _hub("S3.1", "RESOLVED"),  # closed
        _hub("KMS.4", "SUPPRESSED"),  # closed
        _hub("CloudTrail.1", "NEW", "ARCHIVED"),  # no longer active
        # Security Hub's copies of findings collected from Inspector and GuardDuty directly
        {
            **_hub("Inspector", "NEW"),
            "finding_id": INSPECTOR + "critical-closed",
            "product_name": "Inspector",
        },
        {
            **_hub("GuardDuty", "NEW"),
            "finding_id": f"arn:aws:guardduty:eu-west-1:{ACCOUNT}:detector/"
            "12abc34d567e8fa901bc2d34e56789f0/finding/c0ffee00000000000000000000000001",
            "product_name": "GuardDuty",
        },
    ]
    data["guardduty_findings"] += [
        _guardduty("c0ffee00000000000000000000000001", 9.5, archived=False),  # open, critical
        _guardduty("c0ffee00000000000000000000000002", 9.2, archived=True),  # archived
    ]
    data["inspector_findings"] += [
        _inspector("critical-active", "CRITICAL", "ACTIVE"),
        _inspector("critical-closed", "CRITICAL", "CLOSED"),
        _inspector("critical-suppressed", "CRITICAL", "SUPPRESSED"),
    ]
    data["resources"] += [
        {
            "resource_type": "ebs:volume",
            "resource_id": "vol-0a1b2c3d4e5f60718",
            "arn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:volume/vol-0a1b2c3d4e5f60718",
            "region": "eu-west-1",
            "name": "payments-api-1-root",
            "state": "in-use",
            "attributes": {
                "size_gib": "100",
                "volume_type": "gp3",
                "availability_zone": "eu-west-1a",
            },
            "tags": {},
        },
        {
            "resource_type": "ec2:instance",
            "resource_id": "i-0fedcba9876543210",
            "arn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0fedcba9876543210",
            "region": "eu-west-1",
            "name": "payments-api-2",
            "state": "running",
            "attributes": {"instance_type": "m6i.xlarge", "availability_zone": "eu-west-1b"},
            "tags": {},
        },
    ]


def _load(db: Db, doc: dict[str, Any]) -> None:
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error


def test_inspector_findings_current_holds_only_active_findings(db):
    doc = variant(fixture_doc("full-daily"), _critical)
    _load(db, doc)
    rows = db.query("SELECT * FROM v_inspector_findings_current ORDER BY finding_arn")
    active = [
        f["finding_arn"] for f in doc["data"]["inspector_findings"] if f["status"] == "ACTIVE"
    ]
    assert [r["finding_arn"] for r in rows] == sorted(active)
    assert INSPECTOR + "critical-closed" not in {r["finding_arn"] for r in rows}
    critical = next(r for r in rows if r["finding_arn"].endswith("critical-active"))
    assert critical["exploit_available"] == "YES" and float(critical["inspector_score"]) == 10.0
    # the same count v_security_posture shows for the latest date
    posture = db.query(
        "SELECT inspector_critical, inspector_high, inspector_medium FROM v_security_posture "
        "WHERE account_id = %s ORDER BY snapshot_date DESC LIMIT 1",
        (ACCOUNT,),
    )[0]
    by_severity = {s: sum(r["severity"] == s for r in rows) for s in ("CRITICAL", "HIGH", "MEDIUM")}
    assert (
        posture["inspector_critical"],
        posture["inspector_high"],
        posture["inspector_medium"],
    ) == (
        by_severity["CRITICAL"],
        by_severity["HIGH"],
        by_severity["MEDIUM"],
    )


def test_resources_by_az_counts_the_current_snapshot_per_zone(db):
    day1 = variant(fixture_doc("full-daily"), _critical)
    _load(db, day1)
    # the next day the second instance is gone: the current snapshot no longer counts it
    day2 = shifted(day1, 1)
    day2["data"]["resources"] = [
        r for r in day2["data"]["resources"] if r["resource_id"] != "i-0fedcba9876543210"
    ]
    _load(db, day2)
    rows = db.query(
        "SELECT region, availability_zone, zonal, resource_type, resource_count, snapshot_date "
        "FROM v_resources_by_az_current WHERE account_id = %s",
        (ACCOUNT,),
    )
    counts = {(r["availability_zone"], r["resource_type"]): r["resource_count"] for r in rows}
    assert counts[("eu-west-1a", "ec2:instance")] == 1
    assert counts[("eu-west-1a", "ebs:volume")] == 1
    assert ("eu-west-1b", "ec2:instance") not in counts, "yesterday's instance is not current"
    assert counts[(None, "s3:bucket")] >= 1, "regional types are counted under a NULL zone"
    assert all(
        r["zonal"] == (r["resource_type"] in {"ec2:instance", "ec2:subnet", "ebs:volume"})
        for r in rows
    )
    assert {str(r["snapshot_date"]) for r in rows} == {"2026-11-25"}
    expected = len(day2["data"]["resources"])
    assert sum(r["resource_count"] for r in rows) == expected


def test_critical_findings_current_lists_open_critical_findings_only(db):
    day1 = variant(fixture_doc("full-daily"), _critical)
    _load(db, day1)
    rows = db.query("SELECT * FROM v_critical_findings_current ORDER BY source, finding_id")
    got = {(r["source"], r["finding_id"]) for r in rows}
    assert got == {
        ("securityhub", VIA_HUB),
        ("securityhub", f"{HUB}/IAM.6/finding/iam.6-new"),
        ("securityhub", f"{HUB}/EC2.19/finding/ec2.19-notified"),
        ("guardduty", "c0ffee00000000000000000000000001"),
        ("inspector", INSPECTOR + "critical-active"),
    }
    hub = next(r for r in rows if r["finding_id"].endswith("ec2.19-notified"))
    assert hub["first_seen_at"].isoformat() == "2026-11-20T09:00:00+00:00"
    assert hub["region"] == "eu-west-1" and hub["title"].startswith("EC2.19")
    first_loaded = {r["finding_id"]: r["first_loaded_at"] for r in rows}

    # Day 2: GuardDuty's latest complete listing drops the critical finding (deleted or
    # archived); Security Hub resolves IAM.6. Neither may stay in the view; the rest keep the
    # time they were first loaded.
    def day2_change(doc: dict[str, Any]) -> None:
        doc["data"]["guardduty_findings"] = [
            g for g in doc["data"]["guardduty_findings"] if not g["finding_id"].startswith("c0ffee")
        ]
        for f in doc["data"]["securityhub"]["findings"]:
            if "IAM.6" in f["finding_id"]:
                f["workflow_status"] = "RESOLVED"

    day2 = variant(shifted(day1, 1), day2_change)
    _load(db, day2)
    rows = db.query("SELECT * FROM v_critical_findings_current ORDER BY source, finding_id")
    assert {(r["source"], r["finding_id"]) for r in rows} == {
        ("securityhub", VIA_HUB),
        ("securityhub", f"{HUB}/EC2.19/finding/ec2.19-notified"),
        ("inspector", INSPECTOR + "critical-active"),
    }
    assert all(r["first_loaded_at"] == first_loaded[r["finding_id"]] for r in rows)


def test_a_partial_guardduty_collection_does_not_close_a_critical_finding(db):
    day1 = variant(fixture_doc("full-daily"), _critical)
    _load(db, day1)

    def partial(doc: dict[str, Any]) -> None:
        doc["data"]["guardduty_findings"] = []
        for c in doc["collectors"]:
            if c["name"] == "guardduty_findings":
                c.update(status="partial", error="time budget exhausted after 0 item(s)")

    _load(db, variant(shifted(day1, 1), partial))
    rows = db.query("SELECT finding_id FROM v_critical_findings_current WHERE source = 'guardduty'")
    assert [r["finding_id"] for r in rows] == ["c0ffee00000000000000000000000001"]


def test_a_security_hub_finding_a_later_complete_listing_omits_is_gone(db):
    day1 = variant(fixture_doc("full-daily"), _critical)
    _load(db, day1)
    ec2_19 = f"{HUB}/EC2.19/finding/ec2.19-notified"

    def partial(doc: dict[str, Any]) -> None:  # ran out of time: listed only some findings
        doc["data"]["securityhub"]["findings"] = []
        for c in doc["collectors"]:
            if c["name"] == "securityhub":
                c.update(status="partial", error="time budget exhausted after 0 item(s)")

    _load(db, variant(shifted(day1, 1), partial))
    query = "SELECT finding_id FROM v_critical_findings_current WHERE source = 'securityhub'"
    assert ec2_19 in {r["finding_id"] for r in db.query(query)}, "a partial listing proves nothing"

    def complete_without_it(doc: dict[str, Any]) -> None:  # Security Hub deleted it
        hub = doc["data"]["securityhub"]
        hub["findings"] = [f for f in hub["findings"] if f["finding_id"] != ec2_19]

    _load(db, variant(shifted(day1, 2), complete_without_it))
    shown = {r["finding_id"] for r in db.query(query)}
    assert ec2_19 not in shown
    assert f"{HUB}/IAM.6/finding/iam.6-new" in shown, "listed again: still open"
