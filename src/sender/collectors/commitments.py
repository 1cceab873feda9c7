"""Reserved Instance and Savings Plans utilisation and coverage over the window.

One item per kind (``RI`` per reservation service, ``SP`` once) for the window (the ``Total`` of
a DAILY or, for month-aligned windows, MONTHLY query).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetReservationUtilization.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetSavingsPlansUtilization.html

Reservations: ``GetReservationUtilization`` and ``GetReservationCoverage`` default to EC2 when
the request has no ``SERVICE`` filter, and coverage cannot be grouped by service, so each service
that sells reservations (`RESERVATION_SERVICES`: EC2, RDS, ElastiCache, MemoryDB, Redshift,
OpenSearch) is asked on its own, and only when the window's cost and usage (the query the cost
collectors already make, shared per run: no extra request) shows that service: usage is what
coverage measures, and an owned reservation's fee is billed under its service. Each row names
its ``service``.

Coverage is asked whatever the account owns: reservations and Savings Plans are shared across
the consolidated billing family, so a member account is covered by commitments bought elsewhere.
Utilization describes the commitment's owner, so it is asked only of owners: Savings Plans
utilization when the free ``DescribeSavingsPlans`` finds a plan of the account's overlapping the
window, reservation utilization for a service when that service's free describe API
(`OWNED_BY`: ``DescribeReservedInstances``, ``DescribeReservedDBInstances``, ...) lists a
reservation of the account overlapping the window in one of the sender's regions. A describe
call that fails (denied, service not offered) counts as "may own": utilization is asked then,
as before; so does MemoryDB, which this collector does not describe. Trade-off: a reservation
in a region the sender does not cover is not seen, and its utilization is not collected (its
coverage still is); cover the regions you buy reservations in.

Account mode (every query filtered on the own ``LINKED_ACCOUNT``) requests, per DAILY run:
reservation coverage for two services at a time (the API takes up to two SERVICE values,
grouped by ``INSTANCE_TYPE``, an attribute every reservation service has; each instance type
names its service, see `TYPE_OF`: RDS classes start with ``db.``, ElastiCache's with ``cache.``,
OpenSearch's end with ``.search``), so EC2 and RDS, the usual pair, cost one request; one
utilization request per service the account owns reservations of; one Savings Plans coverage
request, plus one utilization request for an owner of a plan.
GetReservationCoverage (two SERVICE values, GroupBy without Granularity):
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetReservationCoverage.html

Organization mode: reservation coverage of every account in one request per service, grouped
by ``LINKED_ACCOUNT`` (each group's only attribute is the account). Utilization cannot be grouped
by account (reservation utilization groups only by subscription, Savings Plans utilization not
at all) and Savings Plans coverage groups only by instance family, region or service, so the
sender asks ``GetDimensionValues`` which linked accounts have reservations (context
``RESERVATIONS``) and which have Savings Plans (context ``SAVINGS_PLANS``), and asks those
accounts one by one: two requests plus a few per account that holds commitments, never per
account of the organization. Savings Plans coverage of members that hold no plan is therefore
not collected in organization mode.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetDimensionValues.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import decimal, format_decimal, money, timestamp

# The SERVICE values GetReservationUtilization / GetReservationCoverage accept (API reference);
# without a SERVICE filter both answer for EC2 only.
RESERVATION_SERVICES = (
    "Amazon Elastic Compute Cloud - Compute",
    "Amazon Relational Database Service",
    "Amazon ElastiCache",
    "Amazon MemoryDB",
    "Amazon Redshift",
    "Amazon OpenSearch Service",
    "Amazon Elasticsearch Service",  # OpenSearch's former name, in older bills
)
EC2, RDS, ELASTICACHE, MEMORYDB, REDSHIFT, OPENSEARCH, ELASTICSEARCH = RESERVATION_SERVICES
# How an instance type of a coverage group names its service: RDS and MemoryDB classes start
# with "db.", ElastiCache's with "cache.", OpenSearch's (and Elasticsearch's) end with ".search"
# (".elasticsearch"); EC2 instance types and Redshift node types have no mark of their own. Two
# services share a coverage request only when every instance type tells them apart.
TYPE_OF: dict[str, Any] = {
    RDS: lambda t: t.startswith("db."),
    MEMORYDB: lambda t: t.startswith("db."),
    ELASTICACHE: lambda t: t.startswith("cache."),
    OPENSEARCH: lambda t: t.endswith((".search", ".elasticsearch")),
    ELASTICSEARCH: lambda t: t.endswith((".search", ".elasticsearch")),
}
MARKS = {
    RDS: "db.",
    MEMORYDB: "db.",
    ELASTICACHE: "cache.",
    OPENSEARCH: "search",
    ELASTICSEARCH: "search",
}  # services with the same mark never share a request
# The free describe API listing a service's reservations: (boto3 service, its client in a region
# (a literal name, so that scripts/package.py sees which models the zip needs), operation, list
# key, token or None for a paginator, start field): who owns reservations of which service.
Connect = Callable[[Context, str], Any]
OWNED_BY: dict[str, tuple[str, Connect, str, str, tuple[str, str] | None, str]] = {
    EC2: (
        "ec2",
        lambda ctx, region: ctx.client("ec2", region),
        "describe_reserved_instances",
        "ReservedInstances",
        None,
        "Start",
    ),
    RDS: (
        "rds",
        lambda ctx, region: ctx.client("rds", region),
        "describe_reserved_db_instances",
        "ReservedDBInstances",
        None,
        "StartTime",
    ),
    ELASTICACHE: (
        "elasticache",
        lambda ctx, region: ctx.client("elasticache", region),
        "describe_reserved_cache_nodes",
        "ReservedCacheNodes",
        None,
        "StartTime",
    ),
    REDSHIFT: (
        "redshift",
        lambda ctx, region: ctx.client("redshift", region),
        "describe_reserved_nodes",
        "ReservedNodes",
        None,
        "StartTime",
    ),
    OPENSEARCH: (
        "opensearch",
        lambda ctx, region: ctx.client("opensearch", region),
        "describe_reserved_instances",
        "ReservedInstances",
        ("NextToken", "NextToken"),
        "StartTime",
    ),
}
OWNED_BY[ELASTICSEARCH] = OWNED_BY[OPENSEARCH]  # the OpenSearch API lists both


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    organization = ce.organization_mode(ctx)  # raises NotEnabled (skipped) when off
    client = ctx.global_client("ce")
    services = reservation_services(ctx)
    if not organization:
        owned = owned_reservation_services(ctx, services)
        coverages: dict[str, Coverage] = {}
        for pair in _pairs(services):
            coverages.update(_coverage_of(ctx, client, pair))
        for service in services:
            coverage = coverages.get(service, (None, None, None))
            if service in owned:
                query = _filter(ctx.account_id, service)
                ri = _reservation(ctx, client, query, service, coverage)
            else:
                ri = _coverage_only(ctx, service, coverage)
            if ri is not None:
                yield ri
        sp = _savings_plans(ctx, client, ctx.account_id, owns=_has_savings_plans(ctx))
        if sp is not None:
            yield sp
        return
    items: list[dict[str, Any]] = []
    holders = _accounts_with(ctx, client, "RESERVATIONS")
    for service in services:
        covered = _coverage_by_account(ctx, client, service)
        for account in sorted(set(covered) | set(holders)):
            empty = (None, None, None)
            query = _filter(account, service)
            if account in holders:
                ri = _reservation(ctx, client, query, service, covered.get(account, empty))
            else:
                ri = _coverage_only(ctx, service, covered[account])
            if ri is not None:
                items.append({"account_id": account, **ri})
    for account in _accounts_with(ctx, client, "SAVINGS_PLANS"):
        sp = _savings_plans(ctx, client, account, owns=True)
        if sp is not None:
            items.append({"account_id": account, **sp})
    yield from sorted(
        items, key=lambda item: (item["account_id"], item["kind"], item["service"] or "")
    )


def reservation_services(ctx: Context) -> list[str]:
    """The services selling reservations that appear in the window's cost and usage (the
    shared usage query of the cost collectors: no request of its own when they run)."""
    seen = {row.service for row in ce.usage_rows(ctx)}
    return [service for service in RESERVATION_SERVICES if service in seen]


def owned_reservation_services(ctx: Context, services: list[str]) -> set[str]:
    """The ``services`` the account owns a reservation of, overlapping the window, in one of
    the sender's regions: free describe calls (cached per run), no Cost Explorer request. A
    service whose describe call fails counts as owned (its utilization is then asked)."""
    key = ("owned-reservations", ctx.window, tuple(services))
    return ctx.shared.get(key, lambda: {s for s in services if _owns(ctx, s)})


def _owns(ctx: Context, service: str) -> bool:
    if service not in OWNED_BY:  # no describe for it (MemoryDB): may own, utilization asked
        return True
    boto_service, connect, operation, items, token, start_field = OWNED_BY[service]
    start, end = ctx.window.start.isoformat(), ctx.window.end.isoformat()
    for region in ctx.regions:
        if not ctx.clients.available(boto_service, region):
            continue
        client = connect(ctx, region)
        try:
            if token is None and not client.can_paginate(operation):
                ctx.check_time()
                pages: Any = [getattr(client, operation)()]
            else:
                pages = ctx.pages(client, operation, token=token)
            for page in pages:
                for reservation in page.get(items, []):
                    if _overlaps(reservation, start_field, start, end):
                        return True
        except ClientError:  # ownership unknown: utilization is asked, nothing is lost
            return True
    return False


def _overlaps(reservation: dict[str, Any], start_field: str, start: str, end: str) -> bool:
    """Whether a reservation's term overlaps [start, end): from its start and its end (EC2)
    or duration in seconds (the others); a reservation without a start counts."""
    begins = reservation.get(start_field)
    if not isinstance(begins, datetime):
        return True
    finish = reservation.get("End")
    if not isinstance(finish, datetime):
        seconds = reservation.get("Duration")
        if not isinstance(seconds, int):
            return begins.date().isoformat() < end
        finish = begins + timedelta(seconds=seconds)
    return begins.date().isoformat() < end and finish.date().isoformat() >= start


def _pairs(services: list[str]) -> list[tuple[str, ...]]:
    """The services in requests of at most two whose instance types tell them apart."""
    left = list(services)
    pairs: list[tuple[str, ...]] = []
    while left:
        first = left.pop(0)
        partner = next((s for s in left if _compatible(first, s)), None)
        if partner is None:
            pairs.append((first,))
        else:
            left.remove(partner)
            pairs.append((first, partner))
    return pairs


def _compatible(one: str, other: str) -> bool:
    marks = (MARKS.get(one), MARKS.get(other))
    return marks != (None, None) and marks[0] != marks[1]


def _coverage_of(ctx: Context, client: Any, services: tuple[str, ...]) -> dict[str, Coverage]:
    """Reservation coverage of the own account for one service (ungrouped, its ``Total``) or
    two (one request grouped by ``INSTANCE_TYPE``, hours summed per service)."""
    if len(services) == 1:
        return {services[0]: _coverage(ctx, client, _filter(ctx.account_id, services[0]))}
    expression = ce.account_filter(ctx.account_id, ce.dimension("SERVICE", list(services)))
    sums: dict[str, list[Decimal]] = {}
    ctx.check_time()
    with ce.no_data():
        pages = ctx.pages(
            client,
            "get_reservation_coverage",
            token=ce.TOKEN,
            TimePeriod=ce.period(ctx.window),  # no Granularity: the API refuses it with GroupBy
            Filter=expression,
            GroupBy=ce.group_by("INSTANCE_TYPE"),
        )
        for page in pages:
            for result in page.get("CoveragesByTime", []):
                for group in result.get("Groups", []):
                    values = list((group.get("Attributes") or {}).values())
                    service = _service_of(str(values[0]) if values else "", services)
                    if service is None:
                        ctx.tally("reservation coverage group of an unknown instance type")
                        continue
                    reserved, total, _ = _hours(
                        (group.get("Coverage") or {}).get("CoverageHours") or {}
                    )
                    acc = sums.setdefault(service, [Decimal(0), Decimal(0)])
                    acc[0] += reserved or 0
                    acc[1] += total or 0
    return {
        service: _hours({"ReservedHours": reserved, "TotalRunningHours": total})
        for service, (reserved, total) in sums.items()
    }


def _service_of(instance_type: str, services: tuple[str, ...]) -> str | None:
    marked = [s for s in services if s in TYPE_OF and TYPE_OF[s](instance_type)]
    if marked:
        return marked[0]
    unmarked = [s for s in services if s not in TYPE_OF]
    return unmarked[0] if unmarked and instance_type else None


def _filter(account: str, service: str | None = None) -> dict[str, Any]:
    return ce.account_filter(account, ce.dimension("SERVICE", service) if service else None)


def _base(ctx: Context) -> dict[str, Any]:
    window = ctx.window
    return {
        "TimePeriod": ce.period(window),
        "Granularity": ce.granularity(window.start, window.end),
    }


def _accounts_with(ctx: Context, client: Any, context: str) -> list[str]:
    """Linked accounts that have reservations or Savings Plans in the window."""
    accounts: set[str] = set()
    pages = ctx.pages(
        client,
        "get_dimension_values",
        token=ce.TOKEN,
        TimePeriod=ce.period(ctx.window),
        Dimension="LINKED_ACCOUNT",
        Context=context,
    )
    for page in pages:
        for entry in page.get("DimensionValues", []):
            value = entry.get("Value") or ""
            if len(value) == 12 and value.isdigit():
                accounts.add(value)
    return sorted(accounts)


Coverage = tuple[Decimal | None, Decimal | None, str | None]  # reserved hours, total, percent


def _hours(hours: dict[str, Any]) -> Coverage:
    """(reserved, total, percent): the percent from the hours where both are given, so one
    account's coverage reads the same from a grouped and an ungrouped query."""
    reserved = decimal(hours.get("ReservedHours"))
    total = decimal(hours.get("TotalRunningHours"))
    if reserved is not None and total:
        return reserved, total, format_decimal(reserved * 100 / total)
    return reserved, total, money(hours.get("CoverageHoursPercentage"))


