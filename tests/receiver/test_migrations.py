from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.migrations import MigrationError, discover, migrate

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"

FIRST = "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'x;y');\n"
SECOND = """
-- a function with a dollar-quoted body and semicolons inside
CREATE FUNCTION bump(v int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    RETURN v + 1;
END;
$$;
CREATE VIEW a_bumped AS SELECT id, bump(id) AS next FROM a;
"""


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def tables(executor) -> set[str]:
    rows = executor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {row["table_name"] for row in rows}


def test_applies_in_order_once(pg, tmp_path):
    sql = write(tmp_path / "sql", {"002_second.sql": SECOND, "001_first.sql": FIRST})
    result = migrate(pg, sql)
    assert result.applied == ["001_first.sql", "002_second.sql"]
    assert pg.execute("INSERT INTO a VALUES (41) RETURNING bump(id) AS next") == [{"next": 42}]
    recorded = pg.execute("SELECT version, filename, checksum FROM schema_migrations ORDER BY 1")
    assert [(r["version"], r["filename"]) for r in recorded] == [
        ("001", "001_first.sql"),
        ("002", "002_second.sql"),
    ]
    assert all(len(r["checksum"]) == 64 for r in recorded)

    again = migrate(pg, sql)
    assert again.applied == []
    assert again.already_applied == ["001_first.sql", "002_second.sql"]


def test_edited_applied_file_stops_the_run_before_anything(pg, tmp_path):
    sql = write(tmp_path / "sql", {"001_first.sql": FIRST})
    migrate(pg, sql)
    write(sql, {"001_first.sql": FIRST + "-- edited\n", "002_second.sql": SECOND})
    with pytest.raises(MigrationError, match=r"001_first\.sql changed after it was applied"):
        migrate(pg, sql)
    assert "a_bumped" not in tables(pg)
    assert pg.execute("SELECT count(*) AS n FROM schema_migrations") == [{"n": 1}]


def test_missing_applied_file_is_refused(pg, tmp_path):
    sql = write(tmp_path / "sql", {"001_first.sql": FIRST, "002_second.sql": SECOND})
    migrate(pg, sql)
    (sql / "002_second.sql").unlink()
    with pytest.raises(MigrationError, match=r"002_second\.sql was applied but is missing"):
        migrate(pg, sql)


def test_new_file_before_applied_ones_is_refused(pg, tmp_path):
    sql = write(tmp_path / "sql", {"001_first.sql": FIRST, "003_third.sql": "SELECT 1;"})
    migrate(pg, sql)
    write(sql, {"002_second.sql": SECOND})
    with pytest.raises(MigrationError, match=r"002_second\.sql sorts before"):
        migrate(pg, sql)


def test_failing_statement_leaves_nothing_behind(pg, tmp_path):
    sql = write(
        tmp_path / "sql",
        {"001_first.sql": FIRST, "002_broken.sql": "CREATE TABLE b (id int);\nSELECT nope;\n"},
    )
    with pytest.raises(MigrationError, match=r"002_broken\.sql: statement 2 failed: .*nope"):
        migrate(pg, sql)
    assert tables(pg) == set()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"1_short.sql": "SELECT 1;"}, "named NNN_description.sql"),
        ({"001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 2;"}, "share version 001"),
        ({"001_empty.sql": "-- nothing here\n"}, "no SQL statement"),
        ({"001_open.sql": "SELECT 'unterminated;"}, "unterminated quoted string"),
    ],
)
def test_bad_files_are_refused(tmp_path, files, message):
    with pytest.raises(MigrationError, match=message):
        discover(write(tmp_path / "sql", files))


def test_concurrent_runners_do_not_interleave(fresh_dsn, tmp_path):
    sql = write(tmp_path / "sql", {"001_first.sql": FIRST, "002_second.sql": SECOND})
    results, errors = [], []

    def run() -> None:
        executor = PsycopgExecutor(fresh_dsn)
        try:
            results.append(migrate(executor, sql).applied)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            executor.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [[], [], [], ["001_first.sql", "002_second.sql"]]


# --- the project's own sql/ ------------------------------------------------------------------

