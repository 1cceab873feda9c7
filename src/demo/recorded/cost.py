"""Cost Explorer and Savings Plans: one cost model per account, every answer derived from it.

The model is a list of lines per day (service, usage type, region, cost, quantity) built from the
profile's daily spend and service shares, with a slow upward trend, quieter weekends for the
services that follow traffic, a little noise, and in production one data-transfer spike day.
Every amount is quantized to ten decimals before it is summed, so any grouping or granularity of
the same days adds up exactly (DAILY days sum to the MONTHLY month; groups sum to the total).
Days from ``today`` on have no data yet; Cost Explorer keeps 14 months. The last `SETTLE_DAYS`
days before ``today`` are ``Estimated``: some of their usage records have not arrived yet
(`LATE_SHARE` of every line is missing), so they read low until they settle, and later runs that
re-collect them see the final amounts with ``Estimated`` false.

Commitments (Reserved Instances, Savings Plans) are a table per profile; their daily utilisation
(70-99 %) is seeded by day, and coverage is computed against the instance hours and the eligible
spend of the same cost model.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from demo.profiles import HOME_REGION, AccountProfile
from demo.recorded._core import (
    Answer,
    Answers,
    ApiError,
    Call,
    amount,
    at,
    days,
    digest,
    iso_z,
    load,
    page,
    seeded,
)

USD = "USD"
ZERO = Decimal(0)
PLACES = Decimal("0.0000000001")
REFERENCE = date(2026, 1, 1)  # the trend is 1 % a month around this date
GROWTH = 0.01
HISTORY_MONTHS = 14
SETTLE_DAYS = 3  # a day stays Estimated (incomplete) until this many days after it
LATE_SHARE = Decimal("0.04")  # share of an estimated day's usage records not yet arrived
WEEKEND = {"production": 0.86, "staging": 0.58, "sandbox": 0.47}
EC2 = "Amazon Elastic Compute Cloud - Compute"
LAMBDA = "AWS Lambda"
RDS = "Amazon Relational Database Service"
COST_METRICS = {
    "UnblendedCost": "unblended",
    "BlendedCost": "unblended",
    "NetUnblendedCost": "unblended",
    "AmortizedCost": "amortized",
    "NetAmortizedCost": "amortized",
}
QUANTITY_METRICS = {"UsageQuantity", "NormalizedUsageAmount"}
FORECAST_METRICS = {  # metric -> amortized?
    "UNBLENDED_COST": False,
    "BLENDED_COST": False,
    "NET_UNBLENDED_COST": False,
    "AMORTIZED_COST": True,
    "NET_AMORTIZED_COST": True,
}
DIMENSIONS = {
    "SERVICE",
    "USAGE_TYPE",
    "REGION",
    "LINKED_ACCOUNT",
    "BILLING_ENTITY",
    "RECORD_TYPE",
    "INSTANCE_TYPE",
    "PURCHASE_TYPE",
}
NO_DATA = (
    "DataUnavailableException",
    "Data is not available. Please try to adjust the time period.",
)


@dataclass(frozen=True)
class Line:
    service: str
    usage_type: str
    region: str
    unit: str
    unblended: Decimal
    amortized: Decimal
    quantity: Decimal
    normalized: Decimal
    instance_type: str = "NoInstanceType"
    billing_entity: str = "AWS"

    def attribute(self, key: str, account_id: str) -> str:
        return {
            "SERVICE": self.service,
            "USAGE_TYPE": self.usage_type,
            "REGION": self.region,
            "LINKED_ACCOUNT": account_id,
            "BILLING_ENTITY": self.billing_entity,
            "RECORD_TYPE": "Usage",
            "INSTANCE_TYPE": self.instance_type,
            "PURCHASE_TYPE": "On Demand Instances",
        }[key]


# -- the cost model ------------------------------------------------------------------------------
def _prefix(region: str) -> str:
    return {"eu-west-1": "EU-", "us-east-1": "", "us-west-2": "USW2-"}.get(region, "")


def instance_price(instance_type: str, region: str) -> float:
    price = float(load("instance_types.json")[instance_type]["price"])
    return price * 0.9 if region == "us-east-1" else price


def _factor(profile: AccountProfile, service: str) -> Decimal:
    """Amortized / unblended: commitments spread their fees over the usage they cover."""
    plan = COMMITMENTS.get(profile.key)
    if plan is None:
        return Decimal(1)
    return Decimal(str(plan.amortized.get(service, 1.0)))


def expected(profile: AccountProfile, service: str, day: date) -> float:
    """The service's cost on ``day`` without noise or incidents: trend and weekly pattern."""
    share = profile.services[service]
    trend = (1 + GROWTH) ** ((day - REFERENCE).days / 30.44)
    weekly = 1.0
    if day.weekday() >= 5 and load("usage_types.json")[service]["elastic"]:
        weekly = WEEKEND.get(profile.environment, 0.7)
    return float(profile.daily_spend) * share * trend * weekly


_LINES: dict[tuple[str, date, date | None], list[Line]] = {}
_LINES_LOCK = threading.Lock()


