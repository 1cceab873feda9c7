"""Fixtures and helpers for the receiver tests.

A test module imports the fixture functions it needs (``db_fixture``, ``bucket_fixture``) to
make the fixtures ``db`` and ``bucket`` available. ``db`` builds on conftest's ``migrated_dsn``:
a copy of a database migrated once per session.

``db``: a migrated database and an executor on it, once through psycopg and once through the
production Data API executor (served by the Data API double). ``bucket``: an S3 bucket with
versioning and a KMS key on the moto server. Helpers build documents, gzip them, count rows.
"""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
from psycopg.rows import dict_row

from labkit.large_documents import DOCUMENTS
from receiver.db import Executor
from receiver.db.data_api import CLIENT_CONFIG, DataApiExecutor
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.loader import FileRef
from receiver.receive import load_bytes
from receiver.tables import TABLES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = DOCUMENTS
CLUSTER_ARN = "arn:aws:rds:eu-west-1:111111111111:cluster:observability"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:observability-db-AbCdEf"
# The data_api fixture signs these in as the session's loader and reader (tests/conftest.py).
LOADER_SECRET_ARN = (
    "arn:aws:secretsmanager:eu-west-1:111111111111:secret:observability/database/loader-AbCdEf"
)
READER_SECRET_ARN = (
    "arn:aws:secretsmanager:eu-west-1:111111111111:secret:observability/database/reader-AbCdEf"
)
DATA_TABLES = sorted({t.name for t in TABLES} | {"collection_runs", "collector_runs"})


@dataclass
class Db:
    """A migrated database, the executor under test, and direct access for assertions."""

    kind: str  # "psycopg" | "data_api"
    dsn: str
    executor: Executor
    data_api: Any = None  # the double, for the data_api kind
    _extra: list[Executor] = field(default_factory=list)
    _conn: psycopg.Connection | None = None

    @property
    def name(self) -> str:
        return urlsplit(self.dsn).path.lstrip("/")

    def new_executor(self) -> Executor:
        """Another executor of the same kind (one per thread)."""
        executor: Executor
        if self.kind == "psycopg":
            executor = PsycopgExecutor(self.dsn)
        else:
            executor = data_api_executor_for(self.name)
        self._extra.append(executor)
        return executor

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        """Run SQL on a connection of its own (autocommit), for assertions."""
        if self._conn is None:
            self._conn = psycopg.connect(self.dsn, autocommit=True, row_factory=dict_row)
            self._conn.execute("SET TIME ZONE 'UTC'")
        return self._conn.execute(sql, params).fetchall()

    def counts(self) -> dict[str, int]:
        """Rows per data table (only tables with rows)."""
        union = " UNION ALL ".join(
            f"SELECT '{t}' AS t, count(*) AS n FROM \"{t}\"" for t in DATA_TABLES
        )
        return {r["t"]: r["n"] for r in self.query(union) if r["n"]}

    def close(self) -> None:
        for executor in [self.executor, *self._extra]:
            executor.close()
        if self._conn is not None:
            self._conn.close()


def data_api_executor_for(database: str, **options: Any) -> DataApiExecutor:
    """Signed in as the loader, as the receiver is (``secret_arn=`` to choose another)."""
    client = boto3.client("rds-data", region_name="eu-west-1", config=CLIENT_CONFIG)
    options.setdefault("sleep", lambda _: None)
    options.setdefault("secret_arn", LOADER_SECRET_ARN)
    return DataApiExecutor(cluster_arn=CLUSTER_ARN, database=database, client=client, **options)


@pytest.fixture(name="db", params=["psycopg", "data_api"])
def db_fixture(request: pytest.FixtureRequest, migrated_dsn: str) -> Iterator[Db]:
    """A migrated database, through each executor in turn."""
    if request.param == "psycopg":
        executor: Executor = PsycopgExecutor(migrated_dsn)
        double = None
    else:
        double = request.getfixturevalue("data_api")
        executor = data_api_executor_for(urlsplit(migrated_dsn).path.lstrip("/"))
    database = Db(request.param, migrated_dsn, executor, double)
    try:
        yield database
    finally:
        database.close()


