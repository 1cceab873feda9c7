"""health_events: events updated in the window, entity counts ten at a time, skipped without a
Business support plan."""

from __future__ import annotations

from datetime import UTC, datetime

from sender.collectors.health_events import COLLECTOR
from support.sender_fixtures import (
    WireStub,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
WINDOW_FILTER = {
    "lastUpdatedTimes": [
        {"from": datetime(2026, 11, 24, tzinfo=UTC), "to": datetime(2026, 11, 25, tzinfo=UTC)}
    ]
}


def event(n, region="eu-west-1", **extra):
    return {
        "arn": f"arn:aws:health:{region}::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/ISSUE_{n:04d}",
        "service": "EC2",
        "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE",
        "eventTypeCategory": "issue",
        "region": region,
        "statusCode": "closed",
        "eventScopeCode": "PUBLIC",
        "startTime": datetime(2026, 11, 23, 14, 10, tzinfo=UTC),
        "endTime": datetime(2026, 11, 23, 16, 45, tzinfo=UTC),
        "lastUpdatedTime": datetime(2026, 11, 24, 16, 50, 12, tzinfo=UTC),
        **extra,
    }


def test_events_over_pages_with_batched_entity_counts(clients):
    events = [event(n) for n in range(11)]
    events.append(
        event(
            99, region="global", eventScopeCode="ACCOUNT_SPECIFIC", statusCode="open", endTime=None
        )
    )
    events[-1].pop("endTime")
    arns = [e["arn"] for e in events]
    with stubbed(clients, "health", G) as health:
        health.add_response(
            "describe_events",
            {"events": events[:6], "nextToken": "next"},
            {"filter": WINDOW_FILTER, "maxResults": 100},
        )
        health.add_response(
            "describe_events",
            {"events": events[6:]},
            {"filter": WINDOW_FILTER, "maxResults": 100, "nextToken": "next"},
        )
        health.add_response(
            "describe_entity_aggregates",
            {"entityAggregates": [{"eventArn": a, "count": 0} for a in arns[:10]]},
            {"eventArns": arns[:10]},
        )
        health.add_response(
            "describe_entity_aggregates",
            {
                "entityAggregates": [
                    {"eventArn": arns[10], "count": 0},
                    {"eventArn": arns[11], "count": 3},
                ]
            },
            {"eventArns": arns[10:]},
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    items = section(outcome)
    assert len(items) == 12
    assert items[-1]["region"] is None  # "global" events
    assert items[-1]["affected_entity_count"] == 3
    assert items[-1]["end_time"] is None and items[0]["end_time"] == "2026-11-23T16:45:00Z"


def test_no_business_support_is_skipped(clients):
    with stubbed(clients, "health", G) as health:
        health.add_client_error(
            "describe_events",
            service_error_code="SubscriptionRequiredException",
            http_status_code=400,
        )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "skipped"
    assert "Business, Enterprise On-Ramp or Enterprise support plan" in outcome.error


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "health", G) as health:
        access_denied(health, "describe_events")
        assert run_collector(COLLECTOR, make_context(clients, None)).status == "skipped"


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("health", G))
    wire.add_error("DescribeEvents", "ThrottlingException")
    wire.add("DescribeEvents", {"events": [event(1)]})
    wire.add_error("DescribeEntityAggregates", "ThrottlingException")
    wire.add(
        "DescribeEntityAggregates",
        {"entityAggregates": [{"eventArn": event(1)["arn"], "count": 2}]},
    )
    assert (
        section(run_collector(COLLECTOR, make_context(clients, None)))[0]["affected_entity_count"]
        == 2
    )
    wire.assert_done()