def lines(profile: AccountProfile, day: date, spike: date | None) -> list[Line]:
    """Every cost line of ``day`` (deterministic in profile, day and spike day)."""
    key = (profile.key, day, spike)
    with _LINES_LOCK:
        cached = _LINES.get(key)
    if cached is not None:
        return cached
    result: list[Line] = []
    for service in profile.services:
        rng = seeded(profile.key, "cost", day, service)
        cost = expected(profile, service, day) * min(max(rng.gauss(1.0, 0.035), 0.9), 1.1)
        result.extend(_service_lines(profile, service, cost, day == spike))
    for product in profile.marketplace:
        rng = seeded(profile.key, "marketplace", day, product.name)
        cost = float(product.daily_cost) * min(max(rng.gauss(1.0, 0.02), 0.95), 1.05)
        unblended = Decimal(str(cost)).quantize(PLACES)
        quantity = Decimal(str(round(cost / float(product.daily_cost) * 24, 2))).quantize(PLACES)
        result.append(
            Line(
                service=product.name,
                usage_type=product.usage_type,
                region="us-east-1",
                unit=product.unit,
                unblended=unblended,
                amortized=unblended,
                quantity=quantity,
                normalized=quantity,
                billing_entity="AWS Marketplace",
            )
        )
    with _LINES_LOCK:
        _LINES[key] = result
    return result


def _service_lines(
    profile: AccountProfile, service: str, cost: float, spike: bool
) -> Iterable[Line]:
    table = load("usage_types.json").get(service, {"lines": []})
    factor = _factor(profile, service)
    if service == EC2:
        entries = [
            {
                "usage_type": f"{_prefix(region)}BoxUsage:{kind}",
                "share": instance_price(kind, region),
                "unit": "Hrs",
                "price": instance_price(kind, region),
                "instance_type": kind,
                "region": region,
            }
            for region, kinds in sorted(profile.instances.items())
            for kind in kinds
        ]
        merged: dict[str, dict[str, Any]] = {}
        for entry in entries:  # two instances of a type: one usage type, double the share
            if entry["usage_type"] in merged:
                merged[entry["usage_type"]]["share"] += entry["share"]
            else:
                merged[entry["usage_type"]] = entry
        entries = list(merged.values())
    else:
        entries = table["lines"]
    total_share = sum(float(e["share"]) for e in entries) or 1.0
    for entry in entries:
        part = cost * float(entry["share"]) / total_share
        if spike and entry.get("data_transfer"):
            part *= 6.5  # a large release download: the prod data-transfer spike
        unblended = Decimal(str(part)).quantize(PLACES)
        quantity = Decimal(str(part / float(entry["price"]))).quantize(PLACES)
        kind = entry.get("instance_type", "NoInstanceType")
        normalized = quantity
        if kind in load("instance_types.json"):
            normalized = (
                quantity * Decimal(str(load("instance_types.json")[kind]["factor"]))
            ).quantize(PLACES)
        yield Line(
            service=service,
            usage_type=str(entry["usage_type"]).replace("{p}", _prefix(HOME_REGION)),
            region=str(entry.get("region") or table.get("region") or HOME_REGION),
            unit=str(entry["unit"]),
            unblended=unblended,
            amortized=(unblended * factor).quantize(PLACES),
            quantity=quantity,
            normalized=normalized,
            instance_type=kind,
        )


def spike_day(call: Call) -> date | None:
    """Production's data-transfer spike: two days after the first simulated day."""
    if call.profile.environment != "production":
        return None
    return call.anchor + timedelta(days=2)


# -- request handling ----------------------------------------------------------------------------
def _period(call: Call) -> tuple[date, date]:
    period = call.params["TimePeriod"]
    start, end = date.fromisoformat(period["Start"]), date.fromisoformat(period["End"])
    if end <= start:
        raise ApiError("ValidationException", "Start date must be before end date")
    earliest = _month_start(call.today)
    for _ in range(HISTORY_MONTHS - 1):
        earliest = _month_start(earliest - timedelta(days=1))
    if start < earliest:
        raise ApiError(
            "ValidationException",
            f"start date {start} is too old: Cost Explorer keeps {HISTORY_MONTHS} months "
            f"(from {earliest})",
        )
    return start, end


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods(call: Call, start: date, end: date) -> list[tuple[date, date]]:
    """The result periods of the query, none from ``today`` on (no data yet)."""
    granularity = call.params.get("Granularity") or "DAILY"
    if granularity not in ("DAILY", "MONTHLY"):
        raise ApiError("ValidationException", f"{granularity} granularity is not enabled")
    last = min(end, call.today)
    if last <= start:
        return []
    if granularity == "DAILY":
        return [(day, day + timedelta(days=1)) for day in days(start, last)]
    result, cursor = [], start
    while cursor < last:
        stop = min(_next_month(cursor), last)
        result.append((cursor, stop))
        cursor = stop
    return result


def _matches(expression: dict[str, Any] | None, line: Line, call: Call) -> bool:
    if not expression:
        return True
    if "And" in expression:
        return all(_matches(e, line, call) for e in expression["And"])
    if "Or" in expression:
        return any(_matches(e, line, call) for e in expression["Or"])
    if "Not" in expression:
        return not _matches(expression["Not"], line, call)
    if "Dimensions" in expression:
        condition = expression["Dimensions"]
        if condition.get("Key") not in DIMENSIONS:
            raise ApiError("ValidationException", f"unsupported dimension {condition.get('Key')}")
        value = line.attribute(condition["Key"], call.account_id)
        return _compare(value, condition)
    if "Tags" in expression:
        condition = expression["Tags"]
        value = call.profile.environment if condition.get("Key") == "Environment" else ""
        if "ABSENT" in (condition.get("MatchOptions") or []):
            return not value
        return _compare(value, condition)
    raise ApiError("ValidationException", f"unsupported filter {sorted(expression)}")


