"""Estimated cost is re-collected: a scheduled DAILY run's comparison totals query reaches back
over the open month (and the previous one early in a month), grouped by service, so its DAILY
groups re-collect cost.daily without a request of its own (one request plus pages, never one per
day), and every cost.daily row carries Cost Explorer's ``Estimated`` flag of its day (issue 17
item 1).

Responses are shaped like the GetCostAndUsage API reference: one ``ResultsByTime`` entry per
day, ``Estimated`` true on the recent days.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from labkit.cost_explorer import OrganizationBilling
from sender.aws import Clients
from sender.collect import RunRequest, collect, select
from sender.collectors.base import Shared
from sender.collectors.cost import COLLECTOR as COST
from sender.collectors.service_usage import COLLECTOR as USAGE
from sender.intervals import Interval, Window
from support.organization_billing import COST_COLLECTORS, DEV, PAYER, PROD, billing_lines
from support.sender_fixtures import (
    ACCOUNT,
    make_context,
    run_collector,
    section,
    stubbed,
)
from support.sender_fixtures import NOW as NOVEMBER_25
from support.sender_fixtures import WINDOW as NOVEMBER_24

G = "us-east-1"
OWN = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}}
METRICS = ["UnblendedCost", "AmortizedCost", "UsageQuantity"]
GROUPS = [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3 = "Amazon Simple Storage Service"
# the scheduled run of 3 December: its window is 2 December, the previous month may still change
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
WINDOW = Window(date(2026, 12, 2), date(2026, 12, 3))
FINAL_UNTIL = date(2026, 11, 28)  # days before it are final; it and later still estimated


def day_result(day: date, estimated: bool, usage: bool = True) -> dict:
    """One day of a GetCostAndUsage result: grouped by SERVICE and USAGE_TYPE (``usage``, the
    usage query) or by SERVICE and BILLING_ENTITY (the totals query)."""
    ec2 = {"UnblendedCost": "4.608", "AmortizedCost": "4.25", "UsageQuantity": ("24", "Hrs")}
    s3 = {"UnblendedCost": "0.75", "AmortizedCost": "0.75", "UsageQuantity": ("32.6", "GB-Mo")}
    parts = [([EC2, "EUW1-BoxUsage:m6i.xlarge"], ec2)]
    if day.day % 2:  # S3 on odd days only
        parts.append(([S3, "EUW1-TimedStorage-ByteHrs"], s3))
    groups = []
    for keys, amounts in parts:
        metrics = {
            m: {"Amount": amounts[m], "Unit": "USD"} for m in ("UnblendedCost", "AmortizedCost")
        }
        if usage:
            quantity, unit = amounts["UsageQuantity"]
            metrics["UsageQuantity"] = {"Amount": quantity, "Unit": unit}
        groups.append({"Keys": keys if usage else [keys[0], "AWS"], "Metrics": metrics})
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(1)).isoformat()},
        "Total": {},
        "Groups": groups,
        "Estimated": estimated,
    }


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days)]


def expect_usage(stub, window: Window) -> None:
    """The usage query: the window's days only, whatever the run."""
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                day_result(d, d >= FINAL_UNTIL) for d in days(window.start, window.end)
            ]
        },
        {
            "TimePeriod": {"Start": window.start.isoformat(), "End": window.end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": METRICS,
            "GroupBy": GROUPS,
            "Filter": OWN,
        },
    )


def expect_totals(stub, start: date, end: date) -> None:
    """The comparison totals query, in two pages, grouped by service and billing entity (the
    Marketplace products); on scheduled DAILY runs its days before the window are re-collected."""
    results = [day_result(d, d >= FINAL_UNTIL, usage=False) for d in days(start, end)]
    request = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost", "AmortizedCost"],
        "GroupBy": [
            {"Type": "DIMENSION", "Key": "SERVICE"},
            {"Type": "DIMENSION", "Key": "BILLING_ENTITY"},
        ],
        "Filter": OWN,
    }
    half = len(results) // 2
    stub.add_response(
        "get_cost_and_usage",
        {"ResultsByTime": results[:half], "NextPageToken": "AAMA-next"},
        request,
    )
    stub.add_response(
        "get_cost_and_usage",
        {"ResultsByTime": results[half:]},
        {**request, "NextPageToken": "AAMA-next"},
    )


def expect_forecasts(stub, start: str, end: str) -> None:
    for metric in ("UNBLENDED_COST", "AMORTIZED_COST"):
        stub.add_client_error(
            "get_cost_forecast",
            service_error_code="DataUnavailableException",
            expected_params={
                "TimePeriod": {"Start": start, "End": end},
                "Metric": metric,
                "Granularity": "MONTHLY",
                "PredictionIntervalLevel": 80,
                "Filter": OWN,
            },
        )


