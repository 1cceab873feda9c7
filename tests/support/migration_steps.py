"""Upgrade tests' shared steps: apply the project's migrations up to a version, and read every
row of every table and view so a later migration can be proved to change nothing users read."""

from __future__ import annotations

import shutil
from pathlib import Path

from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.migrations import migrate

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


def migrate_up_to(executor: PsycopgExecutor, directory: Path, last: str) -> None:
    """Apply the project's migrations up to version ``last`` (copied to ``directory``)."""
    directory.mkdir(exist_ok=True)
    for path in sorted(SQL_DIR.glob("*.sql")):
        if path.name.split("_", 1)[0] <= last:
            shutil.copy(path, directory / path.name)
    migrate(executor, directory)


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
