"""application_signals: services and SLOs with budget reports in batches of 50 (Stubber only:
moto does not even intercept this API, so every test stubs every call)."""

from __future__ import annotations

from datetime import UTC, datetime

from sender.collectors.application_signals import COLLECTOR
from support.sender_fixtures import (
    NOW,
    REGION,
    WireStub,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

END = NOW  # scheduled run: the last 24 hours up to now
START = datetime(2026, 11, 24, 2, tzinfo=UTC)


def service(name, environment, **attributes):
    return {
        "KeyAttributes": {"Type": "Service", "Name": name, "Environment": environment},
        "AttributeMaps": [attributes] if attributes else [],
        "MetricReferences": [],
    }


def slo(n):
    return {
        "Arn": f"arn:aws:application-signals:eu-west-1:123456789012:slo/slo-{n}",
        "Name": f"slo-{n}",
        "KeyAttributes": {
            "Type": "Service",
            "Name": "payments-api",
            "Environment": "eks:prod/payments",
        },
        "CreatedTime": datetime(2026, 1, 1, tzinfo=UTC),
    }


def report(n, attainment, status):
    return {
        "Arn": slo(n)["Arn"],
        "Name": f"slo-{n}",
        "BudgetStatus": status,
        "Attainment": attainment,
        "Goal": {"AttainmentGoal": 99.9},
    }


def test_services_and_slos(clients):
    slos = [slo(n) for n in range(51)]
    arns = [s["Arn"] for s in slos]
    with stubbed(clients, "application-signals") as signals:
        signals.add_response(
            "list_services",
            {
                "StartTime": START,
                "EndTime": END,
                "ServiceSummaries": [
                    service(
                        "payments-api",
                        "eks:prod-cluster/payments",
                        Platform="AWS::EKS",
                        **{"EKS.Cluster": "prod-cluster"},
                    )
                ],
                "NextToken": "s",
            },
            {"StartTime": START, "EndTime": END, "MaxResults": 100},
        )
        signals.add_response(
            "list_services",
            {
                "StartTime": START,
                "EndTime": END,
                "ServiceSummaries": [service("ledger-worker", "ec2:default")],
            },
            {"StartTime": START, "EndTime": END, "MaxResults": 100, "NextToken": "s"},
        )
        signals.add_response(
            "list_service_level_objectives", {"SloSummaries": slos}, {"MaxResults": 50}
        )
        signals.add_response(
            "batch_get_service_level_objective_budget_report",
            {
                "Timestamp": END,
                "Reports": [report(n, 99.962, "OK") for n in range(50)],
                "Errors": [],
            },
            {"Timestamp": END, "SloIds": arns[:50]},
        )
        signals.add_response(
            "batch_get_service_level_objective_budget_report",
            {"Timestamp": END, "Reports": [report(50, 93.1, "BREACHED")], "Errors": []},
            {"Timestamp": END, "SloIds": arns[50:]},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    data = section(outcome)
    assert data["services"][0] == {
        "name": "payments-api",
        "environment": "eks:prod-cluster/payments",
        "type": "Service",
        "region": REGION,
        "attributes": {"Platform": "AWS::EKS", "EKS.Cluster": "prod-cluster"},
    }
    assert len(data["slos"]) == 51
    assert data["slos"][50] == {
        "slo_arn": arns[50],
        "name": "slo-50",
        "region": REGION,
        "service_name": "payments-api",
        "goal_attainment": 99.9,
        "attainment": 93.1,
        "status": "BREACHED",
        "updated_at": "2026-11-25T02:00:00Z",
    }


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "application-signals") as signals:
        access_denied(signals, "list_services")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("application-signals", REGION))
    wire.add_error("ListServices", "ThrottlingException", status=429)
    wire.add(
        "ListServices",
        {"StartTime": START, "EndTime": END, "ServiceSummaries": [service("a", "ec2:default")]},
    )
    wire.add("ListServiceLevelObjectives", {"SloSummaries": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    wire.assert_done()
    assert outcome.status == "ok" and outcome.item_count == 1
