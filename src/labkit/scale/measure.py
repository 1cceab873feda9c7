"""Measure a populated database: query latency (views, report, dashboards) and storage.

What is timed, and with which query (every query runs as the **reader** role, the report's and
the dashboards' role, over a libpq connection, and every row is fetched to the client):

- **views, one account**: every ``v_*`` view in ``pg_views`` (a new view is measured without a
  change here) that has an ``account_id`` column, as ``SELECT * FROM v WHERE account_id = %s``,
  each run with a different account (spread over the sorted account list);
- **views, organization**: every ``v_*`` view in full, ``SELECT * FROM v``, except history views,
  which are read over the report's default period (the last 30 days ending on the latest day with
  data, as ``report`` computes it): ``SELECT * FROM v WHERE <day> BETWEEN %s AND %s``. A history
  view is one whose name does not end in ``_current``/``_latest`` and that has a date column
  named one of ``HISTORY_COLUMNS`` (a column that grows by one day of rows per day of history);
  views by month (``month``) are already aggregated and read in full;
- **report queries**: each statement ``report.build_report`` runs (30 days, its defaults),
  timed by wrapping the executor it is given, so the SQL is the report's own, never a copy; a
  statement is named by the report function that issued it;
- **report build**: the whole of ``report.build_report`` (every query, then the HTML), the
  function ``python -m receiver report`` calls;
- **dashboard datasets**: what each QuickSight dataset's daily refresh reads
  (``dashboards.datasets``, ``dashboards.refresh``). A current-state dataset is fully refreshed
  daily: its custom SQL in full. A history dataset is refreshed incrementally every day: QuickSight
  cannot look inside custom SQL, so it runs it as a subquery with a predicate on the lookback
  column, ``SELECT * FROM (<custom SQL>) AS "<key>" WHERE "day" >= %s`` (``refresh_query``), and
  replaces the SPICE rows of that window. The window ends when the refresh starts, in UTC, and
  reaches back the lookback size plus one schedule interval (as measured by Classmethod's posts,
  see modules/dashboards/README.md; with ``day`` a date and a refresh at 07:00, a 7-day window
  keeps the 7 whole days up to the latest, ``days_read``): here the
  refresh is the one at ``Schedule().time_of_day`` on the day after the latest day with data (the
  report's period end), so the bound is that moment minus ``size + 1`` days (``window_start``).
  That is the dataset's measurement (scope ``incremental, N days of day``); its full import, which
  the weekly full refresh runs, is reported separately (``DATASET_FULL``, ``all rows``).

Each query runs once first (``first``: its first run, on the reader's connection after the fill; not
a cold-cache figure: the fill leaves pages in PostgreSQL's and the OS's caches, and the queries
measured before it may have read the same pages) and then ``repeat`` times more (``p50``/``p95``:
warm caches, nearest-rank percentiles, so with 5 runs p95 is the slowest); a query whose first run
took longer than ``slow_seconds`` (30 s) runs once more only: what counts there is that it is
far over a second, and six runs of it would take minutes. Before measuring,
``VACUUM (ANALYZE)`` runs as the admin, as autovacuum would in production after a bulk load.

**Storage**: per table, its heap (with TOAST) and its indexes, summed over partitions
(``pg_partition_tree``), estimated rows (``reltuples`` after ANALYZE), and per account per year
(``bytes / accounts * 365 / days``); plus ``pg_database_size``, which includes an empty
database's catalogs (about 8 MB).
"""

from __future__ import annotations

import math
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

HISTORY_COLUMNS = ("day", "usage_date", "snapshot_date", "period_start", "window_start")
CURRENT_SUFFIXES = ("_current", "_latest")
REPORT_DAYS = 30  # the report's default period (report.command --days)
VIEW_NAME = re.compile(r"\bv_[a-z0-9_]+")
SLOW_MS = 1000.0  # the target: every query's p95 under one second
SERVER_SETTINGS = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "random_page_cost",
    "jit",
)

VIEW_ACCOUNT = "view, one account"
VIEW_ORGANIZATION = "view, organization"
REPORT_QUERY = "report query"
DATASET = "dashboard dataset"
DATASET_FULL = "dashboard dataset, full import (weekly)"


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Timing:
    """One query: its first run and ``repeat`` warm runs, in milliseconds."""

    kind: str
    name: str
    query: str
    first_ms: float
    runs_ms: tuple[float, ...]
    rows: int  # rows the last run returned
    scope: str = ""  # what was read: "one account", "all rows", "30 days of day", views read

    @property
    def p50_ms(self) -> float:
        return percentile(self.runs_ms, 0.50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.runs_ms, 0.95)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "query": self.query,
            "first_ms": self.first_ms,
            "runs_ms": list(self.runs_ms),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "rows": self.rows,
            "scope": self.scope,
        }


