"""Cost Explorer queries and paging shared by the cost, service_usage, marketplace_usage and
commitments collectors.

Every Cost Explorer request costs USD 0.01, so the sender asks as little as it can. What it asks
depends on ``SENDER_COST_MODE`` (`Context.cost_mode`):

* ``account`` (default): every request carries a ``LINKED_ACCOUNT`` filter on the sender's own
  account. Without it, a sender in the management (payer) account would report the whole
  organization's cost as its own. One ``GetCostAndUsage`` grouped by service and usage type
  (DAILY rows) feeds both ``cost.daily`` and ``service_usage`` and the window total; one
  query over the previous window and the month to date gives the comparison totals, grouped by
  service and ``BILLING_ENTITY``: the services billed by ``AWS Marketplace`` in it tell
  ``marketplace_usage`` which of the usage query's rows are Marketplace products (no request of
  its own; see `marketplace_services`).
* ``organization`` (the management account, or wherever the organization's billing data is
  readable): the same data for every linked account, grouped by ``LINKED_ACCOUNT``. GroupBy takes
  at most two dimensions, and usage needs three (account, service, usage type), so one query
  lists the window's services and then one query per service is grouped by account and usage
  type: the request count grows with the number of services (and pages), not of accounts.
  Comparison totals come from one query grouped by account (and service on scheduled DAILY
  runs); ``marketplace_usage`` asks its own queries. Each row names its account.
* ``off``: no request at all; the collectors report ``skipped`` with `OFF_REASON`.

Re-collection of estimated days: Cost Explorer revises a month's figures (it refreshes billing
data up to three times a day; credits, refunds, discounts and tax arrive later) until the month's
invoice is final, and flags every day of a result ``Estimated`` until then. A scheduled (current)
DAILY run therefore re-collects the days before its window (`refresh_period`): the open month,
and during the first `PREVIOUS_MONTH_OPEN_DAYS` days of a month the previous one too. It costs
no request of its own: the comparison totals query, which already spans the month to date,
starts on the first re-collected day and is grouped by ``SERVICE`` (and ``LINKED_ACCOUNT``), so
its DAILY groups give the re-collected ``cost.daily`` rows (`recollected_days`, with each day's
``Estimated`` flag) and, summed, the totals. A service groups a day in one group (usage types
are not split), so the pages grow with services x days, not usage types. History windows ask as
before, for their window only.

Results are computed once per run (`Context.shared`), whichever collector asks first.
Granularity is DAILY, or MONTHLY where every boundary is a month start; the interval itself
(WEEKLY, YEARLY) is never passed as a granularity.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code
from sender.collectors.base import Context, NotEnabled
from sender.intervals import (
    Interval,
    Window,
    add_months,
    is_month_aligned,
    month_start,
    month_to_date,
    previous_window,
)
from sender.normalize import decimal

TOKEN = ("NextPageToken", "NextPageToken")
# Cost Explorer's answer when it has nothing for the request (e.g. no reservation in the window).
NO_DATA = "DataUnavailableException"
MARKETPLACE = "AWS Marketplace"  # the BILLING_ENTITY of Marketplace products' charges
COST_METRICS = ["UnblendedCost", "AmortizedCost"]
ORGANIZATION = "organization"
OFF_REASON = "Cost Explorer is collected by the organization's management account"
# Days into a month during which a scheduled run still re-collects the previous month: AWS issues
# the previous month's invoice in the first days of a month, and Cost Explorer's figures for it
# may change until then (a day still flagged Estimated later is stored and shown as such).
PREVIOUS_MONTH_OPEN_DAYS = 10


def dimension(key: str, values: str | list[str]) -> dict[str, Any]:
    return {"Dimensions": {"Key": key, "Values": [values] if isinstance(values, str) else values}}


def group_by(*keys: str) -> list[dict[str, str]]:
    return [{"Type": "DIMENSION", "Key": key} for key in keys]


def organization_mode(ctx: Context) -> bool:
    """True in organization mode; raises `NotEnabled` (``skipped``) when the mode is ``off``."""
    if ctx.cost_mode == "off":
        raise NotEnabled(OFF_REASON)
    return ctx.cost_mode == ORGANIZATION


def account_filter(account_id: str, *others: dict[str, Any] | None) -> dict[str, Any]:
    """``LINKED_ACCOUNT = account_id``, and-ed with the other filters given."""
    parts = [dimension("LINKED_ACCOUNT", account_id), *(o for o in others if o)]
    return parts[0] if len(parts) == 1 else {"And": parts}


def scoped(ctx: Context, *others: dict[str, Any] | None) -> dict[str, Any] | None:
    """The filter of a request: the sender's own account in account mode, nothing more in
    organization mode (the organization's data, grouped or filtered by the caller)."""
    if organization_mode(ctx):
        parts = [o for o in others if o]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"And": parts}
    return account_filter(ctx.account_id, *others)


