"""The read-time definitions of "current" that ``sql/021`` replaced, as an oracle.

Until migration 021, ``v_snapshot_current``, ``v_snapshot_current_account`` and the
``max(snapshot_date)`` subqueries of ``v_securityhub_severity_counts_current`` and
``v_config_rules_current`` aggregated the whole run history on every read. Those queries,
verbatim (as of 015/014), are kept here; ``disagreements`` compares them with the pointer-based
views on a database. The ``migrated_dsn`` fixture runs it when a test ends, so every test that
loads data proves the loader's pointers agree with the old definitions.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

# (name, old read-time query, the pointer-based query it must equal), each giving the same
# columns, compared as sets of rows.
DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "v_snapshot_current",
        """
        SELECT r.account_id, c.collector, c.region, max(r.window_end - 1) AS snapshot_date
        FROM collection_runs r
        JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
        WHERE c.status IN ('ok', 'partial')
        GROUP BY r.account_id, c.collector, c.region
        """,
        "SELECT account_id, collector, region, snapshot_date FROM v_snapshot_current",
    ),
    (
        "v_snapshot_current_account",
        """
        SELECT s.account_id, s.collector, max(s.snapshot_date) AS snapshot_date
        FROM (
            SELECT r.account_id, c.collector, r.window_end - 1 AS snapshot_date
            FROM collection_runs r
            JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
            GROUP BY r.run_id, r.account_id, c.collector, r.window_end
            HAVING bool_and(c.status IN ('ok', 'partial'))
        ) s
        GROUP BY s.account_id, s.collector
        """,
        "SELECT account_id, collector, snapshot_date FROM v_snapshot_current_account",
    ),
    (
        "v_securityhub_severity_counts_current",
        """
        SELECT t.account_id, t.region, t.snapshot_date, t.severity_label
        FROM securityhub_severity_counts t
        JOIN (
            SELECT account_id, region, max(snapshot_date) AS snapshot_date
            FROM v_securityhub_count_snapshots
            GROUP BY account_id, region
        ) s ON s.account_id = t.account_id AND s.region = t.region
           AND s.snapshot_date = t.snapshot_date
        """,
        """
        SELECT account_id, region, snapshot_date, severity_label
        FROM v_securityhub_severity_counts_current
        """,
    ),
    (
        "v_config_rules_current",
        """
        SELECT t.account_id, t.region, t.snapshot_date, t.rule_name
        FROM config_rules t
        JOIN (
            SELECT account_id, region, max(snapshot_date) AS snapshot_date
            FROM v_config_complete_collections
            GROUP BY account_id, region
        ) s ON s.account_id = t.account_id AND s.region = t.region
           AND s.snapshot_date = t.snapshot_date
        """,
        "SELECT account_id, region, snapshot_date, rule_name FROM v_config_rules_current",
    ),
    (
        "config_rules pointers",
        """
        SELECT account_id, region, max(snapshot_date) AS snapshot_date
        FROM v_config_complete_collections
        GROUP BY account_id, region
        """,
        """
        SELECT account_id, region, snapshot_date FROM snapshot_pointers
        WHERE kind = 'config_rules'
        """,
    ),
)

# The securityhub_counts pointers themselves are not compared, only the rows the view gives:
# once retention drops a month of severity counts, a pointer to a date without rows and no
# pointer at all read the same (nothing), and only the latter matches the old aggregate.
SECURITYHUB_COUNTS_OLD = """
SELECT account_id, region, max(snapshot_date) AS snapshot_date
FROM v_securityhub_count_snapshots
GROUP BY account_id, region
"""

HAS_POINTERS_SQL = "SELECT to_regclass('public.snapshot_pointers') IS NOT NULL AS present"


def _rows(connection: psycopg.Connection[Any], sql: str) -> set[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {tuple(row) for row in cursor.fetchall()}


def disagreements(connection: psycopg.Connection[Any]) -> list[str]:
    """Where the pointer-based views differ from the old read-time definitions (empty: agree).

    Each entry names the view and a few rows only the old definition (``-``) or only the
    pointers (``+``) give. A database without ``snapshot_pointers`` (migrated to before 021)
    has nothing to compare.
    """
    with connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute(HAS_POINTERS_SQL)
        row = cursor.fetchone()
    if not row or not row["present"]:
        return []
    found: list[str] = []
    for name, old, new in DEFINITIONS:
        before, now = _rows(connection, old), _rows(connection, new)
        if before != now:
            missing = sorted(before - now, key=repr)[:5]
            extra = sorted(now - before, key=repr)[:5]
            found.append(f"{name}: - {missing} + {extra}")
    return found


def summary(dsn: str) -> dict[str, Any]:
    """``disagreements`` and the pointers per kind on the database at ``dsn``."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        kinds = dict(
            connection.execute("SELECT kind, count(*) FROM snapshot_pointers GROUP BY kind")
        )
        return {"disagreements": disagreements(connection), "kinds": kinds}


# tests/demo/conftest.py stores the demo database's summary here as soon as the demo has run
# (a later test runs the demo again, interrupted, on the same database).
DEMO_CHECK = pytest.StashKey[dict[str, Any]]()


def check(dsn: str) -> list[str]:
    """``disagreements`` on the database at ``dsn`` (its own short connection)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        return disagreements(connection)


# Every pointer rebuilt from the whole history with the old definitions, for tests that write
# runs straight into the tables instead of through the loader (production: loader.rebuild_pointers).
REBUILD_STATEMENTS: tuple[str, ...] = (
    "DELETE FROM snapshot_pointers",
    f"""INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
        SELECT account_id, 'region', collector, region, snapshot_date
        FROM ({DEFINITIONS[0][1]}) o""",
    f"""INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
        SELECT account_id, 'account', collector, '', snapshot_date FROM ({DEFINITIONS[1][1]}) o""",
    f"""INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
        SELECT account_id, 'securityhub_counts', 'securityhub', region, snapshot_date
        FROM ({SECURITYHUB_COUNTS_OLD}) o""",
    f"""INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
        SELECT account_id, 'config_rules', 'config', region, snapshot_date
        FROM ({DEFINITIONS[4][1]}) o""",
)


def rebuild(cursor: Any) -> None:
    """Rebuild every pointer on the database of ``cursor`` (a psycopg cursor or connection),
    then the daily security posture that follows them (sql/027, support.security_posture)."""
    from support import security_posture

    for statement in REBUILD_STATEMENTS:
        cursor.execute(statement)
    security_posture.rebuild(cursor)
