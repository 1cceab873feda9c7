"""``cost_month_totals``, ``cost_month_to_date`` and ``cost_forecast_latest`` (sql/026) against
their definitions.

The first two must be, at every commit, ``cost_daily`` summed: per account, month, service and
currency (as ``cost_monthly``), and per account and day the month's cost so far; the third the
latest forecast per account, month and metric as ``v_cost_forecast_vs_actual`` ranked them
before 026 (sql/006). The loader
keeps them (``receiver.cost_totals``); ``disagreements`` recomputes them here from
``cost_daily``, written independently of the loader's SQL, and compares every column as text
(so a numeric's scale counts too). The ``migrated_dsn`` fixture runs it when a test ends.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

# (table, its rows recomputed from cost_daily, the table's rows), the same columns in order.
DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "cost_month_totals",
        """
        SELECT account_id, date_trunc('month', usage_date)::date AS month, service,
               coalesce(currency, '') AS currency, sum(unblended_cost) AS unblended_cost,
               sum(amortized_cost) AS amortized_cost, count(*)::integer AS days,
               count(*) FILTER (WHERE estimated)::integer AS estimated_days,
               count(*) FILTER (WHERE estimated = false)::integer AS final_days,
               count(*) FILTER (WHERE estimated IS NULL)::integer AS unknown_days,
               min(usage_date) AS first_day, max(usage_date) AS last_day,
               (SELECT sum(DISTINCT 1 << (extract(day FROM u)::integer - 1))::integer
                FROM unnest(array_agg(usage_date)) u) AS day_mask
        FROM cost_daily
        GROUP BY account_id, date_trunc('month', usage_date)::date, service,
                 coalesce(currency, '')
        """,
        """
        SELECT account_id, month, service, currency, unblended_cost, amortized_cost, days,
               estimated_days, final_days, unknown_days, first_day, last_day, day_mask
        FROM cost_month_totals
        """,
    ),
    (
        "cost_month_to_date",
        """
        SELECT d.account_id, d.usage_date,
               (SELECT sum(e.unblended_cost) FROM cost_daily e
                WHERE e.account_id = d.account_id AND e.usage_date <= d.usage_date
                  AND e.usage_date >= date_trunc('month', d.usage_date)::date) AS unblended_mtd,
               (SELECT sum(e.amortized_cost) FROM cost_daily e
                WHERE e.account_id = d.account_id AND e.usage_date <= d.usage_date
                  AND e.usage_date >= date_trunc('month', d.usage_date)::date) AS amortized_mtd
        FROM (SELECT DISTINCT account_id, usage_date FROM cost_daily) d
        """,
        "SELECT account_id, usage_date, unblended_mtd, amortized_mtd FROM cost_month_to_date",
    ),
    (
        "cost_forecast_latest",
        """
        SELECT account_id, month, metric, generated_on, period_start, period_end, mean,
               lower_bound, upper_bound, currency
        FROM (
            SELECT f.*, date_trunc('month', f.period_start)::date AS month,
                   row_number() OVER (
                       PARTITION BY f.account_id, date_trunc('month', f.period_start), f.metric
                       ORDER BY f.generated_on DESC, f.period_end DESC, f.period_start ASC
                   ) AS recency
            FROM cost_forecasts f
            WHERE f.period_end <= (date_trunc('month', f.period_start) + interval '1 month')::date
        ) ranked
        WHERE recency = 1
        """,
        """
        SELECT account_id, month, metric, generated_on, period_start, period_end, mean,
               lower_bound, upper_bound, currency
        FROM cost_forecast_latest
        """,
    ),
)

PRESENT_SQL = "SELECT to_regclass('public.cost_month_totals') IS NOT NULL AS present"


def _rows(connection: psycopg.Connection[Any], sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM ({sql}) t")
        return sorted(row[0] for row in cursor.fetchall())


def disagreements(connection: psycopg.Connection[Any]) -> list[str]:
    """Where the tables differ from ``cost_daily`` summed (empty: they agree). Each entry names
    the table and a few rows only the definition (``-``) or only the table (``+``) holds. A
    database migrated to before 026 has nothing to compare."""
    with connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute(PRESENT_SQL)
        row = cursor.fetchone()
    if not row or not row["present"]:
        return []
    found = []
    for name, definition, table in DEFINITIONS:
        expected, actual = _rows(connection, definition), _rows(connection, table)
        if expected != actual:
            missing = sorted(set(expected) - set(actual))[:5]
            extra = sorted(set(actual) - set(expected))[:5]
            found.append(f"{name}: - {missing} + {extra} ({len(expected)} vs {len(actual)} rows)")
    return found


def check(dsn: str) -> list[str]:
    """``disagreements`` on the database at ``dsn`` (its own short connection)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        return disagreements(connection)


def rebuild(cursor: Any) -> None:
    """The tables recomputed from ``cost_daily`` and ``cost_forecasts`` with the loader's SQL,
    for tests that write cost straight into the tables (production:
    ``receiver.loader.rebuild_cost_totals``)."""
    from receiver import cost_totals

    for statement in cost_totals.REBUILD_ALL_STATEMENTS:
        cursor.execute(statement)