def _compare(value: str, condition: dict[str, Any]) -> bool:
    options = condition.get("MatchOptions") or ["EQUALS"]
    wanted = condition.get("Values") or []
    if "CASE_INSENSITIVE" in options:
        value, wanted = value.lower(), [w.lower() for w in wanted]
    tests: dict[str, Callable[[str], bool]] = {
        "EQUALS": lambda w: value == w,
        "STARTS_WITH": lambda w: value.startswith(w),
        "ENDS_WITH": lambda w: value.endswith(w),
        "CONTAINS": lambda w: w in value,
    }
    for option in options:
        if option in tests:
            return any(tests[option](w) for w in wanted)
    return value in wanted


def _group_key(line: Line, group_by: list[dict[str, str]], call: Call) -> tuple[str, ...]:
    keys = []
    for group in group_by:
        kind, key = group.get("Type"), group.get("Key", "")
        if kind == "DIMENSION":
            if key not in DIMENSIONS:
                raise ApiError("ValidationException", f"unsupported group by dimension {key}")
            keys.append(line.attribute(key, call.account_id))
        elif kind == "TAG":
            keys.append(f"{key}${tag_value(line, key, call.profile)}")
        else:
            raise ApiError("ValidationException", f"unsupported group by type {kind}")
    return tuple(keys)


# Cost-allocation tags on the demo's resources: Environment on everything but CloudWatch and
# Marketplace products (untagged, as in real bills), CostCenter on EC2 and RDS only.
UNTAGGED_ENVIRONMENT = {"AmazonCloudWatch", "Amazon CloudWatch"}


def tag_value(line: Line, key: str, profile: AccountProfile) -> str:
    """The value of tag ``key`` on the resources behind ``line`` ("" when they lack it)."""
    if line.billing_entity != "AWS":
        return ""
    if key == "Environment":
        return "" if line.service in UNTAGGED_ENVIRONMENT else profile.environment
    if key == "CostCenter":
        return f"cc-{profile.key}" if line.service in (EC2, RDS) else ""
    return ""


def _metrics(selected: list[Line], metrics: list[str]) -> dict[str, dict[str, str]]:
    result = {}
    for metric in metrics:
        if metric in COST_METRICS:
            attribute = COST_METRICS[metric]
            total = sum((getattr(line, attribute) for line in selected), ZERO)
            result[metric] = {"Amount": amount(total), "Unit": USD}
        else:
            units = {line.unit for line in selected}
            attribute = "quantity" if metric == "UsageQuantity" else "normalized"
            total = sum((getattr(line, attribute) for line in selected), ZERO)
            unit = units.pop() if len(units) == 1 else "N/A"
            result[metric] = {"Amount": amount(total), "Unit": unit}
    return result


def estimated(call: Call, day: date) -> bool:
    """Cost Explorer still estimates ``day``: it ended fewer than `SETTLE_DAYS` days ago."""
    return day >= call.today - timedelta(days=SETTLE_DAYS)


def _settling(line: Line) -> Line:
    """``line`` as Cost Explorer shows it while some of its usage records are still missing."""
    kept = 1 - LATE_SHARE
    return dataclasses.replace(
        line,
        unblended=(line.unblended * kept).quantize(PLACES),
        amortized=(line.amortized * kept).quantize(PLACES),
        quantity=(line.quantity * kept).quantize(PLACES),
        normalized=(line.normalized * kept).quantize(PLACES),
    )


def _period_lines(call: Call, start: date, end: date) -> list[Line]:
    spike = spike_day(call)
    expression = call.params.get("Filter")
    return [
        _settling(line) if estimated(call, day) else line
        for day in days(start, end)
        for line in lines(call.profile, day, spike)
        if _matches(expression, line, call)
    ]


def get_cost_and_usage(call: Call) -> dict[str, Any]:
    start, end = _period(call)
    metrics = list(call.params.get("Metrics") or [])
    unknown = [m for m in metrics if m not in COST_METRICS and m not in QUANTITY_METRICS]
    if not metrics or unknown:
        raise ApiError("ValidationException", f"unsupported or missing metrics {unknown}")
    group_by = list(call.params.get("GroupBy") or [])
    if len(group_by) > 2:
        raise ApiError("ValidationException", "GroupBy accepts at most two groups")
    results = []
    for first, stop in periods(call, start, end):
        selected = _period_lines(call, first, stop)
        result: dict[str, Any] = {
            "TimePeriod": {"Start": first.isoformat(), "End": stop.isoformat()},
            "Estimated": estimated(call, stop - timedelta(days=1)),
        }
        if group_by:
            grouped: dict[tuple[str, ...], list[Line]] = {}
            for line in selected:
                grouped.setdefault(_group_key(line, group_by, call), []).append(line)
            result["Total"] = {}
            result["Groups"] = [
                {"Keys": list(keys), "Metrics": _metrics(grouped[keys], metrics)}
                for keys in sorted(grouped)
            ]
        else:
            result["Total"] = _metrics(selected, metrics)
            result["Groups"] = []
        results.append(result)
    chunk, token = page(results, call.params, "MaxResults", "NextPageToken", default=10_000)
    response: dict[str, Any] = {
        "GroupDefinitions": group_by,
        "ResultsByTime": chunk,
        "DimensionValueAttributes": [],
    }
    if token:
        response["NextPageToken"] = token
    return response