@dataclass(frozen=True)
class TableSize:
    table: str
    partitions: int  # leaf partitions; 0 for a plain table
    rows: int  # estimated (reltuples)
    table_bytes: int  # heap + TOAST (+ free space map, visibility map)
    index_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.table_bytes + self.index_bytes


@dataclass
class Measurement:
    accounts: int
    days: int
    repeat: int
    period: tuple[date, date] | None
    timings: list[Timing] = field(default_factory=list)
    report_build: Timing | None = None
    sizes: list[TableSize] = field(default_factory=list)
    database_bytes: int = 0
    slow_seconds: float | None = None  # a query slower than this on its first run ran twice only

    def of_kind(self, kind: str) -> list[Timing]:
        return [t for t in self.timings if t.kind == kind]

    def per_account_year(self, size: int) -> float:
        """Bytes per account per year of history: ``size / accounts * 365 / days``."""
        return size / max(self.accounts, 1) * 365 / max(self.days, 1)

    @property
    def tables_bytes(self) -> int:
        return sum(s.total_bytes for s in self.sizes)

    def slowest(self, kinds: Sequence[str]) -> Timing | None:
        chosen = [t for t in self.timings if t.kind in kinds]
        return max(chosen, key=lambda t: t.p95_ms) if chosen else None

    def over(self, kinds: Sequence[str], limit_ms: float = SLOW_MS) -> int:
        return sum(1 for t in self.timings if t.kind in kinds and t.p95_ms > limit_ms)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "days": self.days,
            "repeat": self.repeat,
            "slow_seconds": self.slow_seconds,
            "period": [d.isoformat() for d in self.period] if self.period else None,
            "timings": [t.as_dict() for t in self.timings],
            "report_build": self.report_build.as_dict() if self.report_build else None,
            "sizes": [
                {
                    "table": s.table,
                    "partitions": s.partitions,
                    "rows": s.rows,
                    "table_bytes": s.table_bytes,
                    "index_bytes": s.index_bytes,
                }
                for s in self.sizes
            ],
            "database_bytes": self.database_bytes,
        }


@dataclass(frozen=True)
class LoadRun:
    """Sample days loaded through the real receiver by ``workers`` concurrent workers."""

    workers: int
    files: int
    seconds: float
    file_p50_ms: float
    file_p95_ms: float
    lost_rows: int
    deadlocks: int
    failed: int = 0

    @property
    def files_per_minute(self) -> float:
        return self.files / self.seconds * 60 if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "files": self.files,
            "seconds": self.seconds,
            "file_p50_ms": self.file_p50_ms,
            "file_p95_ms": self.file_p95_ms,
            "files_per_minute": round(self.files_per_minute, 1),
            "lost_rows": self.lost_rows,
            "deadlocks": self.deadlocks,
            "failed": self.failed,
        }


@dataclass
class ScaleRun:
    """One N of the simulation: how it was filled, the loads, and the measurement."""

    accounts: int
    days: int
    fill_seconds: float
    loads: list[LoadRun]
    measurement: Measurement
    fill: str = ""  # what the fill did, in the populate module's words
    database: str = ""  # its name (still there with --keep)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "days": self.days,
            "fill_seconds": self.fill_seconds,
            "fill": self.fill,
            "database": self.database,
            "loads": [load.as_dict() for load in self.loads],
            "measurement": self.measurement.as_dict(),
        }


# --- views --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    name: str
    columns: tuple[str, ...]

    @property
    def organization_scope(self) -> str:
        column = self.history_column
        return f"{REPORT_DAYS} days of {column}" if column else "all rows"

    @property
    def history_column(self) -> str | None:
        """The day column a history view grows by, or None for current state and aggregates."""
        if self.name.endswith(CURRENT_SUFFIXES):
            return None
        return next((c for c in HISTORY_COLUMNS if c in self.columns), None)


def views(connection: Any) -> list[View]:
    """Every ``v_*`` view of the schema ``public``, with its columns, by name."""
    rows = connection.execute(
        """
        SELECT v.viewname, array_agg(a.attname::text ORDER BY a.attnum) AS columns
        FROM pg_views v
        JOIN pg_attribute a
          ON a.attrelid = format('%I.%I', v.schemaname, v.viewname)::regclass
         AND a.attnum > 0 AND NOT a.attisdropped
        WHERE v.schemaname = 'public' AND v.viewname LIKE 'v\\_%'
        GROUP BY v.viewname
        ORDER BY v.viewname
        """
    ).fetchall()
    return [View(name, tuple(columns)) for name, columns in rows]


