"""Compute Optimizer savings in the receiver (issue 17, item 7): ``savings_basis`` says whether a
saving is priced after Savings Plans / RI discounts or at On-Demand prices; older senders'
documents (no field: savingsOpportunity, On-Demand) load as ``on_demand``. Real PostgreSQL,
through psycopg and the Data API double.
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


def load(db: Db, doc: dict[str, Any]) -> None:
    ref = FileRef("analytics", data_key(doc), "v1", account_id=doc["account_id"])
    load_bytes(db.executor, ref, gzipped(doc), expected_account=doc["account_id"], limits=Limits())


def bases(db: Db) -> dict[str, tuple[str | None, Decimal | None]]:
    rows = db.query(
        "SELECT resource_type, savings_basis, estimated_monthly_savings "
        "FROM v_compute_optimizer_recommendations_current"
    )
    return {r["resource_type"]: (r["savings_basis"], r["estimated_monthly_savings"]) for r in rows}


def test_savings_basis_is_stored_and_shown(db):
    load(db, only(fixture_doc(), "account", "compute_optimizer"))
    assert bases(db) == {
        "EC2": ("after_discounts", Decimal("70.08")),
        "EBS": ("on_demand", Decimal("10.00")),
        "LAMBDA": (None, None),  # no saving, no basis
        "ASG": ("on_demand", Decimal("-61.32")),
    }
    (ec2,) = db.query(
        "SELECT description FROM v_savings_opportunities "
        "WHERE source = 'compute_optimizer' AND description LIKE 'EC2%'"
    )
    assert ec2["description"].endswith("(after discounts)")
    titles = {
        r["category"]: r["title"]
        for r in db.query("SELECT category, title FROM v_report_savings_current")
    }
    assert titles["EBS"].endswith("(On-Demand prices)")


def test_an_older_senders_savings_are_on_demand(db):
    doc = only(fixture_doc(), "account", "compute_optimizer")
    for item in doc["data"]["compute_optimizer"]:
        del item["savings_basis"]
    load(db, doc)
    assert {kind: basis for kind, (basis, _) in bases(db).items()} == {
        "EC2": "on_demand",
        "EBS": "on_demand",
        "LAMBDA": None,
        "ASG": "on_demand",
    }
