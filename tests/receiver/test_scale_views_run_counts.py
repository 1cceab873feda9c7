"""sql/029: each run's collectors counted by status on its collection_runs row, written by the
loader with its collector rows; v_report_collection_days (a day with one counted run) and
v_collection_health (the picked run) read them. On a varied history, before and after 029 and
with runs loaded after it, both views return exactly the rows of their sql/024 definitions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from receiver import loader
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.receive import load_bytes
from support import run_collector_counts
from support.dated_documents import changed, collector_status, load, load_day
from support.migration_steps import SQL_DIR, contents, migrate_up_to
from support.receiver_fixtures import gz, ref_for

VIEWS = ["v_report_collection_days", "v_collection_health"]
OTHER = "210987654321"
TODAY = datetime.now(UTC).date()  # v_collection_health covers the 30 days before today
BUDGET = "time budget exhausted after 2 of 3 rules"
COUNTS = "collectors_ok, collectors_partial, collectors_skipped, collectors_error"


def _weekly(doc: dict[str, Any]) -> None:
    """A weekly run over [start, start + 7 days), collected the day after it ends."""
    start = date.fromisoformat(doc["window"]["start"])
    doc["interval"] = "WEEKLY"
    doc["window"]["end"] = (start + timedelta(days=7)).isoformat()
    doc["collected_at"] = f"{start + timedelta(days=7)}T04:03:17Z"


def _monthly(doc: dict[str, Any]) -> None:
    """A monthly run over [start, start + 30 days)."""
    start = date.fromisoformat(doc["window"]["start"])
    doc["interval"] = "MONTHLY"
    doc["window"]["end"] = (start + timedelta(days=30)).isoformat()
    doc["collected_at"] = f"{start + timedelta(days=30)}T05:03:17Z"


def _redeliver(pg: PsycopgExecutor, doc: dict[str, Any]) -> None:
    """The same run's file again, a new S3 version of the same key."""
    result = load_bytes(pg, ref_for(doc, "v2"), gz(doc), expected_account=None)
    assert result.status == "loaded", result


def _old_views(pg: PsycopgExecutor) -> None:
    """The sql/024 definitions of both views, as ``before029.<view>`` (the oracle)."""
    text = (SQL_DIR / "024_collection_compliance_history.sql").read_text()
    pg.execute("CREATE SCHEMA before029")
    for view in VIEWS:
        found = re.search(rf"CREATE OR REPLACE VIEW {view} AS\n(.*?);\n", text, re.S)
        assert found, view
        pg.execute(f"CREATE VIEW before029.{view} AS {found.group(1)}")


def _same_as_before(pg: PsycopgExecutor) -> int:
    """Both views equal their sql/024 definitions row for row; returns the rows compared."""
    compared = 0
    for view in VIEWS:
        for one, other in ((view, f"before029.{view}"), (f"before029.{view}", view)):
            extra = pg.execute(
                f"SELECT count(*) AS n FROM (SELECT * FROM {one} EXCEPT ALL "
                f"SELECT * FROM {other}) x"
            )
            assert extra[0]["n"] == 0, (one, other)
        compared += pg.execute(f"SELECT count(*) AS n FROM {view}")[0]["n"]
    return compared


def _history_before(pg: PsycopgExecutor) -> None:
    """Loaded before 029: an old run (beyond the back-fill), recent ones, a day with two runs."""
    recent = [TODAY - timedelta(days=n) for n in (28, 20, 12, 9)]
    load_day(pg, TODAY - timedelta(days=100))  # not back-filled: counts stay NULL
    load(
        pg,
        changed(TODAY - timedelta(days=100), collector_status("iam", "error", "x"), late_hours=2),
    )
    for day in recent:
        load_day(pg, day)
    load(
        pg, changed(recent[1], collector_status("kms_keys", "error", "AccessDenied"), late_hours=3)
    )
    load(pg, changed(recent[2], collector_status("config", "partial", BUDGET), account=OTHER))
    load(
        pg,
        changed(
            TODAY - timedelta(days=70), _monthly, collector_status("secrets", "skipped", "off")
        ),
    )


def _history_after(pg: PsycopgExecutor) -> None:
    """Loaded after 029: a day with a counted run and an uncounted one, two counted runs of a
    day, a re-delivered file whose collectors changed, errors, partials, skipped, weekly runs."""
    recent = [TODAY - timedelta(days=n) for n in (20, 8, 6, 5, 3, 2, 1)]
    load(
        pg, changed(recent[0], collector_status("iam", "partial", BUDGET), late_hours=5)
    )  # + pre-029
    load(pg, changed(recent[1], collector_status("kms_keys", "error", "AccessDenied")))
    load(pg, changed(recent[1], collector_status("cost", "error", "boom"), late_hours=2))
    again = changed(recent[2], collector_status("guardduty_findings", "error", "Throttling"))
    load(pg, again)
    collector_status("guardduty_findings", "ok")(
        again
    )  # re-delivered: GuardDuty ok, Config partial
    collector_status("config", "partial", BUDGET)(again)
    _redeliver(pg, again)
    load(
        pg, changed(recent[3], collector_status("secrets", "skipped", "not enabled"), account=OTHER)
    )
    load(pg, changed(recent[4] - timedelta(days=6), _weekly, collector_status("iam", "error", "x")))
    load(pg, changed(recent[4], _weekly, account=OTHER))
    for day in recent[4:]:
        load_day(pg, day)


