"""Plain tables for the scale simulation: Markdown for ``docs/scale.md``, text for a terminal.

``table`` renders rows as a Markdown pipe table (numbers right-aligned), ``text_table`` the same
rows aligned in columns for a terminal, and ``replace_between`` swaps the generated part of a
document between its two markers, keeping everything outside them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labkit.scale.measure import LoadRun, ScaleRun

BEGIN = "<!-- scale:begin -->"
END = "<!-- scale:end -->"

Cell = str | int | float | None
NONE = "\N{EN DASH}"  # an empty cell
SLOW_MARK = "\N{DAGGER}"  # a query that ran twice only (too slow for --repeat runs)


def cell(value: Cell) -> str:
    if value is None:
        return NONE
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace(".", "").replace(" ", "").lstrip("-")
    return stripped.isdigit() or text == NONE


def _rendered(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[list[str]]:
    rendered = [[cell(v) for v in row] for row in rows]
    for row in rendered:
        if len(row) != len(headers):
            raise ValueError(f"row {row} has {len(row)} cells for {len(headers)} headers")
    return rendered


def _right_aligned(headers: Sequence[str], rendered: list[list[str]]) -> list[bool]:
    return [
        bool(rendered) and all(_numeric(row[i]) for row in rendered) for i in range(len(headers))
    ]


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A Markdown pipe table; a column whose every cell is a number is right-aligned."""
    rendered = _rendered(headers, rows)
    right = _right_aligned(headers, rendered)

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    rule = ["---:" if r else "---" for r in right]
    return "\n".join([line(headers), "|" + "|".join(rule) + "|", *(line(r) for r in rendered)])


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """The same table for a terminal: columns padded, numbers right-aligned."""
    rendered = _rendered(headers, rows)
    right = _right_aligned(headers, rendered)
    widths = [max(len(h), *(len(r[i]) for r in rendered)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rendered)])


def replace_between(document: str, generated: str, begin: str = BEGIN, end: str = END) -> str:
    """``document`` with the text between ``begin`` and ``end`` replaced by ``generated``."""
    start = document.find(begin)
    stop = document.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        raise ValueError(f"the document has no {begin} ... {end} markers")
    return document[: start + len(begin)] + "\n" + generated.strip("\n") + "\n" + document[stop:]


def mebibytes(size: float) -> float:
    return size / 1024 / 1024


# --- the simulation's tables --------------------------------------------------------------------

QUERY_KINDS = (
    ("Views", ("view, one account", "view, organization")),
    ("Report queries", ("report query",)),
    ("Dashboard datasets", ("dashboard dataset",)),
    ("Dashboard datasets, full import (weekly)", ("dashboard dataset, full import (weekly)",)),
)


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _mib(size: float) -> str:
    mib = mebibytes(size)
    return f"{mib:,.2f}" if mib < 10 else f"{mib:,.0f}"


def _slowest(run: ScaleRun, kinds: Sequence[str]) -> str:
    slowest = run.measurement.slowest(kinds)
    if slowest is None:
        return NONE
    where = f", {slowest.scope}" if slowest.kind.startswith("view") else ""
    return f"{_ms(slowest.p95_ms)} ({slowest.name}{where})"


def _over(run: ScaleRun, kinds: Sequence[str]) -> str:
    total = sum(1 for t in run.measurement.timings if t.kind in kinds)
    return f"{run.measurement.over(kinds)} of {total}"


