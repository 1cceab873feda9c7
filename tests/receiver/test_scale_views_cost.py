"""sql/025 (cost and savings views read history set-based) returns exactly the rows the views
returned before it, over a varied history: several accounts, months and forecasts, a late file,
a day's cost restated as final, a Compute Optimizer collector in error (the pointer stays on the
day before), a day without Trusted Advisor, and a latest commitment period without unused
commitment (the older one is an opportunity, not a current one)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from receiver.db.psycopg_executor import PsycopgExecutor
from support.dated_documents import dated, load
from support.migration_steps import contents, migrate_up_to

VIEWS_025 = [
    "v_cost_forecast_vs_actual",
    "v_savings_sources",
    "v_savings_opportunities",
    "v_report_savings_current",
]
OTHER = "210987654321"


def _scaled(value: Any, factor: Decimal) -> str:
    return f"{(Decimal(str(value)) * factor).quantize(Decimal('0.0000000001')):f}"


def _document(day: date, account: str | None = None, factor: str = "1", **changes: bool) -> Any:
    """The fixture document of ``day``, its costs scaled, its forecast and commitment periods
    moved with the day; ``co_error``, ``no_trusted_advisor``, ``no_unused``, ``restate``
    change it as their names say."""
    doc = dated(day, account)
    data, scale = doc["data"], Decimal(factor)
    for item in data["cost"]["daily"]:
        item["unblended_cost"] = _scaled(item["unblended_cost"], scale)
        item["amortized_cost"] = _scaled(item["amortized_cost"], scale)
    if changes.get("restate"):  # the day before, final this time
        data["cost"]["daily"] += [
            {**item, "date": (day - timedelta(days=1)).isoformat(), "estimated": False}
            for item in data["cost"]["daily"]
        ]
    next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    for forecast in data["cost"]["forecast"]:
        forecast["period_start"] = (day + timedelta(days=1)).isoformat()
        forecast["period_end"] = next_month.isoformat()
        forecast["mean"] = _scaled(forecast["mean"], scale)
    for commitment in data["commitments"]:
        commitment["period_start"] = day.isoformat()
        commitment["period_end"] = (day + timedelta(days=1)).isoformat()
        if changes.get("no_unused"):
            commitment["unused"] = "0"
    for collector in doc["collectors"]:
        if collector["name"] == "compute_optimizer" and changes.get("co_error"):
            collector.update(status="error", error="ThrottlingException", item_count=0)
            data["compute_optimizer"] = []
        if collector["name"] == "trusted_advisor_checks" and changes.get("no_trusted_advisor"):
            collector.update(status="error", error="SubscriptionRequiredException", item_count=0)
            data["trusted_advisor_checks"] = []
    return doc


def _history(pg: PsycopgExecutor) -> None:
    for day, factor in [
        (date(2026, 7, 30), "1"),
        (date(2026, 8, 1), "1.5"),
        (date(2026, 8, 15), "0.7"),
        (date(2026, 9, 15), "2"),
    ]:
        load(pg, _document(day, factor=factor))
    load(pg, _document(date(2026, 10, 31), factor="1.1", restate=True, no_unused=True))
    load(pg, _document(date(2026, 9, 14), OTHER, "3"))
    load(pg, _document(date(2026, 9, 20), OTHER, "0.25", co_error=True, no_trusted_advisor=True))
    load(pg, _document(date(2026, 9, 10), OTHER, "5"))  # late: older than the latest


def test_025_returns_the_same_rows(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "024")
    _history(pg)
    before = contents(pg, VIEWS_025)
    assert all(before.values()), [v for v, rows in before.items() if not rows]

    migrate_up_to(pg, tmp_path, "025")

    assert contents(pg, VIEWS_025) == before
    rows = pg.execute(
        "SELECT source, account_id, as_of FROM v_report_savings_current ORDER BY 1, 2, 3"
    )
    current = {(r["source"], r["account_id"]): r["as_of"] for r in rows}
    # the pointer semantics: Compute Optimizer in error keeps the day before, Trusted Advisor too
    assert current[("compute_optimizer", OTHER)] == date(2026, 9, 14)
    assert current[("trusted_advisor", OTHER)] == date(2026, 9, 14)
    assert current[("compute_optimizer", "123456789012")] == date(2026, 10, 31)
    # the latest commitment period has nothing unused: no current commitment item for the account
    assert ("commitment", "123456789012") not in current
    assert ("commitment", OTHER) in current
    projected = pg.execute(
        "SELECT month, forecast_metric, projected_month_total FROM v_cost_forecast_vs_actual "
        "WHERE account_id = '123456789012' AND forecast_metric IS NOT NULL ORDER BY 1, 2"
    )
    assert {r["month"] for r in projected} >= {date(2026, 8, 1), date(2026, 11, 1)}


def test_025_current_savings_are_the_sources_current_rows(pg, tmp_path):
    """v_report_savings_current spells its branches out again (current snapshots only); it must
    stay v_savings_sources restricted to is_current."""
    migrate_up_to(pg, tmp_path, "025")
    _history(pg)
    columns = (
        "source, account_id, account_name, as_of, item_id, title, category, finding, "
        "resources_flagged, estimated_monthly_savings, currency"
    )
    difference = pg.execute(
        f"""SELECT count(*) AS n FROM (
              (SELECT {columns} FROM v_savings_sources WHERE is_current
               EXCEPT ALL SELECT * FROM v_report_savings_current)
              UNION ALL
              (SELECT * FROM v_report_savings_current
               EXCEPT ALL SELECT {columns} FROM v_savings_sources WHERE is_current)) d"""
    )
    assert difference == [{"n": 0}]
    sources = pg.execute("SELECT DISTINCT source FROM v_report_savings_current ORDER BY 1")
    assert [r["source"] for r in sources] == ["commitment", "compute_optimizer", "trusted_advisor"]


def test_031_the_savings_history_reads_trusted_advisor_from_its_covering_index(pg, tmp_path):
    """sql/031's partial index holds every column v_savings_sources reads from
    trusted_advisor_checks: with sequential scans discouraged, a date range is an index-only
    scan of it (a column added to the view's Trusted Advisor branch and not to the index fails
    here), and the rows are the same as read from the table."""
    migrate_up_to(pg, tmp_path, "031")
    for n in range(3):
        load(pg, _document(date(2026, 11, 20) + timedelta(days=n)))
    ranged = """SELECT * FROM v_savings_sources
                WHERE source = 'trusted_advisor' AND period_start BETWEEN :s AND :e
                ORDER BY account_id, period_start, item_id"""
    window = {"s": date(2026, 11, 20), "e": date(2026, 11, 21)}
    read = pg.execute(ranged, window)
    assert read and {r["period_start"] for r in read} == {date(2026, 11, 20), date(2026, 11, 21)}
    pg.execute("SET enable_seqscan = off")
    pg.execute("SET enable_bitmapscan = off")
    plan = "\n".join(r["QUERY PLAN"] for r in pg.execute("EXPLAIN (COSTS OFF) " + ranged, window))
    children = {
        r["name"]
        for r in pg.execute(
            """SELECT i.inhrelid::regclass::text AS name FROM pg_inherits i
               WHERE i.inhparent = 'trusted_advisor_checks_savings_idx'::regclass"""
        )
    }
    scans = re.findall(r"Index Only Scan using (\S+) on trusted_advisor_checks_\w+", plan)
    assert scans and set(scans) <= children, plan
    assert pg.execute(ranged, window) == read
