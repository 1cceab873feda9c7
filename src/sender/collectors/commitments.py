"""Reserved Instance and Savings Plans utilisation and coverage over the window.

Cost Explorer requests cost money, so the Savings Plans queries run only when
``DescribeSavingsPlans`` (free) shows a plan overlapping the window, and RI coverage only when RI
utilisation shows purchased hours. One item per kind for the window (the ``Total`` of a DAILY or,
for month-aligned windows, MONTHLY query).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetReservationUtilization.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetSavingsPlansUtilization.html

Account mode: every query carries a ``LINKED_ACCOUNT`` filter on the own account (all four APIs
document that dimension in their Filter). Organization mode: none of the utilisation APIs can
group by account (reservation utilisation groups only by subscription, Savings Plans utilisation
not at all, Savings Plans coverage only by instance family, region or service), so the sender
asks ``GetDimensionValues`` which linked accounts have reservations (context ``RESERVATIONS``)
and which have Savings Plans (context ``SAVINGS_PLANS``), then runs exactly the account-mode
queries, filtered on each of those accounts: two requests plus two to four per account that
holds commitments (usually a handful), never per account of the organization. Rows then name
their account.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetDimensionValues.html
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code
from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import decimal, format_decimal, money, timestamp

NO_DATA = "DataUnavailableException"


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    organization = ce.organization_mode(ctx)  # raises NotEnabled (skipped) when off
    client = ctx.global_client("ce")
    window = ctx.window
    base = {
        "TimePeriod": ce.period(window),
        "Granularity": ce.granularity(window.start, window.end),
    }
    if not organization:
        query = {**base, "Filter": ce.account_filter(ctx.account_id)}
        ri = _reserved_instances(ctx, client, query)
        if ri is not None:
            yield ri
        if _has_savings_plans(ctx):
            yield _savings_plans(ctx, client, query)
        return
    items: list[dict[str, Any]] = []
    for account in _accounts_with(ctx, client, "RESERVATIONS"):
        ri = _reserved_instances(ctx, client, {**base, "Filter": ce.account_filter(account)})
        if ri is not None:
            items.append({"account_id": account, **ri})
    for account in _accounts_with(ctx, client, "SAVINGS_PLANS"):
        sp = _savings_plans(ctx, client, {**base, "Filter": ce.account_filter(account)})
        items.append({"account_id": account, **sp})
    yield from sorted(items, key=lambda item: (item["account_id"], item["kind"]))


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


def _reserved_instances(ctx: Context, client: Any, query: dict[str, Any]) -> dict | None:
    try:
        utilization = client.get_reservation_utilization(**query)
    except ClientError as exc:
        if error_code(exc) == NO_DATA:
            return None
        raise
    total = utilization.get("Total") or {}
    if not (decimal(total.get("PurchasedHours")) or decimal(total.get("TotalAmortizedFee"))):
        return None  # no reservation during the window
    ctx.check_time()
    coverage_pct = None
    try:
        coverage = client.get_reservation_coverage(**query)
        hours = (coverage.get("Total") or {}).get("CoverageHours") or {}
        coverage_pct = money(hours.get("CoverageHoursPercentage"))
    except ClientError as exc:
        if error_code(exc) != NO_DATA:
            raise
    fee = decimal(total.get("TotalAmortizedFee"))
    unused = decimal(total.get("RICostForUnusedHours"))
    used = fee - unused if fee is not None and unused is not None else None
    return _item(
        "RI",
        ctx,
        utilization_pct=money(total.get("UtilizationPercentage")),
        coverage_pct=coverage_pct,
        commitment=money(total.get("TotalAmortizedFee")),
        used=None if used is None else format_decimal(used),
        unused=money(total.get("RICostForUnusedHours")),
        net_savings=money(total.get("NetRISavings")),
        on_demand_equivalent=money(total.get("OnDemandCostOfRIHoursUsed")),
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


def _savings_plans(ctx: Context, client: Any, query: dict[str, Any]) -> dict[str, Any]:
    try:
        total = client.get_savings_plans_utilization(**query).get("Total") or {}
    except ClientError as exc:
        if error_code(exc) != NO_DATA:
            raise
        total = {}
    utilization = total.get("Utilization") or {}
    savings = total.get("Savings") or {}
    covered, spend = Decimal(0), Decimal(0)
    try:
        for page in ctx.pages(
            client, "get_savings_plans_coverage", token=("NextToken", "NextToken"), **query
        ):
            for entry in page.get("SavingsPlansCoverages", []):
                coverage = entry.get("Coverage") or {}
                covered += decimal(coverage.get("SpendCoveredBySavingsPlans")) or 0
                spend += decimal(coverage.get("TotalCost")) or 0
    except ClientError as exc:
        if error_code(exc) != NO_DATA:
            raise
    coverage_pct = format_decimal(covered * 100 / spend) if spend else None
    return _item(
        "SP",
        ctx,
        utilization_pct=money(utilization.get("UtilizationPercentage")),
        coverage_pct=coverage_pct,
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
        "period_start": ctx.window.start.isoformat(),
        "period_end": ctx.window.end.isoformat(),
        **values,
    }


COLLECTOR = Collector(
    name="commitments",
    scope="global",
    fetch=fetch,
    keys=("account_id", "kind", "period_start", "period_end"),
    supports_history=True,
    services=("ce", "savingsplans"),
    iam_actions=(
        "ce:GetDimensionValues",
        "ce:GetReservationCoverage",
        "ce:GetReservationUtilization",
        "ce:GetSavingsPlansCoverage",
        "ce:GetSavingsPlansUtilization",
        "savingsplans:DescribeSavingsPlans",
    ),
    weight=2,
    description=(
        "Reserved Instance and Savings Plans utilisation and coverage for the window, from Cost "
        "Explorer (Savings Plans queried only when DescribeSavingsPlans finds one). "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetReservationUtilization.html"
    ),
)
