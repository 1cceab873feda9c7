"""One S3 file end to end (moto S3, real PostgreSQL through both executors).

A good file is committed, then moved to ``loaded/`` (KMS-encrypted); a bad one ends in
``failed/`` beside a reason naming the file, the field and what is wrong, with an ``ingestions``
row and zero data rows; when the database or S3 is unavailable the file stays in ``data/``.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from receiver.failures import TransientLoadError
from receiver.receive import Limits, load_bytes, receive_object
from support.receiver_fixtures import (
    Bucket,
    Db,
    bucket_fixture,  # noqa: F401 - fixture
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
)


def receive(db: Db, bucket: Bucket, key: str, **limits: int) -> Any:
    return receive_object(
        bucket.s3, db.executor, bucket.name, key, kms_key=bucket.kms_key, limits=Limits(**limits)
    )


def assert_encrypted(bucket: Bucket, key: str) -> None:
    head = bucket.s3.head_object(Bucket=bucket.name, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == bucket.kms_key


def test_a_good_file_is_committed_then_moved_to_loaded(db, bucket):
    doc = fixture_doc("full-daily")
    key = data_key(doc)
    body = gz(doc)
    version = bucket.put(key, body)
    result = receive(db, bucket, key)
    assert result.status == "loaded"
    assert result.ref.version_id == version and result.ref.size == len(body)
    rest = key.removeprefix("data/")
    assert bucket.keys() == [f"loaded/{rest}"]
    assert bucket.body(f"loaded/{rest}") == body
    assert_encrypted(bucket, f"loaded/{rest}")
    (row,) = db.query("SELECT * FROM ingestions")
    assert (row["bucket"], row["object_key"], row["version_id"]) == (bucket.name, key, version)
    assert row["status"] == "loaded" and row["size_bytes"] == len(body) and row["etag"]
    assert row["account_id"] == doc["account_id"]
    assert db.counts()["securityhub_findings"] == 3


def test_a_redelivered_file_is_acknowledged_and_loaded_once(db, bucket):
    doc = fixture_doc("full-daily")
    key = data_key(doc)
    version = bucket.put(key, gz(doc))
    first = receive(db, bucket, key)
    counts = db.counts()
    again = receive_object(  # the same notification, with its version id this time
        bucket.s3, db.executor, bucket.name, key, version, kms_key=bucket.kms_key
    )
    assert (first.status, again.status) == ("loaded", "skipped")
    assert db.counts() == counts
    assert len(db.query("SELECT * FROM ingestions")) == 1


def test_a_move_interrupted_after_the_commit_is_finished_on_redelivery(db, bucket):
    doc = fixture_doc("minimal")
    key = data_key(doc)
    version = bucket.put(key, gz(doc))
    # The Lambda committed, then died before moving the file: only the database side ran.
    etag = bucket.get(key)["ETag"]
    from receiver.loader import FileRef

    ref = FileRef(bucket.name, key, version, etag, len(gz(doc)), doc["account_id"])
    assert load_bytes(db.executor, ref, gz(doc), expected_account=None).status == "loaded"
    assert bucket.keys("data/") == [key]
    result = receive(db, bucket, key)
    assert result.status == "skipped"
    assert bucket.keys() == [key.replace("data/", "loaded/", 1)]


def test_an_object_already_gone_is_reported_missing(db, bucket):
    result = receive(db, bucket, "data/123456789012/DAILY/2026-11-24/nothing.json.gz")
    assert result.status == "missing"
    assert db.query("SELECT * FROM ingestions") == []


def test_the_database_down_leaves_the_file_in_data(db, bucket):
    doc = fixture_doc("full-daily")
    key = data_key(doc)
    bucket.put(key, gz(doc))
    if db.kind == "psycopg":
        import psycopg

        pid = db.executor.execute("SELECT pg_backend_pid() AS pid")[0]["pid"]
        with psycopg.connect(db.dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        db.data_api.fail_next("DatabaseUnavailableException", 10)  # every attempt it makes
    with pytest.raises(TransientLoadError):
        receive(db, bucket, key)
    assert bucket.keys() == [key]
    assert db.counts() == {} and db.query("SELECT * FROM ingestions") == []


def test_s3_unreachable_is_transient_and_touches_nothing(db):
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="eu-west-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(TransientLoadError, match="S3 unreachable"):
        receive_object(s3, db.executor, "analytics", "data/123456789012/x/r.json.gz", kms_key=None)
    assert db.query("SELECT * FROM ingestions") == []


# --------------------------------------------------------------------------- bad files


@dataclass
class Bad:
    kind: str
    field: str | None
    reason: str  # regex
    body: Callable[[dict[str, Any]], bytes]
    key: Callable[[dict[str, Any]], str] = data_key
    limits: dict[str, int] | None = None


def _text(change: Callable[[str], str]) -> Callable[[dict[str, Any]], bytes]:
    return lambda doc: gzip.compress(change(json.dumps(doc)).encode(), mtime=0)


def _doc(change: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], bytes]:
    def make(doc: dict[str, Any]) -> bytes:
        changed = copy.deepcopy(doc)
        change(changed)
        return gz(changed)

    return make


def _corrupt(doc: dict[str, Any]) -> bytes:
    data = bytearray(gz(doc))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def _finding(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["data"]["securityhub"]["findings"][0]


BAD = {
    "truncated gzip": Bad("gzip", None, r"truncated gzip data", lambda d: gz(d)[:-40]),
    "corrupt gzip": Bad("gzip", None, r"corrupt gzip data", _corrupt),
    "not gzip": Bad("gzip", None, r"named \.gz but is not gzip", lambda d: json.dumps(d).encode()),
    "invalid JSON": Bad(
        "json",
        None,
        r"not valid JSON: .* line 1 column 26",
        lambda d: gz('{"schema_version": "1.0",'),
    ),
    "empty file": Bad(
        "json", None, r"Expecting value", lambda d: b"", key=lambda d: data_key(d)[:-3]
    ),
    "not UTF-8": Bad("encoding", None, r"not UTF-8", lambda d: gzip.compress(b'{"a": "\xff"}')),
    "repeated JSON key": Bad(
        "json",
        None,
        r"'run_id' twice",
        _text(lambda t: t.replace('"run_id"', '"run_id": "x", "run_id"', 1)),
    ),
    "missing field": Bad(
        "contract", "/run_id", r"'run_id' is a required property", _doc(lambda d: d.pop("run_id"))
    ),
    "mistyped field": Bad(
        "contract",
        "/collectors/0/item_count",
        r"'1' is not of type 'integer', 'null'",
        _doc(lambda d: d["collectors"][0].update(item_count="1")),
    ),
    "unknown field": Bad(
        "contract",
        "/data/kms_keys/0/colour",
        r"'colour' was unexpected",
        _doc(lambda d: d["data"]["kms_keys"][0].update(colour="blue")),
    ),
    "unknown schema version": Bad(
        "contract",
        "/schema_version",
        r"unsupported schema version '2\.0'",
        _doc(lambda d: d.update(schema_version="2.0")),
    ),
    "account not matching the key": Bad(
        "account_mismatch",
        "/account_id",
        r"for account '123456789012' but was written under data/999999999999/",
        gz,
        key=lambda d: data_key(d, account="999999999999"),
    ),
    "key outside the layout": Bad(
        "key",
        None,
        r"does not follow data/<12-digit account id>/",
        gz,
        key=lambda d: "data/not-an-account/file.json.gz",
    ),
    "oversize object": Bad(
        "too_large",
        None,
        r"the object is \d+ bytes; the limit is 1000",
        gz,
        limits={"max_object_bytes": 1000},
    ),
    "oversize document": Bad(
        "too_large",
        None,
        r"decompresses to more than 20000 bytes",
        gz,
        limits={"max_document_bytes": 20_000},
    ),
    "NaN": Bad(
        "contract",
        "/data/securityhub/findings/0/severity_normalized",
        r"nan is not a finite number",
        _text(lambda t: t.replace('"severity_normalized": 70', '"severity_normalized": NaN', 1)),
    ),
    "Infinity": Bad(
        "contract",
        "/data/guardduty_findings/0/severity",
        r"inf is not a finite number",
        _text(lambda t: re.sub(r'"severity": [0-9.]+', '"severity": Infinity', t, count=1)),
    ),
    "string over its length limit": Bad(
        "contract",
        "/data/securityhub/findings/0/title",
        r"is too long",
        _doc(lambda d: _finding(d).update(title="x" * 1025)),
    ),
    "NUL character": Bad(
        "contract",
        "/data/account/name",
        r"does not match",
        _doc(lambda d: d["data"]["account"].update(name="acme\u0000corp")),
    ),
    "duplicate natural key": Bad(
        "duplicate_key",
        "/data/kms_keys/3",
        r"same natural key of kms_keys \(key_arn='arn:aws:kms:.*'\); the first is /data/kms_keys/0",
        _doc(lambda d: d["data"]["kms_keys"].append(d["data"]["kms_keys"][0])),
    ),
    "duplicate child key": Bad(
        "duplicate_key",
        "/data/waf_web_acls/0/rules/3",
        r"same natural key of waf_rules",
        _doc(
            lambda d: d["data"]["waf_web_acls"][0]["rules"].append(
                d["data"]["waf_web_acls"][0]["rules"][1]
            )
        ),
    ),
    "number too large for its column": Bad(
        "out_of_range",
        "/data/securityhub/severity_counts/0/count",
        r"does not fit column securityhub_severity_counts\.count \(integer",
        _doc(lambda d: d["data"]["securityhub"]["severity_counts"][0].update(count=2**40)),
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_file_ends_in_failed_with_a_precise_reason(db, bucket, case):
    bad = BAD[case]
    doc = fixture_doc("full-daily")
    key, body = bad.key(doc), bad.body(doc)
    version = bucket.put(key, body)

    result = receive(db, bucket, key, **(bad.limits or {}))

    assert result.status == "failed"
    assert (result.error.kind, result.error.field) == (bad.kind, bad.field)
    assert re.search(bad.reason, result.error.reason), result.error.reason
    rest = key.removeprefix("data/")
    assert bucket.keys() == sorted([f"failed/{rest}", f"failed/{rest}.reason.json"])
    assert bucket.body(f"failed/{rest}") == body, "the file is kept as it was"
    assert_encrypted(bucket, f"failed/{rest}")
    reason = json.loads(bucket.body(f"failed/{rest}.reason.json"))
    assert reason["file"] == f"s3://{bucket.name}/{key}"
    assert reason["version_id"] == version
    assert (reason["error"], reason["field"]) == (bad.kind, bad.field)
    assert re.search(bad.reason, reason["reason"])
    (row,) = db.query("SELECT * FROM ingestions")
    assert row["status"] == "failed" and row["version_id"] == version
    assert bad.kind in row["error"] and (bad.field or "") in row["error"]
    assert row["rows"] == {}
    assert db.counts() == {}, "nothing of the file is written"


def test_every_violation_is_listed_in_the_reason(db, bucket):
    doc = fixture_doc("full-daily")
    doc["data"]["kms_keys"][0]["key_arn"] = "not-an-arn"
    del doc["collected_at"]
    key = data_key(doc)
    bucket.put(key, gz(doc))
    result = receive(db, bucket, key)
    reason = json.loads(bucket.body("failed/" + key.removeprefix("data/") + ".reason.json"))
    assert result.error.field == "/collected_at"
    assert [v["field"] for v in reason["violations"]] == [
        "/collected_at",
        "/data/kms_keys/0/key_arn",
    ]
    assert "(and 1 more violation(s))" in reason["reason"]
