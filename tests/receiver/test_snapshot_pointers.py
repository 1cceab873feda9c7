"""Current-state pointers (sql/021, receiver.loader.refresh_pointers) keep today's semantics.

Documents go through the real loader into PostgreSQL (run under labkit.pgcluster), through
both executors. Each test reads ``snapshot_pointers`` and the ``*_current`` views; when it ends,
the ``migrated_dsn`` fixture also compares every pointer-based view with the read-time
definition it replaced (tests/support/snapshot_pointers.py).
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import psycopg

from receiver import loader
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.receive import load_bytes
from support import snapshot_pointers
from support.migration_steps import migrate_up_to
from support.receiver_fixtures import (
    Db,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
    load_doc,
    only,
    ref_for,
    shifted,
)

DAY1, DAY2, DAY3 = "2026-11-24", "2026-11-25", "2026-11-26"
EU, US = "eu-west-1", "us-east-1"


def pointers(db: Db, kind: str | None = None) -> dict[tuple[str, str, str], str]:
    """{(kind, collector, region): snapshot date} of the fixture's account."""
    rows = db.query("SELECT kind, collector, region, snapshot_date FROM snapshot_pointers")
    return {
        (r["kind"], r["collector"], r["region"]): str(r["snapshot_date"])
        for r in rows
        if kind is None or r["kind"] == kind
    }


def status(doc: dict[str, Any], name: str, region: str | None, value: str, error: str | None):
    """Set one collector's status (and error) in ``doc``."""
    for c in doc["collectors"]:
        if (c["name"], c["region"]) == (name, region):
            c.update(status=value, error=error)
            return
    raise AssertionError(f"no collector {name} {region}")


def kms_day(days: int) -> dict[str, Any]:
    """A small run with KMS keys in both regions, ``days`` after the fixture's day."""
    return shifted(only(fixture_doc(), "kms_keys"), days)


def test_the_latest_good_run_is_current_and_an_older_file_changes_nothing(db):
    day1 = fixture_doc()
    day2 = shifted(day1, days=1)
    assert load_doc(db, day2).status == "loaded"
    first = pointers(db)
    assert first[("region", "kms_keys", EU)] == DAY2
    assert first[("account", "cloudtrail_trails", "")] == DAY2
    assert first[("securityhub_counts", "securityhub", US)] == DAY2
    # config is partial in the fixture for another reason than its time budget: complete
    assert first[("config_rules", "config", EU)] == DAY2
    # inspector us-east-1 is skipped in the fixture: no pointer, no account pointer either
    assert ("region", "inspector_findings", US) not in first
    assert ("account", "inspector_findings", "") not in first

    assert load_doc(db, day1).status == "loaded"  # late: a day older
    assert pointers(db) == first
    assert {d for d, _ in current(db, "v_kms_keys_current")} == {DAY2}


def current(db: Db, view: str) -> list[tuple[str, Any]]:
    return sorted(
        (str(r["snapshot_date"]), r["account_id"]) for r in db.query(f"SELECT * FROM {view}")
    )


def test_out_of_order_files_leave_the_newest_current(db):
    for days in (2, 0, 1):
        assert load_doc(db, kms_day(days)).status == "loaded"
    assert pointers(db) == {
        ("region", "kms_keys", EU): DAY3,
        ("region", "kms_keys", US): DAY3,
        ("account", "kms_keys", ""): DAY3,
    }


def test_error_and_skipped_never_supersede(db):
    load_doc(db, kms_day(0))
    day2 = kms_day(1)
    status(day2, "kms_keys", EU, "error", "AccessDenied")
    status(day2, "kms_keys", US, "skipped", "region disabled")
    load_doc(db, day2)
    day3 = kms_day(2)
    status(day3, "kms_keys", EU, "partial", "page 2 failed")
    status(day3, "kms_keys", US, "error", "ThrottlingException")
    load_doc(db, day3)
    assert pointers(db) == {
        ("region", "kms_keys", EU): DAY3,  # partial counts
        ("region", "kms_keys", US): DAY1,
        ("account", "kms_keys", ""): DAY1,  # no later run had both regions good
    }


