"""commitments and marketplace_usage: Cost Explorer only when there is something to ask about."""

from __future__ import annotations

from datetime import date

import pytest

from sender.aws import Clients
from sender.collectors.commitments import COLLECTOR as COMMITMENTS
from sender.collectors.marketplace_usage import COLLECTOR as MARKETPLACE
from sender.intervals import Interval, Window
from support.sender_fixtures import (
    ACCOUNT,
    WireStub,
    access_denied,
    fast_retries,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
OWN = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}}  # every request carries it
DAY = {
    "TimePeriod": {"Start": "2026-11-24", "End": "2026-11-25"},
    "Granularity": "DAILY",
    "Filter": OWN,
}
RI_TOTAL = {
    "UtilizationPercentage": "98.61",
    "PurchasedHours": "240",
    "TotalActualHours": "236.66",
    "UnusedHours": "3.34",
    "OnDemandCostOfRIHoursUsed": "75.02",
    "NetRISavings": "23.19",
    "TotalPotentialRISavings": "23.92",
    "AmortizedUpfrontFee": "12.56",
    "AmortizedRecurringFee": "40",
    "TotalAmortizedFee": "52.5600",
    "RICostForUnusedHours": "0.73",
}


@pytest.fixture
def clients(monkeypatch):
    fast_retries(monkeypatch)
    return Clients()


def plans(stub, *entries, token=None):
    expected = {"states": ["active", "retired"], "maxResults": 100}
    stub.add_response(
        "describe_savings_plans",
        {"savingsPlans": list(entries), **({"nextToken": token} if token else {})},
        expected,
    )


def test_reserved_instances_and_savings_plans(clients):
    with stubbed(clients, "ce", G) as ce, stubbed(clients, "savingsplans", G) as sp:
        ce.add_response(
            "get_reservation_utilization", {"UtilizationsByTime": [], "Total": RI_TOTAL}, DAY
        )
        ce.add_response(
            "get_reservation_coverage",
            {
                "CoveragesByTime": [],
                "Total": {
                    "CoverageHours": {
                        "OnDemandHours": "340",
                        "ReservedHours": "236.66",
                        "TotalRunningHours": "576.66",
                        "CoverageHoursPercentage": "41.20",
                    }
                },
            },
            DAY,
        )
        plans(
            sp,
            {
                "savingsPlanId": "sp-old",
                "start": "2023-01-01T00:00:00.000Z",
                "end": "2026-01-01T00:00:00.000Z",
                "state": "retired",
            },
            token="more",
        )
        sp.add_response(
            "describe_savings_plans",
            {
                "savingsPlans": [
                    {
                        "savingsPlanId": "sp-1",
                        "start": "2025-06-01T00:00:00.000Z",
                        "end": "2028-06-01T00:00:00.000Z",
                        "state": "active",
                        "currency": "USD",
                    }
                ]
            },
        )
        ce.add_response(
            "get_savings_plans_utilization",
            {
                "Total": {
                    "Utilization": {
                        "TotalCommitment": "96.0000",
                        "UsedCommitment": "96.0000",
                        "UnusedCommitment": "0",
                        "UtilizationPercentage": "100",
                    },
                    "Savings": {"NetSavings": "38.4000", "OnDemandCostEquivalent": "134.4000"},
                }
            },
            DAY,
        )
        ce.add_response(
            "get_savings_plans_coverage",
            {
                "SavingsPlansCoverages": [
                    {
                        "Coverage": {
                            "SpendCoveredBySavingsPlans": "96",
                            "OnDemandCost": "54.71",
                            "TotalCost": "150.71",
                            "CoveragePercentage": "63.7",
                        }
                    }
                ],
                "NextToken": "n",
            },
            DAY,
        )
        ce.add_response(
            "get_savings_plans_coverage",
            {
                "SavingsPlansCoverages": [
                    {"Coverage": {"SpendCoveredBySavingsPlans": "0", "TotalCost": "0"}}
                ]
            },
            {**DAY, "NextToken": "n"},
        )
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    ri, sp_item = section(outcome)
    assert ri == {
        "kind": "RI",
        "period_start": "2026-11-24",
        "period_end": "2026-11-25",
        "utilization_pct": "98.61",
        "coverage_pct": "41.20",
        "commitment": "52.5600",
        "used": "51.83",
        "unused": "0.73",
        "net_savings": "23.19",
        "on_demand_equivalent": "75.02",
        "currency": "USD",
    }
    assert sp_item["coverage_pct"] == "63.698493796"  # 96 of 150.71 spend covered
    assert (sp_item["utilization_pct"], sp_item["net_savings"]) == ("100", "38.4000")


def test_no_commitments_cost_one_cost_explorer_call(clients):
    with stubbed(clients, "ce", G) as ce, stubbed(clients, "savingsplans", G) as sp:
        ce.add_client_error(
            "get_reservation_utilization", service_error_code="DataUnavailableException"
        )
        plans(sp)
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok" and section(outcome) == []
    assert clients.calls_for("ce") == 1


