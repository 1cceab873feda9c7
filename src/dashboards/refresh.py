"""How each SPICE dataset is refreshed: incremental for history, full for current state.

A history dataset (one holding a ``day`` column that grows with the history) is refreshed
incrementally every day: QuickSight re-reads only the rows whose ``day`` falls in its lookback
window (``DataSetRefreshProperties.RefreshConfiguration.IncrementalRefresh.LookbackWindow``) and
replaces those rows of the SPICE copy, and a full refresh once a week re-reads everything (it
catches what arrived later than the window: a new account's history backfill, a file loaded
weeks late). A current-state dataset (one row per finding, key or rule now, no ``day``) is small
and fully refreshed daily.

Each window is as long as the latest a row of that dataset can still change:

- cost (``cost_daily``, ``cost_forecast``, ``commitments``): a scheduled sender re-collects the
  open month, and during the first ``PREVIOUS_MONTH_OPEN_DAYS`` (10) days of a month the previous
  month too, because Cost Explorer restates estimated days until the month's invoice
  (src/sender/collectors/_costexplorer.py, sql/013_cost_estimated.sql, docs/data-model.md). On
  the 10th the oldest re-collected day is the previous month's 1st, 40 days back; the current
  and previous months' forecast and commitment rows are dated on their month's or period's first
  day, as old at most. 42 days (6 weeks) covers it with the schedule's own day of slack.
- daily snapshots and collection health (``findings_daily``, ``compliance_daily``,
  ``collection_daily``, ``collector_issues``): a day changes when a late or re-sent file for it
  loads (retries, a sender down for a few days); 7 days covers a week's outage, and the weekly
  full refresh anything older (a backfill of months).
- ingestion (``ingestion_daily``): a day's row counts the files received that day; only today
  and yesterday (a file received before midnight, loaded after) change: 3 days.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.datasets import DATASETS, Dataset

HISTORY_COLUMN = "day"
SIZE_UNITS = ("HOUR", "DAY", "WEEK")  # LookbackWindow.SizeUnit in the QuickSight API
DAYS_OF_WEEK = ("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")

COST_RESTATEMENT_DAYS = 42
LATE_FILE_DAYS = 7
INGESTION_DAYS = 3


@dataclass(frozen=True)
class Lookback:
    """An incremental refresh's window: rows whose ``column`` lies within ``size`` ``unit``s."""

    column: str
    size: int
    unit: str = "DAY"

    def __post_init__(self) -> None:
        if self.unit not in SIZE_UNITS or self.size < 1:
            raise ValueError(
                f"a lookback is at least 1 of {SIZE_UNITS}, not {self.size} {self.unit}"
            )

    @property
    def days(self) -> float:
        return self.size * {"HOUR": 1 / 24, "DAY": 1, "WEEK": 7}[self.unit]

    def as_json(self) -> dict[str, object]:
        return {"column": self.column, "size": self.size, "unit": self.unit}


LOOKBACK_DAYS: dict[str, int] = {
    "cost_daily": COST_RESTATEMENT_DAYS,
    "cost_forecast": COST_RESTATEMENT_DAYS,
    "commitments": COST_RESTATEMENT_DAYS,
    "findings_daily": LATE_FILE_DAYS,
    "compliance_daily": LATE_FILE_DAYS,
    "collection_daily": LATE_FILE_DAYS,
    "collector_issues": LATE_FILE_DAYS,
    "ingestion_daily": INGESTION_DAYS,
}


def is_history(dataset: Dataset) -> bool:
    """A dataset whose rows are dated by a ``day`` that grows with the history."""
    return HISTORY_COLUMN in dataset.column_names


def lookback(dataset: Dataset) -> Lookback | None:
    """The incremental refresh window of a SPICE history dataset; None: refreshed in full."""
    if dataset.import_mode != "SPICE" or not is_history(dataset):
        return None
    if dataset.column(HISTORY_COLUMN).type != "DATETIME":
        raise ValueError(f"{dataset.key}: the lookback column {HISTORY_COLUMN} is not a DATETIME")
    try:
        size = LOOKBACK_DAYS[dataset.key]
    except KeyError:
        raise KeyError(
            f"{dataset.key} holds history ({HISTORY_COLUMN}) but has no lookback"
        ) from None
    return Lookback(HISTORY_COLUMN, size, "DAY")


def incremental_datasets() -> list[Dataset]:
    return [d for d in DATASETS if lookback(d) is not None]


@dataclass(frozen=True)
class Schedule:
    """When refreshes run (the module's ``refresh_schedule`` input, same defaults): every SPICE
    dataset daily at ``time_of_day`` (incremental for history, full otherwise), and each
    history dataset fully once a week on ``full_refresh_day`` at ``full_refresh_time_of_day``."""

    time_of_day: str = "07:00"
    timezone: str = "UTC"
    full_refresh_day: str = "SUNDAY"
    full_refresh_time_of_day: str = "06:00"

    def __post_init__(self) -> None:
        if self.full_refresh_day not in DAYS_OF_WEEK:
            raise ValueError(f"full_refresh_day must be one of {DAYS_OF_WEEK}")
