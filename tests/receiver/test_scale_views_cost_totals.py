"""sql/026 (cost history read from per-month totals the loader keeps): the cost views return
exactly the rows they returned before it, text for text, over a varied history (several
accounts, months and currencies, costs of different scales and NULL costs, a day restated as
final, a day re-collected without one of its services, a late file, a forecast starting on the
1st, a forecast of a month without cost yet); the loader keeps the totals equal to cost_daily
summed, under the account's lock; the retention job drops a month's totals with its partition.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from receiver import cost_totals, loader, partitions
from receiver.db.psycopg_executor import PsycopgExecutor
from support import cost_month_totals
from support.dated_documents import dated, load
from support.migration_steps import contents, migrate_up_to

VIEWS = ["v_cost_monthly", "v_cost_by_account_monthly", "v_cost_forecast_vs_actual"]
ACCOUNT = "123456789012"
OTHER = "210987654321"
SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# where each view was last defined before 026
OLD_DEFINITIONS = {
    "v_cost_by_account_monthly": "006_views.sql",
    "v_cost_monthly": "022_monthly_partitions.sql",
    "v_cost_forecast_vs_actual": "025_cost_history.sql",
}


def _money(value: Any, factor: Decimal, places: str) -> str | None:
    if value is None:
        return None
    return f"{(Decimal(str(value)) * factor).quantize(Decimal(places)):f}"


def _document(
    day: date,
    account: str | None = None,
    factor: str = "1",
    places: str = "0.0000000001",
    **changes: Any,
) -> dict[str, Any]:
    """The fixture document of ``day``, its costs scaled to ``places``, its forecasts moved
    with the day; ``restate`` (the day before again, final), ``without`` (a service left out),
    ``euro`` (one service in EUR), ``nulls`` (NULL amortized costs), ``forecast_from`` (the
    forecasts' start) change it as their names say."""
    doc = dated(day, account)
    cost, scale = doc["data"]["cost"], Decimal(factor)
    for item in cost["daily"]:
        item["unblended_cost"] = _money(item["unblended_cost"], scale, places)
        item["amortized_cost"] = _money(item["amortized_cost"], scale, places)
        if changes.get("nulls"):
            item["amortized_cost"] = None
    if changes.get("euro"):
        cost["daily"][-1]["currency"] = "EUR"
    if changes.get("without"):
        cost["daily"] = [i for i in cost["daily"] if i["service"] != changes["without"]]
    if changes.get("restate"):
        cost["daily"] += [
            {**item, "date": (day - timedelta(days=1)).isoformat(), "estimated": False}
            for item in cost["daily"]
        ]
    start = changes.get("forecast_from", day + timedelta(days=1))
    for forecast in cost["forecast"]:
        forecast["period_start"] = start.isoformat()
        forecast["period_end"] = (
            (start.replace(day=1) + timedelta(days=32)).replace(day=1).isoformat()
        )
        forecast["mean"] = _money(forecast["mean"], scale, "0.01")
    return doc


def _history(executor: Any) -> None:
    for day, factor, places, changes in [
        (date(2026, 7, 30), "1", "0.0000000001", {}),
        (date(2026, 8, 1), "1.5", "0.01", {"forecast_from": date(2026, 8, 1)}),
        (date(2026, 8, 15), "0.7", "0.0001", {"euro": True}),
        (date(2026, 8, 16), "1.2", "0.000001", {"nulls": True}),
        (date(2026, 9, 15), "2", "0.0000000001", {}),
        (date(2026, 10, 31), "1.1", "0.001", {"restate": True}),
    ]:
        load(executor, _document(day, None, factor, places, **changes))
    # Oct 31 collected again later, without S3: its S3 row goes; a forecast of November only
    service = "Amazon Simple Storage Service"
    again = _document(date(2026, 10, 31), None, "1.3", without=service)
    again["collected_at"] = "2026-11-01T05:00:00Z"
    load(executor, again)
    load(executor, _document(date(2026, 9, 14), OTHER, "3"))
    load(executor, _document(date(2026, 9, 20), OTHER, "0.25", nulls=True))
    load(executor, _document(date(2026, 9, 10), OTHER, "5"))  # late: older than the latest
    late_forecast = _document(date(2026, 9, 30), OTHER, forecast_from=date(2026, 10, 1))
    load(executor, late_forecast)


def _disagreements(dsn: str) -> list[str]:
    return cost_month_totals.check(dsn)


def _old_views(connection: psycopg.Connection[Any]) -> None:
    """The cost views as defined before 026, in schema ``old`` (reading public's tables)."""
    connection.execute("CREATE SCHEMA old")
    connection.execute("SET search_path = old, public")
    for view, file in OLD_DEFINITIONS.items():
        text = (SQL_DIR / file).read_text(encoding="utf-8")
        found = re.search(rf"CREATE (?:OR REPLACE )?VIEW {view} AS\n(.*?);\n", text, re.S)
        assert found, (view, file)
        connection.execute(f"CREATE VIEW old.{view} AS {found[1]}")
    connection.execute("SET search_path = public")


def _same(connection: psycopg.Connection[Any], view: str) -> tuple[int, int, int]:
    """Rows only the old definition gives, rows only the view gives, rows in all."""
    old, new = (
        f"SELECT to_jsonb(t)::text FROM old.{view} t",
        f"SELECT to_jsonb(t)::text FROM {view} t",
    )
    counts = connection.execute(
        f"SELECT (SELECT count(*) FROM ({old} EXCEPT ALL {new}) a),"
        f"       (SELECT count(*) FROM ({new} EXCEPT ALL {old}) b),"
        f"       (SELECT count(*) FROM {view})"
    ).fetchone()
    assert counts is not None
    return counts


def test_026_returns_the_same_rows(pg, fresh_dsn, tmp_path):
    migrate_up_to(pg, tmp_path, "025")
    _history(pg)  # the loader writes no totals before 026
    before = contents(pg, VIEWS)
    assert all(before.values()), [v for v, rows in before.items() if not rows]

    migrate_up_to(pg, tmp_path, "026")

    assert contents(pg, VIEWS) == before
    assert _disagreements(fresh_dsn) == []  # the back-fill
    forecasts = pg.execute(
        "SELECT account_id, month, projected_month_total, forecast_mean "
        "FROM v_cost_forecast_vs_actual WHERE forecast_metric IS NOT NULL"
    )
    months = {(r["account_id"], r["month"]) for r in forecasts}
    assert {(ACCOUNT, date(2026, 8, 1)), (ACCOUNT, date(2026, 11, 1))} <= months
    # forecasts from the 1st (November's, and OTHER's October): no cost before them
    first = [(ACCOUNT, date(2026, 11, 1)), (OTHER, date(2026, 10, 1))]
    assert all(
        r["projected_month_total"] == r["forecast_mean"]
        for r in forecasts
        if (r["account_id"], r["month"]) in first
    )
    assert sum((r["account_id"], r["month"]) in first for r in forecasts) == 4


def test_the_loader_keeps_the_totals(migrated_dsn):
    executor = PsycopgExecutor(migrated_dsn)
    try:
        _history(executor)
    finally:
        executor.close()
    assert _disagreements(migrated_dsn) == []
    with psycopg.connect(migrated_dsn, autocommit=True) as connection:
        _old_views(connection)
        for view in VIEWS:
            only_old, only_new, rows = _same(connection, view)
            assert (view, only_old, only_new) == (view, 0, 0)
            assert rows > 0, view
        days = connection.execute(
            "SELECT days_with_data, service_count FROM v_cost_by_account_monthly "
            "WHERE account_id = %s AND month = '2026-08-01'",
            [ACCOUNT],
        ).fetchone()
    assert days == (3, 5)  # Aug 1, 15 and 16; five services, one of them also in EUR


def test_a_load_waits_for_the_accounts_lock_and_sees_what_the_other_committed(migrated_dsn):
    """Another load of the account (here: a session holding its lock, writing a cost day) has
    not committed: the file's totals wait for it, then sum its row too."""
    holder = psycopg.connect(migrated_dsn)
    executor = PsycopgExecutor(migrated_dsn)
    try:
        load(executor, _document(date(2026, 8, 1)))
        holder.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [loader.POINTER_LOCK_CLASS, ACCOUNT]
        )
        holder.execute(
            "INSERT INTO cost_daily (account_id, usage_date, service, unblended_cost, currency) "
            "VALUES (%s, '2026-08-20', 'Other concurrent service', 7.5, 'USD')",
            [ACCOUNT],
        )
        done: list[Any] = []
        worker = threading.Thread(
            target=lambda: done.append(load(executor, _document(date(2026, 8, 2))))
        )
        worker.start()
        time.sleep(1.0)
        assert not done, "the load did not wait for the account's lock"
        with holder.cursor() as cursor:  # what the other load's own refresh would write
            cursor.execute(
                cost_totals.REBUILD_DELETE_SQL.replace(":account_id", "%(a)s"), {"a": ACCOUNT}
            )
            cursor.execute(
                cost_totals.REBUILD_INSERT_SQL.replace(":account_id", "%(a)s"), {"a": ACCOUNT}
            )
        holder.commit()
        worker.join(30)
        assert done
    finally:
        holder.close()
        executor.close()
    assert _disagreements(migrated_dsn) == []
    with psycopg.connect(migrated_dsn) as connection:
        row = connection.execute(
            "SELECT days, last_day FROM cost_month_totals WHERE account_id = %s "
            "AND month = '2026-08-01' AND service = 'Other concurrent service'",
            [ACCOUNT],
        ).fetchone()
    assert row == (1, date(2026, 8, 20))


