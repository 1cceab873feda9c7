"""Rows read by position from ``jsonb`` arrays are the rows ``json_to_recordset`` read.

Issue 13 changed how rows travel to PostgreSQL: from an array of objects read by
``json_to_recordset`` to an array of arrays read by ``jsonb_array_elements`` and ``e->>n``.
These tests run both readers on the same rows, on real PostgreSQL, and compare the typed
records they produce (no table involved, so every table of `receiver.tables.TABLES` is covered,
children included): the rows of every example document, and rows made of edge values for every
column type (nulls, JSON null in ``jsonb``, empty and null-holding arrays, quotes, backslashes,
non-ASCII text, numbers with exponents and long fractions). A value one reader refuses, the other
refuses too.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from labkit.large_documents import DOCUMENTS
from receiver import documents, rows, upsert
from receiver.tables import TABLES, Table

EDGE = {
    "text": ['Quote " backslash \\ tab\t newline\n', "Zürich 😀 中文", "", "null", "x" * 70_000],
    "numeric": ["70", "1E+2", "-0.000000000000000000000000001", 12, 0.5, "123456789012345678.9"],
    "integer": [0, -2147483648, 2147483647, "42"],
    "bigint": [9_223_372_036_854_775_807, "-5"],
    "boolean": [True, False, "true"],
    "timestamptz": ["2026-11-24T23:10:05.731Z", "2026-11-24T23:10:05+05:30", "2026-11-24"],
    "date": ["2026-11-24", "2024-02-29"],
    "jsonb": [{"a": None, "b": [1, "2", {"c": "é"}]}, [], {}, "a string", 3.25, True, None],
    "text[]": [[], ["a", None, 'q"uote', "é"], ["x"] * 300],
}


def reference_sql(table: Table) -> str:
    """How the loader read ``:rows`` before issue 13."""
    recordset = ", ".join(f"{upsert.q(c.name)} {c.type}" for c in table.columns)
    return f"SELECT * FROM json_to_recordset(CAST(%(rows)s AS json)) AS r({recordset})"


def positional_sql(table: Table) -> str:
    return f"SELECT * FROM {upsert.rows_source_sql(table).replace(':rows', '%(rows)s')} AS r"


def read(conn: psycopg.Connection, sql: str, text: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql, {"rows": text}).fetchall()


def both(conn: psycopg.Connection, table: Table, table_rows: list[dict[str, Any]]) -> None:
    """Both readers give the same records for ``table_rows``, in the same order."""
    objects = "[" + ",".join(map(upsert._encode, table_rows)) + "]"
    [arrays] = upsert.chunks(table_rows, 2**30, columns=table.column_names)
    expected = read(conn, reference_sql(table), objects)
    assert read(conn, positional_sql(table), arrays) == expected, table.name
    assert len(expected) == len(table_rows)


@pytest.fixture(name="conn")
def conn_fixture(migrated_dsn: str):
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        yield conn


@pytest.mark.parametrize("path", sorted(DOCUMENTS.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_document_reads_alike(conn, path):
    doc = documents.parse(
        path.read_bytes(), name=path.name, max_document_bytes=2**28, expected_account=None
    )
    plan = rows.build(doc, organization_cost_accounts={doc["account_id"]})
    compared = 0
    for built in plan.tables:
        if built.rows:
            both(conn, built.table, built.rows)
            compared += 1
    assert compared >= (20 if path.stem == "full-daily" else 1)


def edge_rows(table: Table) -> list[dict[str, Any]]:
    """Rows where each column takes each edge value of its type in turn, and one all null."""
    longest = max(len(EDGE[c.type]) for c in table.columns)
    made = [
        {c.name: EDGE[c.type][i % len(EDGE[c.type])] for c in table.columns} for i in range(longest)
    ]
    made.append(dict.fromkeys(table.column_names))
    made.append({})  # a row without any of its fields: every column null
    return made


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_edge_values_of_every_column_type_read_alike(conn, table):
    both(conn, table, edge_rows(table))


def test_every_column_type_has_edge_values():
    assert {c.type for t in TABLES for c in t.columns} <= EDGE.keys()


@pytest.mark.parametrize(
    ("column_type", "value"),
    [("integer", "1.5"), ("integer", 1e100), ("date", "yesterday-ish"), ("text[]", "not a list")],
)
def test_a_value_one_reader_refuses_the_other_refuses(conn, column_type, value):
    table = next(t for t in TABLES if any(c.type == column_type for c in t.columns))
    column = next(c for c in table.columns if c.type == column_type)
    row = {column.name: value}
    objects = "[" + upsert._encode(row) + "]"
    [arrays] = upsert.chunks([row], 2**30, columns=table.column_names)
    for sql, text in ((reference_sql(table), objects), (positional_sql(table), arrays)):
        with pytest.raises(psycopg.errors.DataError):
            read(conn, sql, text)


def test_the_arrays_are_smaller_than_the_objects():
    path = DOCUMENTS / "full-daily.json"
    doc = documents.parse(
        path.read_bytes(), name=path.name, max_document_bytes=2**28, expected_account=None
    )
    plan = rows.build(doc)
    for built in plan.tables:
        if len(built.rows) >= 2:
            objects = sum(len(upsert._encode(r)) for r in built.rows)
            arrays = sum(
                map(len, upsert.chunks(built.rows, 2**30, columns=built.table.column_names))
            )
            assert arrays < objects, built.table.name