@dataclass
class Bucket:
    s3: Any
    name: str
    kms_key: str

    def put(self, key: str, body: bytes) -> str:
        """Upload; returns the version id."""
        return self.s3.put_object(Bucket=self.name, Key=key, Body=body)["VersionId"]

    def keys(self, prefix: str = "") -> list[str]:
        found = self.s3.list_objects_v2(Bucket=self.name, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"] for item in found)

    def get(self, key: str) -> dict[str, Any]:
        return self.s3.get_object(Bucket=self.name, Key=key)

    def body(self, key: str) -> bytes:
        return self.get(key)["Body"].read()


@pytest.fixture(name="bucket")
def bucket_fixture(moto_server: str) -> Bucket:
    """A fresh versioned bucket and a KMS key on the moto server."""
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="eu-west-1")
    kms = boto3.client("kms", endpoint_url=moto_server, region_name="eu-west-1")
    name = f"analytics-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    key = kms.create_key(Description="analytics")["KeyMetadata"]["Arn"]
    return Bucket(s3, name, key)


def fixture_doc(name: str = "full-daily") -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def gz(doc: Any) -> bytes:
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    return gzip.compress(text.encode(), mtime=0)


def data_key(doc: dict[str, Any], account: str | None = None) -> str:
    return (
        f"data/{account or doc['account_id']}/{doc['interval']}/{doc['window']['start']}/"
        f"{doc['run_id']}.json.gz"
    )


def variant(doc: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """A deep copy of ``doc`` with a new run id, changed by ``change``."""
    new = copy.deepcopy(doc)
    new["run_id"] = str(uuid.uuid4())
    change(new)
    return new


def only(doc: dict[str, Any], *sections: str, collectors: list[dict] | None = None) -> dict:
    """``doc`` reduced to some data sections (and their collectors, unless given)."""
    new = copy.deepcopy(doc)
    new["run_id"] = str(uuid.uuid4())
    new["data"] = {k: v for k, v in doc["data"].items() if k in sections}
    new["collectors"] = (
        collectors
        if collectors is not None
        else [c for c in doc["collectors"] if c["name"] in sections]
    )
    return new


@dataclass
class FakeContext:
    """What Powertools and the handler read from the Lambda context."""

    remaining_ms: int = 300_000
    function_name: str = "receiver"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:111111111111:function:receiver"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


# Loading helpers shared by the loader and snapshot tests.


def ref_for(doc: dict[str, Any], version: str = "v1") -> FileRef:
    return FileRef(
        "analytics", data_key(doc), version, account_id=doc["account_id"], size=1, etag='"e"'
    )


def load_doc(db: Db, doc: dict[str, Any], version: str = "v1", executor: Any = None) -> Any:
    return load_bytes(
        executor or db.executor, ref_for(doc, version), gz(doc), expected_account=None
    )


def shifted(doc: dict[str, Any], days: int, collected_hours: float = 0) -> dict[str, Any]:
    """The same run ``days`` later (window and collected_at), with a new run id."""

    def shift(d: dict[str, Any]) -> None:
        for edge in ("start", "end"):
            d["window"][edge] = (
                date.fromisoformat(d["window"][edge]) + timedelta(days)
            ).isoformat()
        at = datetime.fromisoformat(d["collected_at"].replace("Z", "+00:00"))
        d["collected_at"] = (at + timedelta(days=days, hours=collected_hours)).isoformat()

    return variant(doc, shift)


def current_rows(db: Db, view: str, column: str) -> list[tuple[str, Any]]:
    """(snapshot date, ``column``) of every row of a ``v_*_current`` view, sorted."""
    return sorted((str(r["snapshot_date"]), r[column]) for r in db.query(f"SELECT * FROM {view}"))
