"""Cost Explorer queries shared by the cost, service_usage and marketplace_usage collectors.

Every Cost Explorer request costs USD 0.01, so the sender asks as little as it can: one
``GetCostAndUsage`` grouped by service and usage type (DAILY rows) feeds both ``cost.daily`` and
``service_usage`` and the window total; one ungrouped query over the previous window and the
month to date gives the comparison totals. Both are computed once per run (`Context.shared`),
whichever collector asks first. Granularity is DAILY, or MONTHLY where every boundary is a month
start; the interval itself (WEEKLY, YEARLY) is never passed as a granularity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sender.collectors.base import Context
from sender.intervals import (
    Window,
    add_months,
    is_month_aligned,
    month_start,
    month_to_date,
    previous_window,
)
from sender.normalize import decimal

TOKEN = ("NextPageToken", "NextPageToken")
COST_METRICS = ["UnblendedCost", "AmortizedCost"]


@dataclass(frozen=True)
class UsageRow:
    date: str
    service: str
    usage_type: str
    unblended: Decimal | None
    amortized: Decimal | None
    quantity: Decimal | None
    unit: str | None
    currency: str | None


@dataclass(frozen=True)
class Total:
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


def usage_rows(ctx: Context) -> list[UsageRow]:
    """The window's cost and usage by day, service and usage type (one query per run)."""
    return ctx.shared.get(("ce-usage", ctx.window), lambda: _fetch_usage(ctx))


def _fetch_usage(ctx: Context) -> list[UsageRow]:
    rows = []
    pages = ctx.pages(
        ctx.global_client("ce"),
        "get_cost_and_usage",
        token=TOKEN,
        TimePeriod=period(ctx.window),
        Granularity="DAILY",
        Metrics=[*COST_METRICS, "UsageQuantity"],
        GroupBy=[
            {"Type": "DIMENSION", "Key": "SERVICE"},
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        ],
    )
    for page in pages:
        for result in page.get("ResultsByTime", []):
            day = result["TimePeriod"]["Start"]
            for group in result.get("Groups", []):
                keys = [*group.get("Keys", []), "", ""]
                metrics = group.get("Metrics", {})
                unblended = metrics.get("UnblendedCost", {})
                rows.append(
                    UsageRow(
                        date=day,
                        service=keys[0],
                        usage_type=keys[1],
                        unblended=decimal(unblended.get("Amount")),
                        amortized=decimal(metrics.get("AmortizedCost", {}).get("Amount")),
                        quantity=decimal(metrics.get("UsageQuantity", {}).get("Amount")),
                        unit=metrics.get("UsageQuantity", {}).get("Unit"),
                        currency=unblended.get("Unit"),
                    )
                )
    return rows


def comparison_totals(ctx: Context) -> list[Total]:
    """Previous window and month to date, from one ungrouped query (once per run)."""
    return ctx.shared.get(("ce-totals", ctx.interval, ctx.window), lambda: _fetch_totals(ctx))


def _fetch_totals(ctx: Context) -> list[Total]:
    earliest = earliest_date(ctx.today, ctx.cost_history_months)
    wanted = {
        "previous_window": previous_window(ctx.interval, ctx.window),
        "month_to_date": month_to_date(ctx.window),
    }
    wanted = {kind: w for kind, w in wanted.items() if w.start >= earliest}
    if not wanted:
        return []
    span = Window(min(w.start for w in wanted.values()), ctx.window.end)
    bounds = [span.start, span.end, *(d for w in wanted.values() for d in (w.start, w.end))]
    sums: dict[str, list[Any]] = {kind: [Decimal(0), Decimal(0), None] for kind in wanted}
    pages = ctx.pages(
        ctx.global_client("ce"),
        "get_cost_and_usage",
        token=TOKEN,
        TimePeriod=period(span),
        Granularity=granularity(*bounds),
        Metrics=COST_METRICS,
    )
    for page in pages:
        for result in page.get("ResultsByTime", []):
            start = date.fromisoformat(result["TimePeriod"]["Start"])
            end = date.fromisoformat(result["TimePeriod"]["End"])
            total = result.get("Total", {})
            for kind, window in wanted.items():
                if window.start <= start and end <= window.end:
                    acc = sums[kind]
                    acc[0] += decimal(total.get("UnblendedCost", {}).get("Amount")) or 0
                    acc[1] += decimal(total.get("AmortizedCost", {}).get("Amount")) or 0
                    acc[2] = acc[2] or total.get("UnblendedCost", {}).get("Unit")
    return [Total(kind, wanted[kind], *sums[kind]) for kind in wanted]
