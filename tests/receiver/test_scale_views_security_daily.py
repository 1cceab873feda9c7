"""sql/027: v_security_posture reads ``security_posture_daily``, which the loader keeps exact.

The migration's back-fill gives exactly the rows the view gave before it, on a varied history;
afterwards each file's transaction recomputes its account (late and out-of-order files, failed
collectors, Inspector findings closed later), retention refreshes every account, and a bulk
rebuild writes what the loader wrote. ``support.security_posture`` (the sql/023 definition) is
the oracle."""

from __future__ import annotations

from datetime import date
from typing import Any

from receiver import security_posture
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.partitions import maintain
from support import security_posture as oracle
from support.dated_documents import changed, dated, load, load_day
from support.migration_steps import contents, migrate_up_to
from support.receiver_fixtures import fixture_doc

OTHER = "210987654321"
OWN = fixture_doc()["account_id"]


def _guardduty(status: str, *regions: str) -> Any:
    """GuardDuty failed (error) or stopped early (partial) in ``regions``."""

    def change(doc: dict[str, Any]) -> None:
        for c in doc["collectors"]:
            if c["name"] == "guardduty_findings" and c["region"] in regions:
                c["status"] = status
                c["error"] = "ThrottlingException: Rate exceeded"
        if status == "error":
            doc["data"]["guardduty_findings"] = [
                f for f in doc["data"]["guardduty_findings"] if f["region"] not in regions
            ]

    return change


def _no_workflow_split(doc: dict[str, Any]) -> None:
    for c in doc["data"]["securityhub"]["severity_counts"]:
        for key in [k for k in c if k.startswith("workflow_")]:
            del c[key]


def _no_severity_counts(doc: dict[str, Any]) -> None:
    doc["data"]["securityhub"]["severity_counts"] = []


def _inspector_closed(doc: dict[str, Any]) -> None:
    """Inspector closed its HIGH finding (current state: it leaves every past day too)."""
    for f in doc["data"]["inspector_findings"]:
        if f["severity"] == "HIGH":
            f["status"] = "CLOSED"


def _history(pg: PsycopgExecutor) -> None:
    """Two accounts over four months: failed and partial collectors, late and out-of-order
    files, counts without a workflow split or without rows, a finding closed later."""
    for day in (date(2026, 7, 30), date(2026, 8, 1), date(2026, 9, 15)):
        load_day(pg, day)
    load(pg, changed(date(2026, 9, 16), _guardduty("error", "eu-west-1")))
    load(pg, changed(date(2026, 9, 17), _guardduty("partial", "us-east-1")))
    load(pg, changed(date(2026, 10, 1), _no_workflow_split))
    load(pg, changed(date(2026, 10, 2), _no_severity_counts))
    load_day(pg, date(2026, 9, 1))  # late: older than what was loaded
    load(pg, changed(date(2026, 9, 15), _guardduty("error", "us-east-1"), late_hours=5))
    load(pg, changed(date(2026, 8, 20), _guardduty("error", "eu-west-1"), account=OTHER))
    load(pg, changed(date(2026, 11, 24), _guardduty("partial", "us-east-1"), account=OTHER))
    load_day(pg, date(2026, 11, 2), account=OTHER)
    load(pg, changed(date(2026, 11, 25), _inspector_closed, account=OTHER))


def _posture(pg: PsycopgExecutor, account: str) -> dict[str, dict[str, Any]]:
    rows = pg.execute("SELECT * FROM security_posture_daily WHERE account_id = :a", {"a": account})
    return {r["snapshot_date"].isoformat(): r for r in rows}


def test_027_back_fills_exactly_the_rows_the_view_gave(pg, tmp_path, fresh_dsn):
    migrate_up_to(pg, tmp_path, "025")
    _history(pg)
    before = contents(pg, ["v_security_posture"])
    assert len(before["v_security_posture"]) == 12  # 8 days of one account, 4 of the other

    migrate_up_to(pg, tmp_path, "027")

    assert contents(pg, ["v_security_posture"]) == before
    assert oracle.check(fresh_dsn) == []
    columns = pg.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'v_security_posture' ORDER BY ordinal_position"
    )
    assert [c["column_name"] for c in columns] == [
        "account_id",
        "account_name",
        *security_posture.COLUMNS[1:],
    ]