def get_cost_forecast(call: Call) -> dict[str, Any]:
    period = call.params["TimePeriod"]
    start, end = date.fromisoformat(period["Start"]), date.fromisoformat(period["End"])
    if start < call.today:
        raise ApiError("ValidationException", "Start date must be equal to or after today")
    if end <= start:
        raise ApiError("ValidationException", "End date must be after start date")
    metric = call.params["Metric"]
    if metric not in FORECAST_METRICS:
        raise ApiError("ValidationException", f"the demo forecasts costs only, not {metric}")
    amortized = FORECAST_METRICS[metric]
    level = int(call.params.get("PredictionIntervalLevel") or 80)
    spread = 0.035 * (1.28 if level <= 80 else 1.64)
    granularity = call.params.get("Granularity") or "MONTHLY"
    chunks: list[tuple[date, date]] = []
    cursor = start
    while cursor < end:
        stop = cursor + timedelta(days=1) if granularity == "DAILY" else _next_month(cursor)
        stop = min(stop, end)
        chunks.append((cursor, stop))
        cursor = stop
    results, total = [], ZERO
    for first, stop in chunks:
        mean = Decimal(0)
        for day in days(first, stop):
            for service in call.profile.services:
                value = Decimal(str(expected(call.profile, service, day)))
                if amortized:
                    value *= _factor(call.profile, service)
                mean += value
        mean = mean.quantize(PLACES)
        ahead = Decimal(str(1 + spread * (1 + (stop - call.today).days / 30)))
        lower, upper = (mean / ahead).quantize(PLACES), (mean * ahead).quantize(PLACES)
        total += mean
        results.append(
            {
                "TimePeriod": {"Start": first.isoformat(), "End": stop.isoformat()},
                "MeanValue": amount(mean),
                "PredictionIntervalLowerBound": amount(lower),
                "PredictionIntervalUpperBound": amount(upper),
            }
        )
    return {"Total": {"Amount": amount(total), "Unit": USD}, "ForecastResultsByTime": results}


# -- commitments ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reservation:
    instance_type: str
    service: str
    region: str
    count: int
    rate: float  # on-demand USD per hour
    effective: float  # amortized USD per hour
    upfront: float  # share of the fee paid upfront
    started_days_before: int
    years: int


@dataclass(frozen=True)
class SavingsPlan:
    hourly: float
    discount: float
    plan_type: str
    payment: str
    started_days_before: int
    years: int
    utilisation: tuple[float, float]  # mean, spread


@dataclass(frozen=True)
class Commitments:
    reservations: tuple[Reservation, ...] = ()
    plans: tuple[SavingsPlan, ...] = ()
    amortized: dict[str, float] = field(default_factory=dict)
    # commitments bought by another account of the billing family cover part of this one's
    # usage: the share of eligible usage covered ("SP", or a reservation SERVICE)
    shared: dict[str, float] = field(default_factory=dict)


COMMITMENTS: dict[str, Commitments] = {
    "prod": Commitments(
        reservations=(
            Reservation("m6i.xlarge", EC2, "eu-west-1", 8, 0.214, 0.134, 0.5, 410, 3),
            Reservation("db.r6g.large", RDS, "eu-west-1", 4, 0.258, 0.171, 1.0, 290, 1),
        ),
        plans=(
            SavingsPlan(1.80, 0.27, "Compute", "No Upfront", 220, 3, (0.93, 0.03)),
            SavingsPlan(0.95, 0.24, "Compute", "No Upfront", 1200, 1, (0.9, 0.03)),  # retired
        ),
        amortized={EC2: 0.94, RDS: 0.96},
    ),
    "staging": Commitments(
        plans=(SavingsPlan(0.40, 0.22, "Compute", "No Upfront", 150, 1, (0.82, 0.06)),),
        amortized={EC2: 0.97},
    ),
    # sandbox owns nothing: prod's Compute Savings Plan covers part of its EC2 and Lambda spend
    "sandbox": Commitments(shared={"SP": 0.35}),
}


def _services(call: Call) -> set[str]:
    """The SERVICE values a reservation request names; Cost Explorer's default is EC2."""
    expression = call.params.get("Filter") or {}
    for part in expression.get("And", [expression]):
        dimension = part.get("Dimensions") or {}
        if dimension.get("Key") == "SERVICE":
            return set(dimension.get("Values") or [])
    return {EC2}


def _commitments(call: Call) -> Commitments:
    return COMMITMENTS.get(call.profile.key, Commitments())


def _term(call: Call, started_days_before: int, years: int) -> tuple[date, date]:
    start = call.anchor - timedelta(days=started_days_before)
    end = start.replace(year=start.year + years)
    return start, end


def _utilisation(call: Call, what: str, day: date, mean: float, spread: float) -> float:
    rng = seeded(call.profile.key, "commitment", what, day)
    return min(max(rng.gauss(mean, spread), 0.70), 0.99)