def _coverage(ctx: Context, client: Any, expression: dict[str, Any]) -> Coverage:
    """Reservation coverage of one account and service (whoever owns the reservations)."""
    ctx.check_time()
    coverage: dict[str, Any] | None = None
    with ce.no_data():
        coverage = client.get_reservation_coverage(**_base(ctx), Filter=expression)
    if coverage is None:
        return (None, None, None)
    return _hours((coverage.get("Total") or {}).get("CoverageHours") or {})


def _coverage_by_account(ctx: Context, client: Any, service: str) -> dict[str, Coverage]:
    """Organization mode: reservation coverage of every account for one service, one query
    grouped by LINKED_ACCOUNT; hours are summed over the periods of the window."""
    sums: dict[str, list[Decimal]] = {}
    with ce.no_data():
        pages = ctx.pages(
            client,
            "get_reservation_coverage",
            token=ce.TOKEN,
            **_base(ctx),
            Filter=ce.dimension("SERVICE", service),
            GroupBy=ce.group_by("LINKED_ACCOUNT"),
        )
        for page in pages:
            for result in page.get("CoveragesByTime", []):
                for group in result.get("Groups", []):
                    values = list((group.get("Attributes") or {}).values())
                    account = values[0] if len(values) == 1 else ""
                    if not (len(account) == 12 and account.isdigit()):
                        continue
                    reserved, total, _ = _hours(
                        (group.get("Coverage") or {}).get("CoverageHours") or {}
                    )
                    acc = sums.setdefault(account, [Decimal(0), Decimal(0)])
                    acc[0] += reserved or 0
                    acc[1] += total or 0
    return {
        account: _hours({"ReservedHours": reserved, "TotalRunningHours": total})
        for account, (reserved, total) in sums.items()
    }


