"""The commitments the account owns: one item per reservation and per Savings Plan.

Reservations are regional, so each region's task describes them for five services:
EC2 Reserved Instances (``DescribeReservedInstances``), RDS reserved DB instances
(``DescribeReservedDBInstances``), ElastiCache reserved cache nodes
(``DescribeReservedCacheNodes``), OpenSearch Service reserved instances (the ``opensearch``
client's ``DescribeReservedInstances``, IAM action ``es:DescribeReservedInstances``; the legacy
``es`` client's ``DescribeReservedElasticsearchInstances`` lists the same reservations) and
Redshift reserved nodes (``DescribeReservedNodes``). Savings Plans are global: the global task
describes them (``DescribeSavingsPlans``).
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeReservedInstances.html
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeReservedDBInstances.html
https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeReservedCacheNodes.html
https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DescribeReservedInstances.html
https://docs.aws.amazon.com/redshift/latest/APIReference/API_DescribeReservedNodes.html
https://docs.aws.amazon.com/savingsplans/latest/APIReference/API_DescribeSavingsPlans.html

Figures are AWS's: ``upfront_fee`` is the reservation's ``FixedPrice`` (the purchase price) or
the plan's ``upfrontPaymentAmount``; ``usage_price`` the reservation's hourly ``UsagePrice``;
``recurring_amount``/``recurring_frequency`` the reservation's ``RecurringCharges`` of one
frequency summed (``Hourly`` preferred) or the plan's ``recurringPaymentAmount`` (billed
hourly); ``hourly_commitment`` the plan's ``commitment`` (per hour, in ``currency``). EC2 and
Savings Plans give an end; RDS, ElastiCache, OpenSearch and Redshift give a start and a duration
only, so the end is start + duration and ``end_computed`` says so. Retired commitments that
ended more than `RETIRED_KEPT_DAYS` days ago are left out (EC2 lists retired reservations for
years).

Utilisation per commitment comes from Cost Explorer (USD 0.01 per request), asked only when
the account owns a commitment that overlaps the run's window (none owned: no request):
``GetReservationUtilization`` grouped by ``SUBSCRIPTION_ID`` (Granularity may not be set with a
GroupBy) once per reservation service owned (its ``SERVICE`` filter takes one value and defaults
to EC2), and ``GetSavingsPlansUtilizationDetails`` (per plan ARN) when a plan is owned. Both
are filtered on the account's own ``LINKED_ACCOUNT`` and cover the run's window (the latest
complete day of a DAILY run, ``utilization_period_start`` to ``utilization_period_end``,
exclusive): the owner's view, i.e. how much of what this account bought was used, by any
account of the billing family. A reservation group is matched to its reservation by the
group's ``leaseId`` or ``reservationARN`` attribute or its subscription id (OpenSearch's
``BillingSubscriptionId``); an unmatched commitment keeps no utilisation. When the cost mode is
``off`` (the management account collects Cost Explorer) no request is made and utilisation is
null.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetReservationUtilization.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetSavingsPlansUtilizationDetails.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import (
    boolean,
    count,
    decimal,
    format_decimal,
    money,
    text,
    timestamp,
)

RETIRED_KEPT_DAYS = 90
SAVINGS_PLANS = "SavingsPlans"


@dataclass(frozen=True)
class Reservations:
    """How one service lists its reservations, and the Cost Explorer SERVICE they bill under."""

    service: str  # the item's ``service``
    client: str  # boto3 service name
    connect: Callable[[Context], Any]  # its client in the task's region (a literal name: the
    # zip's model scan, scripts/package.py, reads it)
    operation: str
    key: str  # list in the response
    token: tuple[str, str] | None  # None: a boto3 paginator (or no pagination at all)
    cost_service: str
    convert: Callable[[dict[str, Any]], dict[str, Any]]


def _charges(charges: list[dict[str, Any]] | None, amount: str, frequency: str) -> dict[str, Any]:
    """The recurring charges of one frequency (Hourly when present), summed."""
    entries = [c for c in charges or [] if decimal(c.get(amount)) is not None]
    if not entries:
        return {"recurring_amount": None, "recurring_frequency": None}
    frequencies = [text(c.get(frequency)) for c in entries]
    chosen = "Hourly" if "Hourly" in frequencies else frequencies[0]
    total = sum(
        (
            decimal(c.get(amount)) or Decimal(0)
            for c, f in zip(entries, frequencies, strict=True)
            if f == chosen
        ),
        Decimal(0),
    )
    return {"recurring_amount": format_decimal(total), "recurring_frequency": chosen}


def _ec2(ri: dict[str, Any]) -> dict[str, Any]:
    return {
        "commitment_id": ri.get("ReservedInstancesId"),
        "instance_type": ri.get("InstanceType"),
        "product": ri.get("ProductDescription"),
        "availability_zone": ri.get("AvailabilityZone"),
        "scope": ri.get("Scope"),
        "instance_count": ri.get("InstanceCount"),
        "duration_seconds": ri.get("Duration"),
        "payment_option": ri.get("OfferingType"),
        "offering_class": ri.get("OfferingClass"),
        "state": ri.get("State"),
        "start": ri.get("Start"),
        "end": ri.get("End"),
        "upfront_fee": ri.get("FixedPrice"),
        "usage_price": ri.get("UsagePrice"),
        "currency": ri.get("CurrencyCode"),
        **_charges(ri.get("RecurringCharges"), "Amount", "Frequency"),
    }


def _rds(ri: dict[str, Any]) -> dict[str, Any]:
    return {
        "commitment_id": ri.get("ReservedDBInstanceId"),
        "arn": ri.get("ReservedDBInstanceArn"),
        "match": (ri.get("LeaseId"),),
        "instance_type": ri.get("DBInstanceClass"),
        "product": ri.get("ProductDescription"),
        "multi_az": ri.get("MultiAZ"),
        "instance_count": ri.get("DBInstanceCount"),
        "duration_seconds": ri.get("Duration"),
        "payment_option": ri.get("OfferingType"),
        "state": ri.get("State"),
        "start": ri.get("StartTime"),
        "upfront_fee": ri.get("FixedPrice"),
        "usage_price": ri.get("UsagePrice"),
        "currency": ri.get("CurrencyCode"),
        **_charges(ri.get("RecurringCharges"), "RecurringChargeAmount", "RecurringChargeFrequency"),
    }


def _elasticache(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "commitment_id": node.get("ReservedCacheNodeId"),
        "arn": node.get("ReservationARN"),
        "instance_type": node.get("CacheNodeType"),
        "product": node.get("ProductDescription"),
        "instance_count": node.get("CacheNodeCount"),
        "duration_seconds": node.get("Duration"),
        "payment_option": node.get("OfferingType"),
        "state": node.get("State"),
        "start": node.get("StartTime"),
        "upfront_fee": node.get("FixedPrice"),
        "usage_price": node.get("UsagePrice"),
        "currency": None,  # DescribeReservedCacheNodes names no currency
        **_charges(
            node.get("RecurringCharges"), "RecurringChargeAmount", "RecurringChargeFrequency"
        ),
    }


def _opensearch(ri: dict[str, Any]) -> dict[str, Any]:
    subscription = ri.get("BillingSubscriptionId")
    return {
        "commitment_id": ri.get("ReservedInstanceId"),
        "match": (str(subscription) if subscription is not None else None,),
        "description": ri.get("ReservationName"),
        "instance_type": ri.get("InstanceType"),
        "instance_count": ri.get("InstanceCount"),
        "duration_seconds": ri.get("Duration"),
        "payment_option": ri.get("PaymentOption"),
        "state": ri.get("State"),
        "start": ri.get("StartTime"),
        "upfront_fee": ri.get("FixedPrice"),
        "usage_price": ri.get("UsagePrice"),
        "currency": ri.get("CurrencyCode"),
        **_charges(ri.get("RecurringCharges"), "RecurringChargeAmount", "RecurringChargeFrequency"),
    }


def _redshift(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "commitment_id": node.get("ReservedNodeId"),
        "instance_type": node.get("NodeType"),
        "instance_count": node.get("NodeCount"),
        "duration_seconds": node.get("Duration"),
        "payment_option": node.get("OfferingType"),
        "offering_class": node.get("ReservedNodeOfferingType"),
        "state": node.get("State"),
        "start": node.get("StartTime"),
        "upfront_fee": node.get("FixedPrice"),
        "usage_price": node.get("UsagePrice"),
        "currency": node.get("CurrencyCode"),
        **_charges(
            node.get("RecurringCharges"), "RecurringChargeAmount", "RecurringChargeFrequency"
        ),
    }


RESERVATIONS = (
    Reservations(
        "EC2",
        "ec2",
        lambda ctx: ctx.client("ec2"),
        "describe_reserved_instances",
        "ReservedInstances",
        None,
        "Amazon Elastic Compute Cloud - Compute",
        _ec2,
    ),
    Reservations(
        "RDS",
        "rds",
        lambda ctx: ctx.client("rds"),
        "describe_reserved_db_instances",
        "ReservedDBInstances",
        None,
        "Amazon Relational Database Service",
        _rds,
    ),
    Reservations(
        "ElastiCache",
        "elasticache",
        lambda ctx: ctx.client("elasticache"),
        "describe_reserved_cache_nodes",
        "ReservedCacheNodes",
        None,
        "Amazon ElastiCache",
        _elasticache,
    ),
    Reservations(
        "OpenSearch",
        "opensearch",
        lambda ctx: ctx.client("opensearch"),
        "describe_reserved_instances",
        "ReservedInstances",
        ("NextToken", "NextToken"),
        "Amazon OpenSearch Service",
        _opensearch,
    ),
    Reservations(
        "Redshift",
        "redshift",
        lambda ctx: ctx.client("redshift"),
        "describe_reserved_nodes",
        "ReservedNodes",
        None,
        "Amazon Redshift",
        _redshift,
    ),
)


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    if ctx.region is None:
        yield from _savings_plans(ctx)
    else:
        yield from _reservations(ctx)


# --------------------------------------------------------------------------- reservations


def _reservations(ctx: Context) -> Iterator[dict[str, Any]]:
    denied: list[ClientError] = []
    tried = 0
    for spec in RESERVATIONS:
        if not ctx.clients.available(spec.client, ctx.region or ""):
            continue  # the service does not exist in this region
        tried += 1
        try:
            raw = list(_describe(ctx, spec))
        except ClientError as exc:
            if error_code(exc) in SKIP_CODES:
                denied.append(exc)
            else:
                ctx.warn(f"{spec.service}: {error_message(exc)}")
            continue
        items = [i for i in (_reservation(ctx, spec, r) for r in raw) if i is not None]
        if any(_overlaps(ctx, item) for item in items):
            _utilisation(
                ctx,
                items,
                ("RI", spec.service),
                lambda spec=spec: _reservation_utilisation(ctx, spec),
            )
        yield from (_public(item) for item in items)
    if denied and len(denied) == tried:
        raise denied[0]
    for exc in denied:
        ctx.warn(error_message(exc))


def _describe(ctx: Context, spec: Reservations) -> Iterator[dict[str, Any]]:
    client = spec.connect(ctx)
    if spec.token is None and not client.can_paginate(spec.operation):
        ctx.check_time()  # DescribeReservedInstances (EC2) answers in one response
        yield from getattr(client, spec.operation)().get(spec.key, [])
        return
    for page in ctx.pages(client, spec.operation, token=spec.token):
        yield from page.get(spec.key, [])


def _reservation(ctx: Context, spec: Reservations, raw: dict[str, Any]) -> dict[str, Any] | None:
    values = spec.convert(raw)
    commitment_id = ctx.identifier(
        values.get("commitment_id"), f"{spec.service} reservation id", key=True
    )
    if commitment_id is None or not ctx.key_fits("commitment", spec.service, commitment_id):
        return None
    start = timestamp(values.get("start"))
    end, computed = timestamp(values.get("end")), False
    duration = count(values.get("duration_seconds"))
    if end is None and start is not None and duration:
        end = _plus(start, duration)
        computed = end is not None
    resource_arn = ctx.arn(values.get("arn"), f"{spec.service} reservation ARN")
    item = {
        "service": spec.service,
        "region": ctx.region,
        "commitment_id": commitment_id,
        "kind": "RI",
        "commitment_arn": resource_arn,
        "description": text(values.get("description")),
        "instance_type": text(values.get("instance_type")),
        "plan_type": None,
        "product": text(values.get("product")),
        "instance_family": None,
        "plan_region": None,
        "availability_zone": text(values.get("availability_zone")),
        "scope": text(values.get("scope")),
        "multi_az": boolean(values.get("multi_az")),
        "instance_count": count(values.get("instance_count")),
        "duration_seconds": duration,
        "payment_option": text(values.get("payment_option")),
        "offering_class": text(values.get("offering_class")),
        "state": text(values.get("state")),
        "start_at": start,
        "end_at": end,
        "end_computed": computed if end is not None else None,
        "upfront_fee": money(values.get("upfront_fee")),
        "usage_price": money(values.get("usage_price")),
        "recurring_amount": values.get("recurring_amount"),
        "recurring_frequency": values.get("recurring_frequency"),
        "hourly_commitment": None,
        "currency": _currency(values.get("currency")),
        **_no_utilisation(),
        "_match": {commitment_id, resource_arn, *values.get("match", ())} - {None},
    }
    return item if _kept(ctx, item) else None


def _reservation_utilisation(ctx: Context, spec: Reservations) -> dict[str, dict[str, Any]]:
    """Utilisation of the account's reservations of one service over the window, by each
    identifier a group can be matched on (one request per run, shared by the regions)."""
    client = ctx.global_client("ce")
    found: dict[str, dict[str, Any]] = {}
    sums: dict[str, dict[str, Decimal]] = {}
    periods: dict[str, int] = {}
    names: dict[str, set[str]] = {}
    with ce.no_data():
        pages = ctx.pages(
            client,
            "get_reservation_utilization",
            token=ce.TOKEN,
            TimePeriod=ce.period(ctx.window),
            Filter=ce.account_filter(ctx.account_id, ce.dimension("SERVICE", spec.cost_service)),
            GroupBy=ce.group_by("SUBSCRIPTION_ID"),
        )
        for page in pages:
            for period in page.get("UtilizationsByTime", []):
                for group in period.get("Groups", []):
                    subscription = text(group.get("Value"))
                    if not subscription:
                        continue
                    attributes = group.get("Attributes") or {}
                    keys = names.setdefault(subscription, {subscription})
                    for name in ("leaseId", "reservationARN"):
                        if attributes.get(name):
                            keys.add(str(attributes[name]))
                    periods[subscription] = periods.get(subscription, 0) + 1
                    _sum(sums.setdefault(subscription, {}), group.get("Utilization") or {})
    for subscription, total in sums.items():
        purchased = total.get("PurchasedHours")
        actual = total.get("TotalActualHours")
        if purchased and actual is not None:  # over several periods: from the hours
            pct = format_decimal(actual * 100 / purchased)
        elif periods[subscription] == 1 and "UtilizationPercentage" in total:
            pct = format_decimal(total["UtilizationPercentage"])
        else:
            pct = None
        figures = {
            "utilization_pct": pct,
            "unused_cost": _formatted(total.get("RICostForUnusedHours")),
            "net_savings": _formatted(total.get("NetRISavings")),
        }
        for key in names[subscription]:
            found[key] = figures
    return found


def _sum(total: dict[str, Decimal], utilization: dict[str, Any]) -> None:
    for name in (
        "PurchasedHours",
        "TotalActualHours",
        "RICostForUnusedHours",
        "NetRISavings",
        "UtilizationPercentage",
    ):
        value = decimal(utilization.get(name))
        if value is not None:
            total[name] = total.get(name, Decimal(0)) + value


# --------------------------------------------------------------------------- Savings Plans


def _savings_plans(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.global_client("savingsplans")
    items: list[dict[str, Any]] = []
    pages = ctx.pages(
        client, "describe_savings_plans", token=("nextToken", "nextToken"), maxResults=100
    )
    for page in pages:
        for plan in page.get("savingsPlans", []):
            item = _plan(ctx, plan)
            if item is not None:
                items.append(item)
    if any(_overlaps(ctx, item) for item in items):
        _utilisation(ctx, items, ("SP",), lambda: _plan_utilisation(ctx))
    yield from (_public(item) for item in items)


def _plan(ctx: Context, plan: dict[str, Any]) -> dict[str, Any] | None:
    plan_id = ctx.identifier(plan.get("savingsPlanId"), "savingsPlanId", key=True)
    if plan_id is None or not ctx.key_fits("commitment", SAVINGS_PLANS, plan_id):
        return None
    plan_arn = ctx.arn(plan.get("savingsPlanArn"), "savingsPlanArn")
    recurring = money(plan.get("recurringPaymentAmount"))
    products = sorted({str(p) for p in plan.get("productTypes") or [] if p})
    item = {
        "service": SAVINGS_PLANS,
        "region": None,
        "commitment_id": plan_id,
        "kind": "SP",
        "commitment_arn": plan_arn,
        "description": text(plan.get("description")),
        "instance_type": None,
        "plan_type": text(plan.get("savingsPlanType")),
        "product": ", ".join(products) or None,
        "instance_family": text(plan.get("ec2InstanceFamily")),
        "plan_region": text(plan.get("region")) or None,
        "availability_zone": None,
        "scope": None,
        "multi_az": None,
        "instance_count": None,
        "duration_seconds": count(plan.get("termDurationInSeconds")),
        "payment_option": text(plan.get("paymentOption")),
        "offering_class": None,
        "state": text(plan.get("state")),
        "start_at": timestamp(plan.get("start")),
        "end_at": timestamp(plan.get("end")),
        "end_computed": False if timestamp(plan.get("end")) else None,
        "upfront_fee": money(plan.get("upfrontPaymentAmount")),
        "usage_price": None,
        "recurring_amount": recurring,
        "recurring_frequency": "Hourly" if recurring is not None else None,
        "hourly_commitment": money(plan.get("commitment")),
        "currency": _currency(plan.get("currency")),
        **_no_utilisation(),
        "_match": {plan_id, plan_arn} - {None},
    }
    return item if _kept(ctx, item) else None


def _plan_utilisation(ctx: Context) -> dict[str, dict[str, Any]]:
    """Utilisation of each of the account's plans over the window, by plan ARN."""
    client = ctx.global_client("ce")
    found: dict[str, dict[str, Any]] = {}
    with ce.no_data():
        pages = ctx.pages(
            client,
            "get_savings_plans_utilization_details",
            token=("NextToken", "NextToken"),
            TimePeriod=ce.period(ctx.window),
            Filter=ce.account_filter(ctx.account_id),
        )
        for page in pages:
            for detail in page.get("SavingsPlansUtilizationDetails", []):
                plan_arn = detail.get("SavingsPlanArn")
                if not plan_arn:
                    continue
                utilization = detail.get("Utilization") or {}
                found[str(plan_arn)] = {
                    "utilization_pct": money(utilization.get("UtilizationPercentage")),
                    "unused_cost": money(utilization.get("UnusedCommitment")),
                    "net_savings": money((detail.get("Savings") or {}).get("NetSavings")),
                }
    return found