def organization_query(view: View, period: tuple[date, date] | None) -> tuple[Any, tuple]:
    """The organization-wide query of a view (composed SQL) and its parameters."""
    from psycopg import sql

    column = view.history_column
    if column and period:
        query = sql.SQL("SELECT * FROM {} WHERE {} BETWEEN %s AND %s").format(
            sql.Identifier(view.name), sql.Identifier(column)
        )
        return query, period
    return sql.SQL("SELECT * FROM {}").format(sql.Identifier(view.name)), ()


def account_query(view: View) -> Any:
    from psycopg import sql

    return sql.SQL("SELECT * FROM {} WHERE account_id = %s").format(sql.Identifier(view.name))


def _run(connection: Any, query: Any, params: Sequence[Any]) -> tuple[float, int]:
    started = time.perf_counter()
    cursor = connection.execute(query, params or None)
    rows = cursor.fetchall() if cursor.description is not None else []
    return (time.perf_counter() - started) * 1000, len(rows)


def time_query(
    connection: Any,
    kind: str,
    name: str,
    query: Any,
    params: Sequence[Sequence[Any]],
    scope: str = "",
    slow_ms: float | None = None,
) -> Timing:
    """Run ``query`` once per parameter set: the first is ``first``, the rest the warm runs.

    A query whose first run took longer than ``slow_ms`` runs once more only.
    """
    text = query.as_string(connection) if hasattr(query, "as_string") else str(query)
    first_ms, rows = _run(connection, query, params[0])
    runs = []
    later = params[1:2] if slow_ms is not None and first_ms > slow_ms else params[1:]
    for values in later:
        ms, rows = _run(connection, query, values)
        runs.append(ms)
    return Timing(kind, name, text, first_ms, tuple(runs), rows, scope)


def window_start(latest: date, size_days: float, time_of_day: str = "07:00") -> datetime:
    """Where an incremental refresh's window starts: the scheduled refresh on the morning after
    ``latest`` (at ``time_of_day``, UTC) minus the lookback and one daily interval."""
    hours, minutes = (int(x) for x in time_of_day.split(":"))
    refresh = datetime.combine(latest + timedelta(days=1), dt_time(hours, minutes))
    return refresh - timedelta(days=size_days + 1)


def days_read(start: datetime, latest: date) -> int:
    """How many whole days ``column >= start`` keeps, up to ``latest`` (``day`` is a date)."""
    first = start.date() if start.time() == dt_time(0) else start.date() + timedelta(days=1)
    return (latest - first).days + 1


def refresh_query(dataset: Any, column: str) -> Any:
    """The query an incremental refresh issues: the custom SQL as a subquery, a predicate on the
    lookback column (``%`` in the SQL doubled: it is sent with a parameter)."""
    from psycopg import sql

    return sql.SQL("SELECT * FROM ({}) AS {} WHERE {} >= %s").format(
        sql.SQL(dataset.sql.replace("%", "%%")), sql.Identifier(dataset.key), sql.Identifier(column)
    )


def spread(items: Sequence[str], count: int) -> list[str]:
    """``count`` items spread evenly over ``items`` (repeating when there are fewer)."""
    if not items:
        return []
    step = len(items) / count
    return [items[int(i * step) % len(items)] for i in range(count)]


# --- the report ---------------------------------------------------------------------------------


class TimedExecutor:
    """An executor that times each statement and names it after the report function issuing it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, float, int]] = []  # (caller, sql, ms, rows)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        caller = _report_caller()
        started = time.perf_counter()
        rows = self.inner.execute(sql, params)
        self.calls.append((caller, sql, (time.perf_counter() - started) * 1000, len(rows)))
        return rows

    def execute_each(self, sql: str, params: Any) -> list[list[dict[str, Any]]]:
        return [self.execute(sql, values) for values in params]

    @contextmanager
    def transaction(self) -> Iterator[TimedExecutor]:
        with self.inner.transaction():
            yield self

    def close(self) -> None:
        self.inner.close()


def _report_caller() -> str:
    """``module.function`` of the code that called ``Reader.rows`` (or the executor directly)."""
    frame = sys._getframe(2)
    after_rows = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == "report.reader" and frame.f_code.co_name == "rows":
            after_rows = frame.f_back
            break
        frame = frame.f_back
    frame = after_rows or sys._getframe(2)
    module = frame.f_globals.get("__name__", "?").removeprefix("report.")
    return f"{module}.{frame.f_code.co_name}"


def _named(calls: Sequence[tuple[str, str, float, int]]) -> list[tuple[str, str, float, int]]:
    """Calls with a unique name each: a function's second statement becomes ``name #2``."""
    seen: dict[str, int] = {}
    named = []
    for caller, sql, ms, rows in calls:
        seen[caller] = seen.get(caller, 0) + 1
        name = caller if seen[caller] == 1 else f"{caller} #{seen[caller]}"
        named.append((name, sql, ms, rows))
    return named


