"""Per-month cost totals (``sql/026_cost_month_totals.sql``), kept in each file's transaction.

``cost_month_totals`` (per account, month, service and currency) and ``cost_month_to_date``
(per account and day: the month's cost so far) are, at every commit, exactly ``cost_daily``
summed (``TOTALS_SELECT`` and ``TO_DATE_SELECT`` are their definitions). After a file's
``cost_daily`` rows are written and its re-collected days replaced, ``refresh`` recomputes the
rows of every (account, month) the file's cost days touch: the accounts' advisory locks first
(the snapshot pointers' lock, ``receiver.loader._lock_pointers``: loads of one account are
serialized, and the recompute's READ COMMITTED snapshot, taken after the lock, sees every cost
row a concurrent load of the account committed), then DELETE and INSERT ... SELECT from
``cost_daily``. In organization cost mode a file writes other accounts' cost: their locks are
taken too, all in one statement in the order of their lock keys, so two such files cannot
deadlock. Rows are keyed by account: no row that every file updates.

``cost_forecast_latest`` holds, per account, month and metric, the latest forecast of the month
(``FORECAST_SELECT``: what ``v_cost_forecast_vs_actual`` showed by ranking every forecast). A file
writes forecasts of its own account only, under its snapshot date: the months of the forecasts
it wrote are recomputed, and so are those whose latest forecast has the file's snapshot date (a
re-delivered run of that day may have replaced it).

On a database without migration 026 (an upgrade not applied yet) nothing is written: the lock
statement says whether the table exists. ``rebuild`` recomputes every month of one account (or
of all accounts: the bulk fill, ``labkit.scale.populate``) from ``cost_daily``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from receiver.db import Executor

# The accounts' locks in ascending key order (one statement, so a file of many accounts cannot
# hold some while waiting for others in another order), and whether sql/026 is applied.
LOCK_SQL = """
SELECT count(pg_advisory_xact_lock(CAST(:lock_class AS integer), s.k)) AS locked,
       to_regclass('public.cost_month_totals') IS NOT NULL AS present
FROM (SELECT DISTINCT hashtext(a) AS k
      FROM jsonb_array_elements_text(CAST(:accounts AS jsonb)) AS a
      ORDER BY 1) s
"""

# (account, month) pairs: JSON [{"account_id": ..., "month": "YYYY-MM-01"}, ...]
_PAIRS = """
SELECT DISTINCT x.account_id, x.month
FROM jsonb_to_recordset(CAST(:pairs AS jsonb)) AS x(account_id char(12), month date)
"""

# The definitions, over a set of cost_daily rows `days` with their `month` (first day).
TOTALS_SELECT = """
SELECT account_id, month, service, coalesce(currency, ''),
       sum(unblended_cost), sum(amortized_cost), count(*),
       count(*) FILTER (WHERE estimated), count(*) FILTER (WHERE NOT estimated),
       count(*) FILTER (WHERE estimated IS NULL), min(usage_date), max(usage_date),
       bit_or(1 << (extract(day FROM usage_date)::integer - 1))
FROM days
GROUP BY account_id, month, service, coalesce(currency, '')
"""
TO_DATE_SELECT = """
SELECT account_id, usage_date,
       sum(sum(unblended_cost)) OVER (PARTITION BY account_id, month ORDER BY usage_date),
       sum(sum(amortized_cost)) OVER (PARTITION BY account_id, month ORDER BY usage_date)
FROM days
GROUP BY account_id, month, usage_date
"""
_TOTALS_COLUMNS = (
    "account_id, month, service, currency, unblended_cost, amortized_cost, days, "
    "estimated_days, final_days, unknown_days, first_day, last_day, day_mask"
)


def _insert_sql(days: str) -> str:
    return f"""
