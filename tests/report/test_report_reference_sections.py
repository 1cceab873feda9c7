"""The report's sections for the reference dashboard's questions (issue 11 item 5), on real
PostgreSQL: GuardDuty, Inspector, conformance packs, patch compliance, KMS rotation, secrets
rotation, ACM expiry, WAF, resources by Availability Zone and SSM managed instances.

A sender's full daily document (src/labkit/documents/full-daily.json) with a few more findings,
certificates and secrets goes through the real loader; every expectation is computed here from
the document, never from the views. The report runs as the read-only reader role.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from report import build_report
from report.sections.listing import TOP
from support.receiver_fixtures import (
    READER_SECRET_ARN,
    data_api_executor_for,
    fixture_doc,
    variant,
)
from support.report_db import (
    NOW,
    loaded_fixture,  # noqa: F401 - fixture
    page_fixture,  # noqa: F401 - fixture
)
from support.report_html import Node, parse, points, table_rows

ACCOUNT = "123456789012"
SNAPSHOT = date(2026, 11, 24)  # the document's window is 2026-11-24
NEW_SECTIONS = [
    "guardduty",
    "inspector",
    "conformance-packs",
    "patch-compliance",
    "kms-rotation",
    "secrets-rotation",
    "certificate-expiry",
    "waf",
    "availability-zones",
    "ssm-instances",
]
INSPECTOR = f"arn:aws:inspector2:eu-west-1:{ACCOUNT}:finding/"


def _inspector(n: int, severity: str, status: str) -> dict[str, Any]:
    return {
        "finding_arn": f"{INSPECTOR}{n:032x}",
        "region": "eu-west-1",
        "type": "PACKAGE_VULNERABILITY",
        "severity": severity,
        "status": status,
        "title": f"CVE-2026-{1000 + n} - libexample ({status.lower()})",
        "resource_type": "AWS_EC2_INSTANCE",
        "resource_id": "i-0123456789abcdef0",
        "inspector_score": 9.8 if severity == "CRITICAL" else 2.1,
        "exploit_available": "NO",
        "fix_available": "YES",
        "first_observed_at": "2026-11-20T08:00:00.000Z",
        "last_observed_at": "2026-11-24T08:00:00.000Z",
        "updated_at": "2026-11-24T08:00:00.000Z",
    }


def _more(doc: dict[str, Any]) -> None:
    data = doc["data"]
    data["guardduty_findings"].append(
        {
            "finding_id": "c0ffee00000000000000000000000001",
            "detector_id": "12abc34d567e8fa901bc2d34e56789f0",
            "region": "eu-west-1",
            "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            "severity": 9.5,
            "title": "EC2 instance i-0123456789abcdef0 is querying a crypto domain.",
            "resource_type": "Instance",
            "resource_id": "i-0123456789abcdef0",
            "count": 4,
            "archived": False,
            "created_at": "2026-11-23T04:00:00Z",
            "updated_at": "2026-11-24T04:00:00Z",
        }
    )
    data["inspector_findings"] += [_inspector(1, "CRITICAL", "ACTIVE")]
    data["inspector_findings"] += [_inspector(2, "CRITICAL", "CLOSED")]
    data["inspector_findings"] += [_inspector(10 + i, "LOW", "ACTIVE") for i in range(18)]
    data["acm_certificates"].append(
        {
            "certificate_arn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/"
            "11111111-2222-3333-4444-555555555555",
            "region": "us-east-1",  # where the document's ACM collector ran
            "domain_name": "api.payments.example.com",
            "status": "ISSUED",
            "type": "IMPORTED",
            "key_algorithm": "RSA_2048",
            "in_use": True,
            "renewal_eligibility": "INELIGIBLE",
            "not_before": "2025-12-04T00:00:00Z",
            "not_after": "2026-12-04T12:00:00Z",  # 10 days after the snapshot date
        }
    )
    data["secrets"].append(
        {
            "secret_arn": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/ledger-q1W2e3",
            "name": "prod/ledger",
            "region": "eu-west-1",
            "kms_key_id": None,
            "rotation_enabled": True,
            "rotation_days": 30,
            "last_rotated_at": "2026-10-01T04:00:00Z",  # due 2026-10-31: overdue
            "last_accessed_at": "2026-11-23T00:00:00Z",
            "last_changed_at": "2026-10-01T04:00:00Z",
            "created_at": "2023-01-01T00:00:00Z",
            "primary_region": None,
        }
    )


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return variant(fixture_doc("full-daily"), _more)


def _section(page: Node, ident: str) -> Node:
    return page.by_id(ident)


def test_the_new_sections_come_in_page_order_after_their_neighbours(page):
    ids = [s.attrs["id"] for s in page.find_all("section")]
    assert [i for i in ids if i in NEW_SECTIONS] == NEW_SECTIONS
    assert ids.index("security") < ids.index("guardduty")
    assert ids.index("compliance") < ids.index("conformance-packs")
    assert ids.index("inventory") < ids.index("availability-zones") < ids.index("savings")


def test_the_report_runs_as_the_reader_role_and_reads_only_views(loaded, data_api):
    executor = data_api_executor_for(
        urlsplit(loaded).path.lstrip("/"), secret_arn=READER_SECRET_ARN
    )
    report = build_report(executor, now=NOW)
    page = parse(report.html)
    for ident in NEW_SECTIONS:
        assert _section(page, ident).find_all("h2"), ident
    footer = page.find_all("footer")[0].all_text()
    sources = footer[footer.index("Source views: ") :]
    for view in (
        "v_guardduty_findings_current",
        "v_inspector_findings_current",
        "v_config_conformance_packs_current",
        "v_ssm_patches_current",
        "v_kms_keys_current",
        "v_secrets_current",
        "v_acm_certificates_current",
        "v_waf_web_acls_current",
        "v_waf_rules_current",
        "v_resources_by_az_current",
        "v_ssm_managed_instances_current",
    ):
        assert view in sources


def test_guardduty_lists_the_open_findings_most_severe_first(page, doc):
    open_ = sorted(
        (g for g in doc["data"]["guardduty_findings"] if not g["archived"]),
        key=lambda g: -g["severity"],
    )
    rows = table_rows(page, "guardduty-open")
    assert [r[3] for r in rows] == [g["title"] for g in open_][:TOP]
    assert rows[0][2] == "9.5 Critical"
    archived = [g["title"] for g in doc["data"]["guardduty_findings"] if g["archived"]]
    assert archived and not any(t in _section(page, "guardduty").all_text() for t in archived)

    def band(severity: float) -> str:  # GuardDuty's bands
        return next(b for b, floor in (("c", 9), ("h", 7), ("m", 4), ("l", 0)) if severity >= floor)

    assert points(page, "guardduty") == len({band(g["severity"]) for g in open_})  # 1 account


def test_inspector_counts_active_findings_and_keeps_its_table_short(page, doc):
    active = [f for f in doc["data"]["inspector_findings"] if f["status"] == "ACTIVE"]
    assert len(active) > TOP
    rows = table_rows(page, "inspector-open")
    assert len(rows) == TOP
    assert rows[0][2] == "Critical" and rows[0][3] == "9.8"
    assert rows[0][5] == "EC2 instance i-0123456789abcdef0"
    more = page.by_id("more-inspector-open").all_text()
    assert more == f"and {len(active) - TOP} more, not shown"
    text = _section(page, "inspector").all_text()
    assert f"{len(active)} open" in text
    assert "(closed)" not in text
    assert points(page, "inspector") == len({f["severity"] for f in active})


def test_conformance_packs_show_their_rules_by_compliance(page, doc):
    packs = doc["data"]["config"]["conformance_packs"]
    rows = table_rows(page, "conformance-packs")
    expected = sorted(packs, key=lambda p: -p["non_compliant_rule_count"])
    assert [(r[3], r[4], r[5], r[6]) for r in rows] == [
        (
            p["pack_name"],
            p["compliance"].replace("_", " ").lower(),
            str(p["compliant_rule_count"]),
            str(p["non_compliant_rule_count"]),
        )
        for p in expected
    ]
    non_compliant = sum(p["compliance"] == "NON_COMPLIANT" for p in packs)
    assert (
        f"{non_compliant} of {len(packs)} packs non-compliant"
        in _section(page, "conformance-packs").all_text()
    )
    # one bar per pack and compliance with rules
    assert points(page, "conformance-packs") == sum(
        (p["compliant_rule_count"] > 0) + (p["non_compliant_rule_count"] > 0) for p in packs
    )


def test_patch_compliance_lists_instances_with_missing_or_failed_patches(page, doc):
    instances = doc["data"]["ssm_instances"]
    bad = {
        i["instance_id"]: (
            sum(p["state"].upper() == "MISSING" for p in i["patches"]),
            sum(p["state"].upper() == "FAILED" for p in i["patches"]),
        )
        for i in instances
        if any(p["state"].upper() in ("MISSING", "FAILED") for p in i["patches"])
    }
    rows = table_rows(page, "patch-noncompliant")
    assert {r[3]: (int(r[4]), int(r[6])) for r in rows} == bad
    with_patches = sum(bool(i["patches"]) for i in instances)
    text = _section(page, "patch-compliance").all_text()
    assert f"{len(bad)} of {with_patches} instances" in text


def test_kms_rotation_lists_customer_keys_without_rotation(page, doc):
    keys = doc["data"]["kms_keys"]
    off = [
        k
        for k in keys
        if k["key_manager"] == "CUSTOMER"
        and k["rotation_enabled"] is False
        and k["key_state"] != "PendingDeletion"
    ]
    rows = table_rows(page, "kms-unrotated") if off else []
    assert [r[2] for r in rows] == [k["key_id"] for k in off]

    def rotation(key: dict[str, Any]) -> str:
        if key["key_manager"] == "AWS":
            return "aws"
        return {True: "on", False: "off", None: "n/a"}[key["rotation_enabled"]]

    classes = {rotation(k) for k in keys if k["key_state"] != "PendingDeletion"}
    assert points(page, "kms-rotation") == len(classes)  # one account: one bar part per class


def test_secrets_rotation_flags_secrets_off_and_overdue(page, doc):
    secrets = doc["data"]["secrets"]
    rows = table_rows(page, "secrets-unrotated")
    flagged = {r[2]: r[3] for r in rows}
    assert flagged == {
        s["name"]: "on, overdue" if s["rotation_enabled"] else "off"
        for s in secrets
        if not s["rotation_enabled"] or s["name"] == "prod/ledger"
    }
    assert (
        f"{len(flagged)} of {len(secrets)} secrets" in _section(page, "secrets-rotation").all_text()
    )


def test_certificate_expiry_counts_days_left_from_the_snapshot_date(page, doc):
    certs = doc["data"]["acm_certificates"]
    rows = table_rows(page, "certificate-expiry")
    by_domain = {r[2]: r for r in rows}
    assert len(rows) == len(certs)
    assert by_domain["api.payments.example.com"][8] == "10"
    for c in certs:
        days = (date.fromisoformat(c["not_after"][:10]) - SNAPSHOT).days
        shown = by_domain[c["domain_name"]][8]
        assert shown == ("expired" if days < 0 else f"{days:,}"), c["domain_name"]
    assert [r[2] for r in rows] == [
        c["domain_name"] for c in sorted(certs, key=lambda c: c["not_after"])
    ]
    expired = sum(
        c["status"] == "EXPIRED" or date.fromisoformat(c["not_after"][:10]) < SNAPSHOT
        for c in certs
    )
    assert (
        f"{expired} expired, 1 expiring within 30 days"
        in _section(page, "certificate-expiry").all_text()
    )


def test_waf_shows_every_web_acl_with_its_rules_and_flags(page, doc):
    acls = doc["data"]["waf_web_acls"]
    rows = {r[1]: r for r in table_rows(page, "waf")}
    assert set(rows) == {a["name"] for a in acls}
    for a in acls:
        row = rows[a["name"]]
        assert row[7] == str(len(a["rules"])), a["name"]
        assert row[6] == str(len(a["associated_resources"]))
        assert ("logging off" in row[9]) == (a["logging_enabled"] is False)
    assert points(page, "waf") == sum(len({r["action"] for r in a["rules"]}) for a in acls)


def test_resources_by_zone_add_up_to_the_inventory(page, doc):
    resources = doc["data"]["resources"]
    rows = table_rows(page, "availability-zones")
    assert sum(int(r[-1]) for r in rows) == len(resources)
    zonal_types = ("ec2:instance", "ec2:subnet", "ebs:volume")
    zones = {
        (
            r["region"],
            ((r.get("attributes") or {}).get("availability_zone") or "zone not recorded")
            if r["resource_type"] in zonal_types
            else "regional",
        )
        for r in resources
    }
    shown = {(r[2], r[3]) for r in rows}
    assert ("eu-west-1", "eu-west-1a") in shown and ("eu-west-1", "regional") in shown
    assert shown == zones
    regional = Counter(
        r["resource_type"] for r in resources if r["resource_type"] not in zonal_types
    )
    (row,) = [r for r in rows if r[3] == "regional"]
    assert row[4] == ", ".join(f"{n} {t}" for t, n in sorted(regional.items()))


def test_ssm_instances_show_ping_status_platform_and_agent(page, doc):
    instances = doc["data"]["ssm_instances"]
    rows = table_rows(page, "ssm-instances")
    assert rows[0][6] != "Online", "instances not online come first"
    assert {r[2]: r[6] for r in rows} == {i["instance_id"]: i["ping_status"] for i in instances}
    agents = table_rows(page, "ssm-agents")
    assert sum(int(r[1]) for r in agents) == len(instances)
    online = sum(i["ping_status"] == "Online" for i in instances)
    assert f"{online} of {len(instances)} online" in _section(page, "ssm-instances").all_text()
    platforms = {i["platform_name"] for i in instances}
    assert points(page, "ssm-instances") == len(platforms)  # one ping status per platform here


def test_an_empty_database_shows_every_new_section_empty(migrated_dsn):
    executor = PsycopgExecutor(migrated_dsn)
    try:
        page = parse(build_report(executor, now=NOW).html)
    finally:
        executor.close()
    for ident in NEW_SECTIONS:
        section = _section(page, ident)
        assert "No data for" in section.all_text(), ident
        figures = section.find_all("figure")
        assert figures and all("empty" in f.classes for f in figures), ident
        assert not section.find_all("table"), ident