def measure_report(
    reader_dsn: str, repeat: int, slow_ms: float | None = None
) -> tuple[list[Timing], Timing]:
    """Build the report ``1 + repeat`` times (twice if the first build took over ``slow_ms``):
    per-statement timings and the whole build."""
    from receiver.db.psycopg_executor import PsycopgExecutor
    from report import build_report

    builds: list[float] = []
    runs: list[list[tuple[str, str, float, int]]] = []
    pages = 0
    executor = TimedExecutor(PsycopgExecutor(reader_dsn))
    try:
        for number in range(1 + repeat):
            if number == 2 and slow_ms is not None and builds[0] > slow_ms:
                break
            executor.calls = []
            started = time.perf_counter()
            report = build_report(executor, days=REPORT_DAYS)
            builds.append((time.perf_counter() - started) * 1000)
            pages = len(report.html)
            runs.append(_named(executor.calls))
    finally:
        executor.close()
    timings = []
    for name, sql, first_ms, rows in runs[0]:
        later = [next((c for c in run if c[0] == name), None) for run in runs[1:]]
        warm = tuple(c[2] for c in later if c is not None)
        last_rows = later[-1][3] if later and later[-1] is not None else rows
        text = " ".join(sql.split())
        read = ", ".join(sorted(set(VIEW_NAME.findall(text))))
        timings.append(Timing(REPORT_QUERY, name, text, first_ms, warm, last_rows, read))
    build = Timing(
        "report build",
        f"build_report(days={REPORT_DAYS})",
        f"report.build_report(executor, days={REPORT_DAYS}): {len(runs[0])} statements, "
        f"then the HTML ({pages} characters)",
        builds[0],
        tuple(builds[1:]),
        len(runs[0]),
    )
    return timings, build


def report_period(reader_dsn: str) -> tuple[date, date] | None:
    """The report's default period: 30 days ending on the latest day with data."""
    from receiver.db.psycopg_executor import PsycopgExecutor
    from report.reader import Reader, last_data_day

    executor = PsycopgExecutor(reader_dsn)
    try:
        last = last_data_day(Reader(executor))
    finally:
        executor.close()
    return (last - timedelta(REPORT_DAYS - 1), last) if last else None


# --- storage ------------------------------------------------------------------------------------

SIZES_SQL = """
WITH tables AS (
    SELECT c.oid, c.relname, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
), members AS (  -- a plain table is its own only member; pg_partition_tree lists none for it
    SELECT t.oid AS root, t.oid AS relid FROM tables t
    UNION
    SELECT t.oid, p.relid FROM tables t, pg_partition_tree(t.oid) p
)
SELECT * FROM (
SELECT t.relname AS name,
       count(*) FILTER (WHERE t.relkind = 'p' AND r.relkind = 'r') AS partitions,
       coalesce(sum(greatest(r.reltuples, 0)) FILTER (WHERE r.relkind = 'r'), 0)::bigint AS rows,
       coalesce(sum(pg_table_size(m.relid)), 0)::bigint AS table_bytes,
       coalesce(sum(pg_indexes_size(m.relid)), 0)::bigint AS index_bytes
FROM tables t
JOIN members m ON m.root = t.oid
JOIN pg_class r ON r.oid = m.relid
GROUP BY t.relname
) sizes
ORDER BY table_bytes + index_bytes DESC, name
"""


def table_sizes(connection: Any) -> list[TableSize]:
    return [TableSize(*row) for row in connection.execute(SIZES_SQL).fetchall()]


# --- the machine --------------------------------------------------------------------------------


def machine(connection: Any) -> dict[str, str]:
    """The machine and server the figures come from (CPU, cores, RAM, PostgreSQL, settings)."""
    info = {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory": _memory(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": connection.execute("SHOW server_version").fetchone()[0],
        # other work on the machine slows every figure: the load when the run ended says how much
        "load average at the end (1, 5, 15 min)": _load_average(),
    }
    for name in SERVER_SETTINGS:
        info[name] = connection.execute("SELECT current_setting(%s, true)", (name,)).fetchone()[0]
    return info


