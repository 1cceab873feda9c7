"""``collection_runs``' collector counts (sql/029) against ``collector_runs``.

Every run whose counts are not NULL must hold, at every commit, its ``collector_runs`` rows
counted by status (ok, partial, skipped, error). The loader writes them with the rows
(``receiver.loader._write_run``); ``disagreements`` recounts them here independently of the
loader's SQL. The ``migrated_dsn`` fixture runs it when a test ends. Runs with NULL counts (from
before 029) are not compared: the views read their collector rows.
"""

from __future__ import annotations

from typing import Any

import psycopg

PRESENT_SQL = """
SELECT EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = 'collection_runs'
                 AND column_name = 'collectors_ok')
"""

DISAGREEING_SQL = """
SELECT r.account_id, r.run_id,
       ARRAY[r.collectors_ok, r.collectors_partial, r.collectors_skipped, r.collectors_error]
           AS stored,
       ARRAY[coalesce(c.ok, 0), coalesce(c.partial, 0), coalesce(c.skipped, 0),
             coalesce(c.error, 0)] AS counted
FROM collection_runs r
LEFT JOIN (
    SELECT account_id, run_id,
           sum(CASE status WHEN 'ok' THEN 1 ELSE 0 END)::integer AS ok,
           sum(CASE status WHEN 'partial' THEN 1 ELSE 0 END)::integer AS partial,
           sum(CASE status WHEN 'skipped' THEN 1 ELSE 0 END)::integer AS skipped,
           sum(CASE status WHEN 'error' THEN 1 ELSE 0 END)::integer AS error
    FROM collector_runs
    GROUP BY account_id, run_id
) c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE r.collectors_ok IS NOT NULL OR r.collectors_partial IS NOT NULL
   OR r.collectors_skipped IS NOT NULL OR r.collectors_error IS NOT NULL
ORDER BY r.account_id, r.run_id
"""


def disagreements(connection: psycopg.Connection[Any]) -> list[str]:
    """Counted runs whose counts differ from their collector rows (empty: they agree); a run
    with only some counts NULL disagrees too. A database before 029 has nothing to compare."""
    present = connection.execute(PRESENT_SQL).fetchone()
    if not present or not present[0]:
        return []
    return [
        f"run {account}/{run}: stored {stored}, collector_runs {counted}"
        for account, run, stored, counted in connection.execute(DISAGREEING_SQL).fetchall()
        if stored != counted
    ][:10]


def check(dsn: str) -> list[str]:
    """``disagreements`` on the database at ``dsn`` (its own short connection)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        return disagreements(connection)