def test_a_file_delivered_again_with_a_worse_status_moves_the_pointer_back(db):
    load_doc(db, kms_day(0))
    day2 = kms_day(1)
    load_doc(db, day2)
    assert pointers(db)[("region", "kms_keys", EU)] == DAY2

    again = copy.deepcopy(day2)  # the same run, a new version of the same object
    status(again, "kms_keys", EU, "error", "AccessDenied")
    assert load_doc(db, again, version="v2").status == "loaded"
    assert pointers(db) == {
        ("region", "kms_keys", EU): DAY1,
        ("region", "kms_keys", US): DAY2,
        ("account", "kms_keys", ""): DAY1,
    }

    fewer = copy.deepcopy(day2)  # delivered again without its us-east-1 collector
    fewer["collectors"] = [c for c in fewer["collectors"] if c["region"] != US]
    fewer["data"]["kms_keys"] = [k for k in fewer["data"]["kms_keys"] if k["region"] != US]
    assert load_doc(db, fewer, version="v3").status == "loaded"
    assert pointers(db) == {
        ("region", "kms_keys", EU): DAY2,
        ("region", "kms_keys", US): DAY1,
        ("account", "kms_keys", ""): DAY2,  # the run's only region is good again
    }

    gone = copy.deepcopy(fewer)  # and once more, a day earlier: its day-2 pointers go
    gone["window"] = {"start": "2026-11-20", "end": "2026-11-21"}
    assert load_doc(db, gone, version="v4").status == "loaded"
    assert pointers(db) == {
        ("region", "kms_keys", EU): DAY1,
        ("region", "kms_keys", US): DAY1,
        ("account", "kms_keys", ""): DAY1,
    }


def test_the_account_pointer_waits_for_every_region(db):
    doc = only(fixture_doc(), "cloudtrail_trails")
    doc["collectors"].append(
        {"name": "cloudtrail_trails", "region": US, "status": "ok", "error": None,
         "item_count": 0, "duration_ms": 5}
    )  # fmt: skip
    load_doc(db, doc)
    day2 = shifted(doc, days=1)
    status(day2, "cloudtrail_trails", US, "error", "AccessDenied")
    load_doc(db, day2)
    assert pointers(db) == {
        ("region", "cloudtrail_trails", EU): DAY2,
        ("region", "cloudtrail_trails", US): DAY1,
        ("account", "cloudtrail_trails", ""): DAY1,
    }
    assert {d for d, _ in current(db, "v_cloudtrail_trails_current")} == {DAY1}


def _out_of_time(doc: dict[str, Any]) -> None:
    """Security Hub and an older sender's Config ran out of time in eu-west-1."""
    status(doc, "securityhub", EU, "partial", "time budget exhausted after 3 item(s)")
    status(doc, "config", EU, "partial", "did not finish within its time budget (240 s)")
    hub = doc["data"]["securityhub"]
    hub["severity_counts"] = [c for c in hub["severity_counts"] if c["region"] != EU]


def test_partial_runs_without_counts_or_all_rules_keep_the_complete_ones(db):
    day1 = only(fixture_doc(), "securityhub", "config")
    load_doc(db, day1)
    day2 = shifted(day1, days=1)
    _out_of_time(day2)
    load_doc(db, day2)
    found = pointers(db)
    assert found[("region", "securityhub", EU)] == DAY2
    assert found[("securityhub_counts", "securityhub", EU)] == DAY1
    assert found[("securityhub_counts", "securityhub", US)] == DAY2
    assert found[("region", "config", EU)] == DAY2
    assert found[("config_rules", "config", EU)] == DAY1
    counts = db.query(
        "SELECT DISTINCT region, snapshot_date FROM v_securityhub_severity_counts_current"
    )
    assert sorted((r["region"], str(r["snapshot_date"])) for r in counts) == [
        (EU, DAY1),
        (US, DAY2),
    ]
    assert {str(r["snapshot_date"]) for r in db.query("SELECT * FROM v_config_rules_current")} == {
        DAY1
    }


