"""SENDER_COST_MODE: every Cost Explorer request filtered on the own account (``account``), the
whole organization grouped by linked account (``organization``), or no request (``off``).

The Cost Explorer here is `labkit.cost_explorer.OrganizationBilling`: it answers as Cost
Explorer does in a management account, so a request without a ``LINKED_ACCOUNT`` filter gets the
whole organization's cost, exactly the bug these tests guard against.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from contract import validate_document
from labkit.cost_explorer import Commitment, Line, OrganizationBilling
from sender.aws import Clients
from sender.collect import RunRequest, collect, select
from sender.collectors._costexplorer import OFF_REASON
from sender.intervals import Interval
from sender.settings import ConfigurationError, Settings
from support.organization_billing import (
    COST_COLLECTORS,
    DEV,
    EC2,
    PAYER,
    PROD,
    S3,
    billing_lines,
    run,
)
from support.sender_fixtures import NOW, WINDOW, fast_retries


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    fast_retries(monkeypatch)


def filters_on(request: dict[str, Any], account: str) -> bool:
    """The request's filter restricts it to ``account`` (directly or inside an ``And``)."""
    expression = request.get("Filter") or {}
    parts = expression.get("And", [expression])
    return {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [account]}} in parts


def rows_of(document: dict[str, Any], account: str) -> dict[str, list[dict[str, Any]]]:
    """The Cost Explorer rows of ``account`` in a document, without their account_id field."""
    data = document["data"]
    found: dict[str, list[dict[str, Any]]] = {}
    for name, items in (
        ("cost.daily", data["cost"]["daily"]),
        ("cost.totals", data["cost"]["totals"]),
        ("service_usage", data["service_usage"]),
        ("marketplace_usage", data["marketplace_usage"]),
        ("commitments", data["commitments"]),
    ):
        mine = [i for i in items if i.get("account_id", document["account_id"]) == account]
        found[name] = sorted(
            ({k: v for k, v in i.items() if k != "account_id"} for i in mine), key=repr
        )
    return found


def test_settings_parse_the_cost_mode():
    assert Settings.from_env({}).cost_mode == "account"
    assert Settings.from_env({"SENDER_COST_MODE": " Organization "}).cost_mode == "organization"
    assert Settings.from_env({"SENDER_COST_MODE": "off"}).cost_mode == "off"
    with pytest.raises(ConfigurationError, match="SENDER_COST_MODE must be one of"):
        Settings.from_env({"SENDER_COST_MODE": "payer"})


def test_a_management_account_sender_reports_only_its_own_cost():
    document, billing = run(PAYER, "account")
    validate_document(document)
    ce_requests = [(op, r) for op, r in billing.requests if op != "DescribeSavingsPlans"]
    assert ce_requests and all(filters_on(r, PAYER) for _, r in ce_requests), ce_requests
    data = document["data"]
    assert "cost_mode" not in document
    assert {d["service"] for d in data["cost"]["daily"]} == {"AWS CloudTrail"}
    assert data["service_usage"] and all(
        u["service"] == "AWS CloudTrail" for u in data["service_usage"]
    )
    assert data["marketplace_usage"] == []  # PROD's Datadog subscription is not the payer's
    window = next(t for t in data["cost"]["totals"] if t["kind"] == "window")
    assert window["unblended_cost"] == "1.23"  # the payer's CloudTrail on the 24th, nothing else
    assert [(f["metric"], f["mean"]) for f in data["cost"]["forecast"]] == [
        ("UNBLENDED_COST", "33.4500000000"),  # 30 x the payer's own mean daily cost (1.115)
        ("AMORTIZED_COST", "33.4500000000"),
    ]
    assert [c["kind"] for c in data["commitments"]] == ["SP"]  # DEV's reservation is DEV's
    assert not any(
        "account_id" in row for rows in rows_of(document, PAYER).values() for row in rows
    )


def test_off_mode_makes_no_cost_explorer_request():
    document, billing = run(DEV, "off")
    validate_document(document)
    assert billing.requests == []
    entries = {e["name"]: e for e in document["collectors"]}
    assert {n: (e["status"], e["error"]) for n, e in entries.items()} == {
        name: ("skipped", OFF_REASON) for name in COST_COLLECTORS
    }
    assert not set(COST_COLLECTORS) & set(document["data"])


def test_organization_mode_gives_every_account_what_its_own_sender_would():
    document, _ = run(PAYER, "organization")
    validate_document(document)
    assert document["cost_mode"] == "organization"
    accounts = {PAYER, DEV, PROD}
    data = document["data"]
    for name in ("daily", "totals"):
        assert {row["account_id"] for row in data["cost"][name]} == accounts, name
    assert {row["account_id"] for row in data["service_usage"]} == accounts
    for account in accounts:
        own, _ = run(account, "account")
        assert rows_of(document, account) == rows_of(own, account), account
    # the forecast is the organization's total, never filed as the payer's own forecast
    assert data["cost"]["forecast"] == []
    lines = billing_lines()
    days = len({x.day for x in lines})
    expected = [
        (metric, str(sum((getattr(x, attr) for x in lines), Decimal(0)) * 30 / days))
        for metric, attr in (("UNBLENDED_COST", "unblended"), ("AMORTIZED_COST", "amortized"))
    ]
    forecasts = [(f["metric"], f["mean"]) for f in data["cost"]["organization_forecast"]]
    assert [(m, Decimal(v)) for m, v in forecasts] == [
        (m, Decimal(v).quantize(Decimal("1E-10"))) for m, v in expected
    ]  # 30 x the organization's mean daily cost
    assert [
        (f["metric"], f["mean"]) for f in run(PAYER, "account")[0]["data"]["cost"]["forecast"]
    ] != [(f["metric"], f["mean"]) for f in data["cost"]["organization_forecast"]]


