"""``python -m labkit.scale`` end to end at a tiny size, and its measuring and table pieces.

The driver creates and migrates a database with its own roles, fills it, measures it and writes
the Markdown between the markers. Every ``v_*`` view, every statement the report runs and every
dashboard dataset must come out with a latency, every table with a positive size, and the prose
around the markers must survive. The fill here is ``tiny_fill`` (a few copies of the example
document through the real loader), a test helper only: the simulation's fill is
``labkit.scale.populate``, tested in ``test_scale_generate.py``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from dashboards.datasets import DATASETS, Dataset, _columns
from dashboards.refresh import lookback
from labkit.scale import markdown
from labkit.scale.__main__ import Filled, Options, Target, run
from labkit.scale.measure import (
    DATASET,
    DATASET_FULL,
    REPORT_QUERY,
    VIEW_ACCOUNT,
    VIEW_ORGANIZATION,
    LoadRun,
    View,
    days_read,
    percentile,
    refresh_query,
    spread,
    time_query,
    window_start,
)

DOCUMENT = Path(__file__).resolve().parents[2] / "src/labkit/documents/full-daily.json"
LAST_DAY = date(2026, 11, 24)


def tiny_fill(target: Target, options: Options) -> Filled:
    """Test only: the example document for each account and day, through ``receiver.loader``."""
    from receiver.db.psycopg_executor import PsycopgExecutor
    from receiver.loader import FileRef, load

    text = DOCUMENT.read_text(encoding="utf-8")
    original = json.loads(text)["account_id"]
    executor = PsycopgExecutor(target.loader_dsn)
    durations = []
    started = time.perf_counter()
    try:
        for number in range(options.accounts):
            account = f"{100000000000 + number:012d}"
            base = json.loads(text.replace(original, account))
            for offset in range(options.days):
                day = LAST_DAY - timedelta(options.days - 1 - offset)
                doc = copy.deepcopy(base)
                doc["window"] = {"start": day.isoformat(), "end": (day + timedelta(1)).isoformat()}
                doc["collected_at"] = f"{day + timedelta(1)}T02:03:17.482Z"
                doc["run_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{day}"))
                ref = FileRef("scale", f"{account}/{day}.json.gz", account_id=account)
                one = time.perf_counter()
                assert load(executor, ref, doc).status == "loaded"
                durations.append((time.perf_counter() - one) * 1000)
    finally:
        executor.close()
    loads = [
        LoadRun(1, len(durations), time.perf_counter() - started, percentile(durations, 0.5),
                percentile(durations, 0.95), lost_rows=0, deadlocks=0)
    ]  # fmt: skip
    return Filled(loads, "tiny_fill (tests only): the example document per account and day")


def _statements_of_the_report(dsn: str) -> list[str]:
    """The SQL ``build_report`` sends, recorded by a plain wrapper (not the one measured)."""
    from receiver.db.psycopg_executor import PsycopgExecutor
    from report import build_report

    sent: list[str] = []

    class Recording(PsycopgExecutor):
        def execute(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
            sent.append(" ".join(sql.split()))
            return super().execute(sql, params)

    executor = Recording(dsn)
    try:
        build_report(executor)
    finally:
        executor.close()
    return sent


@pytest.fixture
def scale_doc(tmp_path: Path) -> Path:
    path = tmp_path / "scale.md"
    path.write_text(
        "# Scale\n\nThe lead's introduction.\n\n<!-- scale:begin -->\nstale table\n"
        "<!-- scale:end -->\n\n## Capacity guidance\n\nThe lead's guidance.\n",
        encoding="utf-8",
    )
    return path


def _no_fill(target: Any, options: Any) -> Any:
    raise AssertionError("--reuse must not fill")


def test_the_driver_measures_every_view_report_query_and_dataset(
    server_url: str, scale_doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import labkit.scale.__main__ as driver

    monkeypatch.setenv("DATABASE_URL", server_url)
    monkeypatch.setattr(driver, "KEPT", tmp_path / "kept")
    figures = tmp_path / "scale.json"
    out = io.StringIO()
    argv = ["--accounts", "2", "--days", "3", "--repeat", "1", "--write", str(scale_doc)]
    argv += ["--json", str(figures), "--keep"]
    assert run(argv, fill=tiny_fill, out=out) == 0

    document = json.loads(figures.read_text())
    (result,) = document["runs"]
    database = result["database"]
    dsn = urlunsplit(urlsplit(server_url)._replace(path=f"/{database}"))
    try:
        # the kept database is measured again, without a fill, with what its fill reported
        assert (tmp_path / "kept" / f"{database}.json").exists()
        again = tmp_path / "again.json"
        reuse = ["--accounts", "2", "--days", "3", "--repeat", "1", "--reuse", database]
        assert run([*reuse, "--json", str(again)], fill=_no_fill, out=io.StringIO()) == 0
        (remeasured,) = json.loads(again.read_text())["runs"]
        assert remeasured["database"] == database
        assert remeasured["loads"] == result["loads"]
        assert len(remeasured["measurement"]["timings"]) == len(result["measurement"]["timings"])
        with psycopg.connect(dsn) as connection:
            views = dict(
                connection.execute(
                    """
                    SELECT table_name, bool_or(column_name = 'account_id')
                    FROM information_schema.columns
                    WHERE table_schema = 'public' AND table_name IN (
                        SELECT table_name FROM information_schema.views
                        WHERE table_schema = 'public' AND table_name LIKE 'v\\_%')
                    GROUP BY table_name
                    """
                ).fetchall()
            )
            tables = {
                r[0]
                for r in connection.execute(
                    """
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                    """
                ).fetchall()
            }
        statements = _statements_of_the_report(dsn)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            token = database.rsplit("_", 1)[1]
            for role in ("migrator", "loader", "reader"):
                with contextlib.suppress(psycopg.Error):
                    admin.execute(f'DROP ROLE "scale_{token}_{role}"')

    measurement = result["measurement"]
    timings = measurement["timings"]

    def named(kind: str) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in timings if t["kind"] == kind}

    assert len(views) > 40
    assert set(named(VIEW_ORGANIZATION)) == set(views)
    assert set(named(VIEW_ACCOUNT)) == {name for name, has in views.items() if has}
    assert named(VIEW_ACCOUNT)["v_resources_current"]["rows"] > 0
    assert named(VIEW_ORGANIZATION)["v_report_cost_daily"]["scope"] == "30 days of usage_date"
    assert named(VIEW_ORGANIZATION)["v_resources_current"]["scope"] == "all rows"
    assert [t["query"] for t in timings if t["kind"] == REPORT_QUERY] == statements
    assert set(named(DATASET)) == {d.key for d in DATASETS}
    # a history dataset's daily refresh is the incremental query; its full import is reported apart
    history = {d.key: w for d in DATASETS if (w := lookback(d)) is not None}
    assert set(named(DATASET_FULL)) == set(history) and len(history) >= 5
    for key, window in history.items():
        refresh, full = named(DATASET)[key], named(DATASET_FULL)[key]
        assert refresh["scope"] == f"incremental, {window.size} days of day", refresh
        assert refresh["query"].startswith("SELECT * FROM (")
        assert refresh["query"].endswith(f'AS "{key}" WHERE "day" >= %s')
        assert full["scope"] == "all rows" and 0 < refresh["rows"] <= full["rows"], (refresh, full)
    assert named(DATASET)["kms_keys"]["scope"] == "all rows"
    for timing in [*timings, measurement["report_build"]]:
        assert timing["first_ms"] > 0 and len(timing["runs_ms"]) == 1, timing
        assert 0 < timing["p50_ms"] <= timing["p95_ms"], timing

    sizes = {s["table"]: s for s in measurement["sizes"]}
    assert set(sizes) == tables
    filled = [s for s in sizes.values() if s["rows"] > 0]
    assert len(filled) > 30 and sizes["resources"]["rows"] == 30  # 2 accounts x 3 days x 5
    assert all(s["table_bytes"] > 0 and s["index_bytes"] > 0 for s in filled), filled
    assert measurement["database_bytes"] > sum(
        s["table_bytes"] + s["index_bytes"] for s in sizes.values()
    )
    assert result["loads"][0]["files"] == 6

    text = scale_doc.read_text()
    assert text.startswith("# Scale\n\nThe lead's introduction.\n\n<!-- scale:begin -->\n")
    assert text.endswith("<!-- scale:end -->\n\n## Capacity guidance\n\nThe lead's guidance.\n")
    assert "stale table" not in text
    assert "python -m labkit.scale --accounts 2 --days 3 --repeat 1" in text
    assert document["machine"]["postgresql"] in text
    assert "| v_resources_current | one account |" in text
    assert "N = 2" in out.getvalue() and "slowest" in out.getvalue()

    # --from-json renders the same document again from the saved figures, with no database
    again = tmp_path / "again.md"
    again.write_text(text.replace("The lead's guidance.", "Edited since."), encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL")
    assert run(["--from-json", str(figures), "--write", str(again)], out=io.StringIO()) == 0
    assert again.read_text() == text.replace("The lead's guidance.", "Edited since.")


def test_a_history_view_is_read_over_the_period_and_a_current_view_in_full() -> None:
    assert View("v_report_cost_daily", ("account_id", "usage_date")).history_column == "usage_date"
    assert View("v_resources_current", ("account_id", "snapshot_date")).history_column is None
    assert View("v_inventory_latest", ("snapshot_date",)).history_column is None
    assert View("v_cost_by_account_monthly", ("account_id", "month")).history_column is None


def test_the_refresh_query_keeps_the_lookback_window_of_whole_days(server_url: str) -> None:
    """The custom SQL as a subquery, ``day >= `` the refresh time (07:00 UTC the morning after the
    latest day) minus the window and one daily interval: a 7-day window keeps 7 whole days."""
    series = (
        "SELECT d::date AS day, 'a%b' AS label FROM generate_series("
        "'2026-10-01'::date, '2026-12-05'::date, interval '1 day') d WHERE 'x%' LIKE 'x%'"
    )
    dataset = Dataset("series", "a series", series, _columns("day:DATETIME label"))
    start = window_start(date(2026, 12, 5), 7)
    assert start.isoformat() == "2026-11-28T07:00:00"
    assert days_read(start, date(2026, 12, 5)) == 7
    assert days_read(window_start(date(2026, 12, 5), 42, "00:00"), date(2026, 12, 5)) == 43
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        rows = connection.execute(refresh_query(dataset, "day"), (start,)).fetchall()
    assert [r[0] for r in rows] == [date(2026, 11, 29) + timedelta(days=i) for i in range(7)]
    assert {r[1] for r in rows} == {"a%b"}


def test_a_query_slower_than_the_limit_runs_once_more_only(server_url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        slow = time_query(connection, DATASET, "q", "SELECT 1", [()] * 4, "all rows", slow_ms=0)
        quick = time_query(connection, DATASET, "q", "SELECT 1", [()] * 4, "all rows", 60_000)
    assert (len(slow.runs_ms), len(quick.runs_ms)) == (1, 3)
    assert slow.p50_ms == slow.p95_ms == slow.runs_ms[0] and slow.rows == 1


def test_percentiles_are_nearest_rank() -> None:
    runs = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert (percentile(runs, 0.5), percentile(runs, 0.95)) == (3.0, 5.0)
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_accounts_are_spread_over_the_list() -> None:
    assert spread(["a", "b", "c", "d"], 2) == ["a", "c"]
    assert spread(["a", "b"], 3) == ["a", "a", "b"]
    assert spread([], 3) == []


def test_tables_align_numbers_right_and_markers_must_exist() -> None:
    rendered = markdown.table(["name", "ms"], [["a|b", 1234.5], ["c", None]])
    assert rendered.splitlines() == [
        "| name | ms |",
        "|---|---:|",
        "| a\\|b | 1,234 |",
        f"| c | {markdown.NONE} |",
    ]
    with pytest.raises(ValueError, match="markers"):
        markdown.replace_between("no markers here", "x")
    skeleton = markdown.write_document(None, "TABLES")
    assert "<!-- scale:begin -->\nTABLES\n<!-- scale:end -->" in skeleton
    for heading in (
        "## Capacity guidance",
        "## Backfill of every account",
        "## Beyond one database",
    ):
        assert heading in skeleton


def test_the_real_fill_is_called_as_populate_defines_it_and_its_loads_carried_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import inspect
    from types import SimpleNamespace

    from labkit.scale import populate
    from labkit.scale.__main__ import populate_fill

    calls = []
    load = populate.LoadRun(
        day=LAST_DAY,
        workers=8,
        files=4,
        seconds=2.0,
        durations_ms=[10.0, 20.0, 30.0, 400.0],
        failed=1,
        deadlocks=2,
        rows_reported={"resources": 10},
        rows_present={"resources": 7},
    )

    def fake(*args: Any, **kwargs: Any) -> Any:
        inspect.signature(populate.populate).bind(*args, **kwargs)  # raises on a drifted call
        calls.append(kwargs)
        return SimpleNamespace(loads=[load], description="filled")

    monkeypatch.setattr(populate, "populate", fake)
    target = Target("db", "admin-dsn", "migrator-dsn", "loader-dsn", "reader-dsn", {})
    filled = populate_fill(target, Options(3, 5, 2, (8, 32), 7))

    assert calls[0]["admin_dsn"] == "admin-dsn" and calls[0]["loader_dsn"] == "loader-dsn"
    assert (calls[0]["accounts"], calls[0]["days"], calls[0]["workers"]) == (3, 5, (8, 32))
    assert (calls[0]["sample_days"], calls[0]["seed"]) == (2, 7)
    (carried,) = filled.loads
    assert (carried.workers, carried.files, carried.failed, carried.deadlocks) == (8, 4, 1, 2)
    assert (carried.lost_rows, carried.files_per_minute) == (3, 120.0)
    assert (carried.file_p50_ms, carried.file_p95_ms) == (load.file_p50_ms, load.file_p95_ms)
    assert filled.description == "filled"
