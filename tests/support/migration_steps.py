"""Upgrade tests' shared steps: apply the project's migrations up to a version, and read every
row of every table and view so a later migration can be proved to change nothing users read."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.migrations import migrate
from receiver.sqltext import split_statements

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


# From this migration on, each one only adds storage the loader writes whatever the database
# (tables of new sections, nullable columns of new fields) besides its views: the upgrade tests of
# older migrations load today's documents, so they get that storage ahead of its migration.
ADDITIVE_FROM = "032"
_LEADING_COMMENTS = re.compile(r"\A(?:\s*--[^\n]*\n)*\s*")
_ADDITIVE = re.compile(r"(CREATE TABLE|CREATE INDEX|ALTER TABLE \S+\s+ADD COLUMN)\s", re.IGNORECASE)


def migrate_up_to(
    executor: PsycopgExecutor, directory: Path, last: str, *, ahead: bool = True
) -> None:
    """Apply the project's migrations up to version ``last`` (copied to ``directory``), then,
    when ``last`` is older than `ADDITIVE_FROM`, the tables, indexes and columns of every
    migration from `ADDITIVE_FROM` on (nothing else of them: no view, comment or back-fill), so
    today's loader can write its documents into the older schema the test is about. Before 022
    (which rebuilds the tables as partitioned, foreign keys included) only the columns are added:
    such a test loads documents of contract 1.1 (`support.dated_documents.FROZEN_1_1`).
    ``ahead=False`` applies the migrations only."""
    directory.mkdir(exist_ok=True)
    later = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        version = path.name.split("_", 1)[0]
        if version <= last:
            shutil.copy(path, directory / path.name)
        elif version >= ADDITIVE_FROM and ahead:
            later.append(path)
    migrate(executor, directory)
    for path in later:
        for statement in split_statements(path.read_text(encoding="utf-8")):
            code = _LEADING_COMMENTS.sub("", statement)
            if _ADDITIVE.match(code) and (last >= "022" or "ADD COLUMN" in code.upper()):
                executor.execute(_if_not_exists(code))


def _if_not_exists(statement: str) -> str:
    """``statement`` made repeatable (the helper runs again for the next version)."""
    for plain, guarded in (
        ("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "),
        ("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "),
    ):
        if statement.upper().startswith(plain):
            return guarded + statement[len(plain) :]
    return re.sub(r"ADD COLUMN ", "ADD COLUMN IF NOT EXISTS ", statement, flags=re.IGNORECASE)


def contents(pg: PsycopgExecutor, names: list[str] | None = None) -> dict[str, list[str]]:
    """Every row (as sorted JSON text) of every table (partitions through their parent) and view,
    or of ``names`` only."""
    relations = pg.execute(
        """SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
             AND NOT c.relispartition AND c.relname <> 'schema_migrations' ORDER BY 1"""
    )
    wanted = {r["relname"] for r in relations} if names is None else set(names)
    return {
        name: pg.execute(
            f"SELECT coalesce(array_agg(to_jsonb(t)::text ORDER BY to_jsonb(t)::text), "
            f"'{{}}') AS rows FROM \"{name}\" t"
        )[0]["rows"]
        for name in sorted(wanted)
    }
