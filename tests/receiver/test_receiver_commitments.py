"""Commitments in the receiver (issue 17, items 2 and 3): one RI row per reservation service,
coverage rows of accounts that own no commitment, and views whose coverage covers them all.

Documents go through the production loader into a real PostgreSQL (psycopg and the Data API
double); older senders' documents, whose RI rows have no ``service``, still load, as EC2.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from receiver.loader import FileRef
from receiver.receive import Limits, load_bytes
from support.receiver_fixtures import (
    Db,
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    only,
)
from support.receiver_fixtures import gz as gzipped

EC2 = "Amazon Elastic Compute Cloud - Compute"
RDS = "Amazon Relational Database Service"
MEMBER = "210987654321"


def load(db: Db, doc: dict[str, Any]) -> Any:
    ref = FileRef("analytics", data_key(doc), "v1", account_id=doc["account_id"])
    return load_bytes(
        db.executor, ref, gzipped(doc), expected_account=doc["account_id"], limits=Limits()
    )


def stored(db: Db, account: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = db.query(
        "SELECT * FROM commitment_utilization WHERE account_id = %s ORDER BY kind, service",
        (account,),
    )
    return {(r["kind"], r["service"]): r for r in rows}


def member_document() -> dict[str, Any]:
    """A member account that owns nothing: covered by the payer's plan and reservations."""
    doc = only(fixture_doc(), "account", "commitments")
    doc["account_id"] = doc["data"]["account"]["account_id"] = MEMBER
    common = {"period_start": "2026-11-24", "period_end": "2026-11-25", "currency": "USD"}
    empty = dict.fromkeys(
        ("utilization_pct", "commitment", "used", "unused", "net_savings", "on_demand_equivalent")
    )
    doc["data"]["commitments"] = [
        {
            "kind": "RI",
            "service": EC2,
            **common,
            **empty,
            "coverage_pct": "50",
            "coverage_covered": "24",
            "coverage_eligible": "48",
        },
        {
            "kind": "SP",
            "service": None,
            **common,
            **empty,
            "coverage_pct": "80",
            "coverage_covered": "30.72",
            "coverage_eligible": "38.40",
        },
    ]
    return doc


def test_reservations_per_service_and_shared_coverage_load_and_add_up(db):
    payer = fixture_doc()
    load(db, payer)
    load(db, member_document())
    rows = stored(db, payer["account_id"])
    assert set(rows) == {("RI", EC2), ("RI", RDS), ("SP", "")}
    assert rows[("RI", RDS)]["commitment"] == Decimal("3.84")
    assert rows[("RI", EC2)]["coverage_eligible"] == Decimal("574.42")
    member = stored(db, MEMBER)
    assert member[("SP", "")]["commitment"] is None and member[("SP", "")]["coverage_pct"] == 80
    by_kind = {
        r["kind"]: r
        for r in db.query(
            "SELECT * FROM v_report_commitment_utilization WHERE period_start = '2026-11-24'"
        )
    }
    # coverage over every account with coverage (the member's too), weighted by usage
    assert by_kind["RI"]["accounts"] == 2 and by_kind["RI"]["owning_accounts"] == 1
    ri_hours = (Decimal("236.66") + 24 + 24) / (Decimal("574.42") + 24 + 48)
    assert by_kind["RI"]["coverage_pct"] == round(100 * ri_hours, 2)
    sp_spend = (Decimal(96) + Decimal("30.72")) / (Decimal("150.71") + Decimal("38.40"))
    assert by_kind["SP"]["coverage_pct"] == round(100 * sp_spend, 2)
    # utilization: the owner's commitments only (52.56 + 3.84 committed, 51.83 + 3.84 used)
    assert by_kind["RI"]["utilization_pct"] == round(100 * Decimal("55.67") / Decimal("56.40"), 2)
    services = db.query(
        "SELECT service, accounts, commitment, coverage_pct FROM v_report_commitment_services "
        "WHERE kind = 'RI' ORDER BY service"
    )
    assert [(s["service"], s["accounts"]) for s in services] == [(EC2, 2), (RDS, 1)]
    assert services[1]["coverage_pct"] == 100
    savings = db.query(
        "SELECT item_id, description FROM v_savings_opportunities WHERE source = 'commitment'"
    )
    assert savings == [
        {
            "item_id": f"RI {EC2}",
            "description": f"Unused Reserved Instance commitment for {EC2} (98.6% utilized)",
        }
    ]


def test_an_older_senders_reservation_row_is_ec2(db):
    """Before issue 17 RI rows had no service; Cost Explorer answered them for EC2."""
    doc = fixture_doc()
    for item in doc["data"]["commitments"]:
        for field in ("service", "coverage_covered", "coverage_eligible"):
            item.pop(field, None)
    doc["data"]["commitments"] = [
        c for c in doc["data"]["commitments"] if c["commitment"] != "3.84"
    ]
    load(db, doc)
    rows = stored(db, doc["account_id"])
    assert set(rows) == {("RI", EC2), ("SP", "")}
    assert rows[("RI", EC2)]["coverage_eligible"] is None
    (ri,) = db.query("SELECT coverage_pct FROM v_report_commitment_utilization WHERE kind = 'RI'")
    assert ri["coverage_pct"] == Decimal("41.20")  # no amounts: the mean of percentages