def _ri_day(call: Call, reservation: Reservation, day: date) -> dict[str, Decimal]:
    start, end = _term(call, reservation.started_days_before, reservation.years)
    if not start <= day < end:
        return {}
    purchased = Decimal(reservation.count * 24)
    used = (
        purchased * Decimal(str(_utilisation(call, reservation.instance_type, day, 0.93, 0.035)))
    ).quantize(PLACES)
    rate, effective = Decimal(str(reservation.rate)), Decimal(str(reservation.effective))
    fee = purchased * effective
    unused = purchased - used
    factor = Decimal(str(_normalization(reservation.instance_type)))
    return {
        "PurchasedHours": purchased,
        "TotalActualHours": used,
        "UnusedHours": unused,
        "PurchasedUnits": purchased * factor,
        "TotalActualUnits": used * factor,
        "UnusedUnits": unused * factor,
        "OnDemandCostOfRIHoursUsed": used * rate,
        "NetRISavings": used * rate - fee,
        "TotalPotentialRISavings": purchased * (rate - effective),
        "AmortizedUpfrontFee": fee * Decimal(str(reservation.upfront)),
        "AmortizedRecurringFee": fee * (1 - Decimal(str(reservation.upfront))),
        "TotalAmortizedFee": fee,
        "RICostForUnusedHours": unused * effective,
        "RealizedSavings": used * (rate - effective),
        "UnrealizedSavings": unused * (rate - effective),
    }


def _normalization(instance_type: str) -> float:
    size = instance_type.rsplit(".", 1)[-1]
    return {"medium": 2, "large": 4, "xlarge": 8, "2xlarge": 16}.get(size, 4)


def _ri_aggregate(sums: dict[str, Decimal]) -> dict[str, str]:
    if not sums:
        return {
            key: "0"
            for key in (
                "UtilizationPercentage",
                "PurchasedHours",
                "TotalActualHours",
                "UnusedHours",
                "TotalAmortizedFee",
            )
        }
    result = {key: amount(value) for key, value in sums.items()}
    purchased = sums["PurchasedHours"]
    result["UtilizationPercentage"] = amount(sums["TotalActualHours"] * 100 / purchased, 2)
    result["UtilizationPercentageInUnits"] = amount(
        sums["TotalActualUnits"] * 100 / sums["PurchasedUnits"], 2
    )
    return result


def _add(total: dict[str, Decimal], part: dict[str, Decimal]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, ZERO) + value


def get_reservation_utilization(call: Call) -> dict[str, Any]:
    start, end = _period(call)
    services = _services(call)
    reservations = tuple(r for r in _commitments(call).reservations if r.service in services)
    if not reservations:
        raise ApiError(*NO_DATA)
    by_time, overall = [], {}
    for first, stop in periods(call, start, end):
        sums: dict[str, Decimal] = {}
        for day in days(first, stop):
            for reservation in reservations:
                _add(sums, _ri_day(call, reservation, day))
        _add(overall, sums)
        by_time.append(
            {
                "TimePeriod": {"Start": first.isoformat(), "End": stop.isoformat()},
                "Groups": [],
                "Total": _ri_aggregate(sums),
            }
        )
    return {"UtilizationsByTime": by_time, "Total": _ri_aggregate(overall)}


def _coverage_day(call: Call, day: date) -> dict[str, Decimal]:
    """Instance hours of the requested services (EC2 when none is named, as in Cost Explorer)
    and the RI hours that covered them."""
    spike = spike_day(call)
    services = _services(call)
    hours, cost = ZERO, ZERO
    for line in lines(call.profile, day, spike):
        if line.service in services and line.unit == "Hrs":
            hours += line.quantity
            cost += line.unblended
    reserved = sum(
        (
            _ri_day(call, r, day).get("TotalActualHours", ZERO)
            for r in _commitments(call).reservations
            if r.service in services
        ),
        ZERO,
    )
    reserved = min(reserved, hours)
    on_demand_hours = hours - reserved
    return {
        "total": hours,
        "reserved": reserved,
        "on_demand": on_demand_hours,
        "on_demand_cost": cost * on_demand_hours / hours if hours else ZERO,
    }


def _coverage(sums: dict[str, Decimal]) -> dict[str, Any]:
    total = sums.get("total", ZERO)
    reserved = sums.get("reserved", ZERO)
    percentage = reserved * 100 / total if total else ZERO
    return {
        "CoverageHours": {
            "OnDemandHours": amount(sums.get("on_demand", ZERO)),
            "ReservedHours": amount(reserved),
            "TotalRunningHours": amount(total),
            "CoverageHoursPercentage": amount(percentage, 2),
        },
        "CoverageNormalizedUnits": {
            "OnDemandNormalizedUnits": amount(sums.get("on_demand", ZERO) * 4),
            "ReservedNormalizedUnits": amount(reserved * 4),
            "TotalRunningNormalizedUnits": amount(total * 4),
            "CoverageNormalizedUnitsPercentage": amount(percentage, 2),
        },
        "CoverageCost": {"OnDemandCost": amount(sums.get("on_demand_cost", ZERO))},
    }


def get_reservation_coverage(call: Call) -> dict[str, Any]:
    if call.params.get("GroupBy"):
        return _coverage_by_instance_type(call)
    start, end = _period(call)
    by_time, overall = [], {}
    for first, stop in periods(call, start, end):
        sums: dict[str, Decimal] = {}
        for day in days(first, stop):
            _add(sums, _coverage_day(call, day))
        _add(overall, sums)
        by_time.append(
            {
                "TimePeriod": {"Start": first.isoformat(), "End": stop.isoformat()},
                "Groups": [],
                "Total": _coverage(sums),
            }
        )
    return {"CoveragesByTime": by_time, "Total": _coverage(overall)}


