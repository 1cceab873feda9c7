"""The contract check runs while the rows are written, and decides alone whether they commit.

`receive.load_bytes` starts `documents.ContractCheck` in a thread, builds the rows (those of
`loader.LAZY_TABLES` while they are written) and commits only once the check has passed. These
tests load documents that break the contract in ways that also upset what runs meanwhile (a
row that cannot be built, a value the database refuses, a violation in the last of thousands of
findings) and require what the sequential order gave: the contract's error, nothing written,
the failure recorded without a run id; through psycopg and the Data API double (real
PostgreSQL behind both).
"""

from __future__ import annotations

import copy
import threading
import uuid
from typing import Any

import pytest

from labkit.large_documents import findings_document
from receiver import documents, loader, receive, rows
from receiver.failures import PermanentLoadError
from support.receiver_fixtures import (
    Db,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    load_doc,
)

FINDINGS = 6_000  # more than one request's worth at a small request limit


def findings(count: int = FINDINGS) -> dict[str, Any]:
    doc = findings_document(count, "123456789012", new_run_id=True)
    doc["data"]["securityhub"]["findings"] = [
        dict(f) for f in doc["data"]["securityhub"]["findings"]
    ]
    return doc


def assert_refused_and_nothing_written(db: Db, result: Any, field: str) -> None:
    assert result.status == "failed", result
    assert result.error.kind == "contract", result.error
    assert result.error.field == field
    assert result.run_id is None
    counts = db.counts()
    assert counts.keys() <= {"ingestions"}, counts  # only the failure's record
    [failure] = db.query("SELECT status, run_id, error FROM ingestions")
    assert failure["status"] == "failed" and failure["run_id"] is None


def test_findings_load_with_the_check_in_a_thread(db):
    doc = findings()
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error
    assert db.counts()["securityhub_findings"] == FINDINGS


def test_a_violation_in_the_last_finding_writes_nothing(db):
    doc = findings()
    doc["data"]["securityhub"]["findings"][-1]["severity_label"] = "SEVERE"
    result = load_doc(db, doc)
    assert_refused_and_nothing_written(
        db, result, f"/data/securityhub/findings/{FINDINGS - 1}/severity_label"
    )


def test_an_item_no_row_can_be_built_from_is_a_contract_error(db):
    doc = findings(50)
    doc["data"]["securityhub"]["findings"][10] = "not an object"
    result = load_doc(db, doc)
    assert_refused_and_nothing_written(db, result, "/data/securityhub/findings/10")


def test_a_value_the_database_would_refuse_is_a_contract_error(db):
    doc = findings(50)
    doc["data"]["securityhub"]["findings"][3]["updated_at"] = "yesterday"
    result = load_doc(db, doc)
    assert_refused_and_nothing_written(db, result, "/data/securityhub/findings/3/updated_at")


def test_a_broken_envelope_is_a_contract_error(db):
    doc = fixture_doc()
    del doc["collectors"]  # rows.build reads it before any table
    result = load_doc(db, doc)
    assert_refused_and_nothing_written(db, result, "/collectors")


def test_the_rows_stop_being_read_once_the_check_refuses(db, monkeypatch):
    """A document refused at its first finding: the writer stops within a few hundred rows
    of the check's answer instead of writing the file (which it would then roll back)."""
    read: list[int] = []
    called: list[bool] = []
    original = rows.LazyRows.arrays

    def counted(self):
        called.append(True)  # the writer reads the lazy rows here (a row or none: fast check)
        for row in original(self):
            read.append(1)
            yield row

    monkeypatch.setattr(rows.LazyRows, "arrays", counted)
    doc = findings(20_000)
    del doc["data"]["securityhub"]["findings"][0]["region"]  # required
    result = load_doc(db, doc)
    assert_refused_and_nothing_written(db, result, "/data/securityhub/findings/0/region")
    assert called and len(read) < 20_000 / 2


def test_a_valid_document_keeps_its_run_id_on_a_later_failure(db):
    doc = findings(20)
    doc["data"]["securityhub"]["findings"][5]["finding_id"] = doc["data"]["securityhub"][
        "findings"
    ][4]["finding_id"]
    result = load_doc(db, doc)
    assert result.status == "failed" and result.error.kind == "duplicate_key"
    assert result.run_id == doc["run_id"]


@pytest.mark.parametrize("broken", [False, True])
def test_many_eager_rows_wait_for_the_check_first(db, monkeypatch, broken):
    """Above EAGER_ITEMS_WHILE_CHECKING rows outside the lazy tables, the document is checked
    before its rows are built (and consumed as they are): same outcome."""
    monkeypatch.setattr(receive, "EAGER_ITEMS_WHILE_CHECKING", 0)
    built: list[bool] = []
    original = rows.build

    def build(doc, **options):
        built.append(options["consume"])
        return original(doc, **options)

    monkeypatch.setattr(rows, "build", build)
    doc = fixture_doc()
    if broken:
        doc["data"]["kms_keys"][0]["key_state"] = 7
    result = load_doc(db, doc)
    if broken:
        assert result.error.kind == "contract" and built == []
    else:
        assert result.status == "loaded" and built == [True]


