"""Organization cost mode end to end: a management account's document carries every linked
account's Cost Explorer rows; the receiver files them under each account, exactly as those
accounts' own senders would have, and only when the sender is a listed payer.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contract import ContractError, load_schema, validate_document
from contract.validation import ORGANIZATION_COST_PARTS
from receiver.loader import FileRef
from receiver.receive import Limits, load_bytes
from receiver.settings import ConfigurationError, ReceiverSettings, organization_cost_accounts
from receiver.tables import ORGANIZATION_COST
from support.organization_billing import DATADOG, DEV, PAYER, PROD, run
from support.receiver_fixtures import (
    Db,
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
)

COST_TABLES = {
    "cost_daily": "usage_date, service",
    "cost_period_totals": "kind, period_start, period_end",
    "service_usage": "usage_date, service, usage_type, unit",
    "marketplace_usage": "usage_date, product, usage_type",
    "commitment_utilization": "kind, service, period_start, period_end",
}
PAYERS = Limits(organization_cost_accounts=frozenset({PAYER}))


def load(db: Db, doc: dict[str, Any], limits: Limits = PAYERS) -> Any:
    ref = FileRef("analytics", data_key(doc), "v1", account_id=doc["account_id"])
    return load_bytes(db.executor, ref, gz(doc), expected_account=doc["account_id"], limits=limits)


def stored(db: Db) -> dict[str, list[dict[str, Any]]]:
    """The cost tables as a user reads them (without the bookkeeping columns)."""
    tables = {}
    for table, key in COST_TABLES.items():
        rows = db.query(f"SELECT * FROM {table} ORDER BY account_id, {key}")
        tables[table] = [
            {
                k: v
                for k, v in row.items()
                if k not in ("ingestion_id", "first_loaded_at", "last_loaded_at")
            }
            for row in rows
        ]
    return tables


def test_the_fixture_loads_under_each_account(db):
    doc = fixture_doc("organization-daily")
    result = load(db, doc)
    assert result.status == "loaded", result.error
    per_account = db.query(
        "SELECT account_id, count(*) AS n FROM cost_daily GROUP BY account_id ORDER BY account_id"
    )
    assert [(r["account_id"], r["n"]) for r in per_account] == [(PAYER, 1), (DEV, 2), (PROD, 2)]
    assert result.rows["cost_daily"] == 5 and result.rows["cost_period_totals"] == 9
    marketplace = db.query("SELECT account_id, product FROM marketplace_usage")
    assert marketplace == [{"account_id": PROD, "product": DATADOG}]
    accounts = db.query("SELECT account_id FROM accounts ORDER BY account_id")
    assert [a["account_id"] for a in accounts] == [PAYER, DEV, PROD]  # the foreign keys exist
    forecasts = db.query(
        "SELECT account_id, generated_on::text, metric, mean FROM organization_cost_forecasts"
        " ORDER BY metric"
    )
    assert [(f["account_id"], f["metric"], str(f["mean"])) for f in forecasts] == [
        (PAYER, "AMORTIZED_COST", "1712"),
        (PAYER, "UNBLENDED_COST", "1790.33"),
    ]
    assert db.query("SELECT count(*) AS n FROM cost_forecasts")[0]["n"] == 0


def test_a_document_from_an_account_that_is_not_a_payer_fails_with_its_reason(db):
    doc = fixture_doc("organization-daily")
    result = load(db, doc, Limits(organization_cost_accounts=frozenset({"999999999999"})))
    assert result.status == "failed"
    assert result.error.kind == "organization_cost"
    assert result.error.field == "/data/cost/daily/1/account_id"  # the first other account's row
    assert PAYER in result.error.reason and "ORGANIZATION_COST_ACCOUNTS" in result.error.reason
    assert db.counts() == {}  # nothing written
    (ingestion,) = db.query("SELECT status, error FROM ingestions")
    assert ingestion["status"] == "failed" and "organization_cost" in ingestion["error"]
    # no payer configured at all: the same
    assert load(db, doc, Limits()).error.kind == "organization_cost"


def test_own_rows_in_organization_mode_need_no_permission(db):
    doc = fixture_doc("organization-daily")
    for part in ("daily", "totals"):
        doc["data"]["cost"][part] = [
            r for r in doc["data"]["cost"][part] if r["account_id"] == PAYER
        ]
    doc["data"]["service_usage"] = doc["data"]["marketplace_usage"] = []
    doc["data"]["commitments"] = [c for c in doc["data"]["commitments"] if c["account_id"] == PAYER]
    result = load(db, doc, Limits())
    assert result.status == "loaded", result.error
    assert {r["account_id"] for r in db.query("SELECT account_id FROM cost_period_totals")} == {
        PAYER
    }


def test_rows_naming_accounts_need_the_organization_mode():
    doc = fixture_doc("organization-daily")
    del doc["cost_mode"]
    with pytest.raises(ContractError) as info:
        validate_document(doc)
    paths = {v.path for v in info.value.errors}
    assert "/data/cost/organization_forecast" in paths
    assert "/data/cost/daily/0/account_id" in paths and "/data/commitments/0/account_id" in paths
    member = fixture_doc("full-daily")
    member["data"]["cost"]["daily"][0]["account_id"] = PROD  # a member speaking for another
    with pytest.raises(ContractError, match="cost_mode 'organization'"):
        validate_document(member)


def test_organization_mode_loads_exactly_what_the_account_mode_senders_would(db):
    """The same billing data, collected by each account's own sender or by the payer alone."""
    for account in (PAYER, DEV, PROD):
        own, _ = run(account, "account")
        assert load(db, own, Limits()).status == "loaded"
    from_members = stored(db)
    assert {r["account_id"] for r in from_members["cost_daily"]} == {PAYER, DEV, PROD}
    for table in COST_TABLES:
        db.query(f"DELETE FROM {table} RETURNING 1")
    organization, _ = run(PAYER, "organization")
    result = load(db, organization)
    assert result.status == "loaded", result.error
    assert stored(db) == from_members
    # loading both (a member not yet switched to off) counts nothing twice: same natural keys
    again, _ = run(DEV, "account")
    again["run_id"] = "0b0c0d0e-0f10-4111-8213-141516171819"
    assert load(db, again, Limits()).status == "loaded"
    assert stored(db) == from_members