def _reservation(
    ctx: Context, client: Any, expression: dict[str, Any], service: str, coverage: Coverage
) -> dict[str, Any] | None:
    """Utilization of the account's reservations of one service, with its coverage."""
    ctx.check_time()
    utilization: dict[str, Any] = {}
    with ce.no_data():
        utilization = client.get_reservation_utilization(**_base(ctx), Filter=expression)
    total = utilization.get("Total") or {}
    if not (decimal(total.get("PurchasedHours")) or decimal(total.get("TotalAmortizedFee"))):
        return _coverage_only(ctx, service, coverage)  # no reservation of its own: coverage
    fee = decimal(total.get("TotalAmortizedFee"))
    unused = decimal(total.get("RICostForUnusedHours"))
    used = fee - unused if fee is not None and unused is not None else None
    return _item(
        "RI",
        ctx,
        service=service,
        utilization_pct=money(total.get("UtilizationPercentage")),
        **_coverage_fields(coverage),
        commitment=money(total.get("TotalAmortizedFee")),
        used=None if used is None else format_decimal(used),
        unused=money(total.get("RICostForUnusedHours")),
        net_savings=money(total.get("NetRISavings")),
        on_demand_equivalent=money(total.get("OnDemandCostOfRIHoursUsed")),
        currency="USD",
    )


