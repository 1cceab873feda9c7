"""cost_anomalies: GetAnomalies over the window, each anomaly with its impact and root causes.

Responses are shaped like the API reference's Anomaly object (optional fields absent, an open
anomaly without AnomalyEndDate, an aws-us-gov monitor ARN, non-ASCII account names).
"""

from __future__ import annotations

from datetime import date

from sender.collectors.cost_anomalies import COLLECTOR
from sender.intervals import Interval, Window
from support.sender_fixtures import (
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
OPEN = {
    "AnomalyId": "0f6d1c2e-8f3b-4c5a-9e7d-1a2b3c4d5e6f",
    "AnomalyStartDate": "2026-11-22",
    "DimensionValue": "Amazon Elastic Compute Cloud - Compute",
    "RootCauses": [
        {
            "Service": "Amazon Elastic Compute Cloud - Compute",
            "Region": "eu-west-1",
            "LinkedAccount": "123456789012",
            "LinkedAccountName": "Zahlungsverkehr München",
            "UsageType": "EUW1-BoxUsage:p4d.24xlarge",
            "Impact": {"Contribution": 290.1},
        },
        {"Service": "AWS Lambda"},  # every field of a root cause is optional
    ],
    "AnomalyScore": {"MaxScore": 0.93, "CurrentScore": 0.81},
    "Impact": {
        "MaxImpact": 182.4,
        "TotalImpact": 311.25,
        "TotalActualSpend": 498.75,
        "TotalExpectedSpend": 187.5,
        "TotalImpactPercentage": 166.0,
    },
    "MonitorArn": "arn:aws-us-gov:ce::123456789012:anomalymonitor/8c1b7e2a-5d4f-4a3b-9c8d",
}
CLOSED = {
    "AnomalyId": "5b9e3f1a-2c4d-4e6f-8a0b-c1d2e3f4a5b6",
    "AnomalyStartDate": "2026-11-20",
    "AnomalyEndDate": "2026-11-24",
    "AnomalyScore": {"MaxScore": 0.61, "CurrentScore": 0.12},
    "Impact": {"MaxImpact": 12.5, "TotalImpact": 27.8, "TotalExpectedSpend": 0.0},
    "MonitorArn": "arn:aws:ce::123456789012:anomalymonitor/1d2e3f4a",
    "Feedback": "PLANNED_ACTIVITY",
}


def test_anomalies_of_the_window_with_root_causes_open_and_closed(clients):
    # a scheduled run: its window and the 60 days before it (later states of older anomalies)
    interval = {"StartDate": "2026-09-25", "EndDate": "2026-11-24"}
    with stubbed(clients, "ce", G) as ce:
        ce.add_response(
            "get_anomalies", {"Anomalies": [OPEN], "NextPageToken": "n"}, {"DateInterval": interval}
        )
        ce.add_response(
            "get_anomalies",
            {"Anomalies": [CLOSED]},
            {"DateInterval": interval, "NextPageToken": "n"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    opened, closed = section(outcome)
    assert opened == {
        "anomaly_id": "0f6d1c2e-8f3b-4c5a-9e7d-1a2b3c4d5e6f",
        "monitor_arn": "arn:aws-us-gov:ce::123456789012:anomalymonitor/8c1b7e2a-5d4f-4a3b-9c8d",
        "start_date": "2026-11-22",
        "end_date": None,  # open: AWS has not ended it
        "dimension_value": "Amazon Elastic Compute Cloud - Compute",
        "max_impact": "182.4",
        "total_impact": "311.25",
        "total_actual_spend": "498.75",
        "total_expected_spend": "187.5",
        "total_impact_percentage": "166",
        "max_score": "0.93",
        "current_score": "0.81",
        "feedback": None,
        "root_causes": [
            {
                "position": 1,
                "service": "Amazon Elastic Compute Cloud - Compute",
                "region": "eu-west-1",
                "usage_type": "EUW1-BoxUsage:p4d.24xlarge",
                "linked_account": "123456789012",
                "linked_account_name": "Zahlungsverkehr München",
                "contribution": "290.1",
            },
            {
                "position": 2,
                "service": "AWS Lambda",
                "region": None,
                "usage_type": None,
                "linked_account": None,
                "linked_account_name": None,
                "contribution": None,
            },
        ],
    }
    assert (closed["end_date"], closed["feedback"], closed["root_causes"]) == (
        "2026-11-24",
        "PLANNED_ACTIVITY",
        [],
    )
    # expected spend zero: AWS omits the percentage, and so does the row
    assert closed["total_impact_percentage"] is None and closed["total_actual_spend"] is None


def test_a_backfill_asks_its_own_window_and_nothing_older_than_90_days(clients):
    """A history window asks its own days; one partly older than AWS keeps them starts 89 days
    ago; one wholly older is not asked."""
    week = Window(date(2026, 10, 5), date(2026, 10, 12))
    with stubbed(clients, "ce", G) as ce:
        ce.add_response(
            "get_anomalies",
            {"Anomalies": []},
            {"DateInterval": {"StartDate": "2026-10-05", "EndDate": "2026-10-11"}},
        )
        ce.add_response(
            "get_anomalies",
            {"Anomalies": []},
            {"DateInterval": {"StartDate": "2026-08-28", "EndDate": "2026-08-30"}},
        )
        ctx = make_context(clients, None, interval=Interval.WEEKLY, window=week, current=False)
        assert run_collector(COLLECTOR, ctx).status == "ok"
        edge = Window(date(2026, 8, 24), date(2026, 8, 31))  # today - 89 days: 2026-08-28
        ctx = make_context(clients, None, interval=Interval.WEEKLY, window=edge, current=False)
        assert run_collector(COLLECTOR, ctx).status == "ok"
    old = Window(date(2026, 8, 1), date(2026, 8, 2))
    ctx = make_context(clients, None, window=old, current=False)
    outcome = run_collector(COLLECTOR, ctx)  # no stub: any request would fail the test
    assert outcome.status == "ok" and outcome.items == []
    assert clients.calls_for("ce") == 2


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "ce", G) as ce:
        access_denied(ce, "get_anomalies")
        assert run_collector(COLLECTOR, make_context(clients, None)).status == "skipped"
