"""sql/023 rewrites the security views that read history (v_security_posture,
v_guardduty_findings_current; v_critical_findings_current through it) so they read it by index:
on a varied history every one of them returns exactly the rows it returned before 023."""

from __future__ import annotations

from datetime import date
from typing import Any

from receiver.db.psycopg_executor import PsycopgExecutor
from support.dated_documents import changed, load, load_day
from support.migration_steps import contents, migrate_up_to
from support.receiver_fixtures import fixture_doc

VIEWS = [
    "v_security_posture",
    "v_guardduty_complete_collections",
    "v_guardduty_findings_current",
    "v_critical_findings_current",
    "v_securityhub_findings_current",
    "v_inspector_findings_current",
    "v_securityhub_severity_counts_current",
]
OTHER = "210987654321"


def _guardduty(status: str, region: str) -> Any:
    """The GuardDuty collector of ``region`` failed (error) or stopped early (partial)."""

    def change(doc: dict[str, Any]) -> None:
        for c in doc["collectors"]:
            if c["name"] == "guardduty_findings" and c["region"] == region:
                c["status"] = status
                c["error"] = "ThrottlingException: Rate exceeded"
        if status == "error":
            doc["data"]["guardduty_findings"] = [
                f for f in doc["data"]["guardduty_findings"] if f["region"] != region
            ]

    return change


def _no_workflow_split(doc: dict[str, Any]) -> None:
    """Security Hub counts without their workflow split (an older sender: open unknown)."""
    for c in doc["data"]["securityhub"]["severity_counts"]:
        for key in [k for k in c if k.startswith("workflow_")]:
            del c[key]


def _no_severity_counts(doc: dict[str, Any]) -> None:
    doc["data"]["securityhub"]["severity_counts"] = []


def _securityhub_error(doc: dict[str, Any]) -> None:
    for c in doc["collectors"]:
        if c["name"] == "securityhub" and c["region"] == "us-east-1":
            c["status"] = "error"
            c["error"] = "AccessDeniedException: not subscribed"
    doc["data"]["securityhub"]["findings"] = [
        f for f in doc["data"]["securityhub"]["findings"] if f["region"] != "us-east-1"
    ]
    doc["data"]["securityhub"]["severity_counts"] = [
        c for c in doc["data"]["securityhub"]["severity_counts"] if c["region"] != "us-east-1"
    ]


def _securityhub_partial(doc: dict[str, Any]) -> None:
    """Security Hub stopped early in us-east-1: partial, so it sent no counts there."""
    for c in doc["collectors"]:
        if c["name"] == "securityhub" and c["region"] == "us-east-1":
            c["status"] = "partial"
            c["error"] = "time budget exhausted"
    doc["data"]["securityhub"]["severity_counts"] = [
        c for c in doc["data"]["securityhub"]["severity_counts"] if c["region"] != "us-east-1"
    ]


def _history(pg: PsycopgExecutor) -> None:
    """Two accounts over five months: errors, partial runs, late and out-of-order files."""
    for day in (date(2026, 7, 30), date(2026, 8, 1), date(2026, 9, 15)):
        load_day(pg, day)
    load(pg, changed(date(2026, 9, 16), _guardduty("error", "eu-west-1")))
    load(pg, changed(date(2026, 9, 17), _guardduty("partial", "us-east-1")))
    load(pg, changed(date(2026, 10, 1), _no_workflow_split))
    load(pg, changed(date(2026, 10, 2), _no_severity_counts))
    load(pg, changed(date(2026, 10, 31), _securityhub_error))
    load(pg, changed(date(2026, 10, 3), _securityhub_partial))
    load_day(pg, date(2026, 9, 1))  # late: older than what was loaded
    # the same day again, collected later, with GuardDuty failing: the earlier ok run still counts
    load(pg, changed(date(2026, 9, 15), _guardduty("error", "us-east-1"), late_hours=5))
    # the other account: GuardDuty never ok in eu-west-1, then its last day only partial
    load(pg, changed(date(2026, 8, 20), _guardduty("error", "eu-west-1"), account=OTHER))
    load(pg, changed(date(2026, 11, 24), _guardduty("partial", "us-east-1"), account=OTHER))
    load_day(pg, date(2026, 11, 2), account=OTHER)
    load(pg, changed(date(2026, 11, 25), _guardduty("error", "eu-west-1"), account=OTHER))