def _coverage_fields(coverage: Coverage) -> dict[str, Any]:
    covered, total, pct = coverage
    return {
        "coverage_pct": pct,
        "coverage_covered": None if covered is None else format_decimal(covered),
        "coverage_eligible": None if total is None else format_decimal(total),
    }


def _coverage_only(ctx: Context, service: str, coverage: Coverage) -> dict[str, Any] | None:
    """A row for usage covered (or not) by reservations the account does not own."""
    if not coverage[1]:
        return None  # no eligible usage: nothing to cover
    return _item(
        "RI",
        ctx,
        service=service,
        utilization_pct=None,
        **_coverage_fields(coverage),
        commitment=None,
        used=None,
        unused=None,
        net_savings=None,
        on_demand_equivalent=None,
        currency="USD",
    )


def _has_savings_plans(ctx: Context) -> bool:
    client = ctx.global_client("savingsplans")
    start = timestamp(ctx.window.start) or ""
    end = timestamp(ctx.window.end) or ""
    pages = ctx.pages(
        client,
        "describe_savings_plans",
        token=("nextToken", "nextToken"),
        states=["active", "retired"],
        maxResults=100,
    )
    for page in pages:
        for plan in page.get("savingsPlans", []):
            plan_start = timestamp(plan.get("start")) or ""
            plan_end = timestamp(plan.get("end")) or "9999"
            if plan_start < end and plan_end > start:
                return True
    return False