def with_filter(query: dict[str, Any], expression: dict[str, Any] | None) -> dict[str, Any]:
    return {**query, "Filter": expression} if expression else dict(query)


def cost_and_usage_pages(
    ctx: Context, query: dict[str, Any], expression: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every page of one ``GetCostAndUsage`` (``NextPageToken``), through `Context.pages`: the
    time budget is checked before each request, and a repeated token stops the run."""
    return ctx.pages(
        ctx.global_client("ce"), "get_cost_and_usage", token=TOKEN, **with_filter(query, expression)
    )


@contextmanager
def no_data() -> Iterator[None]:
    """Ends the block quietly when Cost Explorer answers `NO_DATA`: what the block gathered
    until then stands (nothing, for a single request); any other error propagates."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) != NO_DATA:
            raise


@dataclass(frozen=True)
class UsageRow:
    account_id: str
    date: str
    service: str
    usage_type: str
    unblended: Decimal | None
    amortized: Decimal | None
    quantity: Decimal | None
    unit: str | None
    currency: str | None
    estimated: bool | None = None  # Cost Explorer's Estimated flag of the row's day


@dataclass(frozen=True)
class DayCost:
    """One service's cost on one re-collected day (before the window) of one account."""

    account_id: str
    date: str
    service: str
    unblended: Decimal
    amortized: Decimal
    currency: str | None
    estimated: bool | None


@dataclass(frozen=True)
class Total:
    account_id: str
    kind: str
    window: Window
    unblended: Decimal
    amortized: Decimal
    currency: str | None


def period(window: Window) -> dict[str, str]:
    return {"Start": window.start.isoformat(), "End": window.end.isoformat()}


def earliest_date(today: date, months: int) -> date:
    """The first day Cost Explorer still has data for (``months`` includes the current one)."""
    return add_months(month_start(today), -(months - 1))


def granularity(*days: date) -> str:
    return "MONTHLY" if is_month_aligned(*days) else "DAILY"


def refresh_period(ctx: Context) -> Window | None:
    """The days a scheduled DAILY run re-collects before its window: from the open month's
    first day, or the previous month's while it may still change, never before the first day
    Cost Explorer keeps; None on other runs (history windows, other intervals) or when empty."""
    if not ctx.current or ctx.interval is not Interval.DAILY:
        return None
    start = month_start(ctx.window.start)
    if ctx.today.day <= PREVIOUS_MONTH_OPEN_DAYS:
        start = min(start, add_months(month_start(ctx.today), -1))
    start = max(start, earliest_date(ctx.today, ctx.cost_history_months))
    return Window(start, ctx.window.start) if start < ctx.window.start else None


def estimated_flag(result: dict[str, Any]) -> bool | None:
    flag = result.get("Estimated")
    return flag if isinstance(flag, bool) else None


def usage_rows(ctx: Context) -> list[UsageRow]:
    """The window's cost and usage by account, day, service and usage type (shared per run)."""
    organization = organization_mode(ctx)
    return ctx.shared.get(("ce-usage", ctx.window), lambda: _fetch_usage(ctx, organization))


def _fetch_usage(ctx: Context, organization: bool) -> list[UsageRow]:
    metrics = [*COST_METRICS, "UsageQuantity"]
    if not organization:
        return list(
            grouped_rows(
                ctx,
                ("SERVICE", "USAGE_TYPE"),
                metrics,
                account_filter(ctx.account_id),
                lambda keys: (ctx.account_id, keys[0], keys[1]),
            )
        )
    rows: list[UsageRow] = []
    for service in dimension_values(ctx, "SERVICE"):
        rows.extend(
            grouped_rows(
                ctx,
                ("LINKED_ACCOUNT", "USAGE_TYPE"),
                metrics,
                dimension("SERVICE", service),
                lambda keys, service=service: (keys[0], service, keys[1]),
            )
        )
    return rows


def dimension_values(ctx: Context, key: str, expression: dict[str, Any] | None = None) -> list[str]:
    """Values of ``key`` with cost in the window, from one ``GetCostAndUsage`` grouped by it
    (organization mode: the services, or Marketplace products, to ask about one by one)."""
    query = {
        "TimePeriod": period(ctx.window),
        "Granularity": granularity(ctx.window.start, ctx.window.end),
        "Metrics": ["UnblendedCost"],
        "GroupBy": group_by(key),
    }
    values: dict[str, None] = {}
    for page in cost_and_usage_pages(ctx, query, expression):
        for result in page.get("ResultsByTime", []):
            for group in result.get("Groups", []):
                keys = group.get("Keys") or [""]
                if keys[0]:
                    values[keys[0]] = None
    return sorted(values)


def grouped_rows(
    ctx: Context,
    keys: tuple[str, str],
    metrics: list[str],
    expression: dict[str, Any] | None,
    identify: Any,
) -> Iterator[UsageRow]:
    """DAILY rows of one query grouped by two dimensions; ``identify(keys)`` maps a group's
    keys to (account, service, usage type)."""
    query = {
        "TimePeriod": period(ctx.window),
        "Granularity": "DAILY",
        "Metrics": metrics,
        "GroupBy": group_by(*keys),
    }
    pages = cost_and_usage_pages(ctx, query, expression)
    for page in pages:
        for result in page.get("ResultsByTime", []):
            day = result["TimePeriod"]["Start"]
            estimated = estimated_flag(result)
            for group in result.get("Groups", []):
                account, service, usage_type = identify([*group.get("Keys", []), "", ""])
                metrics_of = group.get("Metrics", {})
                unblended = metrics_of.get("UnblendedCost", {})
                usage = metrics_of.get("UsageQuantity", {})
                yield UsageRow(
                    account_id=account,
                    date=day,
                    service=service,
                    usage_type=usage_type,
                    unblended=decimal(unblended.get("Amount")),
                    amortized=decimal(metrics_of.get("AmortizedCost", {}).get("Amount")),
                    quantity=decimal(usage.get("Amount")),
                    unit=usage.get("Unit"),
                    currency=unblended.get("Unit"),
                    estimated=estimated,
                )


def comparison_totals(ctx: Context) -> list[Total]:
    """Previous window and month to date, from one query (once per run): filtered on the own
    account, or grouped by account in organization mode; see `recollected_days`."""
    return _totals_and_days(ctx)[0]


def recollected_days(ctx: Context) -> list[DayCost]:
    """Cost per account, day and service over `refresh_period`, from the same query as the
    comparison totals (no request of its own); empty when the run re-collects nothing."""
    return _totals_and_days(ctx)[1]


def marketplace_services(ctx: Context) -> set[str] | None:
    """Account mode: the SERVICE values (Marketplace products) billed by ``AWS Marketplace``
    over the totals query's span, which ends with the window, from the same query as the
    comparison totals (no request of its own). None when that query does not run (no
    comparison period within Cost Explorer's history) or in organization mode: the caller
    then asks Cost Explorer itself."""
    return _totals_and_days(ctx)[2]


def _totals_and_days(ctx: Context) -> tuple[list[Total], list[DayCost], set[str] | None]:
    organization = organization_mode(ctx)
    key = ("ce-totals", ctx.interval, ctx.window)
    return ctx.shared.get(key, lambda: _fetch_totals(ctx, organization))


def _fetch_totals(
    ctx: Context, organization: bool
) -> tuple[list[Total], list[DayCost], set[str] | None]:
    earliest = earliest_date(ctx.today, ctx.cost_history_months)
    wanted = {
        "previous_window": previous_window(ctx.interval, ctx.window),
        "month_to_date": month_to_date(ctx.window),
    }
    wanted = {kind: w for kind, w in wanted.items() if w.start >= earliest}
    refresh = refresh_period(ctx)
    if not wanted and refresh is None:
        return [], [], None
    starts = [w.start for w in wanted.values()] + ([refresh.start] if refresh else [])
    span = Window(min(starts), ctx.window.end)
    bounds = [span.start, span.end, *(d for w in wanted.values() for d in (w.start, w.end))]
    query: dict[str, Any] = {
        "TimePeriod": period(span),
        "Granularity": "DAILY" if refresh else granularity(*bounds),
        "Metrics": COST_METRICS,
    }
    if organization:
        keys: tuple[str, ...] = ("LINKED_ACCOUNT",)
        if refresh:  # the re-collected days by service: the same request, grouped
            keys = (*keys, "SERVICE")
    else:  # services (re-collected days) and billing entities (Marketplace products)
        keys = ("SERVICE", "BILLING_ENTITY")
    query["GroupBy"] = group_by(*keys)
    expression = None if organization else account_filter(ctx.account_id)
    day_sums: dict[tuple[str, date, str], list[Any]] = {}
    marketplace: set[str] | None = None if organization else set()
    sums: dict[tuple[str, str], list[Any]] = {}
    if not organization:  # the own account always gets its totals, zero when nothing was spent
        sums = {(ctx.account_id, kind): [Decimal(0), Decimal(0), None] for kind in wanted}
    for page in cost_and_usage_pages(ctx, query, expression):
        for result in page.get("ResultsByTime", []):
            start = date.fromisoformat(result["TimePeriod"]["Start"])
            end = date.fromisoformat(result["TimePeriod"]["End"])
            entries = [
                (*_keys(g, organization, ctx.account_id), g.get("Metrics", {}))
                for g in result.get("Groups", [])
            ]
            recollected = refresh is not None and refresh.start <= start and end <= refresh.end
            for account, service, entity, metrics in entries:
                if not account:
                    continue
                if marketplace is not None and service and entity == MARKETPLACE:
                    marketplace.add(service)
                if recollected and service:  # a service billed by two entities: summed
                    _add_day(day_sums, account, start, service, metrics, result)
                for kind, window in wanted.items():
                    if window.start <= start and end <= window.end:
                        acc = sums.setdefault((account, kind), [Decimal(0), Decimal(0), None])
                        acc[0] += decimal(metrics.get("UnblendedCost", {}).get("Amount")) or 0
                        acc[1] += decimal(metrics.get("AmortizedCost", {}).get("Amount")) or 0
                        acc[2] = acc[2] or metrics.get("UnblendedCost", {}).get("Unit")
    if organization:  # an account seen in one period has a (zero) total in the other
        for account in {a for a, _ in sums}:
            for kind in wanted:
                sums.setdefault((account, kind), [Decimal(0), Decimal(0), None])
    totals = [
        Total(account, kind, wanted[kind], *sums[(account, kind)])
        for account, kind in sorted(sums, key=lambda k: (k[0], list(wanted).index(k[1])))
    ]
    days = [
        DayCost(account, day.isoformat(), service, *acc)
        for (account, day, service), acc in day_sums.items()
    ]
    return totals, days, marketplace


def _keys(group: dict[str, Any], organization: bool, own: str) -> tuple[str, str, str]:
    """(account, service, billing entity) of a totals group: keys are [account(, service)] in
    organization mode, [service, billing entity] in account mode."""
    keys = [*group.get("Keys", []), "", ""]
    return (keys[0], keys[1], "") if organization else (own, keys[0], keys[1])


def _add_day(
    sums: dict[tuple[str, date, str], list[Any]],
    account: str,
    day: date,
    service: str,
    metrics: dict[str, Any],
    result: dict[str, Any],
) -> None:
    unblended = metrics.get("UnblendedCost", {})
    acc = sums.setdefault(
        (account, day, service), [Decimal(0), Decimal(0), None, estimated_flag(result)]
    )
    acc[0] += decimal(unblended.get("Amount")) or 0
    acc[1] += decimal(metrics.get("AmortizedCost", {}).get("Amount")) or 0
    acc[2] = acc[2] or unblended.get("Unit")