def test_023_security_views_return_the_same_rows(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "022")
    _history(pg)
    before = contents(pg, VIEWS)
    assert all(before[v] for v in VIEWS), [v for v in VIEWS if not before[v]]

    migrate_up_to(pg, tmp_path, "023")

    assert contents(pg, VIEWS) == before


def test_030_securityhub_count_snapshots_return_the_same_rows(pg, tmp_path):
    """sql/030 probes the counts per collection: the same rows, in full, over a date range (the
    measured form) and for one account; the history has counts missing, a region in error and
    one partial without counts, a late file and a day collected twice."""
    migrate_up_to(pg, tmp_path, "029")
    _history(pg)
    views = ["v_securityhub_count_snapshots", "v_securityhub_severity_counts_current"]
    ranged = """SELECT * FROM v_securityhub_count_snapshots
                WHERE snapshot_date BETWEEN '2026-09-15' AND '2026-10-31'
                ORDER BY account_id, region, snapshot_date"""
    one = "SELECT * FROM v_securityhub_count_snapshots WHERE account_id = :a ORDER BY 2, 3"
    before = contents(pg, views), pg.execute(ranged), pg.execute(one, {"a": OTHER})
    assert all(before[0].values()) and before[1] and before[2]
    dates = {(r["region"], r["snapshot_date"].isoformat()) for r in before[1]}
    assert ("us-east-1", "2026-10-02") not in dates  # no counts sent
    assert ("us-east-1", "2026-10-03") not in dates  # partial, no counts
    assert ("eu-west-1", "2026-10-03") in dates

    migrate_up_to(pg, tmp_path, "030")

    assert (contents(pg, views), pg.execute(ranged), pg.execute(one, {"a": OTHER})) == before


def test_023_posture_keeps_every_case_it_distinguishes(pg, tmp_path):
    """The history exercises what the rewrite must keep: GuardDuty collections that failed or
    stopped early (a region's figures carried from its earlier collection), counts without a
    workflow split, a day without counts rows, Inspector findings not yet observed."""
    migrate_up_to(pg, tmp_path, "023")
    _history(pg)
    rows = {
        (r["account_id"], r["snapshot_date"].isoformat()): r
        for r in pg.execute("SELECT * FROM v_security_posture")
    }
    own = fixture_doc()["account_id"]
    assert rows[(own, "2026-09-15")]["securityhub_open_high"] == 1
    assert rows[(own, "2026-10-01")]["securityhub_open_high"] is None  # no workflow split
    assert rows[(own, "2026-10-01")]["securityhub_active_records"] == 63
    assert rows[(own, "2026-10-02")]["securityhub_active_records"] is None  # no counts rows
    # eu-west-1 failed on 09-16: its figures come from 09-15, the oldest listing date
    assert rows[(own, "2026-09-16")]["guardduty_listed_on"].isoformat() == "2026-09-15"
    assert rows[(own, "2026-09-17")]["guardduty_listed_on"].isoformat() == "2026-09-16"
    # the other account: no ok GuardDuty collection before 11-02
    assert rows[(OTHER, "2026-08-20")]["guardduty_listed_on"].isoformat() == "2026-08-20"
    assert rows[(OTHER, "2026-11-24")]["guardduty_listed_on"].isoformat() == "2026-11-02"
    assert rows[(OTHER, "2026-11-25")]["guardduty_listed_on"].isoformat() == "2026-11-24"
    # Inspector counts a finding from the day it was first observed (2026-11-02)
    assert rows[(own, "2026-10-31")]["inspector_high"] == 0
    assert rows[(OTHER, "2026-11-02")]["inspector_high"] == 1
    current = pg.execute(
        "SELECT account_id, region, snapshot_date FROM v_guardduty_findings_current "
        "WHERE account_id = :a GROUP BY 1, 2, 3 ORDER BY 2",
        {"a": OTHER},
    )
    assert [(r["region"], r["snapshot_date"].isoformat()) for r in current] == [
        ("eu-west-1", "2026-11-24"),
        ("us-east-1", "2026-11-25"),
    ]
