"""The report's columns and section for issue 14's depth and labels, on real PostgreSQL: WAF
protections, SSM node type, agent and association status, Resilience Hub RPO/RTO, and cost and
findings grouped by an account label (the roster's tag of that key winning over the sender's).

Documents go through the real loader; every expectation is computed from the documents.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from report import GroupBy
from report.formatting import EN_DASH
from report.sections.resilience import duration
from report.sections.rightsizing import risk_words
from support.receiver_fixtures import fixture_doc, variant
from support.report_db import loaded_database, report_page
from support.report_html import Node, points, table_rows

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OTHER = "210987654321"


def _other(doc: dict[str, Any]) -> None:
    """A second account, labelled by its sender only (outside the roster)."""
    doc["account_id"] = OTHER
    doc["data"] = {"account": {**doc["data"]["account"], "account_id": OTHER, "name": "sandbox",
                               "ou_path": None, "labels": {"product": "experiments"}}}  # fmt: skip
    doc["collectors"] = [c for c in doc["collectors"] if c["name"] == "account"]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return fixture_doc("full-daily")


@pytest.fixture(scope="module")
def dsn(server_url: str, migrated_template: str, doc) -> Iterator[str]:
    with loaded_database(server_url, migrated_template, (doc, variant(doc, _other))) as url:
        yield url


def _page(dsn: str, **options: Any) -> Node:
    return report_page(dsn, NOW, **options)


@pytest.fixture(scope="module")
def page(dsn: str) -> Node:
    return _page(dsn)


def test_waf_shows_each_web_acls_protections(page, doc):
    rows = {r[1]: r for r in table_rows(page, "waf")}
    names = {"geo_blocking": "geo", "sqli_protection": "SQLi", "xss_protection": "XSS",
             "rate_limiting": "rate"}  # fmt: skip
    for acl in doc["data"]["waf_web_acls"]:
        shown = ", ".join(name for flag, name in names.items() if acl[flag]) or "none"
        assert rows[acl["name"]][10] == shown, acl["name"]
    assert "GeoMatchStatement" in page.by_id("waf").all_text()


def test_ssm_instances_show_node_type_agent_and_association(page, doc):
    rows = {r[2]: r for r in table_rows(page, "ssm-instances")}
    latest = {True: "yes", False: "no (outdated)", None: "unknown"}
    for i in doc["data"]["ssm_instances"]:
        row = rows[i["instance_id"]]
        assert row[8:11] == [
            i["resource_type"] or EN_DASH,
            latest[i["agent_is_latest"]],
            i["association_status"] or EN_DASH,
        ]
    outdated = sum(i["agent_is_latest"] is False for i in doc["data"]["ssm_instances"])
    assert f"{outdated} with an outdated agent" in page.by_id("ssm-instances").all_text()


def test_resilience_lists_targets_and_estimates_breaches_first(page, doc):
    apps = doc["data"]["resilience_hub_apps"]
    expected = [(a["name"], d) for a in apps for d in a["disruptions"]]
    rows = table_rows(page, "resilience")
    assert len(rows) == len(expected)
    assert rows[0][8] == "breached"
    shown = {(r[1], r[3].split(" (")[0]): r for r in rows}
    names = {"Software": "Application", "Hardware": "Infrastructure", "AZ": "Availability Zone",
             "Region": "Region"}  # fmt: skip
    for app, d in expected:
        row = shown[app, names[d["disruption_type"]]]
        assert row[4:8] == [
            duration(d["target_rpo_seconds"]),
            duration(d["current_rpo_seconds"]),
            duration(d["target_rto_seconds"]),
            duration(d["current_rto_seconds"]),
        ]
    statuses = {(d["disruption_type"], d["compliance_status"]) for _, d in expected}
    assert points(page, "resilience") == len(statuses)  # one bar part per type and status


def test_durations_read_as_resilience_hub_states_them():
    assert [duration(s) for s in (None, 0, 45, 300, 3600, 5400, 90061)] == [
        EN_DASH, "0 s", "45 s", "5 min", "1 h", "1 h 30 min", "1 d 1 h 1 min"
    ]  # fmt: skip


def test_group_by_a_label_the_roster_winning_over_the_sender(dsn, doc):
    page = _page(dsn, group_by=GroupBy.parse("label:product"))
    assert "By account label product" in page.by_id("by-group").find_all("h2")[0].all_text()
    groups = {r[0]: r[1] for r in table_rows(page, "cost-findings-by-group")}
    assert groups == {doc["data"]["account"]["labels"]["product"]: "1", "experiments": "1"}

    executor = PsycopgExecutor(dsn)
    try:  # the roster tags the first account's product differently: the roster wins
        refresh = str(uuid.uuid4())
        executor.execute(
            "INSERT INTO organization_roster_refreshes (refresh_id, account_count, active_count,"
            " started_at) VALUES (CAST(:r AS uuid), 1, 1, now())",
            {"r": refresh},
        )
        executor.execute(
            "INSERT INTO organization_accounts (account_id, name, status, ou_id, ou_path, tags,"
            " refresh_id) VALUES (:a, 'payments-prod', 'ACTIVE', 'ou-ab12-cdef3456',"
            " 'Root/Workloads/Prod', CAST(:t AS jsonb), CAST(:r AS uuid))",
            {"a": doc["account_id"], "t": json.dumps({"product": "Zahlungen"}), "r": refresh},
        )
        page = _page(dsn, group_by=GroupBy.parse("label:product"))
    finally:
        executor.execute("DELETE FROM organization_accounts")
        executor.execute("DELETE FROM organization_roster_refreshes")
        executor.close()
    groups = {r[0]: r[1] for r in table_rows(page, "cost-findings-by-group")}
    assert groups == {"Zahlungen": "1", "experiments": "1"}
    for bad in ("label:", "labels:x"):
        with pytest.raises(ValueError, match="label:<key>"):
            GroupBy.parse(bad)


def test_rightsizing_lists_utilisation_risk_and_effort_most_savings_first(page, doc):
    recs = [c for c in doc["data"]["compute_optimizer"] if c["recommended_configuration"]]
    rows = table_rows(page, "savings-rightsizing")
    assert len(rows) == len(recs)
    by_type = {r[2]: r for r in rows}
    for rec in recs:
        row = by_type[rec["resource_type"]]
        cpu = [
            u["value"]
            for u in rec["utilization"]
            if (u["metric"], u["statistic"]) == ("Cpu", "Maximum")
        ]
        assert row[5] == (f"{cpu[0]:.1f} %" if cpu else EN_DASH), rec["resource_type"]
        assert row[7] == (rec["performance_risk"] or EN_DASH)
        assert row[9] == (rec["migration_effort"] or EN_DASH)
    assert by_type["EC2"][8] == "low (1)" and by_type["EC2"][4] == "m6i.xlarge → m6i.large"
    savings = [float(r[10].replace("$", "").replace(",", "")) for r in rows if r[10] != EN_DASH]
    assert savings == sorted(savings, reverse=True)


def test_risk_reads_in_words_with_its_number():
    assert [risk_words(None)] + [risk_words(Decimal(v)) for v in ("0", "1.0", "2.5", "4")] == [
        EN_DASH, "very low (0)", "low (1)", "medium (2.5)", "high (4)"
    ]  # fmt: skip