def _coverage_by_instance_type(call: Call) -> dict[str, Any]:
    """Coverage grouped by INSTANCE_TYPE (no Granularity: one period, the request's), for up to
    two SERVICE values: each instance type's hours and the RI hours of that type covering them."""
    if [g.get("Key") for g in call.params["GroupBy"]] != ["INSTANCE_TYPE"]:
        raise ApiError("ValidationException", "the demo groups coverage by INSTANCE_TYPE only")
    if call.params.get("Granularity"):
        raise ApiError("ValidationException", "Granularity can't be set when GroupBy is set")
    services = _services(call)
    if len(services) > 2:
        raise ApiError("ValidationException", "up to two SERVICE values")
    start, end = _period(call)
    spike = spike_day(call)
    sums: dict[str, dict[str, Decimal]] = {}
    for day in days(start, end):
        for line in lines(call.profile, day, spike):
            if line.service in services and line.unit == "Hrs":
                acc = sums.setdefault(line.instance_type, {})
                _add(acc, {"total": line.quantity, "on_demand_cost": line.unblended})
        for r in _commitments(call).reservations:
            if r.service in services:
                hours = _ri_day(call, r, day).get("TotalActualHours", ZERO)
                _add(sums.setdefault(r.instance_type, {}), {"reserved": hours})
    groups = []
    for instance_type, acc in sorted(sums.items()):
        total = acc.get("total", ZERO)
        reserved = min(acc.get("reserved", ZERO), total)
        if not total:
            continue
        part = {"total": total, "reserved": reserved, "on_demand": total - reserved}
        part["on_demand_cost"] = acc.get("on_demand_cost", ZERO) * (total - reserved) / total
        groups.append({"Attributes": {"instanceType": instance_type}, "Coverage": _coverage(part)})
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    return {"CoveragesByTime": [{"TimePeriod": period, "Groups": groups}]}


def _anomalies(call: Call) -> list[dict[str, Any]]:
    """The account's cost anomalies as Cost Anomaly Detection would report them today: in
    production the data-transfer spike (closed the day after it), in staging an open EC2
    anomaly from four days ago (AWS has not ended it: no AnomalyEndDate)."""
    profile, today = call.profile, call.today
    monitor = f"arn:aws:ce::{profile.account_id}:anomalymonitor/{_uuid(profile.key, 'monitor')}"
    found = []
    spike = spike_day(call)
    if spike is not None and spike < today:
        rng = seeded(profile.key, "anomaly", spike)
        actual = Decimal(str(round(rng.uniform(480, 620), 2)))
        expected_spend = Decimal(str(round(rng.uniform(70, 90), 2)))
        impact = actual - expected_spend
        anomaly: dict[str, Any] = {
            "AnomalyId": _uuid(profile.key, "anomaly", spike),
            "AnomalyStartDate": spike.isoformat(),
            "DimensionValue": EC2,
            "RootCauses": [
                {
                    "Service": EC2,
                    "Region": HOME_REGION,
                    "LinkedAccount": profile.account_id,
                    "LinkedAccountName": profile.name,
                    "UsageType": f"{_prefix(HOME_REGION)}DataTransfer-Out-Bytes",
                    "Impact": {"Contribution": float(impact)},
                }
            ],
            "AnomalyScore": {"MaxScore": 0.94, "CurrentScore": 0.07},
            "Impact": {
                "MaxImpact": float(impact),
                "TotalImpact": float(impact),
                "TotalActualSpend": float(actual),
                "TotalExpectedSpend": float(expected_spend),
                "TotalImpactPercentage": float(round(impact * 100 / expected_spend, 2)),
            },
            "MonitorArn": monitor,
        }
        if spike + timedelta(days=1) < today:
            anomaly["AnomalyEndDate"] = spike.isoformat()
            anomaly["Feedback"] = "YES"
        found.append(anomaly)
    if profile.environment == "staging":
        start = today - timedelta(days=4)
        open_days = (today - start).days
        found.append(
            {
                "AnomalyId": _uuid(profile.key, "anomaly", start),
                "AnomalyStartDate": start.isoformat(),
                "DimensionValue": EC2,
                "RootCauses": [
                    {
                        "Service": EC2,
                        "Region": HOME_REGION,
                        "LinkedAccount": profile.account_id,
                        "LinkedAccountName": profile.name,
                        "UsageType": f"{_prefix(HOME_REGION)}BoxUsage:m6i.2xlarge",
                    },
                    {"Service": "AWS Lambda", "Region": HOME_REGION},
                ],
                "AnomalyScore": {"MaxScore": 0.71, "CurrentScore": 0.66},
                "Impact": {
                    "MaxImpact": 14.2,
                    "TotalImpact": round(14.2 * open_days * 0.8, 2),
                    "TotalActualSpend": round(40.5 * open_days, 2),
                    "TotalExpectedSpend": round((40.5 - 14.2 * 0.8) * open_days, 2),
                },
                "MonitorArn": monitor,
            }
        )
    return found


def get_anomalies(call: Call) -> dict[str, Any]:
    """Anomalies whose detected days reach DateInterval (both dates days of the range); AWS
    keeps them 90 days."""
    interval = call.params["DateInterval"]
    first = date.fromisoformat(interval["StartDate"])
    last = date.fromisoformat(interval.get("EndDate") or call.today.isoformat())
    if first < call.today - timedelta(days=90):
        raise ApiError("ValidationException", "anomalies are available for up to 90 days")
    selected = [
        a
        for a in _anomalies(call)
        if date.fromisoformat(a["AnomalyStartDate"]) <= last
        and date.fromisoformat(a.get("AnomalyEndDate") or call.today.isoformat()) >= first
    ]
    chunk, token = page(selected, call.params, "MaxResults", "NextPageToken", default=100)
    return {"Anomalies": chunk, **({"NextPageToken": token} if token else {})}


