"""Loading documents into PostgreSQL, through psycopg and through the Data API double.

What a user of the tables would notice: every field of every category lands in its column,
a file loads once however often it is delivered, a newer snapshot replaces an older one while
history stays, a failed collector never hides data, awkward text comes back byte for byte.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from receiver.failures import PermanentLoadError, TransientLoadError
from receiver.loader import load, status_of
from receiver.receive import load_bytes
from sender.collect import history_run_id
from sender.intervals import Interval, Window
from support.data_model import DOC_TABLES
from support.receiver_fixtures import (
    Db,
    current_rows,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
    load_doc,
    only,
    ref_for,
    shifted,
    variant,
)

RENAMED = {("*", "usage_date"): "date", ("waf_rules", "rule_name"): "name"}
SNAPSHOT_COLUMNS = {"snapshot_date", "generated_on"}
BOOKKEEPING = {"ingestion_id", "first_loaded_at", "last_loaded_at"}


# --------------------------------------------------------------------------- every category


def _doc_items(doc: dict[str, Any], section: str) -> list[tuple[dict, dict]]:
    """(item, parent item) for a section path like ``ssm_instances[].applications[]``."""
    nodes: list[tuple[Any, bool, dict]] = [(doc["data"], False, {})]  # node, is list item, parent
    for part in section.split("."):
        name, many = part.removesuffix("[]"), part.endswith("[]")
        found: list[tuple[Any, bool, dict]] = []
        for node, is_item, _ in nodes:
            value = node.get(name)
            if value is None:
                continue
            if many:
                found += [(item, True, node if is_item else {}) for item in value]
            else:
                found.append((value, False, {}))
        nodes = found
    return [(item, parent) for item, _, parent in nodes]


def _expected(value: Any, stored: Any) -> bool:
    if value is None:
        return stored in (None, "")
    if isinstance(stored, datetime):
        return stored == datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if isinstance(stored, date):
        return stored == date.fromisoformat(value)
    if isinstance(stored, Decimal):
        return stored == Decimal(str(value))
    if isinstance(stored, str) and len(stored) == 12 and stored.isdigit():
        return stored == value
    return stored == value


def assert_document_stored(db: Db, doc: dict[str, Any]) -> int:
    """Every item of every section is a row whose every column holds the item's field."""
    snapshot = (date.fromisoformat(doc["window"]["end"]) - timedelta(days=1)).isoformat()
    checked = 0
    for table, spec in DOC_TABLES.items():
        if spec["section"] is None:
            continue
        key = [c for c in spec["key"] if c != "account_id" and c not in SNAPSHOT_COLUMNS]
        stored = db.query(f'SELECT * FROM "{table}" WHERE account_id = %s', [doc["account_id"]])
        for item, parent in _doc_items(doc, spec["section"]):

            def field(
                column: str, item: dict = item, parent: dict = parent, table: str = table
            ) -> Any:
                name = RENAMED.get((table, column), RENAMED.get(("*", column), column))
                if name not in item and column in DOC_TABLES[table]["key"]:
                    return parent.get(name)  # a child's key from its parent
                return item.get(name)

            matches = [
                row
                for row in stored
                if all(_expected(field(c), row[c]) for c in key)
                and all(row[c] == date.fromisoformat(snapshot) for c in SNAPSHOT_COLUMNS & set(row))
            ]
            assert len(matches) == 1, (table, {c: field(c) for c in key}, len(matches))
            row = matches[0]
            assert row["ingestion_id"] is not None
            for column in spec["fields"]:
                if column == "account_id":
                    continue
                assert _expected(field(column), row[column]), (table, column, row[column])
            checked += 1
    return checked


