"""Cost Explorer: daily unblended and amortized cost by service, comparison totals, forecast.

Account-wide, so collected once per account (never per region). Requests per run in account
mode, every one filtered on the own account (``LINKED_ACCOUNT``): the shared usage query
(`_costexplorer.usage_rows`, also feeding ``service_usage``), the shared totals query, and on
scheduled runs one ``GetCostForecast`` per metric (to the end of the current month).

``cost.daily`` holds the window's days and, on scheduled DAILY runs, the days re-collected before
it (`_costexplorer.recollected_days`: the open month, early in a month the previous one too,
from the totals query), each with Cost Explorer's ``Estimated`` flag of its day.

Organization mode (``SENDER_COST_MODE=organization``, see `_costexplorer`): the same rows for
every linked account, each naming its ``account_id``. ``GetCostForecast`` has no GroupBy, so a
forecast per account would cost two requests per account and day; the sender forecasts the
organization's total instead (two requests), reported as what it is: the part
``organization_forecast`` (table ``organization_cost_forecasts``), never as any account's forecast.
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
    organization = ce.organization_mode(ctx)  # raises NotEnabled (skipped) when off
    rows = ce.usage_rows(ctx)
    daily: dict[tuple[str, str, str], list[Any]] = {}
    estimated: dict[tuple[str, str, str], bool | None] = {}
    totals: dict[str, list[Any]] = {}
    if not organization:
        totals[ctx.account_id] = [Decimal(0), Decimal(0), None]
    for row in rows:
        key = (row.account_id, row.date, row.service)
        acc = daily.setdefault(key, [Decimal(0), Decimal(0), row.currency])
        acc[0] += row.unblended or 0
        acc[1] += row.amortized or 0
        estimated[key] = (
            _either(estimated[key], row.estimated) if key in estimated else row.estimated
        )
        total = totals.setdefault(row.account_id, [Decimal(0), Decimal(0), None])
        total[0] += row.unblended or 0
        total[1] += row.amortized or 0
        total[2] = total[2] or row.currency
    try:
        others = ce.comparison_totals(ctx)
        for again in ce.recollected_days(ctx):  # days before the window: no overlap
            key = (again.account_id, again.date, again.service)
            daily[key] = [again.unblended, again.amortized, again.currency]
            estimated[key] = again.estimated
    except ClientError as exc:
        ctx.warn(f"comparison totals: {error_message(exc)}")
        others = []
    for key, (unblended, amortized, unit) in sorted(daily.items()):
        account, day, service = key
        if not service:
            continue
        item = {
            "date": day,
            "service": text(service),
            "unblended_cost": format_decimal(unblended),
            "amortized_cost": format_decimal(amortized),
            "currency": _currency(unit),
        }
        if estimated.get(key) is not None:
            item["estimated"] = estimated[key]
        yield "daily", _tagged(item, account, organization)
    for account in sorted({*totals, *(o.account_id for o in others)}):
        unblended, amortized, currency = totals.get(account, [Decimal(0), Decimal(0), None])
        item = _total("window", ctx.window, unblended, amortized, currency)
        yield "totals", _tagged(item, account, organization)
        for other in (o for o in others if o.account_id == account):
            item = _total(
                other.kind,
                other.window,
                other.unblended,
                other.amortized,
                other.currency or currency,
            )
            yield "totals", _tagged(item, account, organization)
    if ctx.current:
        part = "organization_forecast" if organization else "forecast"
        for item in _forecast(ctx, None if organization else ce.account_filter(ctx.account_id)):
            yield part, item


def _either(one: bool | None, other: bool | None) -> bool | None:
    """Estimated if any part is, unknown if any part is unknown, else final."""
    if one is True or other is True:
        return True
    return None if one is None or other is None else False


def _tagged(item: dict[str, Any], account: str, organization: bool) -> dict[str, Any]:
    """Organization mode: every row names the account it belongs to."""
    return {"account_id": account, **item} if organization else item


def _forecast(ctx: Context, expression: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    start = ctx.today  # Cost Explorer forecasts from today...
    end = add_months(month_start(start), 1)  # ...to the end of the current month
    client = ctx.global_client("ce")
    for metric in FORECAST_METRICS:
        ctx.check_time()
        try:
            response = client.get_cost_forecast(
                **ce.with_filter(
                    {
                        "TimePeriod": ce.period(Window(start, end)),
                        "Metric": metric,
                        "Granularity": "MONTHLY",
                        "PredictionIntervalLevel": 80,
                    },
                    expression,
                )
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
        yield {
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "metric": metric,
            "mean": money(total.get("Amount")),
            "lower_bound": lower,
            "upper_bound": upper,
            "currency": _currency(total.get("Unit")),
        }


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
        "daily": ("account_id", "date", "service"),
        "totals": ("account_id", "kind", "period_start", "period_end"),
        "forecast": ("metric", "period_start", "period_end"),
        "organization_forecast": ("metric", "period_start", "period_end"),
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