def _savings_plans(ctx: Context, client: Any, account: str, *, owns: bool) -> dict | None:
    """Savings Plans coverage of the account's spend (whoever owns the plans) and, for an
    owner, the utilization of its plans. None when there is neither."""
    query = {**_base(ctx), "Filter": _filter(account)}
    total: dict[str, Any] = {}
    if owns:
        ctx.check_time()
        with ce.no_data():
            total = client.get_savings_plans_utilization(**query).get("Total") or {}
    utilization = total.get("Utilization") or {}
    savings = total.get("Savings") or {}
    covered, spend = Decimal(0), Decimal(0)
    ctx.check_time()
    with ce.no_data():
        for page in ctx.pages(
            client, "get_savings_plans_coverage", token=("NextToken", "NextToken"), **query
        ):
            for entry in page.get("SavingsPlansCoverages", []):
                coverage = entry.get("Coverage") or {}
                covered += decimal(coverage.get("SpendCoveredBySavingsPlans")) or 0
                spend += decimal(coverage.get("TotalCost")) or 0
    if not owns and not spend:
        return None
    return _item(
        "SP",
        ctx,
        service=None,
        utilization_pct=money(utilization.get("UtilizationPercentage")),
        coverage_pct=format_decimal(covered * 100 / spend) if spend else None,
        coverage_covered=format_decimal(covered) if spend else None,
        coverage_eligible=format_decimal(spend) if spend else None,
        commitment=money(utilization.get("TotalCommitment")),
        used=money(utilization.get("UsedCommitment")),
        unused=money(utilization.get("UnusedCommitment")),
        net_savings=money(savings.get("NetSavings")),
        on_demand_equivalent=money(savings.get("OnDemandCostEquivalent")),
        currency="USD",
    )


def _item(kind: str, ctx: Context, **values: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "service": values.pop("service"),
        "period_start": ctx.window.start.isoformat(),
        "period_end": ctx.window.end.isoformat(),
        **values,
    }


COLLECTOR = Collector(
    name="commitments",
    scope="global",
    fetch=fetch,
    keys=("account_id", "kind", "service", "period_start", "period_end"),
    supports_history=True,
    services=("ce", "savingsplans", "ec2", "rds", "elasticache", "redshift", "opensearch"),
    iam_actions=(
        "ce:GetCostAndUsage",
        "ce:GetDimensionValues",
        "ce:GetReservationCoverage",
        "ce:GetReservationUtilization",
        "ce:GetSavingsPlansCoverage",
        "ce:GetSavingsPlansUtilization",
        "ec2:DescribeReservedInstances",
        "elasticache:DescribeReservedCacheNodes",
        "es:DescribeReservedInstances",
        "rds:DescribeReservedDBInstances",
        "redshift:DescribeReservedNodes",
        "savingsplans:DescribeSavingsPlans",
    ),
    weight=7,  # about 7 Cost Explorer requests one after another
    description=(
        "Reserved Instance utilisation and coverage per reservation service used (EC2, RDS, "
        "ElastiCache, MemoryDB, Redshift, OpenSearch) and Savings Plans coverage, whatever the "
        "account owns (commitments are shared across the billing family), from Cost Explorer; "
        "Savings Plans utilisation when DescribeSavingsPlans finds a plan of the account's. "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetReservationCoverage.html"
    ),
)
