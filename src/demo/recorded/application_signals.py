"""CloudWatch Application Signals: the services each account runs and their SLOs.

Production runs three instrumented services on EKS in its home region with two SLOs (checkout
availability is met; payments latency is breaching), staging one service, the sandbox none (an
empty answer, as the real API gives when nothing is instrumented). Attainment moves a little from
day to day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from demo.profiles import HOME_REGION
from demo.recorded._core import Answer, Answers, ApiError, Call, at, page

MISSING = "moto 5.2 has no Application Signals service"
SERVICES: dict[str, tuple[tuple[str, str], ...]] = {
    "prod": (
        ("checkout-api", "eks:acme-prod/checkout"),
        ("payments-service", "eks:acme-prod/payments"),
        ("catalog-service", "eks:acme-prod/catalog"),
    ),
    "staging": (("checkout-api", "eks:acme-staging/checkout"),),
}
# name, service, operation, metric, goal %, typical attainment %
SLOS: dict[str, tuple[tuple[str, str, str, str, float, float], ...]] = {
    "prod": (
        ("checkout-availability", "checkout-api", "POST /checkout", "AVAILABILITY", 99.9, 99.96),
        ("payments-latency-p99", "payments-service", "POST /payments", "LATENCY", 99.0, 98.3),
    ),
}


def _services(call: Call) -> tuple[tuple[str, str], ...]:
    return SERVICES.get(call.profile.key, ()) if call.region == HOME_REGION else ()


def _slos(call: Call) -> tuple[tuple[str, str, str, str, float, float], ...]:
    return SLOS.get(call.profile.key, ()) if call.region == HOME_REGION else ()


def _key_attributes(name: str, environment: str) -> dict[str, str]:
    return {"Type": "Service", "Name": name, "Environment": environment}


def _environment(call: Call, service: str) -> str:
    return dict(_services(call)).get(service, "eks:unknown/default")


def list_services(call: Call) -> dict[str, Any]:
    summaries = []
    for name, environment in _services(call):
        cluster, namespace = environment.removeprefix("eks:").split("/")
        summaries.append(
            {
                "KeyAttributes": _key_attributes(name, environment),
                "AttributeMaps": [
                    {
                        "PlatformType": "AWS::EKS",
                        "EKS.Cluster": cluster,
                        "K8s.Namespace": namespace,
                        "K8s.Workload": name,
                    },
                    {
                        "Telemetry.SDK": "opentelemetry,1.33.0,java,Auto",
                        "Telemetry.Agent": "CWAgent",
                    },
                ],
                "MetricReferences": [
                    {
                        "Namespace": "ApplicationSignals",
                        "MetricType": kind,
                        "Dimensions": [
                            {"Name": "Environment", "Value": environment},
                            {"Name": "Service", "Value": name},
                        ],
                        "MetricName": metric,
                    }
                    for kind, metric in (
                        ("LATENCY", "Latency"),
                        ("FAULT", "Fault"),
                        ("ERROR", "Error"),
                    )
                ],
            }
        )
    chunk, token = page(summaries, call.params, "MaxResults", "NextToken")
    response: dict[str, Any] = {
        "StartTime": call.params["StartTime"],
        "EndTime": call.params["EndTime"],
        "ServiceSummaries": chunk,
    }
    if token:
        response["NextToken"] = token
    return response


def _slo_arn(call: Call, name: str) -> str:
    return f"arn:aws:application-signals:{call.region}:{call.account_id}:slo/{name}"


def list_service_level_objectives(call: Call) -> dict[str, Any]:
    summaries = [
        {
            "Arn": _slo_arn(call, name),
            "Name": name,
            "KeyAttributes": _key_attributes(service, _environment(call, service)),
            "OperationName": operation,
            "CreatedTime": at(call.anchor - timedelta(days=97), 15, 2, 11),
            "EvaluationType": "RequestBased",
            "MetricSourceType": "ServiceOperation",
        }
        for name, service, operation, _, _, _ in _slos(call)
    ]
    chunk, token = page(summaries, call.params, "MaxResults", "NextToken")
    response: dict[str, Any] = {"SloSummaries": chunk}
    if token:
        response["NextToken"] = token
    return response


def batch_get_budget_report(call: Call) -> dict[str, Any]:
    known = {_slo_arn(call, slo[0]): slo for slo in _slos(call)}
    by_name = {slo[0]: slo for slo in _slos(call)}
    reports, errors = [], []
    ids = call.params.get("SloIds") or []
    if len(ids) > 50:
        raise ApiError("ValidationException", "SloIds accepts at most 50 identifiers")
    for slo_id in ids:
        slo = known.get(slo_id) or by_name.get(slo_id)
        if slo is None:
            errors.append(
                {
                    "Name": slo_id.rsplit("/", 1)[-1],
                    "Arn": slo_id,
                    "ErrorCode": "ResourceNotFoundException",
                    "ErrorMessage": f"SLO {slo_id} does not exist",
                }
            )
            continue
        reports.append(_report(call, *slo))
    return {"Timestamp": call.params["Timestamp"], "Reports": reports, "Errors": errors}


def _report(
    call: Call, name: str, service: str, operation: str, metric: str, goal: float, typical: float
) -> dict[str, Any]:
    rng = call.rng("slo", name, call.today)
    attainment = min(typical + rng.gauss(0, (100 - goal) * 0.08), 100.0)
    total = 4_200_000 if metric == "AVAILABILITY" else 1_650_000
    budget = int(total * (100 - goal) / 100)
    bad = int(total * (100 - attainment) / 100)
    if attainment < goal:
        status = "BREACHED"
    elif budget - bad < budget * 0.3:
        status = "WARNING"
    else:
        status = "OK"
    key_attributes = _key_attributes(service, _environment(call, service))
    query = {
        "Id": "m1",
        "MetricStat": {
            "Metric": {
                "Namespace": "ApplicationSignals",
                "MetricName": "Latency" if metric == "LATENCY" else "Fault",
                "Dimensions": [
                    {"Name": "Service", "Value": service},
                    {"Name": "Operation", "Value": operation},
                ],
            },
            "Period": 60,
            "Stat": "SampleCount",
        },
        "ReturnData": True,
    }
    return {
        "Arn": _slo_arn(call, name),
        "Name": name,
        "EvaluationType": "RequestBased",
        "BudgetStatus": status,
        "Attainment": round(attainment, 4),
        "TotalBudgetRequests": budget,
        "BudgetRequestsRemaining": budget - bad,
        "RequestBasedSli": {
            "RequestBasedSliMetric": {
                "KeyAttributes": key_attributes,
                "OperationName": operation,
                "MetricType": metric,
                "TotalRequestCountMetric": [query],
                "MonitoredRequestCountMetric": {"BadCountMetric": [{**query, "Id": "bad"}]},
            },
            **(
                {"MetricThreshold": 800.0, "ComparisonOperator": "LessThanOrEqualTo"}
                if metric == "LATENCY"
                else {}
            ),
        },
        "Goal": {
            "Interval": {"RollingInterval": {"DurationUnit": "DAY", "Duration": 28}},
            "AttainmentGoal": goal,
            "WarningThreshold": 30.0,
        },
    }


ANSWERS: Answers = {
    ("application-signals", "ListServices"): Answer(MISSING, list_services),
    ("application-signals", "ListServiceLevelObjectives"): Answer(
        MISSING, list_service_level_objectives
    ),
    ("application-signals", "BatchGetServiceLevelObjectiveBudgetReport"): Answer(
        MISSING, batch_get_budget_report
    ),
}
