"""How the report reads the database: a counting ``Reader``, the ``Period`` shown, conversions.

Statements use named ``:param`` placeholders (run by either executor of ``receiver.db``). Results
come back as frozen dataclasses holding ``Decimal`` money, ``date`` days and ``int`` counts. Every
statement goes through a ``Reader``, which counts statements and rows for the report's summary
and remembers the views read for its footer. The topic modules in ``report.sections`` hold the
statements themselves, each next to the section that shows its result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from receiver.db import Executor, Row


@dataclass
class Reader:
    """Runs the report's statements on an executor and counts what they return."""

    executor: Executor
    statements: int = 0
    rows_read: int = 0
    views: set[str] = field(default_factory=set)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None, *views: str) -> list[Row]:
        result = self.executor.execute(sql, dict(params or {}))
        self.statements += 1
        self.rows_read += len(result)
        self.views.update(views)
        return result


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(i) for i in range((self.end - self.start).days + 1)]

    def params(self) -> dict[str, date]:
        return {"start": self.start, "end": self.end}


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def to_int(value: Any) -> int:
    return 0 if value is None else int(value)


def to_int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def decimal_sum(values: Sequence[Decimal]) -> Decimal:
    return sum(values, start=Decimal(0))


def period_days(period: Period | None) -> list[date]:
    return period.days if period else []


def database_name(reader: Reader) -> str:
    return str(reader.rows("SELECT current_database() AS name")[0]["name"])


def last_data_day(reader: Reader) -> date | None:
    """The latest day with data: a cost day or the last day of a run's window.

    The latest window day comes from an index (sql/023's on ``window_end - 1``); cost days are
    read only from that day on (a later cost day wins; none: the window day), so the query reads
    the last days of cost_daily, not all of it. The same answer as the greatest of both maxima.
    """
    rows = reader.rows(
        """
        SELECT greatest(w.day,
                        (SELECT max(c.usage_date) FROM v_report_cost_daily c
                         WHERE c.usage_date >= coalesce(w.day, '-infinity'::date))) AS last_day
        FROM (SELECT max(window_end - 1) AS day FROM v_collection_windows) w
        """,
        None,
        "v_report_cost_daily",
        "v_collection_windows",
    )
    return rows[0]["last_day"] if rows else None