def test_a_later_run_of_the_same_day_without_counts_takes_them_back(db):
    """An ok run of the day replaces its region's rows: without counts, none are left for that
    day, and the counts pointer moves back to the day before."""
    day1 = only(fixture_doc(), "securityhub")
    load_doc(db, day1)
    day2 = shifted(day1, days=1)
    load_doc(db, day2)
    assert pointers(db)[("securityhub_counts", "securityhub", EU)] == DAY2
    later = shifted(day2, days=0, collected_hours=3)
    hub = later["data"]["securityhub"]
    hub["severity_counts"] = [c for c in hub["severity_counts"] if c["region"] != EU]
    load_doc(db, later)
    assert pointers(db)[("securityhub_counts", "securityhub", EU)] == DAY1
    assert pointers(db)[("region", "securityhub", EU)] == DAY2


def test_a_backfill_of_many_days_in_any_order(db):
    """Thirty days with random statuses, loaded shuffled: each pointer is the latest good day."""
    rng = random.Random(16)
    base = only(fixture_doc(), "kms_keys", "securityhub", "config")
    docs, expected_region, expected_counts = [], {}, {}
    for n in range(30):
        doc = shifted(base, days=n)
        day = (date(2026, 11, 24) + timedelta(days=n)).isoformat()
        for c in doc["collectors"]:
            c["status"] = rng.choice(["ok", "ok", "partial", "error", "skipped"])
            c["error"] = None if c["status"] == "ok" else "something"
            if c["status"] in ("ok", "partial"):
                expected_region[(c["name"], c["region"])] = day
        if rng.random() < 0.3:  # a partial Security Hub run without eu-west-1 counts
            status(doc, "securityhub", EU, "partial", "time budget exhausted after 1 item(s)")
            expected_region[("securityhub", EU)] = day
            hub = doc["data"]["securityhub"]
            hub["severity_counts"] = [c for c in hub["severity_counts"] if c["region"] != EU]
        for c in doc["collectors"]:
            if (
                c["name"] == "securityhub"
                and c["status"] in ("ok", "partial")
                and any(
                    s["region"] == c["region"]
                    for s in doc["data"]["securityhub"]["severity_counts"]
                )
            ):
                expected_counts[c["region"]] = day
        docs.append(doc)
    rng.shuffle(docs)
    for doc in docs:
        assert load_doc(db, doc).status == "loaded"
    found = pointers(db)
    assert {(c, r): d for (k, c, r), d in found.items() if k == "region"} == expected_region
    assert {r: d for (k, _, r), d in found.items() if k == "securityhub_counts"} == expected_counts
    assert snapshot_pointers.check(db.dsn) == []


# Two files of one account at once (READ COMMITTED, two real connections).


