"""sql/024 rewrites the collection-health and compliance views that read run history
(v_report_collection_days, v_compliance_trend, v_collection_health) so a day range or one
account reads only its rows: on a varied history each returns exactly the rows it returned
before 024."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from receiver.db.psycopg_executor import PsycopgExecutor
from support.dated_documents import changed, collector_status, dated, load, load_day
from support.migration_steps import contents, migrate_up_to

VIEWS = [
    "v_report_collection_days",
    "v_compliance_trend",
    "v_collection_health",
    "v_config_complete_collections",
    "v_report_collector_issues",
    "v_ingestion_status",
]
OTHER = "210987654321"
TODAY = datetime.now(UTC).date()  # v_collection_health covers the 30 days before today
BUDGET = "time budget exhausted after 2 of 3 rules"


def _without(name: str) -> Any:
    """The sender did not report collector ``name`` at all."""

    def change(doc: dict[str, Any]) -> None:
        doc["collectors"] = [c for c in doc["collectors"] if c["name"] != name]

    return change


def _weekly(doc: dict[str, Any]) -> None:
    """A weekly run over [start, start + 7 days), collected the day after it ends."""
    start = date.fromisoformat(doc["window"]["start"])
    doc["interval"] = "WEEKLY"
    doc["window"]["end"] = (start + timedelta(days=7)).isoformat()
    doc["collected_at"] = f"{start + timedelta(days=7)}T04:03:17Z"


def _history(pg: PsycopgExecutor) -> None:
    """Two accounts over several months and the last 30 days: a Config rule list cut short by the
    time budget (alone, and completed by a later run), several runs covering one day, a weekly
    run over daily ones, a collector missing from a run, errors and skipped collectors."""
    recent = [TODAY - timedelta(days=n) for n in (25, 12, 6, 3, 2)]
    for day in (date(2026, 7, 30), date(2026, 9, 1), *recent[:2]):
        load_day(pg, day)
    # Config cut short by its time budget: this day leaves the compliance trend ...
    load(pg, changed(date(2026, 8, 10), collector_status("config", "partial", BUDGET)))
    load(pg, changed(recent[2], collector_status("config", "partial", BUDGET)))
    # ... unless another run of the day completed the rule list
    load(pg, changed(date(2026, 8, 11), collector_status("config", "partial", BUDGET)))
    load(pg, changed(date(2026, 8, 11), collector_status("config", "ok"), late_hours=3))
    # several runs of one day: a later one fails GuardDuty and lacks the IAM collector
    load(pg, changed(recent[3], collector_status("kms_keys", "error", "AccessDenied")))
    load(
        pg,
        changed(
            recent[3],
            collector_status("guardduty_findings", "error", "ThrottlingException"),
            _without("iam"),
            late_hours=4,
        ),
    )
    # a weekly run over days that also have daily runs, and over days that have none
    load(
        pg,
        changed(
            recent[4] - timedelta(days=14),
            _weekly,
            collector_status("secrets", "skipped", "not enabled"),
        ),
    )
    load(pg, changed(date(2026, 9, 3), _weekly, collector_status("config", "partial", BUDGET)))
    load_day(pg, date(2026, 9, 5))
    # the other account: an error, a partial Config run, a late file
    load(pg, changed(date(2026, 8, 20), collector_status("cost", "error", "boom"), account=OTHER))
    load(pg, changed(recent[4], collector_status("config", "partial", BUDGET), account=OTHER))
    load_day(pg, recent[1], account=OTHER)
    load_day(pg, date(2026, 8, 1), account=OTHER)  # late: older than what was loaded


def test_024_collection_views_return_the_same_rows(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "023")
    _history(pg)
    before = contents(pg, VIEWS)
    assert all(before[v] for v in VIEWS), [v for v in VIEWS if not before[v]]

    migrate_up_to(pg, tmp_path, "024")

    assert contents(pg, VIEWS) == before
    # the consumers' forms: a day range, one account
    start, end = TODAY - timedelta(days=10), TODAY
    for sql in (
        "SELECT * FROM v_report_collection_days WHERE day BETWEEN :s AND :e",
        "SELECT * FROM v_compliance_trend WHERE snapshot_date BETWEEN :s AND :e",
        "SELECT * FROM v_collection_health WHERE day BETWEEN :s AND :e",
    ):
        rows = pg.execute(sql, {"s": start, "e": end})
        assert rows and all(start <= (r.get("day") or r["snapshot_date"]) <= end for r in rows)


def test_024_keeps_every_case_it_distinguishes(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "024")
    _history(pg)
    own = dated(TODAY)["account_id"]
    trend = {
        (r["account_id"], r["snapshot_date"])
        for r in pg.execute("SELECT * FROM v_compliance_trend")
    }
    assert (own, date(2026, 8, 10)) not in trend  # cut short, nothing completed it
    assert (own, TODAY - timedelta(days=6)) not in trend
    assert (own, date(2026, 8, 11)) in trend  # a later run completed it
    assert (own, date(2026, 9, 1)) in trend
    assert (OTHER, TODAY - timedelta(days=2)) not in trend

    days = {
        (r["account_id"], r["day"]): r for r in pg.execute("SELECT * FROM v_report_collection_days")
    }
    two_runs = days[(own, TODAY - timedelta(days=3))]
    assert two_runs["run_count"] == 2
    assert two_runs["collected_at"].hour == 6  # the later run is picked
    # GuardDuty's latest status is the later run's error, KMS the later run's ok; IAM, absent
    # from the later run, keeps the earlier run's ok
    assert two_runs["collectors_error"] == 2  # both GuardDuty regions
    assert two_runs["status"] == "error"
    weekly_only = days[(own, TODAY - timedelta(days=15))]
    assert (weekly_only["interval"], weekly_only["run_count"]) == ("WEEKLY", 1)
    assert weekly_only["collectors_skipped"] >= 1
    daily_and_weekly = days[(own, date(2026, 9, 5))]
    assert (daily_and_weekly["interval"], daily_and_weekly["run_count"]) == ("DAILY", 2)

    health = {
        (r["account_id"], r["day"]): r for r in pg.execute("SELECT * FROM v_collection_health")
    }
    assert len(health) == 2 * 30
    assert health[(own, TODAY - timedelta(days=1))]["health"] == "missing"
    assert health[(own, TODAY - timedelta(days=15))]["interval"] == "WEEKLY"
    later = health[(own, TODAY - timedelta(days=3))]
    assert (later["health"], later["failed_collectors"]) == ("error", "guardduty_findings")
    assert later["run_count"] == 2