def test_re_collecting_a_day_replaces_it(db):
    first, _ = run(PAYER, "organization")
    assert load(db, first).status == "loaded"
    second = copy.deepcopy(first)
    second["run_id"] = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    second["collected_at"] = second["collected_at"].replace("02:00", "05:00")
    for row in second["data"]["cost"]["daily"]:
        row["unblended_cost"] = "1"
    assert load(db, second).status == "loaded"
    values = db.query("SELECT DISTINCT unblended_cost FROM cost_daily")
    assert [str(v["unblended_cost"]) for v in values] == ["1"]
    rows = db.query("SELECT count(*) AS n FROM cost_daily")[0]["n"]
    assert rows == len(first["data"]["cost"]["daily"])


def test_the_contract_and_the_receiver_agree_on_which_rows_may_name_an_account():
    paths = {table.path for table in ORGANIZATION_COST.values()}
    assert paths == set(ORGANIZATION_COST_PARTS)
    assert set(ORGANIZATION_COST) == set(COST_TABLES)
    schema = load_schema()["$defs"]
    for name in ("costDaily", "costTotal", "serviceUsage", "marketplaceUsage", "commitment"):
        assert "account_id" in schema[name]["properties"], name
    assert "account_id" not in schema["costForecast"]["properties"]


def test_the_receiver_setting_is_validated(monkeypatch):
    monkeypatch.setenv("BUCKET", "analytics")
    monkeypatch.setenv("ANALYTICS_KMS_KEY", "arn:aws:kms:eu-west-1:111111111111:key/k")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/core")
    monkeypatch.delenv("ORGANIZATION_COST_ACCOUNTS", raising=False)
    assert ReceiverSettings.from_env().organization_cost_accounts == frozenset()
    monkeypatch.setenv("ORGANIZATION_COST_ACCOUNTS", PAYER)
    assert ReceiverSettings.from_env().organization_cost_accounts == {PAYER}
    assert organization_cost_accounts("") == frozenset()
    assert organization_cost_accounts(f" {PAYER}, {DEV} ,") == frozenset({PAYER, DEV})
    with pytest.raises(ConfigurationError, match="ORGANIZATION_COST_ACCOUNTS"):
        organization_cost_accounts("12345,abc")
