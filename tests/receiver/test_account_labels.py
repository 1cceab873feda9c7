"""Account labels (sql/037): the sender's labels stored by the loader, one row per account and
label with the organization roster winning label by label, and cost and security grouped by
label adding up to the whole organization."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from support.dated_documents import dated, load

DAY = date(2026, 11, 24)
A, B, C = "123456789012", "210987654321", "333344445555"


@pytest.fixture
def pg(migrated_dsn: str) -> Iterator[PsycopgExecutor]:
    executor = PsycopgExecutor(migrated_dsn)
    yield executor
    executor.close()


def _doc(account: str, labels: dict[str, str] | None, ou_path: str | None = None) -> dict:
    doc = dated(DAY, account)
    if labels is None:
        del doc["data"]["account"]["labels"]  # a sender before contract 1.2
    else:
        doc["data"]["account"]["labels"] = labels
    doc["data"]["account"]["ou_path"] = ou_path
    return doc


def _roster(pg: PsycopgExecutor, account: str, tags: dict[str, str], ou_path: str) -> None:
    refresh = str(uuid.uuid4())
    pg.execute(
        "INSERT INTO organization_roster_refreshes (refresh_id, account_count, active_count,"
        " started_at) VALUES (CAST(:r AS uuid), 1, 1, now())",
        {"r": refresh},
    )
    pg.execute(
        "INSERT INTO organization_accounts (account_id, name, status, ou_id, ou_path, tags,"
        " refresh_id) VALUES (:a, 'payments-prod', 'ACTIVE', 'ou-ab12-cdef3456', :ou,"
        " CAST(:tags AS jsonb), CAST(:r AS uuid))",
        {"a": account, "ou": ou_path, "tags": json.dumps(tags), "r": refresh},
    )


def _labels(pg: PsycopgExecutor) -> set[tuple[str, str, str, str]]:
    rows = pg.execute("SELECT * FROM v_account_label_values")
    return {(r["account_id"], r["label_key"], r["label_value"], r["source"]) for r in rows}


def test_the_roster_wins_label_by_label_and_sender_labels_fill_the_rest(pg):
    load(pg, _doc(A, {"environment": "prod", "product": "Zahlungen"}))
    load(pg, _doc(B, {"environment": "dev", "team": "Données"}, "Root/Sandbox"))
    load(pg, _doc(C, None))  # an older sender: no labels at all
    _roster(pg, A, {"environment": "production", "CostCenter": "42"}, "Root/Workloads/Prod")
    assert _labels(pg) == {
        (A, "environment", "production", "roster_tag"),  # the roster's tag, not "prod"
        (A, "CostCenter", "42", "roster_tag"),
        (A, "ou_path", "Root/Workloads/Prod", "roster_ou"),
        (A, "product", "Zahlungen", "sender"),  # no such tag: the sender's label
        (B, "environment", "dev", "sender"),
        (B, "team", "Données", "sender"),
        (B, "ou_path", "Root/Sandbox", "sender_ou"),
    }
    stored = {
        r["account_id"]: r["labels"]
        for r in pg.execute("SELECT account_id, labels FROM v_accounts ORDER BY 1")
    }
    assert stored == {
        A: {"environment": "prod", "product": "Zahlungen"},
        B: {"environment": "dev", "team": "Données"},
        C: None,
    }


def test_a_file_without_labels_keeps_them_and_an_empty_map_clears_them(pg):
    load(pg, _doc(A, {"environment": "prod"}))
    load(pg, _doc(A, None))
    assert _labels(pg) == {(A, "environment", "prod", "sender")}
    load(pg, _doc(A, {}))
    assert _labels(pg) == set()


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).normalize()


def test_cost_and_security_by_label_add_up_to_the_organization(pg):
    load(pg, _doc(A, {"environment": "prod", "product": "payments"}))
    load(pg, _doc(B, {"environment": "dev"}))
    load(pg, _doc(C, {"environment": "prod"}))
    totals = {
        (r["month"], r["currency"]): r
        for r in pg.execute(
            "SELECT month, currency, sum(unblended_cost) AS unblended,"
            " sum(amortized_cost) AS amortized, count(DISTINCT account_id) AS accounts"
            " FROM cost_month_totals GROUP BY month, currency"
        )
    }
    assert totals
    by_label = pg.execute("SELECT * FROM v_cost_by_label_monthly ORDER BY 1, 2, 3, 4")
    keys = {r["label_key"] for r in by_label}
    assert keys == {"environment", "product"}
    for key in keys:
        for (month, currency), total in totals.items():
            rows = [
                r
                for r in by_label
                if r["label_key"] == key and r["month"] == month and r["currency"] == currency
            ]
            assert sum(_money(r["unblended_cost"]) for r in rows) == _money(total["unblended"])
            assert sum(r["account_count"] for r in rows) == total["accounts"]
    one = {
        (r["label_key"], r["label_value"]): r["account_count"]
        for r in by_label
        if (r["month"], r["currency"]) == next(iter(totals))
    }
    assert one == {
        ("environment", "prod"): 2,
        ("environment", "dev"): 1,
        ("product", "payments"): 1,
        ("product", None): 2,  # the accounts without the label
    }

    posture = pg.execute(
        "SELECT snapshot_date, count(*) AS accounts,"
        " sum(securityhub_open_critical) AS critical, sum(inspector_high) AS inspector_high"
        " FROM v_security_posture GROUP BY snapshot_date"
    )
    assert posture
    grouped = pg.execute("SELECT * FROM v_security_posture_by_label WHERE label_key = 'product'")
    for day in posture:
        rows = [r for r in grouped if r["snapshot_date"] == day["snapshot_date"]]
        assert {r["label_value"] for r in rows} == {"payments", None}
        assert sum(r["account_count"] for r in rows) == day["accounts"]
        assert sum(r["securityhub_open_critical"] or 0 for r in rows) == (day["critical"] or 0)
        assert sum(r["inspector_high"] for r in rows) == day["inspector_high"]
