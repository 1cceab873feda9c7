"""The commitments each demo account owns, described the way each service lists them.

One source for everything: the commitments table of `demo.recorded.cost` (``COMMITMENTS``),
whose utilisation Cost Explorer's answers already derive from. Reservations are listed by their
service in their region (prod: EC2 Reserved Instances and an RDS reservation in eu-west-1;
ElastiCache, OpenSearch and Redshift own none, so they answer empty lists); Savings Plans by
`demo.recorded.cost.describe_savings_plans`. Per-commitment utilisation comes from the same
daily figures as the totals: ``GetReservationUtilization`` grouped by ``SUBSCRIPTION_ID`` (one
group per reservation, ``leaseId`` its id; ungrouped requests are the cost module's answer) and
``GetSavingsPlansUtilizationDetails`` (one entry per plan ARN).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from demo.recorded import cost
from demo.recorded._core import Answer, Answers, ApiError, Call, at, days, page

YEAR_SECONDS = 31_536_000
OFFERING = {1.0: "All Upfront", 0.5: "Partial Upfront", 0.0: "No Upfront"}
SERVICES = {
    cost.EC2: "ec2",
    cost.RDS: "rds",
    "Amazon ElastiCache": "elasticache",
    "Amazon OpenSearch Service": "opensearch",
    "Amazon Redshift": "redshift",
}
MISSING = "not implemented by moto 5.2"


def _owned(call: Call, service: str) -> list[tuple[int, cost.Reservation]]:
    """The profile's reservations of one boto3 service in the call's region, with their index."""
    return [
        (index, r)
        for index, r in enumerate(cost._commitments(call).reservations)
        if SERVICES.get(r.service) == service and r.region == call.region
    ]


def _reservation_id(call: Call, index: int) -> str:
    return cost._uuid(call.profile.key, "reservation", index)


def _subscription(call: Call, index: int) -> str:
    return str(int(_reservation_id(call, index).replace("-", "")[:9], 16))


def _terms(call: Call, reservation: cost.Reservation) -> dict[str, Any]:
    start, end = cost._term(call, reservation.started_days_before, reservation.years)
    if start > call.today:
        state = "queued"
    elif end <= call.today:
        state = "retired"
    else:
        state = "active"
    hours = Decimal((end - start).days * 24 * reservation.count)
    fee = hours * Decimal(str(reservation.effective))
    upfront = Decimal(str(reservation.upfront))
    hourly = Decimal(str(reservation.effective)) * (1 - upfront)
    return {
        "start": at(start, 9, 14, 2),
        "end": at(end, 9, 14, 1),
        "duration": reservation.years * YEAR_SECONDS,
        "fixed": float((fee * upfront).quantize(Decimal("0.01"))),
        "hourly": float(hourly.quantize(Decimal("0.0001"))),
        "offering": OFFERING.get(reservation.upfront, "Partial Upfront"),
        "state": state,
    }


def describe_reserved_instances(call: Call) -> dict[str, Any]:
    found = []
    for index, reservation in _owned(call, "ec2"):
        terms = _terms(call, reservation)
        found.append(
            {
                "ReservedInstancesId": _reservation_id(call, index),
                "InstanceType": reservation.instance_type,
                "Start": terms["start"],
                "End": terms["end"],
                "Duration": terms["duration"],
                "UsagePrice": 0.0,
                "FixedPrice": terms["fixed"],
                "InstanceCount": reservation.count,
                "ProductDescription": "Linux/UNIX",
                "State": terms["state"],
                "InstanceTenancy": "default",
                "CurrencyCode": "USD",
                "OfferingType": terms["offering"],
                "RecurringCharges": (
                    [{"Frequency": "Hourly", "Amount": terms["hourly"]}] if terms["hourly"] else []
                ),
                "OfferingClass": "standard",
                "Scope": "Region",
            }
        )
    return {"ReservedInstances": found}


def describe_reserved_db_instances(call: Call) -> dict[str, Any]:
    found = []
    for index, reservation in _owned(call, "rds"):
        terms = _terms(call, reservation)
        name = f"{call.profile.key}-{reservation.instance_type.replace('.', '-')}-{index}"
        charges = [{"RecurringChargeAmount": terms["hourly"], "RecurringChargeFrequency": "Hourly"}]
        found.append(
            {
                "ReservedDBInstanceId": name,
                "ReservedDBInstancesOfferingId": cost._uuid("rds-offering", reservation.years),
                "DBInstanceClass": reservation.instance_type,
                "StartTime": terms["start"],
                "Duration": terms["duration"],
                "FixedPrice": terms["fixed"],
                "UsagePrice": 0.0,
                "CurrencyCode": "USD",
                "DBInstanceCount": reservation.count,
                "ProductDescription": "postgresql",
                "OfferingType": terms["offering"],
                "MultiAZ": False,
                "State": terms["state"],
                "RecurringCharges": charges if terms["hourly"] else [],
                "ReservedDBInstanceArn": (f"arn:aws:rds:{call.region}:{call.account_id}:ri:{name}"),
                "LeaseId": _reservation_id(call, index),
            }
        )
    chunk, token = page(found, call.params, "MaxRecords", "Marker", default=100)
    response: dict[str, Any] = {"ReservedDBInstances": chunk}
    if token:
        response["Marker"] = token
    return response


def describe_reserved_cache_nodes(call: Call) -> dict[str, Any]:
    return {"ReservedCacheNodes": []}  # no demo account reserves ElastiCache nodes


def describe_reserved_opensearch_instances(call: Call) -> dict[str, Any]:
    return {"ReservedInstances": []}


def describe_reserved_nodes(call: Call) -> dict[str, Any]:
    return {"ReservedNodes": []}


def get_reservation_utilization(call: Call) -> dict[str, Any]:
    """Grouped by SUBSCRIPTION_ID: one group per reservation of the SERVICE asked; otherwise
    Cost Explorer's totals as the cost module answers them."""
    if not call.params.get("GroupBy"):
        return cost.get_reservation_utilization(call)
    start, end = cost._period(call)
    services = cost._services(call)
    owned = [
        (index, r)
        for index, r in enumerate(cost._commitments(call).reservations)
        if r.service in services
    ]
    groups, overall = [], {}
    for index, reservation in owned:
        sums: dict[str, Decimal] = {}
        for day in days(start, end):
            cost._add(sums, cost._ri_day(call, reservation, day))
        if not sums:
            continue
        cost._add(overall, sums)
        groups.append(
            {
                "Key": "SUBSCRIPTION_ID",
                "Value": _subscription(call, index),
                "Attributes": {
                    "leaseId": _reservation_id(call, index),
                    "region": reservation.region,
                    "instanceType": reservation.instance_type,
                    "numberOfInstances": str(reservation.count),
                    "accountId": call.account_id,
                },
                "Utilization": cost._ri_aggregate(sums),
            }
        )
    if not groups:
        raise ApiError(*cost.NO_DATA)
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    return {
        "UtilizationsByTime": [{"TimePeriod": period, "Groups": groups}],
        "Total": cost._ri_aggregate(overall),
    }