WITH days AS ({days}),
totals AS (
    INSERT INTO cost_month_totals ({_TOTALS_COLUMNS})
    {TOTALS_SELECT}
    RETURNING 1
),
to_date AS (
    INSERT INTO cost_month_to_date (account_id, usage_date, unblended_mtd, amortized_mtd)
    {TO_DATE_SELECT}
    RETURNING 1
)
SELECT (SELECT count(*) FROM totals) AS totals, (SELECT count(*) FROM to_date) AS days
"""


_DAYS_COLUMNS = (
    "d.account_id, d.usage_date, d.service, d.currency, d.unblended_cost, d.amortized_cost, "
    "d.estimated, date_trunc('month', d.usage_date)::date AS month"
)

DELETE_SQL = f"""
WITH pairs AS ({_PAIRS}),
totals AS (
    DELETE FROM cost_month_totals t USING pairs p
    WHERE t.account_id = p.account_id AND t.month = p.month
    RETURNING 1
),
to_date AS (
    DELETE FROM cost_month_to_date d USING pairs p
    WHERE d.account_id = p.account_id
      AND d.usage_date >= p.month AND d.usage_date < (p.month + interval '1 month')::date
    RETURNING 1
)
SELECT (SELECT count(*) FROM totals) AS totals, (SELECT count(*) FROM to_date) AS days
"""

INSERT_SQL = _insert_sql(
    f"""
    SELECT {_DAYS_COLUMNS}
    FROM ({_PAIRS}) p
    JOIN cost_daily d ON d.account_id = p.account_id
                     AND d.usage_date >= p.month
                     AND d.usage_date < (p.month + interval '1 month')::date
    """
)

# Every month of one account (:account_id) or, REBUILD_ALL_*, of every account.
REBUILD_DELETE_SQL = """
WITH totals AS (
    DELETE FROM cost_month_totals WHERE account_id = CAST(:account_id AS char(12)) RETURNING 1
),
to_date AS (
    DELETE FROM cost_month_to_date WHERE account_id = CAST(:account_id AS char(12)) RETURNING 1
)
SELECT (SELECT count(*) FROM totals) AS totals, (SELECT count(*) FROM to_date) AS days
"""
REBUILD_INSERT_SQL = _insert_sql(
    f"SELECT {_DAYS_COLUMNS} FROM cost_daily d WHERE d.account_id = CAST(:account_id AS char(12))"
)
_TOTALS_REBUILD_ALL = (
    "TRUNCATE cost_month_totals, cost_month_to_date",
    _insert_sql(f"SELECT {_DAYS_COLUMNS} FROM cost_daily d"),
)


# The latest forecast of each account, month (of period_start) and metric among the forecasts
# that end within that month, over `forecasts` (cost_forecasts rows, any subset of accounts).
FORECAST_COLUMNS = (
    "account_id, month, metric, generated_on, period_start, period_end, mean, lower_bound, "
    "upper_bound, currency"
)
FORECAST_SELECT = f"""
SELECT DISTINCT ON (f.account_id, f.month, f.metric) {FORECAST_COLUMNS}
FROM (SELECT f.*, date_trunc('month', f.period_start::timestamptz)::date AS month
      FROM forecasts f) f
WHERE f.period_end <= (f.month + interval '1 month')::date
ORDER BY f.account_id, f.month, f.metric, f.generated_on DESC, f.period_end DESC, f.period_start
"""

# The file's account's latest forecasts of :months (date[]) and of its :snapshot_date go; the
# months to recompute come back.
FORECAST_DELETE_SQL = """
DELETE FROM cost_forecast_latest
WHERE account_id = CAST(:account_id AS char(12))
  AND (month = ANY (CAST(:months AS date[])) OR generated_on = CAST(:snapshot_date AS date))
RETURNING month
"""
FORECAST_INSERT_SQL = f"""
WITH forecasts AS (
    SELECT * FROM cost_forecasts
    WHERE account_id = CAST(:account_id AS char(12))
      AND period_start >= CAST(:first AS date) AND period_start < CAST(:after AS date)
),
latest AS ({FORECAST_SELECT})
INSERT INTO cost_forecast_latest ({FORECAST_COLUMNS})
SELECT {FORECAST_COLUMNS} FROM latest WHERE month = ANY (CAST(:months AS date[]))
"""
FORECAST_REBUILD_ALL_STATEMENTS = (
    "TRUNCATE cost_forecast_latest",
    f"""WITH forecasts AS (SELECT * FROM cost_forecasts), latest AS ({FORECAST_SELECT})
        INSERT INTO cost_forecast_latest ({FORECAST_COLUMNS})
        SELECT {FORECAST_COLUMNS} FROM latest""",
)
FORECAST_REBUILD_ACCOUNT_STATEMENTS = (
    "DELETE FROM cost_forecast_latest WHERE account_id = CAST(:account_id AS char(12))",
    f"""WITH forecasts AS (
            SELECT * FROM cost_forecasts WHERE account_id = CAST(:account_id AS char(12))
        ),
        latest AS ({FORECAST_SELECT})
        INSERT INTO cost_forecast_latest ({FORECAST_COLUMNS})
        SELECT {FORECAST_COLUMNS} FROM latest""",
)


# Every account's totals and latest forecasts (the bulk fill, tests writing history directly).
REBUILD_ALL_STATEMENTS = (*_TOTALS_REBUILD_ALL, *FORECAST_REBUILD_ALL_STATEMENTS)


# receiver.partitions.maintain, after a month's partitions were dropped (params :month, :next):
# the month's totals, whose cost_daily partition went.
DROPPED_MONTH_SQL = """
WITH totals AS (DELETE FROM cost_month_totals WHERE month = CAST(:month AS date) RETURNING 1),
to_date AS (
    DELETE FROM cost_month_to_date
    WHERE usage_date >= CAST(:month AS date) AND usage_date < CAST(:next AS date)
    RETURNING 1
)
SELECT (SELECT count(*) FROM totals) AS totals, (SELECT count(*) FROM to_date) AS days"""

# The latest forecasts (sql/026) generated in a month whose cost_forecasts partition was
# dropped: replaced by the latest forecast left of their account, month and metric, then those
# without any left deleted.
DROPPED_FORECASTS_REPLACE_SQL = f"""
WITH affected AS (
    SELECT account_id, month, metric FROM cost_forecast_latest
    WHERE generated_on >= CAST(:month AS date) AND generated_on < CAST(:next AS date)
),
forecasts AS (
    SELECT f.* FROM cost_forecasts f
    JOIN affected a ON a.account_id = f.account_id AND a.metric = f.metric
                   AND f.period_start >= a.month
                   AND f.period_start < (a.month + interval '1 month')::date
),
latest AS ({FORECAST_SELECT}),
written AS (
    INSERT INTO cost_forecast_latest ({FORECAST_COLUMNS})
    SELECT {FORECAST_COLUMNS} FROM latest
    ON CONFLICT (account_id, month, metric) DO UPDATE
    SET generated_on = EXCLUDED.generated_on, period_start = EXCLUDED.period_start,
        period_end = EXCLUDED.period_end, mean = EXCLUDED.mean,
        lower_bound = EXCLUDED.lower_bound, upper_bound = EXCLUDED.upper_bound,
        currency = EXCLUDED.currency
    RETURNING 1
)
SELECT count(*) AS n FROM written"""
DROPPED_FORECASTS_DELETE_SQL = """
WITH gone AS (
    DELETE FROM cost_forecast_latest
    WHERE generated_on >= CAST(:month AS date) AND generated_on < CAST(:next AS date)
    RETURNING 1
)
SELECT count(*) AS n FROM gone"""


def month_of(day: str | date) -> str:
    """The first day of ``day``'s month, ISO (``day`` an ISO date or a ``date``)."""
    return f"{str(day)[:7]}-01"