def _load_average() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


# --- all of it ----------------------------------------------------------------------------------


def measure(
    admin_dsn: str,
    reader_dsn: str,
    *,
    accounts: int,
    days: int,
    repeat: int = 5,
    slow_seconds: float = 30.0,
    vacuum: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> Measurement:
    """Every measurement of the module docstring on one populated database."""
    import psycopg

    from dashboards.datasets import DATASETS
    from dashboards.refresh import Schedule, lookback

    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        if vacuum:
            progress("VACUUM (ANALYZE)")
            admin.execute("VACUUM (ANALYZE)")
        known = views(admin)
        account_ids = [
            r[0] for r in admin.execute("SELECT account_id FROM accounts ORDER BY 1").fetchall()
        ]
    period = report_period(reader_dsn)
    result = Measurement(accounts, days, repeat, period, slow_seconds=slow_seconds)
    slow_ms = slow_seconds * 1000
    chosen = [(a,) for a in spread(account_ids, 1 + repeat)]
    runs = 1 + repeat
    with psycopg.connect(reader_dsn, autocommit=True) as reader:
        reader.execute("SET TIME ZONE 'UTC'")
        progress(f"{len(known)} views, one account and organization")
        for view in known:
            query, params = organization_query(view, period)
            scope = view.organization_scope if period else "all rows"
            result.timings.append(
                time_query(
                    reader, VIEW_ORGANIZATION, view.name, query, [params] * runs, scope, slow_ms
                )
            )
            if "account_id" in view.columns and chosen:
                result.timings.append(
                    time_query(
                        reader,
                        VIEW_ACCOUNT,
                        view.name,
                        account_query(view),
                        chosen,
                        "one account",
                        slow_ms,
                    )
                )
        progress(f"{len(DATASETS)} dashboard datasets")
        for dataset in DATASETS:
            window = lookback(dataset)
            if window is not None and period:
                start = window_start(period[1], window.days, Schedule().time_of_day)
                scope = f"incremental, {days_read(start, period[1])} days of {window.column}"
                query = refresh_query(dataset, window.column)
                result.timings.append(
                    time_query(
                        reader, DATASET, dataset.key, query, [(start,)] * runs, scope, slow_ms
                    )
                )
            kind = DATASET if window is None or not period else DATASET_FULL
            result.timings.append(
                time_query(reader, kind, dataset.key, dataset.sql, [()] * runs, "all rows", slow_ms)
            )
    progress(f"the report, {1 + repeat} times")
    report_timings, result.report_build = measure_report(reader_dsn, repeat, slow_ms)
    result.timings.extend(report_timings)
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        result.sizes = table_sizes(admin)
        result.database_bytes = admin.execute(
            "SELECT pg_database_size(current_database())"
        ).fetchone()[0]
    return result


# --- saved figures ------------------------------------------------------------------------------


def _timing(data: dict[str, Any]) -> Timing:
    return Timing(
        data["kind"],
        data["name"],
        data["query"],
        data["first_ms"],
        tuple(data["runs_ms"]),
        data["rows"],
        data.get("scope", ""),
    )


def run_from_dict(data: dict[str, Any]) -> ScaleRun:
    """A ``ScaleRun`` back from its ``as_dict`` (``--json``), to render the tables again."""
    m = data["measurement"]
    start, end = m["period"] or (None, None)
    period = (date.fromisoformat(start), date.fromisoformat(end)) if start and end else None
    measurement = Measurement(
        accounts=m["accounts"],
        days=m["days"],
        repeat=m["repeat"],
        period=period,
        timings=[_timing(t) for t in m["timings"]],
        report_build=_timing(m["report_build"]) if m["report_build"] else None,
        sizes=[TableSize(**s) for s in m["sizes"]],
        database_bytes=m["database_bytes"],
        slow_seconds=m.get("slow_seconds"),
    )
    loads = [
        LoadRun(
            x["workers"],
            x["files"],
            x["seconds"],
            x["file_p50_ms"],
            x["file_p95_ms"],
            x["lost_rows"],
            x["deadlocks"],
            x.get("failed", 0),
        )
        for x in data["loads"]
    ]
    return ScaleRun(
        data["accounts"],
        data["days"],
        data["fill_seconds"],
        loads,
        measurement,
        data.get("fill", ""),
        data.get("database", ""),
    )