def summary_rows(runs: Sequence[ScaleRun]) -> list[list[Cell]]:
    """One row per figure, one column per N."""
    workers = sorted({load.workers for run in runs for load in run.loads})

    def load(run: ScaleRun, count: int) -> LoadRun | None:
        return next((x for x in run.loads if x.workers == count), None)

    rows: list[list[Cell]] = [
        ["days of history", *(run.days for run in runs)],
        ["fill time, s", *(round(run.fill_seconds) for run in runs)],
        [
            "rows in the tables (estimated)",
            *(sum(s.rows for s in run.measurement.sizes) for run in runs),
        ],
    ]
    for count in workers:
        loads = [load(run, count) for run in runs]
        rows += [
            [f"load per file p50 / p95, ms ({count} workers)"]
            + [f"{_ms(x.file_p50_ms)} / {_ms(x.file_p95_ms)}" if x else None for x in loads],
            [f"files per minute ({count} workers)"]
            + [round(x.files_per_minute) if x else None for x in loads],
            [f"files loaded, failed ({count} workers)"]
            + [f"{x.files}, {x.failed}" if x else None for x in loads],
        ]
    rows += [
        [
            "lost rows",
            *(sum(x.lost_rows for x in run.loads) if run.loads else None for run in runs),
        ],
        [
            "deadlocks",
            *(sum(x.deadlocks for x in run.loads) if run.loads else None for run in runs),
        ],
    ]
    for title, kinds in QUERY_KINDS:
        label = title.lower()
        rows.append([f"slowest of the {label}: p95, ms", *(_slowest(run, kinds) for run in runs)])
        rows.append([f"{label}: queries with p95 over 1 s", *(_over(run, kinds) for run in runs)])
    rows += [
        [
            "report build p50 / p95, s",
            *(
                f"{b.p50_ms / 1000:.2f} / {b.p95_ms / 1000:.2f}"
                if (b := run.measurement.report_build)
                else None
                for run in runs
            ),
        ],
        ["tables + indexes, MiB", *(_mib(run.measurement.tables_bytes) for run in runs)],
        [
            "tables + indexes per account per year, MiB",
            *(_mib(run.measurement.per_account_year(run.measurement.tables_bytes)) for run in runs),
        ],
        ["database total, MiB", *(_mib(run.measurement.database_bytes) for run in runs)],
    ]
    return rows


def summary_table(runs: Sequence[ScaleRun], render: Callable[..., str] = table) -> str:
    return render(["", *(f"N = {run.accounts:,}" for run in runs)], summary_rows(runs))


def query_table(runs: Sequence[ScaleRun], kinds: Sequence[str]) -> str:
    """Each query of ``kinds``: p50 and p95 per N, first run and rows at the largest N."""
    last = runs[-1].measurement
    keys: list[tuple[str, str]] = []
    for run in runs:
        for t in run.measurement.timings:
            if t.kind in kinds and (t.name, t.kind) not in keys:
                keys.append((t.name, t.kind))
    if kinds[0].startswith("view"):
        keys.sort()
    index = [{(t.name, t.kind): t for t in run.measurement.timings} for run in runs]
    headers = ["query", "reads"]
    for run in runs:
        headers += [f"p50 ms N={run.accounts:,}", f"p95 ms N={run.accounts:,}"]
    headers += [f"first ms N={last.accounts:,}", f"rows N={last.accounts:,}"]
    rows: list[list[Cell]] = []
    for name, kind in keys:
        found = [i.get((name, kind)) for i in index]
        scope = next((t.scope for t in reversed(found) if t), "")
        row: list[Cell] = [name, scope]
        for t, run in zip(found, runs, strict=True):
            mark = SLOW_MARK if t and len(t.runs_ms) < run.measurement.repeat else ""
            row += [_ms(t.p50_ms) + mark, _ms(t.p95_ms) + mark] if t else [None, None]
        final = found[-1]
        row += [_ms(final.first_ms), final.rows] if final else [None, None]
        rows.append(row)
    return table(headers, rows)


def storage_table(runs: Sequence[ScaleRun]) -> str:
    """Each table's size (heap + indexes) per N, and per account per year at the largest N."""
    last = runs[-1].measurement
    names = [s.table for s in last.sizes]
    index = [{s.table: s for s in run.measurement.sizes} for run in runs]
    headers = ["table", f"partitions N={last.accounts:,}", f"rows N={last.accounts:,}"]
    headers += [f"MiB N={run.accounts:,}" for run in runs]
    headers += [
        f"heap MiB N={last.accounts:,}",
        f"index MiB N={last.accounts:,}",
        f"MiB per account-year N={last.accounts:,}",
    ]
    rows: list[list[Cell]] = []
    for name in names:
        size = index[-1][name]
        rows.append(
            [
                name,
                size.partitions,
                size.rows,
                *(_mib(i[name].total_bytes) if name in i else None for i in index),
                _mib(size.table_bytes),
                _mib(size.index_bytes),
                _mib(last.per_account_year(size.total_bytes)),
            ]
        )
    return table(headers, rows)


