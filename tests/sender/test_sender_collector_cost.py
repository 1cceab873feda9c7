"""cost and service_usage: one shared Cost Explorer query, totals, forecast, only valid
granularities, never per region."""

from __future__ import annotations

from datetime import date

from sender.collect import RunRequest, collect, select
from sender.collectors.base import Shared
from sender.collectors.cost import COLLECTOR as COST
from sender.collectors.service_usage import COLLECTOR as USAGE
from sender.intervals import Interval, Window
from support.sender_fixtures import (
    ACCOUNT,
    NOW,
    WINDOW,
    WireStub,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
METRICS = ["UnblendedCost", "AmortizedCost", "UsageQuantity"]
GROUPS = [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
OWN = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}}  # every request carries it


def group(service, usage_type, unblended, amortized, quantity, unit="Hrs"):
    return {
        "Keys": [service, usage_type],
        "Metrics": {
            "UnblendedCost": {"Amount": unblended, "Unit": "USD"},
            "AmortizedCost": {"Amount": amortized, "Unit": "USD"},
            "UsageQuantity": {"Amount": quantity, "Unit": unit},
        },
    }


def usage_pages(stub, window=WINDOW):
    period = {"Start": window.start.isoformat(), "End": window.end.isoformat()}
    request = {
        "TimePeriod": period,
        "Granularity": "DAILY",
        "Metrics": METRICS,
        "GroupBy": GROUPS,
        "Filter": OWN,
    }
    ec2 = "Amazon Elastic Compute Cloud - Compute"
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                {
                    "TimePeriod": period,
                    "Groups": [
                        group(
                            ec2, "EUW1-BoxUsage:m6i.xlarge", "18.4320000000", "17.0000000000", "96"
                        ),
                        group(
                            ec2, "EUW1-EBS:VolumeUsage.gp3", "2.5", "2.5", "412.5531991010", "GB-Mo"
                        ),
                    ],
                    "Total": {},
                    "Estimated": True,
                }
            ],
            "NextPageToken": "page2",
        },
        request,
    )
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                {
                    "TimePeriod": period,
                    "Groups": [
                        group(
                            "Amazon Simple Storage Service",
                            "EUW1-TimedStorage-ByteHrs",
                            "9.4887235800",
                            "9.4887235800",
                            "412.5531991010",
                            "GB-Mo",
                        ),
                        group("Tax", "Tax:", "-0.0000000100", "0", "0", "N/A"),
                    ],
                    "Total": {},
                    "Estimated": True,
                }
            ]
        },
        {**request, "NextPageToken": "page2"},
    )


def totals_page(stub, start, end, granularity, results):
    """The comparison totals query of a history run: grouped by service and billing entity
    (which tells marketplace_usage the Marketplace products), summed into the totals."""
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": s, "End": e},
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": ["Amazon Elastic Compute Cloud - Compute", "AWS"],
                            "Metrics": {
                                "UnblendedCost": {"Amount": u, "Unit": "USD"},
                                "AmortizedCost": {"Amount": a, "Unit": "USD"},
                            },
                        }
                    ],
                    "Estimated": False,
                }
                for s, e, u, a in results
            ]
        },
        {
            "TimePeriod": {"Start": start, "End": end},
            "Granularity": granularity,
            "Metrics": ["UnblendedCost", "AmortizedCost"],
            "GroupBy": ENTITY_GROUPS,
            "Filter": OWN,
        },
    )


ENTITY_GROUPS = [
    {"Type": "DIMENSION", "Key": "SERVICE"},
    {"Type": "DIMENSION", "Key": "BILLING_ENTITY"},
]


def forecast(stub, metric, mean, start="2026-11-25", end="2026-12-01"):
    stub.add_response(
        "get_cost_forecast",
        {
            "Total": {"Amount": mean, "Unit": "USD"},
            "ForecastResultsByTime": [
                {
                    "TimePeriod": {"Start": start, "End": end},
                    "MeanValue": mean,
                    "PredictionIntervalLowerBound": "1650.12",
                    "PredictionIntervalUpperBound": "1930.54",
                }
            ],
        },
        {
            "TimePeriod": {"Start": start, "End": end},
            "Metric": metric,
            "Granularity": "MONTHLY",
            "PredictionIntervalLevel": 80,
            "Filter": OWN,
        },
    )


