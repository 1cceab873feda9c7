"""The read-time definition of ``v_security_posture`` that ``sql/027`` replaced, as an oracle.

Until migration 027, ``v_security_posture`` computed every (account, day) row at read time (the
sql/023 text). ``security_posture_daily`` now holds those rows, kept by the loader
(``receiver.security_posture``); ``disagreements`` compares the table with the old definition
(read from sql/023 itself) on a database. The ``migrated_dsn`` fixture runs it when a test ends,
so every test that loads data proves the loader kept the table exact.
"""

from __future__ import annotations

from typing import Any

import psycopg

from receiver.security_posture import COLUMNS, EXISTS_SQL, REBUILD_SQL
from support.migration_steps import SQL_DIR

VIEW_HEAD = "CREATE OR REPLACE VIEW v_security_posture AS"
NEW = f"SELECT {', '.join(COLUMNS)} FROM security_posture_daily"


def old_sql() -> str:
    """v_security_posture's query as sql/023 created it (an applied migration never changes),
    without account_name (the table does not hold it)."""
    text = (SQL_DIR / "023_security_history.sql").read_text()
    start = text.index(VIEW_HEAD) + len(VIEW_HEAD)
    return f"SELECT {', '.join(COLUMNS)} FROM ({text[start : text.index(';', start)]}) old"


def _present(connection: psycopg.Connection[Any]) -> bool:
    row = connection.execute(EXISTS_SQL).fetchone()
    return bool(row and row[0])


def _rows(connection: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(r) for r in connection.execute(sql).fetchall()), key=repr)


def disagreements(connection: psycopg.Connection[Any]) -> list[str]:
    """Rows only the old definition (``-``) or only the table (``+``) gives, a few of each
    (empty: they agree). A database without the table (migrated to before 027) has none."""
    if not _present(connection):
        return []
    before, now = _rows(connection, old_sql()), _rows(connection, NEW)
    if before == now:
        return []
    missing = [r for r in before if r not in now][:5]
    extra = [r for r in now if r not in before][:5]
    return [f"security_posture_daily: - {missing} + {extra}"]


def check(dsn: str) -> list[str]:
    """``disagreements`` on the database at ``dsn`` (its own short connection)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        return disagreements(connection)


def rebuild(cursor: Any) -> None:
    """Recompute every account's rows (``receiver.security_posture.REBUILD_SQL``) on the
    database of ``cursor`` (a psycopg cursor or connection), for tests that write history
    straight into the tables instead of through the loader; nothing before 027."""
    found = cursor.execute(EXISTS_SQL).fetchone()
    if found and found[0]:
        cursor.execute(REBUILD_SQL)