def refresh(
    tx: Executor,
    account_id: str,
    months: Iterable[tuple[str, str]],
    *,
    lock_class: int,
    forecast_months: Iterable[str] = (),
    snapshot_date: str | None = None,
) -> dict[str, int]:
    """Recompute the totals of the (account, month) pairs ``months`` (months as first days),
    and the latest forecasts of ``account_id`` in ``forecast_months`` and of ``snapshot_date``
    (the file wrote forecasts), inside the file's transaction ``tx``, under the locks of those
    accounts and of ``account_id`` (``lock_class``: the pointers' lock class). Returns the rows
    written (``totals``, ``days``, ``forecasts``); nothing is done without sql/026."""
    pairs = sorted(set(months))
    forecast = sorted(set(forecast_months))
    written = {"totals": 0, "days": 0, "forecasts": 0}
    if not pairs and not forecast:
        return written
    accounts = sorted({account_id, *(a for a, _ in pairs)})
    locked = tx.execute(LOCK_SQL, {"lock_class": lock_class, "accounts": json.dumps(accounts)})
    if not locked[0]["present"]:
        return written
    if pairs:
        params = {"pairs": json.dumps([{"account_id": a, "month": m} for a, m in pairs])}
        tx.execute(DELETE_SQL, params)
        written.update(_counts(tx.execute(INSERT_SQL, params)))
    if forecast:
        written["forecasts"] = _refresh_forecasts(tx, account_id, forecast, snapshot_date)
    return written


def _refresh_forecasts(
    tx: Executor, account_id: str, months: list[str], snapshot_date: str | None
) -> int:
    gone = tx.execute(
        FORECAST_DELETE_SQL,
        {"account_id": account_id, "months": _array(months), "snapshot_date": snapshot_date},
    )
    wanted = sorted(set(months) | {str(r["month"])[:10] for r in gone})
    found = tx.execute(
        f"WITH written AS ({FORECAST_INSERT_SQL} RETURNING 1) SELECT count(*) AS n FROM written",
        {
            "account_id": account_id,
            "months": _array(wanted),
            "first": wanted[0],
            "after": _next_month(wanted[-1]),
        },
    )
    return int(found[0]["n"])


def _array(months: list[str]) -> str:
    return "{" + ",".join(months) + "}"


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12}-{number % 12 + 1:02d}-01"


def rebuild(tx: Executor, account_id: str, *, lock_class: int) -> dict[str, int]:
    """Recompute every month of one account (totals and latest forecasts) from ``cost_daily``
    and ``cost_forecasts`` (history written without the loader), under its lock. Returns the
    rows written; nothing is done without sql/026."""
    locked = tx.execute(LOCK_SQL, {"lock_class": lock_class, "accounts": json.dumps([account_id])})
    if not locked[0]["present"]:
        return {"totals": 0, "days": 0, "forecasts": 0}
    tx.execute(REBUILD_DELETE_SQL, {"account_id": account_id})
    written = _counts(tx.execute(REBUILD_INSERT_SQL, {"account_id": account_id}))
    delete, insert = FORECAST_REBUILD_ACCOUNT_STATEMENTS
    tx.execute(delete, {"account_id": account_id})
    found = tx.execute(
        f"WITH written AS ({insert} RETURNING 1) SELECT count(*) AS n FROM written",
        {"account_id": account_id},
    )
    return {**written, "forecasts": int(found[0]["n"])}


def _counts(found: list[Any]) -> dict[str, int]:
    return {"totals": int(found[0]["totals"]), "days": int(found[0]["days"])}