def test_the_loader_keeps_the_table_exact(pg, tmp_path, fresh_dsn):
    migrate_up_to(pg, tmp_path, "027")
    _history(pg)
    assert oracle.check(fresh_dsn) == []
    own, other = _posture(pg, OWN), _posture(pg, OTHER)
    assert own["2026-10-01"]["securityhub_open_high"] is None  # no workflow split
    assert own["2026-10-02"]["securityhub_active_records"] is None  # no counts rows
    assert own["2026-09-16"]["guardduty_listed_on"] == date(2026, 9, 15)
    # the other account closed its HIGH Inspector finding on 11-25: no day counts it any more
    assert {d: r["inspector_high"] for d, r in other.items()} == dict.fromkeys(other, 0)
    assert other["2026-11-24"]["guardduty_listed_on"] == date(2026, 11, 2)


def test_a_late_guardduty_listing_changes_the_days_after_it(pg, tmp_path, fresh_dsn):
    migrate_up_to(pg, tmp_path, "027")
    load_day(pg, date(2026, 10, 10))
    load(pg, changed(date(2026, 10, 12), _guardduty("error", "eu-west-1", "us-east-1")))
    load(pg, changed(date(2026, 10, 13), _guardduty("skipped", "eu-west-1", "us-east-1")))
    assert _posture(pg, OWN)["2026-10-13"]["guardduty_listed_on"] == date(2026, 10, 10)
    untouched = _posture(pg, OWN)["2026-10-10"]["updated_at"]

    late = dated(date(2026, 10, 11))
    for f in late["data"]["guardduty_findings"]:
        f["archived"] = True  # the 10-11 listing has every finding archived
    load(pg, late)

    after = _posture(pg, OWN)
    for day in ("2026-10-11", "2026-10-12", "2026-10-13"):
        assert after[day]["guardduty_listed_on"] == date(2026, 10, 11), day
        assert (after[day]["guardduty_high"], after[day]["guardduty_low"]) == (0, 0), day
    assert after["2026-10-10"]["guardduty_high"] > 0
    assert after["2026-10-10"]["updated_at"] == untouched  # unchanged rows are not rewritten
    assert oracle.check(fresh_dsn) == []


def test_retention_refreshes_every_account(pg, tmp_path, fresh_dsn):
    migrate_up_to(pg, tmp_path, "027")
    _history(pg)
    july = _posture(pg, OWN)["2026-07-30"]
    assert july["securityhub_active_records"] is not None

    result = maintain(pg, today=date(2027, 9, 10), retention_days=400)

    assert any("_p202607" in p for p in result.dropped), result.dropped
    assert oracle.check(fresh_dsn) == []
    gone = _posture(pg, OWN).get("2026-07-30")
    assert gone is None or gone["securityhub_active_records"] is None


def test_the_bulk_rebuild_writes_what_the_loader_wrote(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "027")
    _history(pg)
    kept = pg.execute("SELECT * FROM security_posture_daily ORDER BY 1, 2")
    assert security_posture.rebuild(pg) == {"changed": 0, "deleted": 0}

    pg.execute("UPDATE security_posture_daily SET inspector_low = inspector_low + 1")
    pg.execute("DELETE FROM security_posture_daily WHERE snapshot_date = '2026-09-15'")
    pg.execute(
        "INSERT INTO security_posture_daily (account_id, snapshot_date, guardduty_high, "
        "guardduty_medium, guardduty_low, inspector_critical, inspector_high, inspector_medium, "
        "inspector_low, inspector_other) VALUES (:a, '2020-01-01', 0, 0, 0, 0, 0, 0, 0, 0)",
        {"a": OWN},
    )
    rebuilt = security_posture.rebuild(pg)

    assert rebuilt["deleted"] == 1 and rebuilt["changed"] == len(kept)
    strip = [{k: v for k, v in r.items() if k != "updated_at"} for r in kept]
    again = pg.execute("SELECT * FROM security_posture_daily ORDER BY 1, 2")
    assert [{k: v for k, v in r.items() if k != "updated_at"} for r in again] == strip
    assert strip  # a non-empty history
