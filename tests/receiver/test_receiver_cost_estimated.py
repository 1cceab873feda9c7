"""Estimated cost days: the receiver stores Cost Explorer's flag per cost_daily row, and a later
run that re-collected a day replaces that day's rows for the account: amounts and flags are
refreshed, and a service that vanished (zeroed by a credit) loses its row (issue 17 item 1)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from receiver.loader import FileRef
from receiver.receive import Limits, load_bytes
from report import build_report
from support.organization_billing import DATADOG, DEV, PAYER, PROD
from support.receiver_fixtures import (
    Db,
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
    only,
)
from support.report_html import kpi, parse, table_rows

EC2 = "Amazon Elastic Compute Cloud - Compute"
S3 = "Amazon Simple Storage Service"


def load(db: Db, doc: dict[str, Any], payers: frozenset[str] = frozenset()) -> Any:
    ref = FileRef("analytics", data_key(doc), "v1", account_id=doc["account_id"])
    limits = Limits(organization_cost_accounts=payers)
    result = load_bytes(
        db.executor, ref, gz(doc), expected_account=doc["account_id"], limits=limits
    )
    assert result.status == "loaded", result.error
    return result


def row(day: str, service: str, cost: str, estimated: bool | None, **extra: Any) -> dict:
    item = {"date": day, "service": service, "unblended_cost": cost, "amortized_cost": cost}
    item |= {"currency": "USD", **extra}
    return item if estimated is None else {**item, "estimated": estimated}


def daily_run(window_start: str, window_end: str, rows: list[dict], status: str = "ok") -> dict:
    """A scheduled DAILY document with only the cost section (its daily rows)."""
    doc = only(fixture_doc(), "cost")
    doc["window"] = {"start": window_start, "end": window_end}
    doc["collected_at"] = f"{window_end}T02:03:17Z"
    doc["data"]["cost"] = {"daily": rows}
    doc["collectors"] = [{**c, "status": status} for c in doc["collectors"]]
    return doc


def stored(db: Db, account: str = "123456789012") -> dict[tuple[str, str], tuple]:
    rows = db.query(
        "SELECT usage_date::text AS day, service, unblended_cost, estimated FROM cost_daily"
        " WHERE account_id = %s ORDER BY 1, 2",
        (account,),
    )
    return {(r["day"], r["service"]): (r["unblended_cost"], r["estimated"]) for r in rows}


def test_flags_are_stored_and_a_later_final_document_replaces_the_days(db):
    first = daily_run(
        "2026-11-29",
        "2026-11-30",
        [
            row("2026-11-28", EC2, "110.4", True),
            row("2026-11-28", S3, "12.34", True),
            row("2026-11-29", EC2, "110.4", True),
            row("2026-11-29", S3, "12.34", True),
        ],
    )
    load(db, first)
    assert stored(db) == {
        ("2026-11-28", EC2): (Decimal("110.4"), True),
        ("2026-11-28", S3): (Decimal("12.34"), True),
        ("2026-11-29", EC2): (Decimal("110.4"), True),
        ("2026-11-29", S3): (Decimal("12.34"), True),
    }
    # the next day's run re-collected both days: 28 November is final now, and a credit zeroed
    # S3 on 29 November (Cost Explorer no longer lists it); 30 November is new and estimated
    later = daily_run(
        "2026-11-30",
        "2026-12-01",
        [
            row("2026-11-28", EC2, "104.9", False),
            row("2026-11-28", S3, "12.34", False),
            row("2026-11-29", EC2, "104.9", True),
            row("2026-11-30", EC2, "98.1", True),
        ],
    )
    result = load(db, later)
    assert stored(db) == {
        ("2026-11-28", EC2): (Decimal("104.9"), False),
        ("2026-11-28", S3): (Decimal("12.34"), False),
        ("2026-11-29", EC2): (Decimal("104.9"), True),
        ("2026-11-30", EC2): (Decimal("98.1"), True),
    }
    assert result.removed["cost_daily"] == 1
    view = db.query(
        "SELECT usage_date::text AS day, estimated FROM v_report_cost_daily"
        " WHERE service = %s ORDER BY 1",
        (EC2,),
    )
    assert [(v["day"], v["estimated"]) for v in view] == [
        ("2026-11-28", False),
        ("2026-11-29", True),
        ("2026-11-30", True),
    ]


def test_an_older_document_loads_as_unknown_and_a_partial_one_deletes_nothing(db):
    load(db, daily_run("2026-11-29", "2026-11-30", [row("2026-11-29", EC2, "1", None)]))
    assert stored(db) == {("2026-11-29", EC2): (Decimal("1"), None)}
    load(db, daily_run("2026-11-29", "2026-11-30", [row("2026-11-29", S3, "2", True)]))
    assert stored(db) == {("2026-11-29", S3): (Decimal("2"), True)}  # ok: the day is replaced
    partial = daily_run("2026-11-29", "2026-11-30", [row("2026-11-29", EC2, "3", True)], "partial")
    load(db, partial)
    assert stored(db) == {
        ("2026-11-29", EC2): (Decimal("3"), True),
        ("2026-11-29", S3): (Decimal("2"), True),
    }
    # a window day without any row any more (everything credited): emptied by an ok run
    load(db, daily_run("2026-11-29", "2026-11-30", []))
    assert stored(db) == {}


def test_organization_mode_replaces_the_days_of_each_account(db):
    doc = fixture_doc("organization-daily")
    payers = frozenset({PAYER})
    load(db, doc, payers)
    assert set(stored(db, DEV)) == {("2026-11-24", EC2), ("2026-11-24", S3)}
    later = copy.deepcopy(doc)
    later["run_id"] = "0d7b6f9e-3c1a-4e25-8b6d-2f4a9c1e7b30"
    later["collected_at"] = "2026-11-26T02:00:41+00:00"
    # DEV's S3 vanished from 24 November; the rows now carry Cost Explorer's flag
    later["data"]["cost"]["daily"] = [
        {**r, "estimated": False}
        for r in doc["data"]["cost"]["daily"]
        if (r["account_id"], r["service"]) != (DEV, S3)
    ]
    load(db, later, payers)
    assert stored(db, DEV) == {("2026-11-24", EC2): (Decimal("20.932"), False)}
    assert set(stored(db, PROD)) == {("2026-11-24", EC2), ("2026-11-24", DATADOG)}
    assert all(flag is False for _, flag in stored(db, PROD).values())


def test_the_report_says_which_days_are_still_estimated(db):
    load(
        db,
        daily_run(
            "2026-11-29",
            "2026-11-30",
            [row(f"2026-11-{d:02d}", EC2, "10", d >= 27) for d in range(20, 30)],
        ),
    )
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    page = parse(build_report(db.executor, days=10, now=now).html)
    assert kpi(page, "total-cost") == "100"
    assert "3 of 10 days still estimated" in page.by_id("kpi-total-cost").all_text()
    note = page.by_id("cost-estimated").all_text()
    assert note.startswith("3 of 10 days of the period") and "still estimated" in note
    (november,) = table_rows(page, "forecast")
    assert november[6] == "3"  # the month's actual so far includes 3 estimated days