def get_savings_plans_utilization_details(call: Call) -> dict[str, Any]:
    """One entry per plan of the account that ran in the period (the cost model's figures)."""
    start, end = cost._period(call)
    plans = cost.describe_savings_plans(dataclasses.replace(call, params={}))
    arns = {p["savingsPlanId"]: p["savingsPlanArn"] for p in plans["savingsPlans"]}
    details = []
    for index, plan in enumerate(cost._commitments(call).plans):
        sums: dict[str, Decimal] = {}
        for day in days(start, end):
            cost._add(sums, _plan_day(call, index, plan, day))
        if not sums:
            continue
        plan_id = cost._uuid(call.profile.key, "savings-plan", index)
        details.append(
            {
                "SavingsPlanArn": arns[plan_id],
                "Attributes": {"SavingsPlansType": plan.plan_type, "PaymentOption": plan.payment},
                **cost._sp_aggregate(sums),
            }
        )
    if not details:
        raise ApiError(*cost.NO_DATA)
    chunk, token = page(details, call.params, "MaxResults", "NextToken")
    response: dict[str, Any] = {
        "SavingsPlansUtilizationDetails": chunk,
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
    }
    if token:
        response["NextToken"] = token
    return response


def _plan_day(call: Call, index: int, plan: cost.SavingsPlan, day: Any) -> dict[str, Decimal]:
    """One plan's share of `demo.recorded.cost`'s daily Savings Plans figures."""
    start, end = cost._term(call, plan.started_days_before, plan.years)
    if not start <= day < end:
        return {}
    commitment = Decimal(str(plan.hourly)) * 24
    ratio = cost._utilisation(call, f"sp{index}", day, *plan.utilisation)
    used = (commitment * Decimal(str(ratio))).quantize(cost.PLACES)
    equivalent = (used / Decimal(str(1 - plan.discount))).quantize(cost.PLACES)
    upfront = commitment if plan.payment == "All Upfront" else cost.ZERO
    return {
        "commitment": commitment,
        "used": used,
        "unused": commitment - used,
        "equivalent": equivalent,
        "savings": equivalent - commitment,
        "upfront": upfront,
        "recurring": commitment - upfront,
    }


# GetReservationUtilization replaces the cost module's answer (listed after it in
# demo.recorded.ANSWERS): the same totals when ungrouped, plus the SUBSCRIPTION_ID groups.
ANSWERS: Answers = {
    ("ec2", "DescribeReservedInstances"): Answer(
        "moto implements it as a stub that raises NotImplementedError (5.2)",
        describe_reserved_instances,
    ),
    ("rds", "DescribeReservedDBInstances"): Answer(MISSING, describe_reserved_db_instances),
    ("elasticache", "DescribeReservedCacheNodes"): Answer(MISSING, describe_reserved_cache_nodes),
    ("opensearch", "DescribeReservedInstances"): Answer(
        MISSING, describe_reserved_opensearch_instances
    ),
    ("redshift", "DescribeReservedNodes"): Answer(MISSING, describe_reserved_nodes),
    ("ce", "GetReservationUtilization"): Answer(MISSING, get_reservation_utilization),
    ("ce", "GetSavingsPlansUtilizationDetails"): Answer(
        MISSING, get_savings_plans_utilization_details
    ),
}
