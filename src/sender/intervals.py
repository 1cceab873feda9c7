"""Collection intervals and the windows they cover.

A window is a half-open range of UTC dates ``[start, end)``. A scheduled run covers the last
complete window before "today": DAILY the previous day, WEEKLY the previous ISO week (Monday to
Monday), MONTHLY the previous calendar month, YEARLY the previous calendar year. Cost Explorer
never sees the interval itself as a granularity (it knows only DAILY, MONTHLY and HOURLY): the
collectors ask for DAILY rows, and for MONTHLY only where every boundary falls on a month start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Interval(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"

    @classmethod
    def parse(cls, value: object) -> Interval:
        text = str(value).strip().upper()
        try:
            return cls(text)
        except ValueError:
            choices = ", ".join(i.value for i in cls)
            raise ValueError(f"unknown interval {value!r} (one of {choices})") from None


@dataclass(frozen=True, order=True)
class Window:
    """``start`` inclusive, ``end`` exclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after its start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        """The snapshot date of point-in-time categories."""
        return self.end - timedelta(days=1)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def __str__(self) -> str:
        return f"[{self.start}, {self.end})"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; only for first-of-month dates."""
    if day.day != 1:
        raise ValueError(f"add_months needs a first-of-month date, got {day}")
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def window_containing(interval: Interval, day: date) -> Window:
    """The window of ``interval`` that contains ``day``."""
    if interval is Interval.DAILY:
        return Window(day, day + timedelta(days=1))
    if interval is Interval.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return Window(monday, monday + timedelta(days=7))
    if interval is Interval.MONTHLY:
        start = month_start(day)
        return Window(start, add_months(start, 1))
    start = date(day.year, 1, 1)
    return Window(start, date(day.year + 1, 1, 1))


def latest_complete_window(interval: Interval, today: date) -> Window:
    """The last window of ``interval`` that ended on or before ``today`` (a scheduled run)."""
    return window_containing(interval, window_containing(interval, today).start - timedelta(days=1))


def previous_window(interval: Interval, window: Window) -> Window:
    return window_containing(interval, window.start - timedelta(days=1))


def windows_between(interval: Interval, first: date, last: date) -> list[Window]:
    """The windows of ``interval`` covering every day from ``first`` to ``last`` (inclusive)."""
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    windows = []
    window = window_containing(interval, first)
    while window.start <= last:
        windows.append(window)
        window = window_containing(interval, window.end)
    return windows


def is_month_aligned(*days: date) -> bool:
    return all(day.day == 1 for day in days)


def month_to_date(window: Window) -> Window:
    """From the first of the month of the window's last day to the window's end."""
    return Window(month_start(window.last_day), window.end)


def parse_date(value: object, what: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a YYYY-MM-DD date") from None