def test_a_scheduled_daily_run_recollects_the_open_and_previous_month_with_their_flags(clients):
    shared = Shared()
    with stubbed(clients, "ce", G) as ce:
        expect_usage(ce, WINDOW)
        # the totals query (two pages) from 1 November: not one request per day
        expect_totals(ce, date(2026, 11, 1), WINDOW.end)
        expect_forecasts(ce, "2026-12-03", "2027-01-01")
        ctx = make_context(clients, None, window=WINDOW, now=NOW, shared=shared)
        cost = run_collector(COST, ctx)
        usage = run_collector(
            USAGE, make_context(clients, None, window=WINDOW, now=NOW, shared=shared)
        )
    assert (cost.status, usage.status) == ("ok", "ok"), (cost.error, usage.error)
    assert clients.calls[("ce", "GetCostAndUsage")] == 3  # usage + totals (2 pages)
    daily = section(cost)["daily"]
    assert {row["date"] for row in daily} == {
        d.isoformat() for d in days(date(2026, 11, 1), WINDOW.end)
    }
    flags = {(row["date"], row["service"]): row["estimated"] for row in daily}
    assert flags[("2026-11-27", EC2)] is False and flags[("2026-11-27", S3)] is False
    assert flags[("2026-11-28", EC2)] is True and flags[("2026-12-02", EC2)] is True
    assert ("2026-12-02", S3) not in flags  # no S3 cost that day: no row
    # the totals are the groups summed: the window's day, and December to date (2 days)
    totals = {t["kind"]: t["unblended_cost"] for t in section(cost)["totals"]}
    assert totals == {"window": "4.608", "previous_window": "5.358", "month_to_date": "9.966"}
    # service_usage stays on the window's day (documents stay small)
    assert {row["date"] for row in section(usage)} == {"2026-12-02"}


def test_late_in_a_month_only_the_open_month_is_recollected(clients):
    now, window = NOW.replace(day=20), Window(date(2026, 12, 19), date(2026, 12, 20))
    with stubbed(clients, "ce", G) as ce:
        expect_usage(ce, window)
        expect_totals(ce, date(2026, 12, 1), window.end)
        expect_forecasts(ce, "2026-12-20", "2027-01-01")
        cost = run_collector(COST, make_context(clients, None, window=window, now=now))
    assert cost.status == "ok", cost.error
    assert min(row["date"] for row in section(cost)["daily"]) == "2026-12-01"


@pytest.mark.parametrize(
    ("interval", "current"), [(Interval.DAILY, False), (Interval.WEEKLY, True)]
)
def test_history_and_other_intervals_ask_for_their_window_only(clients, interval, current):
    window = (
        WINDOW if interval is Interval.DAILY else Window(date(2026, 11, 23), date(2026, 11, 30))
    )
    now = NOW if interval is Interval.DAILY else datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with stubbed(clients, "ce", G) as ce:
        expect_usage(ce, window)
        if interval is Interval.DAILY:
            expect_totals(ce, date(2026, 12, 1), window.end)
        else:
            expect_totals(ce, date(2026, 11, 1), date(2026, 11, 30))
            expect_forecasts(ce, "2026-12-01", "2027-01-01")
        ctx = make_context(
            clients, None, interval=interval, window=window, now=now, current=current
        )
        cost = run_collector(COST, ctx)
    assert cost.status == "ok", cost.error
    assert {row["date"] for row in section(cost)["daily"]} == {
        d.isoformat() for d in days(window.start, window.end)
    }


def test_organization_mode_recollects_every_accounts_days_in_the_totals_query():
    clients = Clients()
    billing = OrganizationBilling(
        billing_lines(), page_size=2, estimated_from=date(2026, 11, 22)
    ).install(clients)
    request = RunRequest(Interval.DAILY, NOVEMBER_24, True, tuple(select(COST_COLLECTORS)), (G,))
    result = collect(
        request, clients, home_region=G, account_id=PAYER, now=NOVEMBER_25, cost_mode="organization"
    )
    daily = result.document["data"]["cost"]["daily"]
    per_account = Counter(row["account_id"] for row in daily)
    # 1..24 November, by service (PROD's third is a Marketplace product)
    assert per_account == {PAYER: 24, DEV: 48, PROD: 72}
    flags = {(r["account_id"], r["date"], r["service"]): r["estimated"] for r in daily}
    assert flags[(DEV, "2026-11-21", EC2)] is False and flags[(DEV, "2026-11-22", EC2)] is True
    totals = [r for op, r in billing.requests if op == "GetCostAndUsage" and "GroupBy" in r]
    grouped = [r["GroupBy"] for r in totals if r["TimePeriod"]["Start"] == "2026-11-01"]
    assert {json_keys(g) for g in grouped} == {("LINKED_ACCOUNT", "SERVICE")}


def json_keys(group_by: list[dict[str, str]]) -> tuple[str, ...]:
    return tuple(g["Key"] for g in group_by)
