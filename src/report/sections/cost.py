"""Section 1, cost over time: the cost queries (currencies, cost basis, per account and day, per
service, days still estimated) and the section's charts and table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, account_series, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, esc, long_day, money, percent
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, decimal_sum, period_days, to_decimal, to_int

if TYPE_CHECKING:
    from report.sections import ReportData

TOP_SERVICES = 8
DAILY_BARS_UP_TO = 45  # longer periods show the service chart per week


@dataclass(frozen=True)
class Currencies:
    """The currency the cost charts use (the most common one) and rows left out."""

    main: str
    other_rows: int
    others: tuple[str, ...]


def cost_currencies(reader: Reader, period: Period) -> Currencies:
    rows = reader.rows(
        """
        SELECT currency, count(*) AS row_count
        FROM v_report_cost_daily
        WHERE usage_date BETWEEN :start AND :end AND currency IS NOT NULL
        GROUP BY currency
        ORDER BY count(*) DESC, currency
        """,
        period.params(),
        "v_report_cost_daily",
    )
    if not rows:
        return Currencies("USD", 0, ())
    others = rows[1:]
    return Currencies(
        rows[0]["currency"],
        sum(to_int(r["row_count"]) for r in others),
        tuple(r["currency"] for r in others),
    )


# Which cost drives the report's totals and charts (``--cost-basis``). Amortized cost spreads
# upfront and recurring RI/Savings Plans fees over the days and accounts that use the commitment;
# unblended cost books a no-upfront commitment's monthly fee on the 1st, on the buying account.
COST_BASES = ("amortized", "unblended")
_COST_COLUMNS = {"amortized": "amortized_cost", "unblended": "unblended_cost"}


def cost_column(basis: str) -> str:
    """The ``cost_daily`` column of a cost basis (a fixed name: never user text in SQL)."""
    try:
        return _COST_COLUMNS[basis]
    except KeyError:
        choices = ", ".join(COST_BASES)
        raise ValueError(f"cost basis must be one of {choices}, not {basis!r}") from None


def other_basis(basis: str) -> str:
    cost_column(basis)
    return next(b for b in COST_BASES if b != basis)


@dataclass(frozen=True)
class AccountDayCost:
    account_id: str
    account_name: str | None
    day: date
    cost: Decimal  # in the report's cost basis
    other: Decimal = Decimal(0)  # the same day in the other basis, shown alongside the totals


def cost_by_account_day(
    reader: Reader, period: Period, currency: str, basis: str = "amortized"
) -> list[AccountDayCost]:
    """Cost per account and day in ``basis``, with the other basis alongside (rows without a
    currency count as ``currency``)."""
    column, other = cost_column(basis), cost_column(other_basis(basis))
    rows = reader.rows(
        f"""
        SELECT account_id, account_name, usage_date, sum({column}) AS cost,
               sum({other}) AS other
        FROM v_report_cost_daily
        WHERE usage_date BETWEEN :start AND :end
          AND coalesce(currency, :currency) = :currency
          AND {column} IS NOT NULL
        GROUP BY account_id, account_name, usage_date
        ORDER BY account_id, usage_date
        """,
        {**period.params(), "currency": currency},
        "v_report_cost_daily",
    )
    return [
        AccountDayCost(
            r["account_id"],
            r["account_name"],
            r["usage_date"],
            to_decimal(r["cost"]) or Decimal(0),
            to_decimal(r["other"]) or Decimal(0),
        )
        for r in rows
    ]


def estimated_cost_days(reader: Reader, start: date, end: date) -> list[date]:
    """Days in [start, end] with a cost row Cost Explorer still flagged Estimated when it was
    last collected (its figures may change until the month's invoice is final)."""
    rows = reader.rows(
        """
        SELECT DISTINCT usage_date
        FROM v_report_cost_daily
        WHERE usage_date BETWEEN :start AND :end AND estimated
        ORDER BY usage_date
        """,
        {"start": start, "end": end},
        "v_report_cost_daily",
    )
    return [r["usage_date"] for r in rows]


@dataclass(frozen=True)
class ServiceCost:
    """Cost of a top service (``service`` None = all other services) in one day or week."""

    rank: int
    service: str | None
    bucket: date
    cost: Decimal


def cost_by_service(
    reader: Reader,
    period: Period,
    currency: str,
    *,
    top: int,
    bucket: str,
    basis: str = "amortized",
) -> list[ServiceCost]:
    """The ``top`` services by cost (in ``basis``) over the period, the rest together, per
    ``bucket``."""
    if bucket not in ("day", "week"):
        raise ValueError(f"bucket must be day or week, not {bucket!r}")
    column = cost_column(basis)
    rows = reader.rows(
        f"""
        WITH period AS (
            SELECT service, usage_date, sum({column}) AS cost
            FROM v_report_cost_daily
            WHERE usage_date BETWEEN :start AND :end
              AND coalesce(currency, :currency) = :currency
              AND {column} IS NOT NULL
            GROUP BY service, usage_date
        ),
        ranked AS (
            SELECT service, row_number() OVER (ORDER BY sum(cost) DESC, service) AS rank
            FROM period
            GROUP BY service
        )
        SELECT least(r.rank, :top + 1)                                   AS rank,
               CASE WHEN r.rank <= :top THEN p.service END               AS service,
               date_trunc(CAST(:bucket AS text), p.usage_date::timestamp)::date AS bucket,
               sum(p.cost)                                               AS cost
        FROM period p
        JOIN ranked r ON r.service = p.service
        GROUP BY 1, 2, 3
        ORDER BY 3, 1
        """,
        {**period.params(), "currency": currency, "top": top, "bucket": bucket},
        "v_report_cost_daily",
    )
    return [
        ServiceCost(int(r["rank"]), r["service"], r["bucket"], to_decimal(r["cost"]) or Decimal(0))
        for r in rows
    ]


def cost_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    currency = data.currencies.main
    unit = Unit("money", currency)
    section = Section(
        "cost",
        "Cost over time",
        f"{data.cost_basis.capitalize()} cost per day for each account and for the top "
        f"{TOP_SERVICES} services (all others summed as Other), read from v_report_cost_daily "
        "(the rows of cost_daily with their currency).",
    )
    days = period_days(data.period)
    per_account, names, order, series = account_series(
        days, ((c.account_id, c.account_name, c.day, c.cost) for c in data.cost_days), styles
    )
    chart = charts.line_chart(
        label=f"Daily {data.cost_basis} cost per account ({currency})",
        x=charts.date_axis(days),
        series=series,
        unit=unit,
    )
    section.add_figure(
        Figure(
            "cost-by-account",
            f"Daily cost per account in {currency}; a gap means no cost data for that day.",
            chart,
            no_data("cost per account"),
        )
    )

    if data.service_bucket == "week" and data.period:
        first = data.period.start - timedelta(data.period.start.weekday())
        buckets = [first + timedelta(7 * i) for i in range((data.period.end - first).days // 7 + 1)]
        axis = charts.week_axis(buckets, data.period.start, data.period.end)
    else:
        buckets = days
        axis = charts.date_axis(days)
    slot = {b: i for i, b in enumerate(buckets)}
    ranked: dict[int, str | None] = {}
    values: dict[int, list[Decimal | None]] = {}
    for s in data.service_costs:
        ranked[s.rank] = s.service
        values.setdefault(s.rank, [None] * len(buckets))[slot[s.bucket]] = s.cost
    service_series = [
        Series(
            ranked[rank] or "Other services",
            values[rank],
            charts.color_of(rank - 1) if ranked[rank] else charts.OTHER_COLOR,
        )
        for rank in sorted(ranked)
    ]
    per = "day" if data.service_bucket == "day" else "week"
    section.add_figure(
        Figure(
            "cost-by-service",
            f"Cost per {per} of the {TOP_SERVICES} services that cost most in the period, "
            f"stacked; Other services holds the rest (credits below zero).",
            charts.stacked_bar_chart(
                label=f"Cost per {per} by service ({currency})",
                x=axis,
                series=service_series,
                unit=unit,
            ),
            no_data("cost per service"),
        )
    )

    total = decimal_sum([c.cost for c in data.cost_days])
    rows = []
    for a in order:
        account_total = decimal_sum([v for v in per_account[a] if v is not None])
        share = percent(Decimal(100) * account_total / total, 1) if total else EN_DASH
        rows.append(
            [
                style_of(styles, a, names[a]).label,
                a,
                money(account_total, currency),
                share,
                count(sum(1 for v in per_account[a] if v is not None)),
            ]
        )
    section.add(
        table_html(
            "cost-by-account",
            "Cost per account in the period",
            ["Account", "Account ID", "Cost", "Share", "Days with cost"],
            rows,
            numeric=(2, 3, 4),
            footer=["All accounts", "", money(total, currency), "100%" if total else EN_DASH, ""]
            if rows
            else None,
            empty_text=no_data("cost"),
        )
    )
    estimated = data.period_estimated_days()
    if estimated:
        section.add(
            f'<p class="note" id="cost-estimated">{count(len(estimated))} of '
            f"{count(len(days))} days of the period ({esc(long_day(estimated[0]))} "
            f"{EN_DASH} {esc(long_day(estimated[-1]))}) are still estimated by Cost Explorer: "
            "their cost may change (credits, refunds, discounts, tax) until the month's "
            "invoice is final, and the sender re-collects them every day until then.</p>"
        )
    if data.currencies.other_rows:
        section.add(
            f'<p class="note">{data.currencies.other_rows} cost rows in other currencies '
            f"({esc(', '.join(data.currencies.others))}) are not included above.</p>"
        )
    return section
