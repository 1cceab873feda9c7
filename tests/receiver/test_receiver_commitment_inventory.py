"""The commitments inventory in the receiver (issue 14 item 4, sql/034): every field lands,
Savings Plans are the global slice, and v_commitments_expiring answers "what expires in the
next 30, 60 or 90 days and what does it cover".

Documents go through the production loader into a real PostgreSQL (psycopg and Data API).
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from receiver.tables import BY_NAME
from support.receiver_fixtures import (
    Db,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    load_doc,
    only,
    shifted,
)

SNAPSHOT = "2026-11-24"  # the fixture's window is 2026-11-24


def inventory_doc() -> dict[str, Any]:
    return only(fixture_doc(), "account", "commitment_inventory")


def _same(expected: Any, stored: Any) -> bool:
    if expected is None:
        return stored in (None, "")
    if isinstance(stored, Decimal):
        return stored == Decimal(str(expected))
    if isinstance(stored, date) and not hasattr(stored, "hour"):
        return stored == date.fromisoformat(expected)
    if hasattr(stored, "isoformat"):
        return stored.isoformat().replace("+00:00", "Z") == expected
    return expected == stored


def test_every_commitment_lands_field_by_field(db: Db):
    doc = inventory_doc()
    assert load_doc(db, doc).status == "loaded"
    items = doc["data"]["commitment_inventory"]
    key = ("service", "region", "commitment_id")
    rows = {tuple(r[k] for k in key): r for r in db.query("SELECT * FROM commitment_inventory")}
    assert len(rows) == len(items) == 4
    for item in items:
        row = rows[(item["service"], item["region"] or "", item["commitment_id"])]
        assert str(row["snapshot_date"]) == SNAPSHOT
        for column in BY_NAME["commitment_inventory"].column_names:
            assert _same(item[column], row[column]), (column, item[column], row[column])
    plan = rows[("SavingsPlans", "", "3f8a1c2e-7b4d-4e9f-a1c3-5d6e7f8a9b0c")]
    assert plan["plan_region"] == "eu-west-1"  # where it applies; region '' = the global task
    current = db.query("SELECT service, region FROM v_commitment_inventory_current")
    assert len(current) == 4


def test_expiring_commitments_by_30_60_90_days_with_what_they_cover(db: Db):
    doc = inventory_doc()
    data = doc["data"]["commitment_inventory"]
    queued = copy.deepcopy(data[0])  # queued: not active, never "expiring"
    queued.update(commitment_id="queued-ri", state="queued", end_at="2026-12-01T00:00:00Z")
    data.append(queued)
    assert load_doc(db, doc).status == "loaded"
    rows = db.query(
        "SELECT service, region, commitment_id, days_left, expires_within_days, covers,"
        " utilization_pct FROM v_commitments_expiring ORDER BY days_left"
    )
    assert [
        (r["service"], r["days_left"], r["expires_within_days"], r["covers"]) for r in rows
    ] == [
        # 2026-12-20 is 26 days after the snapshot date 2026-11-24
        ("SavingsPlans", 26, 30, "EC2Instance Savings Plan 1.8 USD/hour (m6i in eu-west-1)"),
        ("OpenSearch", 42, 60, "OpenSearch 3 x r6g.large.search in us-east-1"),
        ("RDS", 83, 90, "RDS 2 x db.r6g.large postgresql Multi-AZ in eu-west-1"),
    ]  # EC2 ends in 2028; the queued one is not active
    assert rows[0]["region"] == "" and rows[2]["utilization_pct"] == Decimal("100")


def test_a_failed_global_task_keeps_the_savings_plans_while_regions_move_on(db: Db):
    """Savings Plans are the '' slice: a later run whose global task failed replaces the
    reservations of its ok regions and keeps the last good plans current."""
    first = inventory_doc()
    assert load_doc(db, first).status == "loaded"
    later = shifted(first, 1)
    later["data"]["commitment_inventory"] = [
        i for i in later["data"]["commitment_inventory"] if i["kind"] == "RI"
    ]
    for entry in later["collectors"]:
        if entry["name"] == "commitment_inventory" and entry["region"] is None:
            entry.update(status="error", error="ThrottlingException: Rate exceeded", item_count=0)
    assert load_doc(db, later).status == "loaded"
    current = sorted(
        (r["service"], str(r["snapshot_date"]))
        for r in db.query("SELECT service, snapshot_date FROM v_commitment_inventory_current")
    )
    assert current == [
        ("EC2", "2026-11-25"),
        ("OpenSearch", "2026-11-25"),
        ("RDS", "2026-11-25"),
        ("SavingsPlans", SNAPSHOT),
    ]