def test_029_views_return_the_same_rows(pg, fresh_dsn, tmp_path):
    migrate_up_to(pg, tmp_path, "028")
    _history_before(pg)
    before = contents(pg, VIEWS)
    assert all(before[v] for v in VIEWS)
    _old_views(pg)

    migrate_up_to(pg, tmp_path, "029")

    assert contents(pg, VIEWS) == before
    counted = pg.execute(
        "SELECT window_end, collectors_ok IS NOT NULL AS counted FROM collection_runs"
    )
    # the back-fill: runs whose window ended within 62 days, not the older ones
    assert {r["counted"] for r in counted if r["window_end"] >= TODAY - timedelta(days=62)} == {
        True
    }
    assert {r["counted"] for r in counted if r["window_end"] < TODAY - timedelta(days=62)} == {
        False
    }
    _history_after(pg)
    assert _same_as_before(pg) > 0
    # and with a recent run's counts unknown (a run loaded before 029, back-fill aside)
    pg.execute(
        f"UPDATE collection_runs SET ({COUNTS}) = (NULL, NULL, NULL, NULL) "
        "WHERE run_id = (SELECT run_id FROM collection_runs WHERE account_id = :a "
        "                ORDER BY window_end DESC, collected_at DESC LIMIT 1)",
        {"a": OTHER},
    )
    assert _same_as_before(pg) > 0
    rows = pg.execute("SELECT * FROM v_collection_health WHERE run_count > 0")
    assert {r["health"] for r in rows} >= {"error", "partial"}
    assert any(r["failed_collectors"] for r in rows) and any(r["partial_collectors"] for r in rows)
    assert any(r["collectors_skipped"] for r in rows)
    days = pg.execute("SELECT * FROM v_report_collection_days")
    assert {r["status"] for r in days} >= {"error", "partial"}
    assert max(r["run_count"] for r in days) >= 2
    assert {r["interval"] for r in days} >= {"DAILY", "WEEKLY", "MONTHLY"}
    # the consumers' forms: a day range, one account
    start, end = TODAY - timedelta(days=10), TODAY
    for sql in (
        "SELECT * FROM {} WHERE day BETWEEN :s AND :e",
        "SELECT * FROM {} WHERE account_id = :a",
    ):
        for view in VIEWS:
            params = {"s": start, "e": end, "a": OTHER}
            new = pg.execute(sql.format(view) + " ORDER BY 1, 3", params)
            assert new and new == pg.execute(
                sql.format(f"before029.{view}") + " ORDER BY 1, 3", params
            )
    assert run_collector_counts.check(fresh_dsn) == []


def _counts(pg: PsycopgExecutor, run_id: str) -> tuple[int, ...]:
    (row,) = pg.execute(
        f"SELECT {COUNTS} FROM collection_runs WHERE run_id = CAST(:r AS uuid)", {"r": run_id}
    )
    return tuple(row[c] for c in COUNTS.split(", "))


def _expected(doc: dict[str, Any]) -> tuple[int, ...]:
    statuses = [c["status"] for c in doc["collectors"]]
    return tuple(statuses.count(s) for s in ("ok", "partial", "skipped", "error"))


def test_029_loader_writes_the_counts_and_a_redelivery_replaces_them(pg, fresh_dsn, tmp_path):
    migrate_up_to(pg, tmp_path, "029")
    doc = changed(TODAY - timedelta(days=3), collector_status("kms_keys", "error", "AccessDenied"))
    collector_status("secrets", "skipped", "not enabled")(doc)
    collector_status("config", "partial", BUDGET)(doc)
    load(pg, doc)
    first = _expected(doc)
    assert all(first) and _counts(pg, doc["run_id"]) == first
    # the same run re-delivered with other statuses: its counts follow its new collector rows
    collector_status("kms_keys", "ok")(doc)
    collector_status("config", "ok")(doc)
    doc["collectors"] = doc["collectors"][:-1]
    _redeliver(pg, doc)
    assert _expected(doc) != first and _counts(pg, doc["run_id"]) == _expected(doc)
    assert run_collector_counts.check(fresh_dsn) == []
    # collector rows changed behind the loader's back: the check sees it, rebuild repairs it
    pg.execute(
        "UPDATE collector_runs SET status = 'skipped', error = 'x' "
        "WHERE status = 'ok' AND collector = 'kms_keys'"
    )
    assert run_collector_counts.check(fresh_dsn) != []
    with pg.transaction() as tx:
        assert loader.rebuild_run_counts(tx, doc["account_id"]) == 1
    assert run_collector_counts.check(fresh_dsn) == []


def test_028_database_loads_without_counts(pg, fresh_dsn, tmp_path):
    migrate_up_to(pg, tmp_path, "028")
    load_day(pg, TODAY - timedelta(days=2))
    with pg.transaction() as tx:
        assert loader.rebuild_run_counts(tx, OTHER) == 0
    assert run_collector_counts.check(fresh_dsn) == []