# --------------------------------------------------------------------------- shared


def _utilisation(
    ctx: Context,
    items: list[dict[str, Any]],
    key: tuple[str, ...],
    compute: Callable[[], dict[str, dict[str, Any]]],
) -> None:
    """Fill each item's utilisation from Cost Explorer (never in cost mode ``off``); a failed
    request leaves it null and is a warning (the run is partial). The request is made once per
    run (``key``), whichever region's task asks first."""
    if ctx.cost_mode == "off":
        return
    try:
        figures = ctx.shared.get(("commitment_inventory", *key), compute)
    except ClientError as exc:
        ctx.warn(f"{items[0]['service']} utilisation: {error_message(exc)}")
        return
    for item in items:
        match = next((figures[k] for k in sorted(item["_match"]) if k in figures), None)
        if match is not None:
            item.update(
                match,
                utilization_period_start=ctx.window.start.isoformat(),
                utilization_period_end=ctx.window.end.isoformat(),
            )


def _no_utilisation() -> dict[str, Any]:
    return {
        "utilization_pct": None,
        "utilization_period_start": None,
        "utilization_period_end": None,
        "unused_cost": None,
        "net_savings": None,
    }


def _overlaps(ctx: Context, item: dict[str, Any]) -> bool:
    """Whether the commitment ran during the window (what Cost Explorer can report on)."""
    start = item["start_at"]
    if start is None:
        return False
    end = item["end_at"] or "9999"
    return start < f"{ctx.window.end.isoformat()}T" and end > ctx.window.start.isoformat()