def _sp_day(call: Call, day: date) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for index, plan in enumerate(_commitments(call).plans):
        start, end = _term(call, plan.started_days_before, plan.years)
        if not start <= day < end:
            continue
        commitment = Decimal(str(plan.hourly)) * 24
        used = (
            commitment * Decimal(str(_utilisation(call, f"sp{index}", day, *plan.utilisation)))
        ).quantize(PLACES)
        equivalent = (used / Decimal(str(1 - plan.discount))).quantize(PLACES)
        upfront = commitment if plan.payment == "All Upfront" else ZERO
        _add(
            sums,
            {
                "commitment": commitment,
                "used": used,
                "unused": commitment - used,
                "equivalent": equivalent,
                "savings": equivalent - commitment,
                "upfront": upfront,
                "recurring": commitment - upfront,
            },
        )
    return sums


def _sp_aggregate(sums: dict[str, Decimal]) -> dict[str, Any]:
    commitment = sums.get("commitment", ZERO)
    used = sums.get("used", ZERO)
    return {
        "Utilization": {
            "TotalCommitment": amount(commitment),
            "UsedCommitment": amount(used),
            "UnusedCommitment": amount(sums.get("unused", ZERO)),
            "UtilizationPercentage": amount(used * 100 / commitment if commitment else ZERO, 2),
        },
        "Savings": {
            "NetSavings": amount(sums.get("savings", ZERO)),
            "OnDemandCostEquivalent": amount(sums.get("equivalent", ZERO)),
        },
        "AmortizedCommitment": {
            "AmortizedRecurringCommitment": amount(sums.get("recurring", ZERO)),
            "AmortizedUpfrontCommitment": amount(sums.get("upfront", ZERO)),
            "TotalAmortizedCommitment": amount(commitment),
        },
    }


def get_savings_plans_utilization(call: Call) -> dict[str, Any]:
    start, end = _period(call)
    by_time, overall = [], {}
    for first, stop in periods(call, start, end):
        sums: dict[str, Decimal] = {}
        for day in days(first, stop):
            _add(sums, _sp_day(call, day))
        _add(overall, sums)
        if sums:
            by_time.append(
                {
                    "TimePeriod": {"Start": first.isoformat(), "End": stop.isoformat()},
                    **_sp_aggregate(sums),
                }
            )
    if not overall:
        raise ApiError(*NO_DATA)
    return {"SavingsPlansUtilizationsByTime": by_time, "Total": _sp_aggregate(overall)}


def get_savings_plans_coverage(call: Call) -> dict[str, Any]:
    start, end = _period(call)
    spike = spike_day(call)
    entries = []
    for first, stop in periods(call, start, end):
        covered, eligible = ZERO, ZERO
        shared = Decimal(str(_commitments(call).shared.get("SP", 0)))
        for day in days(first, stop):
            spend = sum(
                (
                    line.unblended
                    for line in lines(call.profile, day, spike)
                    if line.service in (EC2, LAMBDA)
                ),
                ZERO,
            )
            eligible += spend
            covered += _sp_day(call, day).get("equivalent", ZERO) + (spend * shared).quantize(
                PLACES
            )
        eligible = max(eligible, covered)
        entries.append(
            {
                "Attributes": {},
                "Coverage": {
                    "SpendCoveredBySavingsPlans": amount(covered),
                    "OnDemandCost": amount(eligible - covered),
                    "TotalCost": amount(eligible),
                    "CoveragePercentage": amount(covered * 100 / eligible if eligible else ZERO, 2),
                },
                "TimePeriod": {"Start": first.isoformat(), "End": stop.isoformat()},
            }
        )
    chunk, token = page(entries, call.params, "MaxResults", "NextToken", default=10_000)
    response: dict[str, Any] = {"SavingsPlansCoverages": chunk}
    if token:
        response["NextToken"] = token
    return response


def describe_savings_plans(call: Call) -> dict[str, Any]:
    plans = []
    for index, plan in enumerate(_commitments(call).plans):
        start, end = _term(call, plan.started_days_before, plan.years)
        if start > call.today:
            state = "queued"
        elif end <= call.today:
            state = "retired"
        else:
            state = "active"
        plan_id = _uuid(call.profile.key, "savings-plan", index)
        commitment = Decimal(str(plan.hourly))
        hours = Decimal((end - start).days * 24)
        upfront = commitment * hours if plan.payment == "All Upfront" else ZERO
        plans.append(
            {
                "offeringId": _uuid("offering", plan.plan_type, plan.payment, plan.years),
                "savingsPlanId": plan_id,
                "savingsPlanArn": f"arn:aws:savingsplans::{call.account_id}:savingsplan/{plan_id}",
                "description": f"{plan.years} year {plan.payment} {plan.plan_type} Savings Plan",
                "start": iso_z(at(start, 10, 12, 41)),
                "end": iso_z(at(end, 10, 12, 40)),
                "state": state,
                "savingsPlanType": plan.plan_type,
                "paymentOption": plan.payment,
                "productTypes": ["EC2", "Fargate", "Lambda"],
                "currency": USD,
                "commitment": str(commitment.quantize(Decimal("0.001"))),
                "upfrontPaymentAmount": str(upfront.quantize(Decimal("0.001"))),
                "recurringPaymentAmount": str(
                    (ZERO if upfront else commitment).quantize(Decimal("0.001"))
                ),
                "termDurationInSeconds": plan.years * 31_536_000,
                "tags": {},
            }
        )
    states = set(call.params.get("states") or [])
    ids = set(call.params.get("savingsPlanIds") or [])
    arns = set(call.params.get("savingsPlanArns") or [])
    plans = [
        p
        for p in plans
        if (not states or p["state"] in states)
        and (not ids or p["savingsPlanId"] in ids)
        and (not arns or p["savingsPlanArn"] in arns)
    ]
    chunk, token = page(plans, call.params, "maxResults", "nextToken")
    response: dict[str, Any] = {"savingsPlans": chunk}
    if token:
        response["nextToken"] = token
    return response