def test_monthly_windows_ask_monthly_granularity(clients):
    window = Window(date(2026, 10, 1), date(2026, 11, 1))
    month = {
        "TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"},
        "Granularity": "MONTHLY",
        "Filter": OWN,
    }
    with stubbed(clients, "ce", G) as ce, stubbed(clients, "savingsplans", G) as sp:
        ce.add_response(
            "get_reservation_utilization",
            {"UtilizationsByTime": [], "Total": {"PurchasedHours": "0"}},
            month,
        )
        plans(
            sp,
            {
                "savingsPlanId": "sp-late",
                "start": "2026-11-05T00:00:00.000Z",
                "end": "2029-11-05T00:00:00.000Z",
                "state": "active",
            },
        )  # after the window
        outcome = run_collector(
            COMMITMENTS, make_context(clients, None, interval=Interval.MONTHLY, window=window)
        )
    assert outcome.status == "ok" and section(outcome) == []


def test_commitments_access_denied_is_skipped(clients):
    with stubbed(clients, "ce", G) as ce:
        access_denied(ce, "get_reservation_utilization")
        assert run_collector(COMMITMENTS, make_context(clients, None)).status == "skipped"


def test_commitments_throttling_is_retried(clients):
    wire = WireStub(clients.client("ce", G))
    wire.add_error("GetReservationUtilization", "ThrottlingException")
    wire.add("GetReservationUtilization", {"UtilizationsByTime": [], "Total": {}})
    sp = WireStub(clients.client("savingsplans", G))
    sp.add_error("DescribeSavingsPlans", "ThrottlingException", status=429)
    sp.add("DescribeSavingsPlans", {"savingsPlans": []})
    assert run_collector(COMMITMENTS, make_context(clients, None)).status == "ok"
    wire.assert_done()
    sp.assert_done()


MARKET_REQUEST = {
    "TimePeriod": {"Start": "2026-11-24", "End": "2026-11-25"},
    "Granularity": "DAILY",
    "Metrics": ["UnblendedCost", "UsageQuantity"],
    "Filter": {
        "And": [OWN, {"Dimensions": {"Key": "BILLING_ENTITY", "Values": ["AWS Marketplace"]}}]
    },
    "GroupBy": [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    ],
}


def _market_group(product, usage_type, cost, quantity, unit):
    return {
        "Keys": [product, usage_type],
        "Metrics": {
            "UnblendedCost": {"Amount": cost, "Unit": "USD"},
            "UsageQuantity": {"Amount": quantity, "Unit": unit},
        },
    }


def test_marketplace_usage_is_filtered_server_side_and_paginated(clients):
    period = MARKET_REQUEST["TimePeriod"]
    with stubbed(clients, "ce", G) as ce:
        ce.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": period,
                        "Groups": [
                            _market_group(
                                "Datadog Pro (Pay-As-You-Go)",
                                "hosts",
                                "8.9600000000",
                                "14",
                                "Hosts",
                            )
                        ],
                    }
                ],
                "NextPageToken": "p",
            },
            MARKET_REQUEST,
        )
        ce.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": period,
                        "Groups": [
                            _market_group(
                                "CIS Hardened Image Level 1",
                                "EUW1-MP:m6i.xlarge",
                                "1.4400",
                                "48",
                                "Hrs",
                            )
                        ],
                    }
                ]
            },
            {**MARKET_REQUEST, "NextPageToken": "p"},
        )
        outcome = run_collector(MARKETPLACE, make_context(clients, None))
    assert outcome.status == "ok"
    assert section(outcome) == [
        {
            "date": "2026-11-24",
            "product": "Datadog Pro (Pay-As-You-Go)",
            "usage_type": "hosts",
            "unit": "Hosts",
            "quantity": "14",
            "cost": "8.96",
            "currency": "USD",
        },
        {
            "date": "2026-11-24",
            "product": "CIS Hardened Image Level 1",
            "usage_type": "EUW1-MP:m6i.xlarge",
            "unit": "Hrs",
            "quantity": "48",
            "cost": "1.44",
            "currency": "USD",
        },
    ]


def test_marketplace_access_denied_is_skipped_and_throttling_retried(clients):
    with stubbed(clients, "ce", G) as ce:
        access_denied(ce, "get_cost_and_usage")
        assert run_collector(MARKETPLACE, make_context(clients, None)).status == "skipped"
    other = Clients()
    wire = WireStub(other.client("ce", G))
    wire.add_error("GetCostAndUsage", "ThrottlingException")
    wire.add("GetCostAndUsage", {"ResultsByTime": []})
    assert run_collector(MARKETPLACE, make_context(other, None)).status == "ok"