def load_table(runs: Sequence[ScaleRun]) -> str:
    headers = ["N", "workers", "at once", "files", "seconds", "files/min", "p50 ms", "p95 ms"]
    headers += ["failed", "lost rows", "deadlocks"]
    rows: list[list[Cell]] = [
        [
            run.accounts,
            x.workers,
            min(x.workers, x.files),  # a day of N accounts is N files: N workers at most
            x.files,
            round(x.seconds, 1),
            round(x.files_per_minute),
            _ms(x.file_p50_ms),
            _ms(x.file_p95_ms),
            x.failed,
            x.lost_rows,
            x.deadlocks,
        ]
        for run in runs
        for x in run.loads
    ]
    return table(headers, rows)


METHOD = """\
- Every query runs as the reader role (the report's and dashboards' grants) over libpq, and every
  row is fetched. Each query runs once (`first`: its first run after the fill; not a cold cache:
  the fill leaves pages in PostgreSQL's and the OS's caches, and queries measured before it may
  have read the same pages) and then {repeat} times more; p50 and p95 are nearest-rank percentiles
  of those warm runs (with 5 runs, p95 is the slowest). A query whose first run took longer than
  {slow} s runs once more only, marked {mark}: p50 and p95 are that one run. `VACUUM (ANALYZE)`
  runs first, as autovacuum would after a bulk load.
- Views: every `v_*` view in `pg_views`. *one account*: `SELECT * FROM v WHERE account_id = %s`,
  each run with another account. *all rows*: `SELECT * FROM v`. *30 days of col*: a history
  view (a `day`, `usage_date`, `snapshot_date`, `period_start` or `window_start` column, name not
  ending in `_current`/`_latest`) over the report's default period, the 30 days ending on the
  latest day with data: `SELECT * FROM v WHERE col BETWEEN %s AND %s`.
- Report queries: each statement `report.build_report(executor, days=30)` runs, timed by
  wrapping its executor (the report's own SQL), named by the function issuing it; *reads* lists
  the views in it. Report build: the whole `build_report` (queries and HTML), the function
  `python -m receiver report` calls.
- Dashboard datasets: what each QuickSight dataset's daily SPICE refresh reads
  (`dashboards.datasets`, `dashboards.refresh`). A current-state dataset (*all rows*) is fully
  refreshed daily: its custom SQL in full. A history dataset is refreshed incrementally
  (*incremental, N days of day*): its custom SQL as a subquery restricted to the lookback window,
  `SELECT * FROM (sql) AS key WHERE day >= %s`, the window ending at the daily refresh on the
  morning after the latest day with data and reaching back the lookback plus one day, as
  QuickSight applies it (modules/dashboards/README.md, "Refresh"). Its full import, which the
  weekly full refresh runs, is the separate table *full import (weekly)*.
- Storage: heap with TOAST and indexes, summed over partitions (`pg_partition_tree`); rows are
  `reltuples` estimates; per account per year = size / accounts * 365 / days. The database
  total includes an empty database's catalogs (about 8 MB).
"""


def _durability(machine: dict[str, str]) -> str:
    off = [
        k for k in ("fsync", "synchronous_commit", "full_page_writes") if machine.get(k) == "off"
    ]
    if not off:
        return (
            "The server ran with durable writes (fsync, synchronous_commit, full_page_writes on)."
        )
    return (
        f"The server ran with {', '.join(f'`{k}=off`' for k in off)} (`labkit.pgcluster`'s "
        "throwaway server does): commits here wait for no disk flush, so loads are faster than "
        "on a durable server such as Aurora, whose storage copies every commit to three "
        "Availability Zones. Reads from cache are unaffected."
    )


