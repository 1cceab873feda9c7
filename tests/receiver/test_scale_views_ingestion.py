"""sql/028: the files' history (v_ingestion_status over ingestions.rows_written, a generated
column; v_ingestion_failure_days for the report's failed days), v_inventory_latest (the latest
inventory date per account by index) and v_report_collector_issues (a partial index): on a varied
history each view returns exactly the rows it returned before 028, and the report's and the
dashboards' own queries return what they returned."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.receive import load_bytes
from report.reader import Reader
from report.sections.collection_health import ingestion_failures
from support.dated_documents import dated, load, load_day
from support.migration_steps import contents, migrate_up_to
from support.receiver_fixtures import gz, ref_for

VIEWS = ["v_ingestion_status", "v_inventory_latest", "v_report_collector_issues", "logs"]
OTHER = "210987654321"
BARE = "345678901234"  # reports no inventory at all
TODAY = datetime.now(UTC).date()

# the report's query before 028 (src/report/sections/collection_health.py)
FAILURES_BEFORE = """
SELECT day, files_total, files_failed, last_error, last_failed_object_key
FROM v_ingestion_status
WHERE files_failed > 0
ORDER BY day DESC
LIMIT :limit
"""
# the dashboards' ingestion_daily refresh reads the view from a day on (3-day lookback)
WINDOW = "SELECT * FROM v_ingestion_status WHERE day >= :start ORDER BY day"
ISSUES = """SELECT * FROM v_report_collector_issues WHERE day BETWEEN :s AND :e
            ORDER BY account_id, day, run_id, collector, region"""


def _failed(
    pg: PsycopgExecutor, day: date, account: str | None = None, fixed_later: bool = False
) -> int:
    """A file the receiver refuses (an unknown interval): its ingestions row, status failed; with
    ``fixed_later`` the same file (key and version) is delivered again, valid, and loads."""
    doc = dated(day, account)
    broken = {**doc, "interval": "HOURLY"}
    ref = ref_for(broken)
    result = load_bytes(pg, ref, gz(broken), expected_account=None)
    assert result.status == "failed", result
    if fixed_later:
        assert load_bytes(pg, ref, gz(doc), expected_account=None).status == "loaded"
    return int(result.ingestion_id)


def _received(pg: PsycopgExecutor, ingestion_id: int, at: str) -> None:
    """Move a file's receipt time (every real load is received now)."""
    pg.execute(
        "UPDATE ingestions SET received_at = CAST(:at AS timestamptz) WHERE id = :id",
        {"at": at, "id": ingestion_id},
    )


def _latest_id(pg: PsycopgExecutor) -> int:
    return int(pg.execute("SELECT max(id) AS id FROM ingestions")[0]["id"])


def _history(pg: PsycopgExecutor) -> dict[str, int]:
    """Three accounts' files received over months: loaded, failed (several on one day, one at a
    UTC day's first instant, one at 23:30 in New York, which is the next UTC day), skipped,
    one failed then loaded again; inventories of several dates, a late file older than what was
    loaded, an account without inventory; collectors in error, partial and skipped."""
    ids: dict[str, int] = {}
    days = [TODAY - timedelta(days=n) for n in (200, 40, 9, 5, 3, 2, 1)]
    for n, day in enumerate(days):
        load_day(pg, day)
        _received(pg, _latest_id(pg), f"{day + timedelta(days=1)}T02:0{n}:00Z")
    late = dated(days[1], OTHER)
    for c in late["collectors"]:
        if c["name"] == "kms_keys":
            c["status"], c["error"] = "error", "AccessDenied"
        if c["name"] == "config":
            c["status"], c["error"] = "partial", "time budget exhausted after 2 of 3 rules"
    load_day(pg, days[4], OTHER)
    load(pg, late)  # late: older than what was loaded
    bare = dated(days[3], BARE)
    bare["data"]["resources"] = []
    for c in bare["collectors"]:
        if c["name"] == "secrets":
            c["status"], c["error"] = "skipped", "not enabled"
    load(pg, bare)

    ids["old"] = _failed(pg, days[0])
    _received(pg, ids["old"], f"{days[0]}T09:00:00Z")
    for hour in (8, 13):  # two failures on one day: the later one's error is the day's
        ids[f"d5_{hour}"] = _failed(pg, days[2])
        _received(pg, ids[f"d5_{hour}"], f"{days[4]}T{hour:02}:00:00Z")
    ids["midnight"] = _failed(pg, days[3], OTHER)
    _received(pg, ids["midnight"], f"{days[5]}T00:00:00Z")
    ids["new_york"] = _failed(pg, days[4], OTHER)
    _received(pg, ids["new_york"], f"{days[5]}T23:30:00-05:00")  # the next UTC day
    ids["fixed"] = _failed(pg, days[5], fixed_later=True)  # failed, then loaded
    _received(pg, ids["fixed"], f"{days[2]}T10:00:00Z")
    pg.execute(
        """INSERT INTO ingestions (bucket, object_key, status, rows, size_bytes, duration_ms,
                                   received_at)
           VALUES ('analytics', 'data/skipped.json.gz', 'skipped', '{}', 10, 1,
                   CAST(:at AS timestamptz)),
                  ('analytics', 'data/odd.json.gz', 'loaded',
                   '{"cost_daily": 2.5, "note": "x", "flag": true, "nested": {"a": 1}}', 20, 2,
                   CAST(:at AS timestamptz))""",
        {"at": f"{days[1]}T12:00:00Z"},
    )
    return ids


