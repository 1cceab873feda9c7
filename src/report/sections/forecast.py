"""Section 2, forecast against actual: the monthly forecast query over
``v_cost_forecast_vs_actual`` and the section's chart and table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from report import charts
from report.formatting import EN_DASH, Unit, count, long_day, money, month
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, to_decimal, to_int
from report.sections.cost import cost_column

if TYPE_CHECKING:
    from report.sections import ReportData


_FORECAST = {
    "amortized": ("AMORTIZED_COST", "actual_amortized_mtd"),
    "unblended": ("UNBLENDED_COST", "actual_unblended_mtd"),
}


@dataclass(frozen=True)
class MonthForecast:
    month: date
    actual: Decimal | None
    actual_through: date | None
    accounts: int
    forecasts: int
    projected: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    currency: str | None


def forecast_by_month(
    reader: Reader, period: Period, basis: str = "amortized"
) -> list[MonthForecast]:
    """Per month touching the period: actual cost (in ``basis``) of all accounts and the
    projected month total from the forecast of the same metric (actual before the forecast
    period + forecast mean; accounts without a forecast count with their actual). The interval
    is the sum of the accounts' bounds, shown only when every forecast of the month has both
    bounds."""
    cost_column(basis)
    metric, actual_column = _FORECAST[basis]
    rows = reader.rows(
        f"""
        WITH months AS (
            SELECT *
            FROM v_cost_forecast_vs_actual
            WHERE month BETWEEN date_trunc('month', CAST(:start AS date)::timestamp)::date AND :end
        ),
        actual AS (
            SELECT month, account_id,
                   max({actual_column}) AS actual,
                   max(actual_through)       AS actual_through
            FROM months
            GROUP BY month, account_id
        ),
        forecast AS (
            SELECT month, account_id, forecast_mean, forecast_lower_bound, forecast_upper_bound,
                   projected_month_total, forecast_currency
            FROM months
            WHERE forecast_metric = :metric AND forecast_mean IS NOT NULL
        )
        SELECT a.month,
               sum(a.actual)                                  AS actual,
               max(a.actual_through)                          AS actual_through,
               count(*)                                       AS accounts,
               count(f.account_id)                            AS forecasts,
               sum(coalesce(f.projected_month_total, a.actual))  AS projected,
               sum(coalesce(f.projected_month_total - f.forecast_mean + f.forecast_lower_bound,
                            a.actual))                        AS lower,
               sum(coalesce(f.projected_month_total - f.forecast_mean + f.forecast_upper_bound,
                            a.actual))                        AS upper,
               count(f.account_id) FILTER (WHERE f.forecast_lower_bound IS NULL
                                              OR f.forecast_upper_bound IS NULL) AS no_interval,
               min(f.forecast_currency)                       AS currency
        FROM actual a
        LEFT JOIN forecast f ON f.month = a.month AND f.account_id = a.account_id
        GROUP BY a.month
        ORDER BY a.month
        """,
        {**period.params(), "metric": metric},
        "v_cost_forecast_vs_actual",
    )
    result = []
    for r in rows:
        has_forecast = to_int(r["forecasts"]) > 0
        has_interval = has_forecast and to_int(r["no_interval"]) == 0
        result.append(
            MonthForecast(
                month=r["month"],
                actual=to_decimal(r["actual"]),
                actual_through=r["actual_through"],
                accounts=to_int(r["accounts"]),
                forecasts=to_int(r["forecasts"]),
                projected=to_decimal(r["projected"]) if has_forecast else None,
                lower=to_decimal(r["lower"]) if has_interval else None,
                upper=to_decimal(r["upper"]) if has_interval else None,
                currency=r["currency"],
            )
        )
    return result


def forecast_section(data: ReportData) -> Section:
    currency = data.currencies.main
    unit = Unit("money", currency)
    section = Section(
        "forecast",
        "Forecast against actual",
        f"Actual {data.cost_basis} cost of each month in the period against the month total "
        f"projected by the latest Cost Explorer {data.cost_basis} cost forecast of that month "
        "(actual before the forecast period plus the forecast mean), read from "
        "v_cost_forecast_vs_actual.",
    )
    months = data.forecasts
    chart = charts.forecast_chart(
        label=f"Monthly cost: actual and forecast month total ({currency})",
        x=charts.category_axis([month(m.month) for m in months]),
        actual=[m.actual for m in months],
        forecast=[m.projected for m in months],
        lower=[m.lower for m in months],
        upper=[m.upper for m in months],
        unit=unit,
    )
    section.add_figure(
        Figure(
            "forecast",
            "Bars: actual cost of the month so far (whole calendar month, all accounts; days "
            "Cost Explorer still estimates are included as estimated, see Days still "
            "estimated). Points: forecast month total; whiskers: the sum of the accounts' "
            "prediction intervals.",
            chart,
            no_data("cost or forecasts"),
        )
    )
    rows = [
        [
            month(m.month),
            money(m.actual, currency),
            long_day(m.actual_through) if m.actual_through else EN_DASH,
            money(m.projected, currency) if m.projected is not None else "no forecast",
            f"{money(m.lower, currency)} {EN_DASH} {money(m.upper, currency)}"
            if m.lower is not None and m.upper is not None
            else EN_DASH,
            f"{m.forecasts} of {m.accounts}",
            count(data.month_estimated_days(m.month)),
        ]
        for m in months
    ]
    section.add(
        table_html(
            "forecast",
            "Actual and forecast per month",
            [
                "Month",
                "Actual",
                "Actual through",
                "Forecast month total",
                "Prediction interval",
                "Accounts with a forecast",
                "Days still estimated",
            ],
            rows,
            numeric=(1, 3, 4, 5, 6),
            empty_text=no_data("cost or forecasts"),
        )
    )
    return section
