"""Apply the plain SQL files of ``sql/`` in order, once each.

A run takes a transaction-scoped advisory lock, so two runners never interleave; it refuses to
start when an already-applied file has changed (naming the file) or when a new file sorts before
one already applied; then it applies every pending file statement by statement (the Data API runs
one statement per call) and records each in ``schema_migrations`` with its checksum. The whole run
is one transaction: a failing statement leaves the database as it was.

Given the role names, ``migrate`` ends every run, in the same transaction, with the grants of
``receiver.db.roles`` (loader and reader privileges on every table and view, including those the
run added); run it connected as the migrator, after ``receiver.db.roles.bootstrap`` as the master.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from receiver.db import Executor
from receiver.db.roles import (
    LOCK_KEY,
    BootstrapResult,
    Credentials,
    RoleNames,
    apply_grants,
    bootstrap,
)
from receiver.sqltext import split_statements

__all__ = [
    "LOCK_KEY",
    "MigrationError",
    "MigrationResult",
    "discover",
    "migrate",
    "migrate_with_roles",
]
FILENAME = re.compile(r"^(?P<version>\d{3,})_(?P<name>[a-z0-9_]+)\.sql$")

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     text PRIMARY KEY,
    filename    text NOT NULL,
    checksum    char(64) NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL
)
"""


class MigrationError(Exception):
    """The migrations cannot be applied; nothing was changed."""


@dataclass(frozen=True)
class Migration:
    version: str
    filename: str
    checksum: str
    statements: list[str]

    @classmethod
    def from_file(cls, path: Path) -> Migration:
        match = FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_description.sql")
        data = path.read_bytes()
        try:
            statements = split_statements(data.decode("utf-8"))
        except ValueError as exc:
            raise MigrationError(f"{path.name}: {exc}") from exc
        if not statements:
            raise MigrationError(f"{path.name}: no SQL statement in file")
        return cls(match["version"], path.name, hashlib.sha256(data).hexdigest(), statements)


@dataclass
class MigrationResult:
    applied: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)


def default_sql_dir() -> Path:
    """``$SQL_DIR``, else ``sql/`` beside the package (Lambda zip), else the repository's."""
    if os.environ.get("SQL_DIR"):
        return Path(os.environ["SQL_DIR"])
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "sql", here.parents[1] / "sql"):
        if candidate.is_dir():
            return candidate
    raise MigrationError(f"no sql/ directory found near {here}; set SQL_DIR")


def discover(sql_dir: Path) -> list[Migration]:
    """Migrations in ``sql_dir``, ordered by version; duplicate versions are an error."""
    migrations = [Migration.from_file(path) for path in sorted(sql_dir.glob("*.sql"))]
    seen: dict[str, str] = {}
    for migration in migrations:
        if migration.version in seen:
            raise MigrationError(
                f"{migration.filename} and {seen[migration.version]} share version "
                f"{migration.version}"
            )
        seen[migration.version] = migration.filename
    return sorted(migrations, key=lambda m: int(m.version))


def migrate(
    executor: Executor, sql_dir: Path | None = None, *, roles: RoleNames | None = None
) -> MigrationResult:
    """Apply pending migrations in one transaction, then the grants of ``roles`` if given."""
    migrations = discover(sql_dir or default_sql_dir())
    result = MigrationResult()
    with executor.transaction() as tx:
        tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
        tx.execute(CREATE_TABLE)
        applied = {
            row["version"]: row
            for row in tx.execute("SELECT version, filename, checksum FROM schema_migrations")
        }
        pending = _check(migrations, applied)
        result.already_applied = [m.filename for m in migrations if m.version in applied]
        for migration in pending:
            started = time.monotonic()
            for index, statement in enumerate(migration.statements, start=1):
                try:
                    tx.execute(statement)
                except Exception as exc:
                    raise MigrationError(
                        f"{migration.filename}: statement {index} failed: {exc}"
                    ) from exc
            tx.execute(
                "INSERT INTO schema_migrations (version, filename, checksum, duration_ms) "
                "VALUES (:version, :filename, :checksum, :duration_ms)",
                {
                    "version": migration.version,
                    "filename": migration.filename,
                    "checksum": migration.checksum,
                    "duration_ms": int((time.monotonic() - started) * 1000),
                },
            )
            result.applied.append(migration.filename)
        if roles is not None:
            apply_grants(tx, roles)
    return result


def migrate_with_roles(
    master: Executor,
    as_migrator: Callable[[], Executor],
    credentials: Mapping[str, Credentials],
    sql_dir: Path | None = None,
) -> tuple[BootstrapResult, MigrationResult]:
    """Bootstrap the roles as the master, then migrate and grant as the migrator."""
    boot = bootstrap(master, credentials)
    migrator = as_migrator()
    try:
        result = migrate(migrator, sql_dir, roles=RoleNames.from_credentials(credentials))
    finally:
        migrator.close()
    return boot, result


def _check(migrations: list[Migration], applied: dict[str, dict]) -> list[Migration]:
    """Refuse drift before anything runs; return the pending migrations."""
    on_disk = {m.version: m for m in migrations}
    for version, row in sorted(applied.items()):
        migration = on_disk.get(version)
        if migration is None:
            raise MigrationError(
                f"{row['filename']} was applied but is missing from sql/; restore it"
            )
        if migration.checksum != row["checksum"].strip():
            raise MigrationError(
                f"{migration.filename} changed after it was applied (checksum "
                f"{row['checksum'].strip()[:12]}… now {migration.checksum[:12]}…); "
                "never edit an applied migration, add a new file instead"
            )
    newest = max((int(v) for v in applied), default=-1)
    pending = [m for m in migrations if m.version not in applied]
    for migration in pending:
        if int(migration.version) < newest:
            raise MigrationError(
                f"{migration.filename} sorts before migrations already applied; renumber it "
                "after the newest one"
            )
    return pending