def get_dimension_values(call: Call) -> dict[str, Any]:
    """Which linked accounts hold reservations or Savings Plans (organization cost mode).

    Each demo account answers for itself, as a member account's Cost Explorer does."""
    commitments = _commitments(call)
    context = call.params.get("Context")
    holds = {"RESERVATIONS": commitments.reservations, "SAVINGS_PLANS": commitments.plans}
    values = []
    if call.params.get("Dimension") == "LINKED_ACCOUNT" and holds.get(context):
        account = call.profile.account_id
        values = [{"Value": account, "Attributes": {"description": call.profile.key}}]
    return {"DimensionValues": values, "ReturnSize": len(values), "TotalSize": len(values)}


def _owned(call: Call, service: str) -> list[tuple[Reservation, date, date]]:
    """The profile's reservations of ``service`` in the call's region, with their terms."""
    return [
        (r, *_term(call, r.started_days_before, r.years))
        for r in _commitments(call).reservations
        if r.service == service and r.region == call.region
    ]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def describe_reserved_instances(call: Call) -> dict[str, Any]:
    """EC2 reservations of the account in the region (who owns which: the commitments
    collector asks utilization only of owners)."""
    return {
        "ReservedInstances": [
            {
                "ReservedInstancesId": _uuid(call.profile.key, "ri", r.instance_type),
                "InstanceType": r.instance_type,
                "Start": _at(start),
                "End": _at(end),
                "Duration": r.years * 31536000,
                "InstanceCount": r.count,
                "ProductDescription": "Linux/UNIX",
                "State": "active" if end > call.today else "retired",
                "OfferingType": "Partial Upfront",
                "OfferingClass": "standard",
                "Scope": "Region",
                "CurrencyCode": "USD",
            }
            for r, start, end in _owned(call, EC2)
        ]
    }


def describe_reserved_db_instances(call: Call) -> dict[str, Any]:
    """RDS reservations of the account in the region."""
    return {
        "ReservedDBInstances": [
            {
                "ReservedDBInstanceId": f"{call.profile.key}-{r.instance_type}",
                "DBInstanceClass": r.instance_type,
                "StartTime": _at(start),
                "Duration": r.years * 31536000,
                "DBInstanceCount": r.count,
                "ProductDescription": "postgresql",
                "OfferingType": "All Upfront",
                "MultiAZ": False,
                "State": "active" if end > call.today else "retired",
                "CurrencyCode": "USD",
            }
            for r, start, end in _owned(call, RDS)
        ]
    }


def no_reservations(key: str) -> Callable[[Call], dict[str, Any]]:
    """A describe API of a service no demo account holds reservations of: an empty list."""
    return lambda call: {key: []}


def _uuid(*parts: Any) -> str:
    raw = digest(*parts)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"


FIFO = "moto implements it as a FIFO of canned results that ignores TimePeriod, GroupBy and Filter"
MISSING = "not implemented by moto 5.2"
ANSWERS: Answers = {
    ("ce", "GetCostAndUsage"): Answer(FIFO, get_cost_and_usage),
    ("ce", "GetCostForecast"): Answer(MISSING, get_cost_forecast),
    ("ce", "GetAnomalies"): Answer(MISSING, get_anomalies),
    ("ec2", "DescribeReservedInstances"): Answer(
        "moto implements it but cannot hold a reservation: PurchaseReservedInstancesOffering "
        "raises NotImplementedError",
        describe_reserved_instances,
    ),
    ("rds", "DescribeReservedDBInstances"): Answer(MISSING, describe_reserved_db_instances),
    ("elasticache", "DescribeReservedCacheNodes"): Answer(
        MISSING, no_reservations("ReservedCacheNodes")
    ),
    ("redshift", "DescribeReservedNodes"): Answer(MISSING, no_reservations("ReservedNodes")),
    ("opensearch", "DescribeReservedInstances"): Answer(
        "moto 5.2 has no OpenSearch reservations", no_reservations("ReservedInstances")
    ),
    ("ce", "GetDimensionValues"): Answer(MISSING, get_dimension_values),
    ("ce", "GetReservationUtilization"): Answer(MISSING, get_reservation_utilization),
    ("ce", "GetReservationCoverage"): Answer(MISSING, get_reservation_coverage),
    ("ce", "GetSavingsPlansUtilization"): Answer(MISSING, get_savings_plans_utilization),
    ("ce", "GetSavingsPlansCoverage"): Answer(MISSING, get_savings_plans_coverage),
    ("savingsplans", "DescribeSavingsPlans"): Answer(
        "moto 5.2 has no Savings Plans service", describe_savings_plans
    ),
}