def daily_totals(stub, current=True):
    # previous day and month to date in ONE query: 1 November .. 25 November, DAILY rows; on a
    # scheduled run grouped by service: the days before the window are re-collected from it
    rows = [(f"2026-11-{d:02d}", f"2026-11-{d + 1:02d}", "10.5", "10") for d in range(1, 25)]
    if not current:
        totals_page(stub, "2026-11-01", "2026-11-25", "DAILY", rows)
        return
    stub.add_response(
        "get_cost_and_usage",
        {
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": s, "End": e},
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": ["Amazon Elastic Compute Cloud - Compute", "AWS"],
                            "Metrics": {
                                "UnblendedCost": {"Amount": u, "Unit": "USD"},
                                "AmortizedCost": {"Amount": a, "Unit": "USD"},
                            },
                        }
                    ],
                    "Estimated": s >= "2026-11-21",
                }
                for s, e, u, a in rows
            ]
        },
        {
            "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-25"},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost", "AmortizedCost"],
            "GroupBy": ENTITY_GROUPS,
            "Filter": OWN,
        },
    )


def test_daily_cost_totals_and_forecast(clients):
    with stubbed(clients, "ce", G) as ce:
        usage_pages(ce)
        daily_totals(ce)
        forecast(ce, "UNBLENDED_COST", "1790.33")
        forecast(ce, "AMORTIZED_COST", "1712.00")
        outcome = run_collector(COST, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    cost = section(outcome)
    # the days before the window, re-collected from the totals query with their flags
    again = [r for r in cost["daily"] if r["date"] < "2026-11-24"]
    assert [(r["date"], r["unblended_cost"], r["estimated"]) for r in again] == [
        (f"2026-11-{d:02d}", "10.5", d >= 21) for d in range(1, 24)
    ]
    assert [r for r in cost["daily"] if r["date"] == "2026-11-24"] == [
        {
            "date": "2026-11-24",
            "service": "Amazon Elastic Compute Cloud - Compute",
            "unblended_cost": "20.932",
            "amortized_cost": "19.5",
            "currency": "USD",
            "estimated": True,
        },
        {
            "date": "2026-11-24",
            "service": "Amazon Simple Storage Service",
            "unblended_cost": "9.48872358",
            "amortized_cost": "9.48872358",
            "currency": "USD",
            "estimated": True,
        },
        {
            "date": "2026-11-24",
            "service": "Tax",
            "unblended_cost": "-0.00000001",
            "amortized_cost": "0",
            "currency": "USD",
            "estimated": True,
        },
    ]
    totals = {t["kind"]: t for t in cost["totals"]}
    assert totals["window"]["unblended_cost"] == "30.42072357"
    assert (totals["previous_window"]["period_start"], totals["previous_window"]["period_end"]) == (
        "2026-11-23",
        "2026-11-24",
    )
    assert totals["previous_window"]["unblended_cost"] == "10.5"
    assert totals["month_to_date"] == {
        "kind": "month_to_date",
        "period_start": "2026-11-01",
        "period_end": "2026-11-25",
        "unblended_cost": "252",
        "amortized_cost": "240",
        "currency": "USD",
    }
    assert [(f["metric"], f["mean"], f["lower_bound"]) for f in cost["forecast"]] == [
        ("UNBLENDED_COST", "1790.33", "1650.12"),
        ("AMORTIZED_COST", "1712.00", "1650.12"),
    ]


def test_service_usage_reuses_the_same_query(clients):
    shared = Shared()
    with stubbed(clients, "ce", G) as ce:
        usage_pages(ce)  # two pages, asked once for both collectors
        daily_totals(ce)
        forecast(ce, "UNBLENDED_COST", "1")
        forecast(ce, "AMORTIZED_COST", "1")
        cost = run_collector(COST, make_context(clients, None, shared=shared))
        usage = run_collector(USAGE, make_context(clients, None, shared=shared))
    assert (cost.status, usage.status) == ("ok", "ok")
    rows = section(usage)
    assert len(rows) == 4
    assert rows[1] == {
        "date": "2026-11-24",
        "service": "Amazon Elastic Compute Cloud - Compute",
        "usage_type": "EUW1-EBS:VolumeUsage.gp3",
        "unit": "GB-Mo",
        "quantity": "412.553199101",
        "unblended_cost": "2.5",
        "currency": "USD",
    }
    assert clients.calls[("ce", "GetCostAndUsage")] == 3  # 2 pages + totals, not 2 + 2 + 1


def test_yearly_run_asks_only_daily_or_monthly_granularity(clients):
    window = Window(date(2025, 1, 1), date(2026, 1, 1))
    now = NOW.replace(year=2026, month=1, day=2)
    with stubbed(clients, "ce", G) as ce:
        usage_pages(ce, window)
        # previous year is older than Cost Explorer keeps (14 months): only December, MONTHLY
        totals_page(
            ce, "2025-12-01", "2026-01-01", "MONTHLY", [("2025-12-01", "2026-01-01", "300", "290")]
        )
        forecast(ce, "UNBLENDED_COST", "10", "2026-01-02", "2026-02-01")
        forecast(ce, "AMORTIZED_COST", "10", "2026-01-02", "2026-02-01")
        outcome = run_collector(
            COST, make_context(clients, None, interval=Interval.YEARLY, window=window, now=now)
        )
    assert outcome.status == "ok", outcome.error
    kinds = [t["kind"] for t in section(outcome)["totals"]]
    assert kinds == ["window", "month_to_date"]


def test_a_past_window_has_no_forecast(clients):
    with stubbed(clients, "ce", G) as ce:
        usage_pages(ce)
        daily_totals(ce, current=False)
        outcome = run_collector(COST, make_context(clients, None, current=False))
    assert outcome.status == "ok"
    assert section(outcome)["forecast"] == []
    assert {r["date"] for r in section(outcome)["daily"]} == {"2026-11-24"}  # no re-collection


def test_too_little_history_to_forecast_is_not_a_failure(clients):
    with stubbed(clients, "ce", G) as ce:
        usage_pages(ce)
        daily_totals(ce)
        for _ in range(2):
            ce.add_client_error("get_cost_forecast", service_error_code="DataUnavailableException")
        outcome = run_collector(COST, make_context(clients, None))
    assert outcome.status == "ok" and section(outcome)["forecast"] == []


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "ce", G) as ce:
        access_denied(ce, "get_cost_and_usage")
        cost = run_collector(COST, make_context(clients, None))
    assert cost.status == "skipped"
    assert cost.error.startswith("AccessDeniedException (GetCostAndUsage)")


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("ce", G))
    period = {"Start": "2026-11-24", "End": "2026-11-25"}
    wire.add_error("GetCostAndUsage", "ThrottlingException")
    wire.add_error("GetCostAndUsage", "LimitExceededException")
    wire.add(
        "GetCostAndUsage",
        {
            "ResultsByTime": [
                {
                    "TimePeriod": period,
                    "Groups": [
                        group("AWS Lambda", "EUW1-Request", "1.2", "1.2", "6000000", "Requests")
                    ],
                }
            ]
        },
    )
    wire.add("GetCostAndUsage", {"ResultsByTime": []})
    outcome = run_collector(COST, make_context(clients, None, current=False))
    wire.assert_done()
    assert outcome.status == "ok"
    assert section(outcome)["daily"][0]["unblended_cost"] == "1.2"


def test_cost_is_collected_once_per_account_whatever_the_regions(clients):
    request = RunRequest(
        Interval.DAILY,
        WINDOW,
        False,
        tuple(select(["cost"])),
        ("eu-west-1", "us-east-1", "ap-southeast-1"),
    )
    with stubbed(clients, "ce", G) as ce:
        usage_pages(ce)
        daily_totals(ce, current=False)
        result = collect(request, clients, home_region="eu-west-1", account_id=ACCOUNT, now=NOW)
    assert [(e["name"], e["region"]) for e in result.document["collectors"]] == [("cost", None)]
    assert result.cost_explorer_calls == 3
