"""Upgrading a database that already holds data: each migration that reshapes existing rows
is applied on top of the migrations before it, with rows written the way the previous
release wrote them, and what users read afterwards is checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.migrations import migrate

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


@pytest.fixture
def pg(fresh_dsn):
    executor = PsycopgExecutor(fresh_dsn)
    yield executor
    executor.close()


def migrate_up_to(executor: PsycopgExecutor, directory: Path, last: str) -> None:
    """Apply the project's migrations whose version is at most ``last``."""
    directory.mkdir(exist_ok=True)
    for path in sorted(SQL_DIR.glob("*.sql")):
        if path.name.split("_", 1)[0] <= last:
            shutil.copy(path, directory / path.name)
    migrate(executor, directory)


def test_015_scopes_existing_runs_to_their_account(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "014")
    pg.execute("INSERT INTO accounts (account_id) VALUES ('111111111111'), ('222222222222')")
    for account, run in (("111111111111", "1"), ("222222222222", "2")):
        pg.execute(
            """INSERT INTO collection_runs (run_id, account_id, interval, window_start,
                                            window_end, collected_at)
               VALUES (CAST(:run AS uuid), :account, 'DAILY', '2026-11-01', '2026-11-02',
                       '2026-11-02T02:00:00Z')""",
            {"run": f"0000000{run}-0000-4000-8000-000000000000", "account": account},
        )
        pg.execute(
            """INSERT INTO collector_runs (run_id, collector, region, status)
               VALUES (CAST(:run AS uuid), 'kms_keys', 'eu-west-1', 'ok')""",
            {"run": f"0000000{run}-0000-4000-8000-000000000000"},
        )

    migrate_up_to(pg, tmp_path, "015")

    rows = pg.execute("SELECT account_id, run_id::text FROM collector_runs ORDER BY 1")
    assert [(r["account_id"], r["run_id"][:8]) for r in rows] == [
        ("111111111111", "00000001"),
        ("222222222222", "00000002"),
    ]
    current = pg.execute("SELECT account_id, snapshot_date FROM v_snapshot_current ORDER BY 1")
    assert [r["account_id"] for r in current] == ["111111111111", "222222222222"]
    # the same run id is now allowed once per account, and the collectors follow their run
    pg.execute(
        """INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end,
                                        collected_at)
           SELECT run_id, '222222222222', interval, window_start, window_end, collected_at
           FROM collection_runs WHERE account_id = '111111111111'"""
    )
    pg.execute("DELETE FROM collection_runs WHERE account_id = '111111111111'")
    left = pg.execute("SELECT account_id, count(*) AS n FROM collector_runs GROUP BY 1")
    assert left == [{"account_id": "222222222222", "n": 1}]