def _failures(pg: PsycopgExecutor, limit: int) -> list[dict[str, Any]]:
    return pg.execute(FAILURES_BEFORE, {"limit": limit})


def test_028_views_and_their_consumers_return_the_same_rows(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "027")
    _history(pg)
    before = contents(pg, VIEWS)
    assert all(before[v] for v in VIEWS), [v for v in VIEWS if not before[v]]
    failures = {n: _failures(pg, n) for n in (1, 2, 3, 10)}
    assert len(failures[10]) == 4 and len(failures[2]) == 2
    start = TODAY - timedelta(days=4)
    window = pg.execute(WINDOW, {"start": start})
    one = pg.execute("SELECT * FROM v_inventory_latest WHERE account_id = :a", {"a": OTHER})
    issues = pg.execute(ISSUES, {"s": TODAY - timedelta(days=60), "e": TODAY})

    migrate_up_to(pg, tmp_path, "028")

    assert contents(pg, VIEWS) == before
    reader = Reader(pg)
    for n, rows in failures.items():
        assert [asdict(r) for r in ingestion_failures(reader, n)] == rows, n
    assert pg.execute(WINDOW, {"start": start}) == window
    assert pg.execute("SELECT * FROM v_inventory_latest WHERE account_id = :a", {"a": OTHER}) == one
    assert issues and issues == pg.execute(ISSUES, {"s": TODAY - timedelta(days=60), "e": TODAY})


def test_028_failure_days_and_rows_written(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "028")
    ids = _history(pg)
    failed = [
        r["day"]
        for r in pg.execute(
            "SELECT day FROM v_ingestion_status WHERE files_failed > 0 ORDER BY day DESC"
        )
    ]
    found = [r["day"] for r in pg.execute("SELECT day FROM v_ingestion_failure_days")]
    day = [TODAY - timedelta(days=n) for n in (1, 2, 3, 200)]
    assert found == failed == day
    # T-2: a file at 00:00 UTC; T-1: a file at 23:30 the day before in New York (04:30 UTC);
    # T-9: its failed file loaded later, so no failure that day

    rows = pg.execute("SELECT id, status, rows, rows_written FROM ingestions ORDER BY id")
    for r in rows:
        numbers = [
            Decimal(str(v))
            for v in r["rows"].values()
            if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
        ]
        assert r["rows_written"] == (sum(numbers) if numbers else None), r
    by_key = {r["id"]: r for r in rows}
    assert by_key[ids["old"]]["rows_written"] is None  # a failed file wrote nothing
    assert by_key[ids["fixed"]]["status"] == "loaded"
    assert by_key[ids["fixed"]]["rows_written"] > 0  # recomputed when it loaded
    (odd,) = pg.execute("SELECT rows_written FROM ingestions WHERE object_key LIKE '%odd%'")
    assert odd["rows_written"] == 2.5  # numbers only: no text, boolean or object

    # the report: the latest failed days first, each with its latest error
    latest = ingestion_failures(Reader(pg), 2)
    assert [f.day for f in latest] == found[:2]
    assert (latest[0].files_failed, latest[1].files_failed) == (1, 1)
    day5 = next(f for f in ingestion_failures(Reader(pg), 10) if f.files_failed == 2)
    assert (
        day5.last_failed_object_key
        == pg.execute("SELECT object_key FROM ingestions WHERE id = :id", {"id": ids["d5_13"]})[0][
            "object_key"
        ]
    )
    assert ingestion_failures(Reader(pg), 0) == []

    inventory = {r["account_id"]: r for r in pg.execute("SELECT * FROM v_inventory_latest")}
    assert BARE not in inventory  # no resources row: no latest inventory
    own = dated(TODAY)["account_id"]
    assert inventory[own]["snapshot_date"] == TODAY - timedelta(days=1)
    assert inventory[OTHER]["snapshot_date"] == TODAY - timedelta(days=3)  # not the late file


def test_028_failure_days_are_empty_without_failures(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "028")
    load_day(pg, TODAY - timedelta(days=1))
    assert pg.execute("SELECT * FROM v_ingestion_failure_days") == []
    assert ingestion_failures(Reader(pg), 10) == []
    _failed(pg, TODAY)  # a failure now is found on today
    assert [r["day"] for r in pg.execute("SELECT day FROM v_ingestion_failure_days")] == [TODAY]