def _kept(ctx: Context, item: dict[str, Any]) -> bool:
    """Every commitment but a retired one that ended more than `RETIRED_KEPT_DAYS` ago."""
    if (item["state"] or "").lower() != "retired" or item["end_at"] is None:
        return True
    cutoff = timestamp(ctx.now - timedelta(days=RETIRED_KEPT_DAYS)) or ""
    return item["end_at"] >= cutoff


def _plus(start: str, seconds: int) -> str | None:
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
        return timestamp(moment + timedelta(seconds=seconds))
    except (ValueError, OverflowError):
        return None


def _currency(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 3 and value.isupper() else None


def _formatted(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


COLLECTOR = Collector(
    name="commitment_inventory",
    scope="regional+global",
    fetch=fetch,
    keys=("service", "region", "commitment_id"),
    services=("ec2", "rds", "elasticache", "opensearch", "redshift", "savingsplans", "ce"),
    iam_actions=(
        "ce:GetReservationUtilization",
        "ce:GetSavingsPlansUtilizationDetails",
        "ec2:DescribeReservedInstances",
        "elasticache:DescribeReservedCacheNodes",
        "es:DescribeReservedInstances",
        "rds:DescribeReservedDBInstances",
        "redshift:DescribeReservedNodes",
        "savingsplans:DescribeSavingsPlans",
    ),
    weight=2,
    description=(
        "Every Reserved Instance / reserved node the account owns (EC2, RDS, ElastiCache, "
        "OpenSearch, Redshift; per region) and every Savings Plan (global): type, term, payment "
        "option, start, end, state, upfront and recurring charges, with each one's utilisation "
        "over the window from Cost Explorer when the account owns any. "
        "https://docs.aws.amazon.com/savingsplans/latest/APIReference/API_DescribeSavingsPlans.html"
    ),
)
