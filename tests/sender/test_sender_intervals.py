"""Windows per interval: what a scheduled run, an explicit date and a backfill cover."""

from __future__ import annotations

from datetime import date

import pytest

from sender.intervals import (
    Interval,
    Window,
    add_months,
    is_month_aligned,
    latest_complete_window,
    month_to_date,
    previous_window,
    window_containing,
    windows_between,
)


@pytest.mark.parametrize(
    ("interval", "today", "start", "end"),
    [
        (Interval.DAILY, date(2026, 11, 25), date(2026, 11, 24), date(2026, 11, 25)),
        (Interval.DAILY, date(2026, 1, 1), date(2025, 12, 31), date(2026, 1, 1)),
        (Interval.DAILY, date(2024, 3, 1), date(2024, 2, 29), date(2024, 3, 1)),
        # previous ISO week, Monday to Monday, also when run on a Monday or across a year end
        (Interval.WEEKLY, date(2026, 11, 25), date(2026, 11, 16), date(2026, 11, 23)),
        (Interval.WEEKLY, date(2026, 11, 23), date(2026, 11, 16), date(2026, 11, 23)),
        (Interval.WEEKLY, date(2026, 1, 2), date(2025, 12, 22), date(2025, 12, 29)),
        (Interval.MONTHLY, date(2026, 11, 1), date(2026, 10, 1), date(2026, 11, 1)),
        (Interval.MONTHLY, date(2026, 1, 15), date(2025, 12, 1), date(2026, 1, 1)),
        (Interval.YEARLY, date(2026, 1, 1), date(2025, 1, 1), date(2026, 1, 1)),
        (Interval.YEARLY, date(2026, 11, 25), date(2025, 1, 1), date(2026, 1, 1)),
    ],
)
def test_scheduled_runs_cover_the_previous_complete_window(interval, today, start, end):
    assert latest_complete_window(interval, today) == Window(start, end)


def test_an_explicit_date_selects_the_window_containing_it():
    assert window_containing(Interval.WEEKLY, date(2026, 11, 19)) == Window(
        date(2026, 11, 16), date(2026, 11, 23)
    )
    assert window_containing(Interval.MONTHLY, date(2024, 2, 29)) == Window(
        date(2024, 2, 1), date(2024, 3, 1)
    )


def test_previous_window_and_month_to_date():
    daily = Window(date(2026, 11, 1), date(2026, 11, 2))
    assert previous_window(Interval.DAILY, daily) == Window(date(2026, 10, 31), date(2026, 11, 1))
    assert month_to_date(daily) == daily
    weekly = Window(date(2026, 11, 30), date(2026, 12, 7))  # spans a month end
    assert month_to_date(weekly) == Window(date(2026, 12, 1), date(2026, 12, 7))
    yearly = Window(date(2025, 1, 1), date(2026, 1, 1))
    assert previous_window(Interval.YEARLY, yearly) == Window(date(2024, 1, 1), date(2025, 1, 1))
    assert month_to_date(yearly) == Window(date(2025, 12, 1), date(2026, 1, 1))


def test_windows_between_covers_every_day_once():
    windows = windows_between(Interval.DAILY, date(2026, 2, 27), date(2026, 3, 2))
    assert [w.start.isoformat() for w in windows] == [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]
    weeks = windows_between(Interval.WEEKLY, date(2026, 11, 18), date(2026, 11, 30))
    assert [(w.start.day, w.end.day) for w in weeks] == [(16, 23), (23, 30), (30, 7)]
    with pytest.raises(ValueError, match="before start"):
        windows_between(Interval.DAILY, date(2026, 3, 2), date(2026, 3, 1))


def test_month_arithmetic_and_alignment():
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -13) == date(2024, 12, 1)
    with pytest.raises(ValueError):
        add_months(date(2026, 1, 31), 1)
    assert is_month_aligned(date(2026, 1, 1), date(2026, 2, 1))
    assert not is_month_aligned(date(2026, 1, 1), date(2026, 1, 2))


def test_interval_parsing_and_window_checks():
    assert Interval.parse("weekly") is Interval.WEEKLY
    with pytest.raises(ValueError, match="one of DAILY, WEEKLY, MONTHLY, YEARLY"):
        Interval.parse("HOURLY")
    with pytest.raises(ValueError, match="after its start"):
        Window(date(2026, 1, 2), date(2026, 1, 2))
    window = Window(date(2026, 11, 24), date(2026, 11, 25))
    assert window.last_day == date(2026, 11, 24)
    assert window.as_dict() == {"start": "2026-11-24", "end": "2026-11-25"}