def test_retention_drops_a_months_totals_with_its_partition(migrated_dsn):
    executor = PsycopgExecutor(migrated_dsn)
    try:
        _history(executor)
        today = date(2026, 8, 1) + timedelta(days=400)  # cutoff Aug 1: July goes, August stays
        done = partitions.maintain(executor, today=today, retention_days=400)
        assert "cost_daily_p202607" in done.dropped
        months = executor.execute(
            "SELECT DISTINCT month, rolled_up FROM v_cost_monthly WHERE account_id = :a ORDER BY 1",
            {"a": ACCOUNT},
        )
        assert months[0] == {"month": date(2026, 7, 1), "rolled_up": True}
        assert all(not m["rolled_up"] for m in months[1:])
        left = executor.execute(
            "SELECT count(*) AS n FROM cost_month_totals WHERE month < '2026-08-01'"
        )
        assert left == [{"n": 0}]
        assert _disagreements(migrated_dsn) == []
        # a late file of July: DEFAULT; its month is summed again, cost_monthly still answers
        load(executor, _document(date(2026, 7, 20), None, "9"))
        assert (
            executor.execute(
                "SELECT count(*) AS n FROM cost_month_totals WHERE month = '2026-07-01'"
            )[0]["n"]
            > 0
        )
        july = executor.execute(
            "SELECT DISTINCT rolled_up FROM v_cost_monthly WHERE month = '2026-07-01'"
        )
        assert july == [{"rolled_up": True}]
    finally:
        executor.close()
    assert _disagreements(migrated_dsn) == []


@pytest.mark.parametrize("account", [ACCOUNT, OTHER])
def test_rebuild_repairs_cost_written_without_the_loader(migrated_dsn, account):
    executor = PsycopgExecutor(migrated_dsn)
    try:
        _history(executor)
        executor.execute(
            "UPDATE cost_daily SET unblended_cost = unblended_cost * 2 WHERE account_id = :a",
            {"a": account},
        )
        assert _disagreements(migrated_dsn) != []
        with executor.transaction() as tx:
            written = loader.rebuild_cost_totals(tx, account)
        assert written["totals"] > 0 and written["days"] > 0
    finally:
        executor.close()
    assert _disagreements(migrated_dsn) == []