def test_organization_mode_requests_grow_with_services_not_accounts():
    _, billing = run(PAYER, "organization", page_size=2)
    calls = Counter(op for op, _ in billing.requests)
    grouped = [r for op, r in billing.requests if op == "GetCostAndUsage" and r.get("GroupBy")]
    by_account = [
        r for r in grouped if {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"} in r["GroupBy"]
    ]
    assert all(len(r["GroupBy"]) <= 2 for r in grouped)
    assert any("NextPageToken" in r for r in by_account), "pages are followed"
    # no request of the cost / usage / marketplace queries names a single account
    assert not any(filters_on(r, a) for r in grouped for a in (PAYER, DEV, PROD))
    # commitments: which accounts hold them (2), then the account-mode queries for those only
    assert calls["GetDimensionValues"] == 2
    assert calls["GetReservationUtilization"] == calls["GetReservationCoverage"] == 1
    assert calls["GetSavingsPlansUtilization"] == 1
    assert calls["GetCostForecast"] == 2
    assert calls["DescribeSavingsPlans"] == 0  # its answer covers the caller's plans only


def test_organization_mode_with_a_thousand_accounts_stays_a_few_requests():
    many = [f"{100000000000 + n:012d}" for n in range(1000)]
    lines = [
        Line(a, WINDOW.start, service, "Usage", Decimal(1), Decimal(1), Decimal(1), "Hrs")
        for a in many
        for service in (EC2, S3)
    ]
    clients = Clients()
    billing = OrganizationBilling(lines, page_size=500).install(clients)
    request = RunRequest(
        Interval.DAILY, WINDOW, True, tuple(select(COST_COLLECTORS)), ("us-east-1",)
    )
    result = collect(
        request,
        clients,
        home_region="us-east-1",
        account_id=many[0],
        now=NOW,
        cost_mode="organization",
    )
    validate_document(result.document)
    accounts = {row["account_id"] for row in result.document["data"]["service_usage"]}
    assert accounts == set(many)
    # services (1) + 2 services x 2 pages + totals and re-collected days (grouped by account
    # and service: 1 day with cost x 2000 groups, 4 pages) + forecast (2) + Marketplace
    # products (1) + commitment holders (2) + EC2 reservation coverage of every account (1)
    assert billing.count() == 1 + 4 + 4 + 2 + 1 + 2 + 1


RDS = "Amazon Relational Database Service"


def shared_commitments_run(account: str, mode: str) -> tuple[dict[str, Any], OrganizationBilling]:
    """DEV holds an RDS reservation; PAYER's Savings Plan and EC2 reservation cover PROD."""
    hours = Decimal(24)
    rds = Line(
        DEV, WINDOW.start, RDS, "EUW1-InstanceUsage:db.r6g.large", hours, hours, hours, "Hrs"
    )
    lines = [*billing_lines(), rds]
    commitments = [
        Commitment(PAYER, "SP", coverage_pct="80", shared_with=(PROD,)),
        Commitment(PAYER, "RI", coverage_pct="50", shared_with=(PROD,)),
        Commitment(DEV, "RI", service=RDS, utilization_pct="100", coverage_pct="100"),
    ]
    clients = Clients()
    billing = OrganizationBilling(lines, commitments=commitments, caller=account).install(clients)
    request = RunRequest(
        Interval.DAILY, WINDOW, True, tuple(select(COST_COLLECTORS)), ("us-east-1",)
    )
    result = collect(
        request, clients, home_region="us-east-1", account_id=account, now=NOW, cost_mode=mode
    )
    validate_document(result.document)
    return result.document, billing


def test_reservations_of_every_service_and_shared_commitments_are_reported():
    """Issue 17, items 2 and 3: an RDS reservation is reported (a request without a SERVICE
    filter answers for EC2 only), and PROD, covered by the payer's plan and reservation, reports
    its coverage though it owns neither."""
    dev, billing = shared_commitments_run(DEV, "account")
    rows = {(c["kind"], c["service"]): c for c in dev["data"]["commitments"]}
    assert rows[("RI", RDS)]["utilization_pct"] == "100"
    assert rows[("RI", RDS)]["coverage_pct"] == "100"
    assert rows[("RI", EC2)]["coverage_pct"] == "0" and rows[("RI", EC2)]["commitment"] is None
    reservation_requests = [r for op, r in billing.requests if op.startswith("GetReservation")]
    assert reservation_requests and all(
        "SERVICE" in repr(r["Filter"]) for r in reservation_requests
    )
    prod, _ = shared_commitments_run(PROD, "account")
    rows = {(c["kind"], c["service"]): c for c in prod["data"]["commitments"]}
    assert rows[("SP", None)]["coverage_pct"] == "80"
    assert rows[("SP", None)]["utilization_pct"] is None  # the plan is the payer's
    assert rows[("RI", EC2)]["coverage_pct"] == "50" and rows[("RI", EC2)]["commitment"] is None
    organization, _ = shared_commitments_run(PAYER, "organization")
    by_account = {
        (c["account_id"], c["kind"], c["service"]) for c in organization["data"]["commitments"]
    }
    # coverage of every account using EC2, whoever owns the reservation; DEV's RDS reservation
    assert {(DEV, "RI", EC2), (PROD, "RI", EC2), (DEV, "RI", RDS)} <= by_account
    for account in (DEV, PROD):
        own, _ = shared_commitments_run(account, "account")
        ri = [c for c in rows_of(organization, account)["commitments"] if c["kind"] == "RI"]
        assert ri == [c for c in rows_of(own, account)["commitments"] if c["kind"] == "RI"]