class PausingExecutor:
    """A psycopg executor that stops before one statement of its file (by default
    ``FINISH_SQL``, after the pointers are refreshed) until told to go on: its transaction stays
    open."""

    def __init__(self, dsn: str, before: str = loader.FINISH_SQL) -> None:
        self.inner = PsycopgExecutor(dsn)
        self.before = before
        self.reached = threading.Event()
        self.go = threading.Event()

    def execute(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        if sql == self.before:
            self.reached.set()
            assert self.go.wait(60)
        return self.inner.execute(sql, params)

    def execute_each(self, sql: str, params: Any) -> list[list[dict[str, Any]]]:
        return self.inner.execute_each(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[PausingExecutor]:
        with self.inner.transaction():
            yield self

    def close(self) -> None:
        self.inner.close()


def _waiting_on_a_lock(dsn: str, timeout: float = 30) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting and waiting[0]:
                return True
            time.sleep(0.05)
    return False


def test_two_files_of_one_account_loading_at_once_leave_the_newest_current(migrated_dsn):
    """The newer file refreshes its pointers and waits to commit; the older one, loading
    meanwhile, must not recompute before that commit, or its stale result would win."""
    newer, older = kms_day(2), kms_day(1)
    first = PausingExecutor(migrated_dsn)
    second = PsycopgExecutor(migrated_dsn)
    results: dict[str, Any] = {}

    def run(name: str, executor: Any, doc: dict[str, Any]) -> None:
        results[name] = load_bytes(executor, ref_for(doc), gz(doc), expected_account=None)

    try:
        load_bytes(second, ref_for(kms_day(0)), gz(kms_day(0)), expected_account=None)
        t1 = threading.Thread(target=run, args=("newer", first, newer))
        t1.start()
        assert first.reached.wait(60), "the newer file never reached its commit"
        t2 = threading.Thread(target=run, args=("older", second, older))
        t2.start()
        assert _waiting_on_a_lock(migrated_dsn), "the older file never waited"
        first.go.set()
        t1.join(60)
        t2.join(60)
        assert results["newer"].status == results["older"].status == "loaded"
    finally:
        first.go.set()
        first.close()
        second.close()
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        found = conn.execute(
            "SELECT kind, region, snapshot_date::text FROM snapshot_pointers ORDER BY 1, 2"
        ).fetchall()
    assert found == [("account", "", DAY3), ("region", EU, DAY3), ("region", US, DAY3)]


def test_a_file_waiting_for_the_account_lock_does_not_deadlock_the_one_holding_it(migrated_dsn):
    """The first file holds the account's pointer lock and is about to add pointers (their
    foreign key reads the accounts row); the second, carrying the account's details, updated
    that row and waits, for the first file's findings and then the lock. Both load."""
    first = PausingExecutor(migrated_dsn, before=loader.POINTERS_SQL)
    second = PsycopgExecutor(migrated_dsn)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run(name: str, executor: Any, doc: dict[str, Any]) -> None:
        try:
            results[name] = load_bytes(executor, ref_for(doc), gz(doc), expected_account=None)
        except BaseException as exc:  # reported below
            errors.append(exc)

    try:
        load_bytes(second, ref_for(kms_day(0)), gz(kms_day(0)), expected_account=None)
        hub = shifted(only(fixture_doc(), "securityhub"), days=2)  # new pointers to insert
        t1 = threading.Thread(target=run, args=("hub", first, hub))
        t1.start()
        assert first.reached.wait(60), "the first file never reached its pointers"
        full = shifted(fixture_doc(), days=1)
        assert "account" in full["data"]
        t2 = threading.Thread(target=run, args=("full", second, full))
        t2.start()
        assert _waiting_on_a_lock(migrated_dsn), "the second file never waited"
        first.go.set()
        t1.join(60)
        t2.join(60)
    finally:
        first.go.set()
        first.close()
        second.close()
    assert errors == []
    assert results["hub"].status == results["full"].status == "loaded"
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        found = conn.execute(
            "SELECT region, snapshot_date::text FROM snapshot_pointers "
            "WHERE kind = 'securityhub_counts' ORDER BY 1"
        ).fetchall()
    assert found == [(EU, DAY3), (US, DAY3)]


# The migration fills the pointers from the history a 020 database holds.


POPULATE_020 = """
INSERT INTO accounts (account_id) VALUES ('111111111111'), ('222222222222');
INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end, collected_at)
SELECT md5(a || '/' || d)::uuid, a, 'DAILY', DATE '2026-10-01' + d, DATE '2026-10-02' + d,
       DATE '2026-10-02' + d + interval '2 hours'
FROM unnest(ARRAY['111111111111', '222222222222']) a, generate_series(0, 39) d;
INSERT INTO collector_runs (account_id, run_id, collector, region, status, error)
SELECT r.account_id, r.run_id, c.name, c.region, s.status,
       CASE WHEN s.status = 'ok' THEN NULL
            WHEN c.name = 'config' AND abs(hashtext(r.run_id::text)) % 3 = 0
            THEN 'time budget exhausted after 2 item(s)' ELSE 'failed' END
FROM collection_runs r
CROSS JOIN (VALUES ('kms_keys', 'eu-west-1'), ('kms_keys', 'us-east-1'), ('iam', ''),
                   ('securityhub', 'eu-west-1'), ('securityhub', 'us-east-1'),
                   ('config', 'eu-west-1'), ('cloudtrail_trails', 'eu-west-1'),
                   ('cloudtrail_trails', 'us-east-1')) AS c(name, region)
CROSS JOIN LATERAL (
    SELECT (ARRAY['ok', 'ok', 'partial', 'error', 'skipped'])
           [1 + abs(hashtext(r.run_id::text || c.name || c.region)) % 5] AS status
) s;
INSERT INTO securityhub_severity_counts (account_id, snapshot_date, region, severity_label, count)
SELECT r.account_id, r.window_end - 1, c.region, 'HIGH', 2
FROM collection_runs r
JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE c.collector = 'securityhub' AND abs(hashtext(r.run_id::text || c.region)) % 4 <> 0;
INSERT INTO config_rules (account_id, snapshot_date, region, rule_name, compliance)
SELECT r.account_id, r.window_end - 1, 'eu-west-1', 'rule-' || n, 'COMPLIANT'
FROM collection_runs r, generate_series(1, 2) n
"""

BEFORE = {
    "v_snapshot_current": "SELECT account_id, collector, region, snapshot_date::text AS d "
    "FROM v_snapshot_current",
    "v_snapshot_current_account": "SELECT account_id, collector, snapshot_date::text AS d "
    "FROM v_snapshot_current_account",
    "v_securityhub_severity_counts_current": "SELECT account_id, region, snapshot_date::text "
    "AS d, severity_label, open_count FROM v_securityhub_severity_counts_current",
    "v_config_rules_current": "SELECT account_id, region, snapshot_date::text AS d, rule_name "
    "FROM v_config_rules_current",
    "v_kms_keys_current": "SELECT count(*) AS n FROM v_kms_keys_current",
}


def test_021_fills_the_pointers_from_a_populated_020_database(fresh_dsn, tmp_path):
    pg = PsycopgExecutor(fresh_dsn)
    try:
        migrate_up_to(pg, tmp_path, "020")
        with psycopg.connect(fresh_dsn, autocommit=True) as conn:
            for statement in POPULATE_020.split(";\n"):
                conn.execute(statement)
        before = {name: sorted(map(repr, pg.execute(sql))) for name, sql in BEFORE.items()}
        assert len(before["v_snapshot_current"]) >= 14

        migrate_up_to(pg, tmp_path, "021")

        after = {name: sorted(map(repr, pg.execute(sql))) for name, sql in BEFORE.items()}
        assert after == before
        kinds = pg.execute("SELECT kind, count(*) AS n FROM snapshot_pointers GROUP BY kind")
        assert {r["kind"] for r in kinds} == {
            "region",
            "account",
            "securityhub_counts",
            "config_rules",
        }
        assert snapshot_pointers.check(fresh_dsn) == []
        # the loader carries on from the filled pointers
        doc = kms_day(0)
        doc["account_id"] = "111111111111"
        doc["window"] = {"start": "2026-11-09", "end": "2026-11-10"}
        assert load_bytes(pg, ref_for(doc), gz(doc), expected_account=None).status == "loaded"
        assert snapshot_pointers.check(fresh_dsn) == []
    finally:
        pg.close()


def test_rebuild_pointers_repairs_history_written_without_the_loader(db):
    load_doc(db, kms_day(0))
    with psycopg.connect(db.dsn, autocommit=True) as conn:  # behind the loader's back
        conn.execute(
            "UPDATE collector_runs SET status = 'error', error = 'x' WHERE region = %s", (EU,)
        )
    assert snapshot_pointers.check(db.dsn) != []
    with db.executor.transaction() as tx:
        changed = loader.rebuild_pointers(tx, fixture_doc()["account_id"])
    assert changed == {"changed": 0, "deleted": 2}
    assert pointers(db) == {("region", "kms_keys", US): DAY1}
