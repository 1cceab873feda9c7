"""Every QuickSight dataset's SQL, run on the database `make demo` loads, as a read-only role
with exactly the reader's grants (``receiver.db.roles.grants_sql``: SELECT on views, nothing on
tables): each returns rows, with the columns and QuickSight types its CreateDataSet request
declares. A dataset reading a table, or declaring a column the query does not return, fails here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql as pgsql

from dashboards.datasets import DATASETS
from receiver.db.roles import RoleNames, grants_sql

# PostgreSQL result types -> the QuickSight input column type a dataset must declare
QUICKSIGHT_TYPE = {
    "text": "STRING",
    "bpchar": "STRING",
    "varchar": "STRING",
    "int2": "INTEGER",
    "int4": "INTEGER",
    "int8": "INTEGER",
    "numeric": "DECIMAL",
    "date": "DATETIME",
    "timestamptz": "DATETIME",
    "timestamp": "DATETIME",
    "bool": "BOOLEAN",
}
READER, LOADER = "dashboards_test_reader", "dashboards_test_loader"


@pytest.fixture(scope="module")
def reader_url(demo) -> Iterator[str]:
    assert demo.returncode == 0, demo.stderr[-2000:]
    password = secrets.token_urlsafe(16)
    with psycopg.connect(demo.database_url, autocommit=True) as connection:
        for role in (READER, LOADER):
            connection.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(role)))
        connection.execute(
            pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                pgsql.Identifier(READER), pgsql.Literal(password)
            )
        )
        connection.execute(pgsql.SQL("CREATE ROLE {}").format(pgsql.Identifier(LOADER)))
        connection.execute(grants_sql(RoleNames("postgres", LOADER, READER)))
    parts = urlsplit(demo.database_url)
    netloc = f"{READER}:{password}@{parts.hostname}:{parts.port}"
    yield urlunsplit(parts._replace(netloc=netloc))
    with psycopg.connect(demo.database_url, autocommit=True) as connection:
        for role in (READER, LOADER):
            connection.execute(pgsql.SQL("DROP OWNED BY {}").format(pgsql.Identifier(role)))
            connection.execute(pgsql.SQL("DROP ROLE {}").format(pgsql.Identifier(role)))


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.key)
def test_the_dataset_returns_rows_as_the_reader(reader_url, dataset):
    with psycopg.connect(reader_url) as connection:
        cursor = connection.execute(dataset.sql)
        rows = cursor.fetchall()
        assert cursor.description is not None
        types = {
            oid: name
            for oid, name in connection.execute("SELECT oid, typname FROM pg_type").fetchall()
        }
        returned = [(c.name, QUICKSIGHT_TYPE[types[c.type_code]]) for c in cursor.description]
    assert returned == [(c.name, c.type) for c in dataset.columns]
    assert rows, f"{dataset.key} returned no rows on the demo's database"


def test_the_reader_cannot_read_a_table(reader_url):
    with (
        psycopg.connect(reader_url) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("SELECT count(*) FROM cost_daily")
