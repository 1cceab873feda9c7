"""Set-based upserts: the table map agrees with the schema, and large files take few requests,
each within the Data API's 4 MiB limit."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest

from receiver import upsert
from receiver.db import DatabaseError, TransientDatabaseError
from receiver.failures import PermanentLoadError
from receiver.tables import KMS_KEYS, SECURITYHUB_FINDINGS, TABLES
from support.receiver_fixtures import (
    db_fixture,  # noqa: F401 - fixture
)

BOOKKEEPING = {"ingestion_id", "first_loaded_at", "last_loaded_at"}
# information_schema udt names of the recordset types the loader declares
UDT = {
    "text": {"text", "bpchar"},
    "date": {"date"},
    "timestamptz": {"timestamptz"},
    "numeric": {"numeric"},
    "integer": {"int4"},
    "bigint": {"int8"},
    "boolean": {"bool"},
    "text[]": {"_text"},
    "jsonb": {"jsonb"},
}


def test_the_table_map_writes_every_column_of_every_table_with_its_type(db):
    columns = db.query(
        "SELECT table_name, column_name, udt_name FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    schema: dict[str, dict[str, str]] = {}
    for c in columns:
        schema.setdefault(c["table_name"], {})[c["column_name"]] = c["udt_name"]
    keys = db.query(
        "SELECT c.relname AS table_name, array_agg(a.attname ORDER BY k.ord) AS key "
        "FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid "
        "CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE p.contype = 'p' GROUP BY c.relname"
    )
    primary = {k["table_name"]: list(k["key"]) for k in keys}
    for table in TABLES:
        in_db = schema[table.name]
        written = {*table.constant_columns, *table.column_names}
        assert written == set(in_db) - BOOKKEEPING, table.name
        for column in table.columns:
            assert in_db[column.name] in UDT[column.type], (table.name, column.name)
        assert list(table.natural_key) == primary[table.name], table.name


def test_the_sql_names_its_columns_and_the_natural_key():
    sql = upsert.upsert_sql(KMS_KEYS)
    assert 'INSERT INTO "kms_keys" AS t ("account_id", "snapshot_date", "key_arn"' in sql
    assert 'ON CONFLICT ("account_id", "snapshot_date", "key_arn") DO UPDATE' in sql
    assert "FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e" in sql
    assert 'CAST(e->>0 AS text) AS "key_arn"' in sql, "each column is read by its position"
    assert '"key_arn" = EXCLUDED' not in sql, "the key is never updated"
    guarded = upsert.upsert_sql(SECURITYHUB_FINDINGS)
    assert 'EXCLUDED."updated_at" >= t."updated_at"' in guarded


def _finding(i: int, text: str = "") -> dict:
    return {
        "finding_id": f"arn:aws:securityhub:eu-west-1:123456789012:finding/{i:08d}",
        "product_arn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
        "title": f"finding {i} {text}",
        "description": ('Quote " backslash \\ Zürich 😀 ' + text) * 10,
        "severity_label": "HIGH",
        "severity_normalized": "70",
        "region": "eu-west-1",
        "updated_at": "2026-11-24T23:10:05.731Z",
    }


def test_chunks_stay_under_the_budget_once_escaped():
    rows = [_finding(i, '"' * (i % 50)) for i in range(2_000)]
    budget = 64 * 1024
    chunks = list(upsert.chunks(rows, budget))
    assert len(chunks) > 10
    assert all(len(json.dumps(chunk)) - 2 <= budget for chunk in chunks)
    assert [row for chunk in chunks for row in json.loads(chunk)] == rows


# Values the rows carry, and what orjson leaves to the standard encoder (an int beyond 64 bits,
# a lone surrogate): each row is encoded alone and inside chunks.
AWKWARD_ROWS = [
    {"a": "plain ascii", "b": None, "c": True, "d": 0, "e": -(2**63), "f": 2**63 - 1},
    {"a": 'quote " backslash \\ slash / tab \t newline \n nul-free controls \x01\x1f\x7f'},
    {"a": "Zürich ÿ é", "b": "中文 \u2028 \u2029", "c": "😀 \U0001f9ea"},
    {"a": "x" * 70_000, "b": "é" * 5_000},
    {"a": {"nested": [Decimal("0.10"), Decimal("1E+400"), Decimal("-0.0"), 12345678901234567890]}},
    {"a": 2**64, "b": "beyond 64 bits: the standard encoder"},
    {"a": "lone \ud800 surrogate: the standard encoder"},
    {"a": ["x", None, 3, False], "b": {"k": "v", "n": None}},
]


@pytest.mark.parametrize("row", AWKWARD_ROWS, ids=range(len(AWKWARD_ROWS)))
def test_a_rows_text_is_the_json_of_its_values_and_its_request_size_exact(row):
    """orjson (UTF-8, decimals as the numbers they were parsed from) or, for what it refuses,
    the standard encoder; the size counted for the request is what botocore's json.dumps of the
    chunk makes of it, byte for byte."""
    text = upsert._encoded(row)
    assert json.loads(text, parse_float=Decimal) == row  # decimals: digit for digit
    assert upsert._request_size(text) == len(json.dumps(text.decode("utf-8"))) - 2
    [chunk] = upsert.chunks([row], 2**30)
    assert json.loads(chunk, parse_float=Decimal) == [json.loads(text, parse_float=Decimal)]


def test_a_nested_decimal_keeps_every_digit():
    text = upsert._encoded({"a": {"n": [Decimal("0.10"), Decimal("1E+400"), Decimal("-0.0")]}})
    assert text == b'{"a":{"n":[0.10,1E+400,-0.0]}}'


def test_chunks_of_awkward_rows_fill_the_budget_exactly_once_escaped():
    rows = AWKWARD_ROWS * 40
    for budget in (120_000, 300_000, 1_000_000):
        sizes = [upsert._request_size(upsert._encoded(row)) + 1 for row in rows]
        chunks = list(upsert.chunks(rows, budget))
        for chunk in chunks:  # what each request carries: never over, as counted
            assert len(json.dumps(chunk)) - 2 <= budget
        assert sum(len(json.dumps(chunk)) - 2 for chunk in chunks) == sum(sizes) + len(chunks)
        assert [r for chunk in chunks for r in json.loads(chunk)] == [
            json.loads(upsert._encoded(row)) for row in rows
        ]


def test_a_single_item_too_large_for_a_request_is_a_permanent_error():
    with pytest.raises(PermanentLoadError) as caught:
        list(upsert.chunks([_finding(1, "x" * 5000)], 4096, ["/data/securityhub/findings/0"]))
    assert caught.value.field == "/data/securityhub/findings/0"


@pytest.mark.parametrize("db", ["data_api"], indirect=True)
def test_thirty_thousand_findings_take_a_few_requests_under_4_mib(db):
    db.executor.execute("INSERT INTO accounts (account_id) VALUES ('123456789012')")
    rows = [_finding(i) for i in range(30_000)]
    before = len(db.data_api.requests)
    with db.executor.transaction() as tx:
        written = upsert.upsert(
            tx, SECURITYHUB_FINDINGS, rows, {"account_id": "123456789012", "ingestion_id": None}
        )
    assert written == 30_000
    statements = [r for r in db.data_api.requests[before:] if r["operation"] == "ExecuteStatement"]
    sizes = [len(json.dumps(r)) for r in statements]
    assert 5 <= len(statements) <= 15, len(statements)
    assert max(sizes) < 4 * 1024 * 1024
    assert db.counts()["securityhub_findings"] == 30_000


def test_a_small_request_limit_splits_rows_without_losing_any(db):
    db.executor.execute("INSERT INTO accounts (account_id) VALUES ('123456789012')")
    rows = [_finding(i) for i in range(500)]
    params = {"account_id": "123456789012", "ingestion_id": None}
    written = upsert.upsert(
        db.executor, SECURITYHUB_FINDINGS, rows, params, max_request_bytes=64 * 1024
    )
    assert written == 500 == db.counts()["securityhub_findings"]
    again = upsert.upsert(db.executor, SECURITYHUB_FINDINGS, rows, params)
    assert again == 500 == db.counts()["securityhub_findings"], "an upsert, not an insert"


def test_a_deadlock_is_reported_as_transient(db):
    # PostgreSQL rolls a deadlocked transaction back: the whole file must be tried again.
    with pytest.raises(TransientDatabaseError):
        db.executor.execute(
            "DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = 'deadlock_detected'; END $$"
        )


class _StatementAtATime:
    """An executor without ``execute_each``: upsert falls back to one ``execute`` per chunk."""

    def __init__(self, executor):
        self.execute = executor.execute


def test_chunks_sent_together_store_what_one_at_a_time_stores(db):
    db.executor.execute("INSERT INTO accounts (account_id) VALUES ('123456789012')")
    params = {"account_id": "123456789012", "ingestion_id": None}
    first = [_finding(i) for i in range(300)]
    newer = [{**row, "title": f"newer {row['finding_id']}"} for row in first[::2]]
    older = [{**row, "updated_at": "2020-01-01T00:00:00Z", "title": "older"} for row in first[1::2]]
    later = sorted(newer + older, key=lambda row: row["finding_id"])
    stored = []
    for executor in (db.executor, _StatementAtATime(db.executor)):
        db.executor.execute("DELETE FROM securityhub_findings")
        counts = [
            upsert.upsert(executor, SECURITYHUB_FINDINGS, batch, params, max_request_bytes=32_768)
            for batch in (first, later)
        ]
        stored.append(
            (
                counts,
                db.query(
                    "SELECT finding_id, title, updated_at, first_loaded_at <= last_loaded_at AS o "
                    "FROM securityhub_findings ORDER BY finding_id"
                ),
            )
        )
    assert stored[0] == stored[1]
    counts, found = stored[0]
    assert counts == [300, 150], "the older half does not overwrite the newer state"
    assert [row["title"] for row in found[::2]] == [f"newer {r['finding_id']}" for r in first[::2]]
    assert [row["title"] for row in found[1::2]] == [r["title"] for r in first[1::2]]
    assert all(row["o"] for row in found)


def test_ahead_yields_in_order_and_raises_the_producers_error_in_place():
    assert list(upsert.ahead(iter(range(100)), 1)) == list(range(100))

    def failing():
        yield "first"
        raise PermanentLoadError("too_large", "one item is too large")

    got = []
    with pytest.raises(PermanentLoadError, match="too large"):
        for item in upsert.ahead(failing(), 1):
            got.append(item)
    assert got == ["first"]


def test_ahead_stops_its_thread_when_the_consumer_stops_early():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    items = upsert.ahead(endless(), 1)
    assert next(items) == 0
    items.close()  # what a database error in the middle of the chunks does
    assert threading.active_count() == before
    assert len(produced) <= 3, "the producer stays at most one item ahead"


def test_a_database_error_stops_the_encoding_thread_before_it_is_raised(db):
    db.executor.execute("INSERT INTO accounts (account_id) VALUES ('123456789012')")
    rows = [_finding(i) for i in range(500)]
    rows[250]["updated_at"] = "not a timestamp"  # PostgreSQL refuses the chunk that holds it
    before = threading.active_count()
    params = {"account_id": "123456789012", "ingestion_id": None}
    with pytest.raises(DatabaseError, match="timestamp") as info, db.executor.transaction() as tx:
        upsert.upsert(tx, SECURITYHUB_FINDINGS, rows, params, max_request_bytes=32_768)
    assert threading.active_count() == before, "the thread outlives the error"
    assert info.value is not None  # the traceback (and its frames) is still referenced here
    assert db.counts().get("securityhub_findings", 0) == 0
