"""Cost Explorer: daily unblended and amortized cost by service, comparison totals, forecast.

Account-wide, so collected once per account (never per region). Requests per run: the shared
usage query (`_costexplorer.usage_rows`, also feeding ``service_usage``), the shared totals query,
and on scheduled runs one ``GetCostForecast`` per metric (to the end of the current month).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostForecast.html
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.intervals import Window, add_months, month_start
from sender.normalize import decimal, format_decimal, money, text

FORECAST_METRICS = ("UNBLENDED_COST", "AMORTIZED_COST")


def fetch(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    rows = ce.usage_rows(ctx)
    daily: dict[tuple[str, str], list[Any]] = {}
    total = [Decimal(0), Decimal(0)]
    currency = None
    for row in rows:
        acc = daily.setdefault((row.date, row.service), [Decimal(0), Decimal(0), row.currency])
        acc[0] += row.unblended or 0
        acc[1] += row.amortized or 0
        total[0] += row.unblended or 0
        total[1] += row.amortized or 0
        currency = currency or row.currency
    for (day, service), (unblended, amortized, unit) in sorted(daily.items()):
        if not service:
            continue
        yield (
            "daily",
            {
                "date": day,
                "service": text(service),
                "unblended_cost": format_decimal(unblended),
                "amortized_cost": format_decimal(amortized),
                "currency": _currency(unit),
            },
        )
    yield "totals", _total("window", ctx.window, total[0], total[1], currency)
    try:
        for other in ce.comparison_totals(ctx):
            yield (
                "totals",
                _total(
                    other.kind,
                    other.window,
                    other.unblended,
                    other.amortized,
                    other.currency or currency,
                ),
            )
    except ClientError as exc:
        ctx.warn(f"comparison totals: {error_message(exc)}")
    if ctx.current:
        yield from _forecast(ctx)


def _forecast(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    start = ctx.today  # Cost Explorer forecasts from today...
    end = add_months(month_start(start), 1)  # ...to the end of the current month
    client = ctx.global_client("ce")
    for metric in FORECAST_METRICS:
        ctx.check_time()
        try:
            response = client.get_cost_forecast(
                TimePeriod=ce.period(Window(start, end)),
                Metric=metric,
                Granularity="MONTHLY",
                PredictionIntervalLevel=80,
            )
        except ClientError as exc:
            if error_code(exc) == "DataUnavailableException":  # too little history to forecast
                continue
            if error_code(exc) in SKIP_CODES and metric == FORECAST_METRICS[0]:
                ctx.warn(f"forecast: {error_message(exc)}")
                return
            ctx.warn(f"forecast {metric}: {error_message(exc)}")
            continue
        results = response.get("ForecastResultsByTime", [])
        lower = _sum(r.get("PredictionIntervalLowerBound") for r in results)
        upper = _sum(r.get("PredictionIntervalUpperBound") for r in results)
        total = response.get("Total", {})
        yield (
            "forecast",
            {
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "metric": metric,
                "mean": money(total.get("Amount")),
                "lower_bound": lower,
                "upper_bound": upper,
                "currency": _currency(total.get("Unit")),
            },
        )


def _sum(values: Any) -> str | None:
    numbers = [decimal(v) for v in values]
    if not numbers or any(n is None for n in numbers):
        return None
    return format_decimal(sum(numbers, Decimal(0)))  # type: ignore[arg-type]


def _total(kind: str, window: Window, unblended: Decimal, amortized: Decimal, currency):
    return {
        "kind": kind,
        "period_start": window.start.isoformat(),
        "period_end": window.end.isoformat(),
        "unblended_cost": format_decimal(unblended),
        "amortized_cost": format_decimal(amortized),
        "currency": _currency(currency),
    }


def _currency(unit: Any) -> str | None:
    return unit if isinstance(unit, str) and len(unit) == 3 and unit.isupper() else None


COLLECTOR = Collector(
    name="cost",
    scope="global",
    fetch=fetch,
    shape="parts",
    parts=("daily", "totals", "forecast"),
    keys={
        "daily": ("date", "service"),
        "totals": ("kind", "period_start", "period_end"),
        "forecast": ("metric", "period_start", "period_end"),
    },
    supports_history=True,
    services=("ce",),
    iam_actions=("ce:GetCostAndUsage", "ce:GetCostForecast"),
    weight=3,
    description=(
        "Daily unblended and amortized cost by service, window / previous window / month-to-date "
        "totals and the month-end forecast, from Cost Explorer, once per account. "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetCostAndUsage.html"
    ),
)
