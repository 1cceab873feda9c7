"""The HTML report: ``build_report(executor)`` reads the SQL views and returns one page.

``python -m report --database-url URL --out report.html`` (or through the Data API with
``--cluster-arn``/``--secret-arn``; ``python -m receiver report`` is the same command) writes it.
The page is self-contained: inline CSS and server-rendered SVG, no script, no external resource, a
Content-Security-Policy that forbids both. The period shown ends on the latest day with data in
the database (not today) and spans ``days`` days.

The report is its own component, apart from the receiver's Lambda functions (they never import it;
the analytics zip carries it for the morning report function, ``report.scheduled``).
It depends on the receiver only through ``receiver.db``, the database executors (a libpq URL or
the RDS Data API), and reads nothing but the views (the reader role is enough).

Modules: ``reader`` (the counting ``Reader``, the ``Period``), ``accounts`` (the account list and
each account's label and colour), ``sections`` (one module per topic: its queries next to its
rendering, and the KPI strip), ``charts`` (SVG), ``html`` (page, tables and the hooks a browser
test reads), ``formatting`` (money, percents, dates), ``command`` (the command line),
``scheduled`` (the morning report Lambda) and ``summary`` (its plain-text digest for SNS).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from receiver.db import Executor
from report import html, sections
from report.reader import Period, Reader, database_name, last_data_day
from report.sections.organization import GroupBy

DEFAULT_TITLE = "AWS observability report"

__all__ = ["DEFAULT_TITLE", "GroupBy", "Period", "Report", "build_report"]


@dataclass(frozen=True)
class Report:
    html: str
    period: Period | None
    database: str
    sections: int
    charts: int
    charts_with_data: int
    points: int
    statements: int
    rows_read: int
    seconds: float
    # what the page was rendered from (the scheduled function's summary reuses it: no 2nd read)
    data: sections.ReportData | None = None

    def summary(self) -> str:
        period = (
            f"{self.period.start.isoformat()} to {self.period.end.isoformat()}"
            if self.period
            else "no data"
        )
        return (
            f"{self.sections} sections, {self.charts} charts ({self.charts_with_data} with data, "
            f"{self.points} data points), {self.rows_read} rows read in {self.statements} "
            f"queries, period {period}, {self.seconds:.2f} s"
        )


def build_report(
    executor: Executor,
    days: int = 30,
    title: str = DEFAULT_TITLE,
    *,
    now: datetime | None = None,
    group_by: GroupBy | None = None,
    cost_basis: str = "amortized",
) -> Report:
    """Read the views through ``executor`` and render the report of the last ``days`` days."""
    if days < 1:
        raise ValueError("days must be at least 1")
    started = time.perf_counter()
    reader = Reader(executor)
    database = database_name(reader)
    last_day = last_data_day(reader)
    period = Period(last_day - timedelta(days - 1), last_day) if last_day else None
    data = sections.fetch(reader, period, group_by, cost_basis)
    built = sections.build_sections(data)
    figures = [f for s in built for f in s.figures]
    generated = (now or datetime.now(UTC)).astimezone(UTC)
    if period:
        period_text = (
            f"Period: {period.start.isoformat()} to {period.end.isoformat()} ({days} days, "
            "ending on the latest day with data in the database)"
        )
    else:
        period_text = "The database holds no data yet: every section below is empty."
    footer = [
        "How to read this report: the strip at the top sums the whole period or the current "
        "state; each section says which view it reads; hover a bar, point or cell for its exact "
        f"value; money is {cost_basis} cost as reported by AWS Cost Explorer (--cost-basis: "
        "amortized spreads Reserved Instance and Savings Plans fees over the days and accounts "
        "that use them; unblended books a commitment's monthly fee on the 1st, on the account "
        "that bought it); “current” means each account's latest snapshot whose collector "
        "succeeded.",
        f"Generated {generated:%Y-%m-%d %H:%M} UTC from database {database}; "
        + (
            f"period {period.start.isoformat()} to {period.end.isoformat()}; "
            if period
            else "no period (no data); "
        )
        + f"{reader.rows_read} rows read in {reader.statements} queries.",
        "Source views: " + ", ".join(sorted(reader.views)) + ".",
    ]
    page = html.page(
        title=title,
        period_text=period_text,
        kpis=sections.kpis(data),
        sections=built,
        footer_lines=footer,
    )
    return Report(
        html=page,
        period=period,
        database=database,
        sections=len(built),
        charts=len(figures),
        charts_with_data=sum(1 for f in figures if f.points),
        points=sum(f.points for f in figures),
        statements=reader.statements,
        rows_read=reader.rows_read,
        seconds=time.perf_counter() - started,
        data=data,
    )