def test_every_category_lands_in_its_columns(db):
    doc = fixture_doc("full-daily")
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error
    assert assert_document_stored(db, doc) == sum(
        n for t, n in result.rows.items() if t not in ("collection_runs", "collector_runs")
    )
    counts = db.counts()
    only_organization = {"organization_cost_forecasts"}  # test_receiver_organization_cost.py
    assert set(counts) == {t for t, s in DOC_TABLES.items() if s["section"]} - only_organization | {
        "collection_runs",
        "collector_runs",
    }, "the realistic fixture fills every table"
    (ingestion,) = db.query("SELECT * FROM ingestions")
    assert ingestion["status"] == "loaded" and ingestion["error"] is None
    assert ingestion["rows"] == result.rows
    assert str(ingestion["run_id"]) == doc["run_id"] and ingestion["duration_ms"] >= 0
    run = db.query("SELECT * FROM collection_runs")[0]
    assert run["regions"] == doc["regions"] and run["interval"] == "DAILY"
    collectors = db.query("SELECT collector, region, status FROM collector_runs")
    assert len(collectors) == len(doc["collectors"])
    assert {"collector": "account", "region": "", "status": "ok"} in collectors


@pytest.mark.parametrize("name", ["minimal", "monthly-partial"])
def test_sparse_documents_load(db, name):
    doc = fixture_doc(name)
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error
    assert_document_stored(db, doc)


# --------------------------------------------------------------------------- idempotency


def _contents(db: Db) -> dict[str, list[tuple]]:
    tables = {}
    for table in db.counts():
        rows = db.query(f'SELECT * FROM "{table}"')
        tables[table] = sorted(
            repr(sorted((k, v) for k, v in r.items() if k not in BOOKKEEPING)) for r in rows
        )
    return tables


def test_reloading_the_same_file_changes_nothing(db):
    doc = fixture_doc("full-daily")
    first = load_doc(db, doc)
    before = _contents(db)
    again = load_doc(db, doc)  # the same version delivered again
    assert (first.status, again.status) == ("loaded", "skipped")
    assert again.rows == {}
    assert _contents(db) == before
    # The same content as a new object version (e.g. re-uploaded): loaded, nothing duplicated.
    newer = load_doc(db, doc, version="v2")
    assert newer.status == "loaded" and newer.rows == first.rows
    assert _contents(db) == before
    assert [r["status"] for r in db.query("SELECT status FROM ingestions ORDER BY id")] == [
        "loaded",
        "loaded",
    ]


def test_a_file_that_failed_can_load_later(db):
    doc = fixture_doc("minimal")
    broken = variant(doc, lambda d: d.update(interval="HOURLY"))
    ref = ref_for(broken)
    failed = load_bytes(db.executor, ref, gz(broken), expected_account=None)
    assert failed.status == "failed" and failed.error.field == "/interval"
    assert status_of(db.executor, ref) == "failed"
    fixed = load_bytes(db.executor, ref, gz(doc), expected_account=None)  # same key, fixed
    assert fixed.status == "loaded"
    (row,) = db.query("SELECT status, error, attempts FROM ingestions")
    assert row == {"status": "loaded", "error": None, "attempts": 2}


def test_concurrent_deliveries_of_one_file_load_it_once(db):
    doc = fixture_doc("full-daily")
    ref = ref_for(doc)
    # Another transaction holds the claim on this file; both deliveries block on the unique
    # index behind it. When it rolls back, one loads and the other sees the file loaded.
    blocker = psycopg.connect(db.dsn)
    blocker.execute(
        "INSERT INTO ingestions (bucket, object_key, version_id, status) VALUES (%s, %s, %s, "
        "'loaded')",
        [ref.bucket, ref.key, ref.version_id],
    )
    results: list[Any] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        executor = db.new_executor()
        try:
            results.append(load_bytes(executor, ref, gz(doc), expected_account=None))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    assert all(t.is_alive() for t in threads), "both deliveries wait for the first claim"
    blocker.rollback()
    blocker.close()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(r.status for r in results) == ["loaded", "skipped"]
    single = next(r for r in results if r.status == "loaded").rows
    assert {t: n for t, n in db.counts().items() if t in single} == {
        t: n for t, n in single.items() if n
    }
    assert len(db.query("SELECT id FROM ingestions")) == 1