def document_block(
    runs: Sequence[ScaleRun], machine: dict[str, str], command: str, when: str
) -> str:
    """The generated part of ``docs/scale.md``: machine, command, summary, details."""
    repeat = runs[-1].measurement.repeat
    fills = "\n".join(f"- N = {run.accounts:,}: {run.fill}" for run in runs if run.fill)
    parts = [
        f"Generated by `{command}` on {when}. Do not edit between the markers: "
        "`make scale` rewrites this part.",
        "### The machine",
        table(["", ""], [[key, value] for key, value in machine.items()]),
        _durability(machine),
        "### Summary",
        summary_table(runs),
        "### How it was measured",
        METHOD.format(
            repeat=repeat, slow=f"{runs[-1].measurement.slow_seconds:g}", mark=SLOW_MARK
        ).strip(),
    ]
    if fills:
        parts += ["How each database was filled:", fills]
    if any(run.loads for run in runs):
        parts += ["### Loads through the receiver", load_table(runs)]
    for title, kinds in QUERY_KINDS:
        parts += [f"### {title}", query_table(runs, kinds)]
    parts += ["### Storage", storage_table(runs)]
    return "\n\n".join(parts)


SKELETON = f"""\
# Scale: what N accounts over D days cost in load time, latency and storage

The measured part below is generated by `make scale` (`python -m labkit.scale`).

## Measured

{BEGIN}
{END}

## Capacity guidance

_To be written from the measurements above._

## Backfill of every account

_To be written from the measurements above._

## Beyond one database

_To be written._
"""


def write_document(existing: str | None, block: str) -> str:
    """``existing`` (or a new skeleton) with ``block`` between the markers."""
    return replace_between(existing if existing else SKELETON, block)


def terminal_summary(run: ScaleRun, slowest: int = 5) -> str:
    """A compact text table for one N: counts, the slowest queries, storage."""
    m = run.measurement
    period = f"period {m.period[0]} to {m.period[1]}" if m.period else "no data"
    lines = [
        f"N = {run.accounts:,} accounts x {run.days} days: fill {run.fill_seconds:.0f} s, {period}"
    ]
    for x in run.loads:
        lines.append(
            f"  load, {x.workers} workers: {x.files} files in {x.seconds:.1f} s "
            f"({x.files_per_minute:.0f}/min), per file p50 {_ms(x.file_p50_ms)} ms "
            f"p95 {_ms(x.file_p95_ms)} ms, failed {x.failed}, lost rows {x.lost_rows}, "
            f"deadlocks {x.deadlocks}"
        )
    rows: list[list[Cell]] = []
    for _title, kinds in QUERY_KINDS:
        chosen = sorted((t for t in m.timings if t.kind in kinds), key=lambda t: -t.p95_ms)
        rows += [
            [t.kind, t.name, t.scope, _ms(t.first_ms), _ms(t.p50_ms), _ms(t.p95_ms), t.rows]
            for t in chosen[:slowest]
        ]
    if m.report_build:
        b = m.report_build
        rows.append(
            ["report build", b.name, "", _ms(b.first_ms), _ms(b.p50_ms), _ms(b.p95_ms), b.rows]
        )
    lines.append(
        text_table(["kind", "slowest", "reads", "first ms", "p50 ms", "p95 ms", "rows"], rows)
    )
    counts = ", ".join(
        f"{title.lower()}: {m.over(kinds)} of {sum(1 for t in m.timings if t.kind in kinds)} "
        "over 1 s"
        for title, kinds in QUERY_KINDS
    )
    lines.append("  " + counts)
    lines.append(
        f"  storage: tables + indexes {_mib(m.tables_bytes)} MiB "
        f"({_mib(m.per_account_year(m.tables_bytes))} MiB per account per year), "
        f"database {_mib(m.database_bytes)} MiB"
    )
    return "\n".join(lines)