def test_eager_items_counts_what_would_be_built_at_once():
    doc = fixture_doc()
    counted = rows.eager_items(doc, loader.LAZY_TABLES)
    plan = rows.build(copy.deepcopy(doc))
    eager = sum(len(t.rows) for t in plan.tables if t.table.name not in loader.LAZY_TABLES)
    assert counted >= eager > 0
    assert rows.eager_items({"data": {"cost": {"daily": "x" * 10}}}, ()) == float("inf")
    assert rows.eager_items({"data": []}, ()) == float("inf")
    assert rows.eager_items({}, ()) == 0


def test_the_check_reports_its_own_failure_in_the_callers_thread(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the validator broke")

    monkeypatch.setattr(documents, "iter_violations", broken)
    check = documents.ContractCheck({"run_id": str(uuid.uuid4())}, plain_scalars=True)
    with pytest.raises(RuntimeError, match="validator broke"):
        check.result()
    assert check.refused()


def test_the_rows_are_written_while_the_check_runs(db, monkeypatch):
    """The check waits here until a row has been read for writing: loaded only if both run at
    the same time (in order, the check would wait for ever: its timeout fails the test)."""
    writing = threading.Event()
    original_arrays = rows.LazyRows.arrays
    original_violations = documents._violations

    def iterate(self):
        for row in original_arrays(self):
            writing.set()
            yield row

    def violations(doc, **options):
        assert writing.wait(timeout=30), "no row was read for writing while the check ran"
        return original_violations(doc, **options)

    monkeypatch.setattr(rows.LazyRows, "arrays", iterate)
    monkeypatch.setattr(documents, "_violations", violations)
    result = load_doc(db, findings(100))
    assert result.status == "loaded", result.error
    assert db.counts()["securityhub_findings"] == 100


def test_threads_switch_more_often_while_the_check_runs_then_as_before(db, monkeypatch):
    import sys

    seen: list[float] = []
    original = documents._violations

    def violations(doc, **options):
        seen.append(sys.getswitchinterval())
        return original(doc, **options)

    monkeypatch.setattr(documents, "_violations", violations)
    before = sys.getswitchinterval()
    assert load_doc(db, findings(10)).status == "loaded"
    assert seen == [receive.SWITCH_INTERVAL_WHILE_CHECKING] != [before]
    assert sys.getswitchinterval() == before


def test_the_check_starts_once_the_rows_are_keyed(db, monkeypatch):
    """Until the writer's first request the database waits for the key pass; the check starts
    after it rather than taking turns with it at the GIL."""
    events: list[str] = []
    original_build, original_violations = rows.build, documents._violations

    def build(*args, **kwargs):
        plan = original_build(*args, **kwargs)
        events.append("keyed")
        return plan

    def violations(doc, **options):
        events.append("checking")
        return original_violations(doc, **options)

    monkeypatch.setattr(rows, "build", build)
    monkeypatch.setattr(documents, "_violations", violations)
    assert load_doc(db, findings(100)).status == "loaded"
    assert events == ["keyed", "checking"]


def test_a_check_not_started_starts_when_its_result_is_asked():
    check = documents.ContractCheck({"run_id": "x"}, plain_scalars=True, start=False)
    assert not check.refused()
    with pytest.raises(PermanentLoadError) as caught:
        check.result()  # the error of a build that failed before the check started
    assert caught.value.kind == "contract"
    check.start()  # started already: nothing happens


def test_lazy_rows_read_as_arrays_are_the_rows_in_column_order():
    """What the upsert sends (`LazyRows.arrays`) is each row's values in column order, the
    pointers those of the rows read, and ``keep`` still sees the row by its column names."""
    doc = findings(300)
    doc["data"]["securityhub"]["findings"][7]["severity_normalized"] = 2**40  # numeric: kept
    plan = rows.build(doc, lazy=loader.LAZY_TABLES)
    [built] = [t for t in plan.tables if t.table.name == "securityhub_findings"]
    names = built.table.column_names
    expected = [
        [rows._row(built.table, item, {}, "/x")[name] for name in names]
        for item in sorted(
            doc["data"]["securityhub"]["findings"], key=lambda item: item["finding_id"]
        )
    ]
    assert list(built.rows.arrays()) == expected
    again = rows.build(doc, lazy=loader.LAZY_TABLES)
    [lazy] = [t.rows for t in again.tables if t.table.name == "securityhub_findings"]
    lazy.keep = lambda row: row["severity_normalized"] != 2**40
    kept = list(lazy.arrays())
    assert len(kept) == 299 and lazy.read == 299
    assert all(lazy.pointers[k].startswith("/data/securityhub/findings/") for k in range(299))