SCHEMA_QUERIES = {
    "columns": """
        SELECT table_name, column_name, ordinal_position, data_type, udt_name, is_nullable,
               column_default, character_maximum_length, numeric_precision, is_identity
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 3""",
    "constraints": """
        SELECT conrelid::regclass::text AS table_name, conname, contype,
               pg_get_constraintdef(oid) AS definition
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = 'public' ORDER BY 1, 2",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
    "comments": """
        SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1""",
}


def schema_of(executor) -> dict[str, list[dict]]:
    return {name: executor.execute(query) for name, query in SCHEMA_QUERIES.items()}


def test_project_migrations_apply_on_empty_database(pg):
    files = sorted(path.name for path in SQL_DIR.glob("*.sql"))
    result = migrate(pg, SQL_DIR)
    assert result.applied == files
    assert len(tables(pg)) >= 25
    assert migrate(pg, SQL_DIR).applied == []


def test_schema_through_data_api_equals_schema_through_psycopg(pg, server_url, data_api):
    """The same files, statement by statement through the Data API, build the same schema."""
    import uuid

    import boto3
    import psycopg

    from receiver.db.data_api import DataApiExecutor

    migrate(pg, SQL_DIR)
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        via_api = DataApiExecutor(
            cluster_arn="arn:aws:rds:eu-west-1:111111111111:cluster:c",
            secret_arn="arn:aws:secretsmanager:eu-west-1:111111111111:secret:s",
            database=name,
            client=boto3.client("rds-data", region_name="eu-west-1"),
        )
        migrate(via_api, SQL_DIR)
        statements = sum(len(m.statements) for m in discover(SQL_DIR))
        assert data_api.calls["ExecuteStatement"] >= statements
        assert data_api.calls["CommitTransaction"] == 1
        assert schema_of(via_api) == schema_of(pg)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- entry points ----------------------------------------------------------------------------


def test_cli_migrate(fresh_dsn, tmp_path):
    sql = write(tmp_path / "sql", {"001_first.sql": FIRST})
    command = [sys.executable, "-m", "receiver", "migrate", "--database-url", fresh_dsn]
    first = subprocess.run([*command, "--sql-dir", str(sql)], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["applied 001_first.sql", "1 applied, 0 already applied"]

    write(sql, {"001_first.sql": "CREATE TABLE changed (id int);"})
    second = subprocess.run([*command, "--sql-dir", str(sql)], capture_output=True, text=True)
    assert second.returncode == 1
    assert "001_first.sql changed after it was applied" in second.stderr


def test_cli_reports_unreachable_database(tmp_path):
    url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
    completed = subprocess.run(
        [sys.executable, "-m", "receiver", "migrate", "--database-url", url],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert "cannot connect to PostgreSQL" in completed.stderr


def test_cli_requires_a_database():
    unset = {"DATABASE_URL", "AURORA_CLUSTER_ARN", "AURORA_SECRET_ARN"}
    completed = subprocess.run(
        [sys.executable, "-m", "receiver", "migrate"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in unset},
    )
    assert completed.returncode == 2
    assert "give a database URL" in completed.stderr


class FakeContext:
    """The parts of the Lambda context object the handler reads."""

    function_name = "observability-migrate"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111111111111:function:observability-migrate"
    aws_request_id = "3f1c9c1e-0000-4000-8000-000000000001"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 600_000


def test_lambda_handler_needs_the_database_roles(monkeypatch):
    """The migration function never migrates as the master alone: the roles come first.

    Its whole run (roles from their secrets, migrations as the migrator, grants) is tested in
    tests/receiver/test_database_roles.py.
    """
    from receiver import migrate_handler
    from receiver.settings import ConfigurationError

    monkeypatch.setenv("AURORA_CLUSTER_ARN", "arn:aws:rds:eu-west-1:111111111111:cluster:c")
    monkeypatch.setenv("AURORA_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:s")
    monkeypatch.delenv("DATABASE_ROLES", raising=False)
    with pytest.raises(ConfigurationError, match="DATABASE_ROLES is not set"):
        migrate_handler.lambda_handler({}, FakeContext())


def test_lambda_handler_fails_without_configuration(monkeypatch):
    from receiver import migrate_handler
    from receiver.settings import ConfigurationError

    monkeypatch.delenv("AURORA_CLUSTER_ARN", raising=False)
    with pytest.raises(ConfigurationError, match="AURORA_CLUSTER_ARN is not set"):
        migrate_handler.lambda_handler({}, FakeContext())