def test_concurrent_loads_of_one_account_never_deadlock(db):
    base = fixture_doc("full-daily")
    # Eight files of one account that share findings, instances and keys, in mixed orders.
    docs = []
    for i in range(8):
        doc = shifted(base, days=i % 3, collected_hours=i)
        if i % 2:
            for section in ("kms_keys", "guardduty_findings"):
                doc["data"][section].reverse()
            doc["data"]["securityhub"]["findings"].reverse()
        docs.append(doc)
    errors: list[BaseException] = []
    statuses: list[str] = []

    def worker(batch: list[dict]) -> None:
        executor = db.new_executor()
        for doc in batch:
            try:
                statuses.append(load_doc(db, doc, executor=executor).status)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(docs[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert statuses.count("loaded") == 8
    counts = db.counts()
    assert counts["securityhub_findings"] == len(base["data"]["securityhub"]["findings"])
    assert counts["kms_keys"] == 3 * len(base["data"]["kms_keys"])  # three snapshot dates


# --------------------------------------------------------------------------- snapshots


def test_a_newer_snapshot_supersedes_an_older_one_and_history_stays(db):
    day1 = fixture_doc("full-daily")
    day2 = shifted(day1, days=1)
    removed_key = day2["data"]["kms_keys"].pop(0)["key_arn"]
    day2["data"]["ssm_instances"][0]["applications"].pop()
    # Out of order: the newer day arrives first; the result does not depend on the order.
    assert load_doc(db, day2).status == "loaded"
    assert load_doc(db, day1).status == "loaded"

    keys = db.query("SELECT snapshot_date, key_arn FROM kms_keys")
    assert len(keys) == 3 + 2, "both snapshots are kept"
    current = current_rows(db, "v_kms_keys_current", "key_arn")
    assert [d for d, _ in current] == ["2026-11-25", "2026-11-25"]
    assert removed_key not in {k for _, k in current}
    apps_day1 = len(day1["data"]["ssm_instances"][0]["applications"])
    instance = day1["data"]["ssm_instances"][0]["instance_id"]
    current_apps = db.query(
        "SELECT * FROM v_ssm_applications_current WHERE instance_id = %s", [instance]
    )
    assert len(current_apps) == apps_day1 - 1
    assert {str(r["snapshot_date"]) for r in current_apps} == {"2026-11-25"}
    history = db.query(
        "SELECT count(*) AS n FROM ssm_applications WHERE instance_id = %s AND snapshot_date = "
        "'2026-11-24'",
        [instance],
    )
    assert history[0]["n"] == apps_day1


def test_an_error_or_skipped_collector_never_supersedes_anything(db):
    day1 = fixture_doc("full-daily")

    def fail_some(doc: dict[str, Any]) -> None:
        for c in doc["collectors"]:
            if c["name"] == "kms_keys" and c["region"] == "eu-west-1":
                c.update(status="error", error="ThrottlingException", item_count=None)
            if c["name"] in ("securityhub", "iam"):
                c.update(status="skipped", error="AccessDenied", item_count=0)
        # What an erroring collector delivered is kept as history but never becomes current.
        doc["data"]["kms_keys"] = [k for k in doc["data"]["kms_keys"] if k["region"] != "eu-west-1"]
        del doc["data"]["securityhub"]
        del doc["data"]["iam"]

    day2 = variant(shifted(day1, days=1), fail_some)
    assert load_doc(db, day1).status == "loaded"
    assert load_doc(db, day2).status == "loaded"

    kms = current_rows(db, "v_kms_keys_current", "region")
    assert kms == [
        ("2026-11-24", "eu-west-1"),
        ("2026-11-24", "eu-west-1"),
        ("2026-11-25", "us-east-1"),
    ]
    counts = current_rows(db, "v_securityhub_severity_counts_current", "region")
    assert {d for d, _ in counts} == {"2026-11-24"} and len(counts) == 5
    assert len(db.query("SELECT * FROM v_iam_users_current")) == 3
    # Nothing was deleted either.
    assert len(db.query("SELECT * FROM kms_keys")) == 3 + 1
    assert len(db.query("SELECT * FROM securityhub_severity_counts")) == 5


def test_a_rerun_of_the_same_day_replaces_what_it_reports_complete(db):
    first = fixture_doc("full-daily")

    def rerun(doc: dict[str, Any]) -> None:
        doc["collected_at"] = "2026-11-25T09:00:00Z"
        doc["data"]["kms_keys"] = [k for k in doc["data"]["kms_keys"] if k["region"] != "eu-west-1"]
        doc["data"]["waf_web_acls"][0]["rules"].pop()  # children of a kept parent
        doc["data"]["account"]["contacts"].pop()
        doc["data"]["config"]["rules"].pop()  # config is 'partial': nothing is deleted
        doc["data"]["cloudtrail_trails"].pop()

    second = variant(first, rerun)
    load_doc(db, first)
    result = load_doc(db, second)
    assert result.status == "loaded"
    assert result.removed["kms_keys"] == 2
    assert sorted(r["region"] for r in db.query("SELECT region FROM kms_keys")) == ["us-east-1"]
    assert len(db.query("SELECT * FROM waf_rules")) == 5 - 1
    assert len(db.query("SELECT * FROM account_contacts")) == 4 - 1
    assert len(db.query("SELECT * FROM config_rules")) == 3
    assert len(db.query("SELECT * FROM cloudtrail_trails")) == 2 - 1

    # The first run delivered again (e.g. replayed) is older: it restores nothing.
    again = load_doc(db, first, version="v2")
    assert again.status == "loaded" and again.rows["kms_keys"] == 0
    assert sorted(r["region"] for r in db.query("SELECT region FROM kms_keys")) == ["us-east-1"]
    assert len(db.query("SELECT * FROM cloudtrail_trails")) == 1


def test_a_backfill_of_the_same_day_keeps_the_scheduled_runs_forecast(db):
    """Found by `make demo`: a history run re-collects a day the schedule already covered; it has
    no forecast (only scheduled runs make one), so it must not delete the day's forecast."""
    scheduled = fixture_doc("full-daily")
    assert scheduled["data"]["cost"]["forecast"]
    forecasts = len(scheduled["data"]["cost"]["forecast"])

    def backfill(doc: dict[str, Any]) -> None:
        doc["run_id"] = "9f0c3c3e-8a51-4a57-9bb6-2f5d0c0b7a11"
        doc["collected_at"] = "2026-11-26T02:00:00Z"
        doc["data"]["cost"]["forecast"] = []

    load_doc(db, scheduled)
    result = load_doc(db, variant(scheduled, backfill), version="v2")
    assert result.status == "loaded"
    assert len(db.query("SELECT * FROM cost_forecasts")) == forecasts
    assert "cost_forecasts" not in result.removed


def test_children_without_a_reported_list_stay(db):
    doc = fixture_doc("full-daily")
    load_doc(db, doc)
    instance = doc["data"]["ssm_instances"][0]

    def without_lists(d: dict[str, Any]) -> None:
        d["collected_at"] = "2026-11-25T09:00:00Z"
        del d["data"]["ssm_instances"][0]["applications"]  # not reported: keep
        d["data"]["ssm_instances"][0]["patches"] = []  # reported empty: remove

    load_doc(db, variant(doc, without_lists))
    apps = db.query(
        "SELECT * FROM ssm_applications WHERE instance_id = %s", [instance["instance_id"]]
    )
    patches = db.query(
        "SELECT * FROM ssm_patches WHERE instance_id = %s", [instance["instance_id"]]
    )
    assert len(apps) == len(instance["applications"]) and patches == []


def test_an_older_finding_state_never_overwrites_a_newer_one(db):
    doc = only(fixture_doc("full-daily"), "securityhub", "account")
    finding = doc["data"]["securityhub"]["findings"][0]
    newer = variant(
        doc,
        lambda d: d["data"]["securityhub"]["findings"][0].update(
            workflow_status="RESOLVED", updated_at="2026-11-30T00:00:00Z"
        ),
    )
    load_doc(db, newer)
    load_doc(db, doc)  # delivered late, older state
    (row,) = db.query(
        "SELECT workflow_status FROM securityhub_findings WHERE finding_id = %s",
        [finding["finding_id"]],
    )
    assert row["workflow_status"] == "RESOLVED"


def test_a_forged_run_id_never_blocks_or_touches_another_accounts_run(db):
    """A member uploads, under its own prefix, a file carrying another account's predictable
    history run id (issue 12 item 2). Both runs load; each keeps its own collectors."""
    victim = fixture_doc("minimal")
    window = Window(*(date.fromisoformat(victim["window"][edge]) for edge in ("start", "end")))
    victim["run_id"] = history_run_id(victim["account_id"], Interval(victim["interval"]), window)
    forged = copy.deepcopy(victim)
    forged["account_id"] = forged["data"]["account"]["account_id"] = "999999999999"
    forged["collectors"] = [
        {"name": "account", "region": None, "status": "error", "error": "forged"}
    ]

    assert load_doc(db, forged).status == "loaded"  # the forgery lands first
    result = load_doc(db, victim)

    assert result.status == "loaded", result.error
    assert db.query("SELECT account_id, run_id::text FROM collection_runs ORDER BY account_id") == [
        {"account_id": "123456789012", "run_id": victim["run_id"]},
        {"account_id": "999999999999", "run_id": victim["run_id"]},
    ]
    statuses = db.query("SELECT account_id, collector, status FROM collector_runs ORDER BY 1, 2")
    assert [r for r in statuses if r["account_id"] == "999999999999"] == [
        {"account_id": "999999999999", "collector": "account", "status": "error"}
    ]
    assert {
        (r["collector"], r["status"]) for r in statuses if r["account_id"] == "123456789012"
    } == {(c["name"], c["status"]) for c in victim["collectors"]}
    # the victim's current account snapshot is its own ok run, not the forger's error
    current = db.query(
        "SELECT account_id FROM v_snapshot_current WHERE collector = 'account' ORDER BY 1"
    )
    assert current == [{"account_id": "123456789012"}]
    # a second delivery of the forgery changes nothing of the victim's run
    assert load_doc(db, forged, version="v2").status == "loaded"
    assert db.query(
        "SELECT count(*) AS n FROM collector_runs WHERE account_id = '123456789012'"
    ) == [{"n": len(victim["collectors"])}]


# --------------------------------------------------------------------------- awkward values

AWKWARD = [
    "quote ' and '' doubled",
    'double " quote and \\" escaped',
    "backslash \\ \\\\ \\n (not a newline) \\u0041",
    "'; DROP TABLE accounts; -- :name %s %(x)s $1 $$ dollar $$",
    "newline\nand\r\ncarriage return\tand tab",
    "emoji 😀👩‍👩‍👧‍👦 and flags 🇪🇺",
    "Zürich Ångström Ελληνικά 日本語 עברית العربية",
    "zero\u200bwidth, combining e\u0301, line sep\u2028, bom \ufeff",
    " leading and trailing spaces ",
    "x" * 1024,
]


def test_awkward_text_comes_back_byte_for_byte(db):
    doc = only(fixture_doc("full-daily"), "account", "securityhub", "waf_web_acls", "resources")
    doc["data"]["account"]["name"] = AWKWARD[0]
    findings = doc["data"]["securityhub"]["findings"]
    template = findings[0]
    doc["data"]["securityhub"]["findings"] = [
        {**template, "finding_id": text, "title": text, "description": text * 4} for text in AWKWARD
    ]
    rules = doc["data"]["waf_web_acls"][0]["rules"]
    doc["data"]["waf_web_acls"][0]["rules"] = [
        {**rules[0], "name": text, "priority": i} for i, text in enumerate(AWKWARD)
    ]
    doc["data"]["resources"][0]["tags"] = {text[:100]: text for text in AWKWARD}
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error

    found = {r["finding_id"]: r for r in db.query("SELECT * FROM securityhub_findings")}
    assert set(found) == set(AWKWARD)
    for text in AWKWARD:
        assert found[text]["title"] == text
        assert found[text]["description"] == text * 4
    rule_names = {r["rule_name"] for r in db.query("SELECT rule_name FROM waf_rules")}
    assert rule_names == set(AWKWARD) | {
        r["name"] for r in fixture_doc()["data"]["waf_web_acls"][1]["rules"]
    }
    (tags,) = db.query(
        "SELECT tags FROM resources WHERE resource_id = %s",
        [doc["data"]["resources"][0]["resource_id"]],
    )
    assert tags["tags"] == {text[:100]: text for text in AWKWARD}
    assert db.query("SELECT name FROM accounts")[0]["name"] == AWKWARD[0]
    # Read back through the executor under test, too.
    through = db.executor.execute(
        "SELECT finding_id, description FROM securityhub_findings ORDER BY finding_id"
    )
    assert {r["finding_id"]: r["description"] for r in through} == {t: t * 4 for t in AWKWARD}


def test_money_keeps_every_digit(db):
    doc = only(fixture_doc("full-daily"), "account", "cost")
    daily = doc["data"]["cost"]["daily"]
    daily[0]["unblended_cost"] = "12345678901234567890.1234567890"  # decimal string
    text = json.dumps(doc).replace(
        '"12345678901234567890.1234567890"', "98765432109876543210.0987654321"
    )
    raw = gz(text)
    ref = ref_for(doc)
    assert load_bytes(db.executor, ref, raw, expected_account=None).status == "loaded"
    (row,) = db.query(
        "SELECT unblended_cost FROM cost_daily WHERE service = %s", [daily[0]["service"]]
    )
    assert row["unblended_cost"] == Decimal("98765432109876543210.0987654321")  # JSON number


# --------------------------------------------------------------------------- database trouble


@pytest.mark.parametrize("db", ["data_api"], indirect=True)  # an Aurora Serverless behaviour
def test_the_database_resuming_is_retried_then_loaded(db):
    db.data_api.fail_next("DatabaseResumingException", 3)
    result = load_doc(db, fixture_doc("minimal"))
    assert result.status == "loaded"
    assert db.data_api.calls["BeginTransaction"] == 4, "three refused while resuming, then ok"
    assert db.counts()["accounts"] == 1


def test_the_database_down_raises_transient_and_writes_nothing(db):
    doc = fixture_doc("minimal")
    executor = db.new_executor()
    if db.kind == "psycopg":
        pid = executor.execute("SELECT pg_backend_pid() AS pid")[0]["pid"]
        with psycopg.connect(db.dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        db.data_api.fail_next("DatabaseUnavailableException", 10)  # every attempt it makes
    with pytest.raises(TransientLoadError, match="database unavailable"):
        load_bytes(executor, ref_for(doc), gz(doc), expected_account=None)
    assert db.counts() == {}
    assert db.query("SELECT * FROM ingestions") == []


def test_a_permanent_error_writes_no_row(db):
    doc = fixture_doc("full-daily")
    doc["data"]["kms_keys"].append(dict(doc["data"]["kms_keys"][0]))
    with pytest.raises(PermanentLoadError) as caught:
        load(db.executor, ref_for(doc), doc)
    assert caught.value.kind == "duplicate_key"
    assert caught.value.field == "/data/kms_keys/3"
    assert db.counts() == {} and db.query("SELECT * FROM ingestions") == []


# --------------------------------------------------------------------------- issue 17


def test_security_hub_open_counts_exclude_suppressed_and_resolved_findings(db):
    """open = workflow NEW + NOTIFIED; an older sender's counts load with the split unknown."""
    day1 = fixture_doc("full-daily")

    def older_sender(doc: dict[str, Any]) -> None:
        for c in doc["data"]["securityhub"]["severity_counts"]:
            for status in ("new", "notified", "suppressed", "resolved"):
                del c[f"workflow_{status}"]

    day0 = variant(shifted(day1, days=-1), older_sender)
    assert load_doc(db, day0).status == "loaded"
    assert load_doc(db, day1).status == "loaded"
    current = {
        (r["region"], r["severity_label"]): (r["count"], r["open_count"])
        for r in db.query("SELECT * FROM v_securityhub_severity_counts_current")
    }
    assert current == {
        ("eu-west-1", "CRITICAL"): (0, 0),
        ("eu-west-1", "HIGH"): (3, 1),
        ("eu-west-1", "MEDIUM"): (17, 3),
        ("us-east-1", "CRITICAL"): (1, 1),
        ("us-east-1", "LOW"): (42, 0),  # 40 passed controls (RESOLVED), 2 suppressed
    }
    (old,) = db.query(
        "SELECT securityhub_open_high, securityhub_active_records FROM v_security_posture "
        "WHERE snapshot_date = '2026-11-23'"
    )
    assert (old["securityhub_open_high"], old["securityhub_active_records"]) == (None, 63)
    (new,) = db.query("SELECT * FROM v_security_posture WHERE snapshot_date = '2026-11-24'")
    assert (new["securityhub_open_critical"], new["securityhub_open_high"]) == (1, 1)
    assert (new["securityhub_open_medium"], new["securityhub_open_low"]) == (3, 0)
    assert (new["securityhub_suppressed"], new["securityhub_resolved"]) == (7, 51)


def _listed_by_guardduty(monkeypatch: Any, findings: list[dict[str, Any]]) -> list[dict]:
    """The guardduty_findings items the collector makes of a detector listing ``findings``
    (ListFindings / GetFindings answers shaped like the API reference's)."""
    from sender.aws import Clients
    from sender.collectors.guardduty_findings import COLLECTOR
    from support.guardduty import ACTIVE, DETECTOR
    from support.sender_fixtures import fast_retries, make_context, run_collector, section
    from support.sender_fixtures import stubbed as stubbed_client

    fast_retries(monkeypatch)
    clients = Clients()
    ids = [f["Id"] for f in findings]
    with stubbed_client(clients, "guardduty") as gd:
        gd.add_response("list_detectors", {"DetectorIds": [DETECTOR]})
        gd.add_response(
            "list_findings",
            {"FindingIds": ids},
            {"DetectorId": DETECTOR, "FindingCriteria": {"Criterion": ACTIVE}, "MaxResults": 50},
        )
        if ids:
            gd.add_response(
                "get_findings", {"Findings": findings}, {"DetectorId": DETECTOR, "FindingIds": ids}
            )
        gd.add_response("list_findings", {"FindingIds": []})  # none archived in the window
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    return section(outcome)


def test_guardduty_findings_the_detector_no_longer_lists_are_no_longer_open(db, monkeypatch):
    """GuardDuty deletes findings (90 days after their last update, or all of them with the
    detector): open is what the latest complete collection lists, and an error, a skip or a
    partial collection never empties the picture."""
    from support.guardduty import INSTANCE, KEY, finding

    high = finding("1" * 32, KEY, Severity=8.0, Type="UnauthorizedAccess:IAMUser/MaliciousIPCaller")
    medium = finding("2" * 32, INSTANCE, Severity=5.0, Type="Recon:EC2/Portscan")
    low = finding("3" * 32, INSTANCE)  # 2.0
    base = fixture_doc("full-daily")

    def day(n: int, items: list[dict] | None, status: str = "ok", error: str | None = None):
        def edit(doc: dict[str, Any]) -> None:
            doc["data"].pop("guardduty_findings", None)
            if items is not None:
                doc["data"]["guardduty_findings"] = items
            for c in doc["collectors"]:
                if c["name"] == "guardduty_findings":
                    region_status = status if c["region"] == "eu-west-1" else "ok"
                    c.update(status=region_status, error=error if region_status != "ok" else None)
                    c["item_count"] = len(items or []) if c["region"] == "eu-west-1" else 0

        return variant(shifted(base, days=n), edit)

    def posture(n: int) -> tuple[int, int, int]:
        snapshot = date(2026, 11, 24) + timedelta(n)
        (row,) = db.query(
            "SELECT guardduty_high, guardduty_medium, guardduty_low FROM v_security_posture "
            f"WHERE snapshot_date = '{snapshot}'"
        )
        return row["guardduty_high"], row["guardduty_medium"], row["guardduty_low"]

    listed = _listed_by_guardduty(monkeypatch, [high, medium, low])
    assert load_doc(db, day(0, listed)).status == "loaded"
    assert posture(0) == (1, 1, 1)
    # the next day the detector lists only the high finding: the other two were deleted
    assert load_doc(db, day(1, _listed_by_guardduty(monkeypatch, [high]))).status == "loaded"
    assert posture(1) == (1, 0, 0)
    # an error, a partial run (out of time before listing anything) and a skip replace nothing
    assert load_doc(db, day(2, None, "error", "ThrottlingException: Rate exceeded")).status == (
        "loaded"
    )
    assert load_doc(db, day(3, [], "partial", "time budget exhausted")).status == "loaded"
    assert load_doc(db, day(4, None, "skipped", "GuardDuty is not enabled")).status == "loaded"
    assert [posture(n) for n in (2, 3, 4)] == [(1, 0, 0)] * 3
    current = db.query("SELECT finding_id, snapshot_date FROM v_guardduty_findings_current")
    assert [(r["finding_id"], str(r["snapshot_date"])) for r in current] == [
        ("1" * 32, "2026-11-25")
    ]
    # the latest state of every finding ever seen stays in guardduty_findings
    assert len(db.query("SELECT * FROM guardduty_findings WHERE region = 'eu-west-1'")) == 3


def test_iam_mfa_counts_one_population_whichever_sender_wrote_them(db):
    """console_users_with_mfa + console_users_without_mfa = users_with_console; an older
    sender's pair (every user with MFA, console users without) is converted, not mixed."""
    current = fixture_doc("full-daily")

    def older_sender(doc: dict[str, Any]) -> None:
        iam = doc["data"]["iam"]
        del iam["console_users_with_mfa"], iam["console_users_without_mfa"]
        iam.update(users_with_console=1, users_with_mfa=2, users_without_mfa=0)

    def current_sender(doc: dict[str, Any]) -> None:
        del doc["data"]["iam"]["users_with_mfa"], doc["data"]["iam"]["users_without_mfa"]

    assert load_doc(db, variant(shifted(current, days=-1), older_sender)).status == "loaded"
    (old,) = db.query("SELECT * FROM iam_summary")
    assert (old["users_with_mfa"], old["console_users_with_mfa"]) == (2, None)
    (view,) = db.query("SELECT * FROM v_iam_summary_current")
    assert (view["console_users_with_mfa"], view["console_users_without_mfa"]) == (1, 0)
    assert "users_with_mfa" not in view

    assert load_doc(db, variant(current, current_sender)).status == "loaded"
    (view,) = db.query("SELECT * FROM v_iam_summary_current")
    figures = (view["console_users_with_mfa"], view["console_users_without_mfa"])
    assert figures == (1, 0) and sum(figures) == view["users_with_console"]
