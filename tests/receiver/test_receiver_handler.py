"""The Lambda handler on real S3 notifications: moto S3 notifies a moto SQS queue, the test
receives the messages and hands them to ``lambda_handler`` as the event source mapping would.

Partial batch failures: a bad file is moved to ``failed/`` and its message acknowledged; a
message whose file could not be loaded for a transient reason is returned for redelivery.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from receiver import handler
from support.receiver_fixtures import (
    CLUSTER_ARN,
    SECRET_ARN,
    Bucket,
    Db,
    FakeContext,
    bucket_fixture,  # noqa: F401 - fixture
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
    variant,
)


@dataclass
class Pipeline:
    db: Db
    bucket: Bucket
    sqs: Any
    queue_url: str
    queue_arn: str

    def messages(self, expected: int) -> list[dict[str, Any]]:
        """Receive until ``expected`` messages arrived (S3 test event excluded)."""
        found: list[dict[str, Any]] = []
        for _ in range(20):
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            for message in response.get("Messages", []):
                if "s3:TestEvent" not in message["Body"]:
                    found.append(message)
            if len(found) >= expected:
                break
        assert len(found) == expected
        return found

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The Lambda event the SQS event source mapping builds from these messages."""
        return {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": "eu-west-1",
                }
                for m in messages
            ]
        }

    def put(self, doc: dict[str, Any], key: str | None = None, body: bytes | None = None) -> str:
        key = key or data_key(doc)
        self.bucket.put(key, body if body is not None else gz(doc))
        return key


@pytest.fixture
def pipeline(db, bucket, moto_server, monkeypatch) -> Iterator[Pipeline]:
    sqs = boto3.client("sqs", endpoint_url=moto_server, region_name="eu-west-1")
    queue_url = sqs.create_queue(QueueName=f"receiver-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    bucket.s3.put_bucket_notification_configuration(
        Bucket=bucket.name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "data/"}]}},
                }
            ]
        },
    )
    monkeypatch.setenv("BUCKET", bucket.name)
    monkeypatch.setenv("ANALYTICS_KMS_KEY", bucket.kms_key)
    monkeypatch.setenv("REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_server)
    if db.kind == "psycopg":
        monkeypatch.setenv("DATABASE_URL", db.dsn)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setenv("AURORA_CLUSTER_ARN", CLUSTER_ARN)
        monkeypatch.setenv("AURORA_SECRET_ARN", SECRET_ARN)
        monkeypatch.setenv("DB_NAME", db.name)
    handler.runtime.cache_clear()
    yield Pipeline(db, bucket, sqs, queue_url, queue_arn)
    handler.runtime.cache_clear()


def days(n: int) -> list[dict[str, Any]]:
    """``n`` daily documents of one account (different days, different runs)."""
    base = fixture_doc("full-daily")
    docs = []
    for i in range(n):

        def move(d: dict[str, Any], i: int = i) -> None:
            d["window"] = {"start": f"2026-11-{10 + i:02d}", "end": f"2026-11-{11 + i:02d}"}
            d["collected_at"] = f"2026-11-{11 + i:02d}T02:00:00Z"

        docs.append(variant(base, move))
    return docs


def test_the_s3_test_event_is_acknowledged(pipeline):
    response = pipeline.sqs.receive_message(QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10)
    test_events = [m for m in response["Messages"] if "s3:TestEvent" in m["Body"]]
    assert test_events, "S3 sends a test event when the notification is configured"
    result = handler.lambda_handler(pipeline.event(test_events), FakeContext())
    assert result == {"batchItemFailures": []}
    assert pipeline.db.query("SELECT * FROM ingestions") == []


def test_one_bad_file_in_a_batch_of_ten(pipeline, capsys):
    logs = io.StringIO()
    log_handler = logging.StreamHandler(logs)
    log_handler.setFormatter(handler.logger.registered_formatter)
    logging.getLogger(handler.logger.name).addHandler(log_handler)
    docs = days(10)
    bad_key = pipeline.put(docs[4], body=b"{ not json")
    good_keys = [pipeline.put(doc) for i, doc in enumerate(docs) if i != 4]
    messages = pipeline.messages(10)

    result = handler.lambda_handler(pipeline.event(messages), FakeContext())

    assert result == {"batchItemFailures": []}, "the bad file is dealt with, not retried"
    bucket = pipeline.bucket
    assert bucket.keys("data/") == []
    assert bucket.keys("loaded/") == sorted(k.replace("data/", "loaded/", 1) for k in good_keys)
    bad_rest = bad_key.removeprefix("data/")
    assert bucket.keys("failed/") == [f"failed/{bad_rest}", f"failed/{bad_rest}.reason.json"]
    statuses = pipeline.db.query("SELECT status, count(*) AS n FROM ingestions GROUP BY status")
    assert {r["status"]: r["n"] for r in statuses} == {"loaded": 9, "failed": 1}
    assert pipeline.db.counts()["collection_runs"] == 9

    logging.getLogger(handler.logger.name).removeHandler(log_handler)
    metrics = capsys.readouterr().out
    assert '"FilesLoaded"' in metrics and '"FilesFailed"' in metrics
    assert '"Rows.kms_keys"' in metrics and '"LoadDuration"' in metrics
    entries = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert sum(e["message"] == "file loaded" for e in entries) == 9
    failed_log = next(entry for entry in entries if entry["message"].startswith("file failed"))
    assert failed_log["correlation_id"] == bad_key
    assert failed_log["error"] == "gzip"  # named .json.gz, not gzip


def test_keys_are_url_decoded(pipeline):
    doc = fixture_doc("minimal")
    key = f"data/{doc['account_id']}/DAILY/2026-11-24/run 1+ü (copy).json.gz"
    pipeline.put(doc, key=key)
    (message,) = pipeline.messages(1)
    assert "run+1%2B" in message["Body"], "S3 URL-encodes keys in notifications"
    result = handler.lambda_handler(pipeline.event([message]), FakeContext())
    assert result == {"batchItemFailures": []}
    (row,) = pipeline.db.query("SELECT object_key, status FROM ingestions")
    assert row == {"object_key": key, "status": "loaded"}
    assert pipeline.bucket.keys() == [key.replace("data/", "loaded/", 1)]


def test_the_database_down_returns_the_message_and_keeps_the_file(pipeline, monkeypatch):
    key = pipeline.put(fixture_doc("minimal"))
    (message,) = pipeline.messages(1)
    if pipeline.db.kind == "psycopg":
        monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
        handler.runtime.cache_clear()
    else:
        pipeline.db.data_api.fail_next("DatabaseUnavailableException", 3)
    # Little time left in the invocation: the executor gives up instead of sleeping past it.
    result = handler.lambda_handler(pipeline.event([message]), FakeContext(remaining_ms=5_000))
    assert result == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert pipeline.bucket.keys() == [key]
    assert pipeline.db.query("SELECT * FROM ingestions") == []


@pytest.mark.parametrize("db", ["data_api"], indirect=True)  # an Aurora Serverless behaviour
def test_the_database_resuming_is_retried_then_loaded(pipeline):
    key = pipeline.put(fixture_doc("minimal"))
    (message,) = pipeline.messages(1)
    pipeline.db.data_api.fail_next("DatabaseResumingException", 2)
    result = handler.lambda_handler(pipeline.event([message]), FakeContext())
    assert result == {"batchItemFailures": []}
    assert pipeline.bucket.keys() == [key.replace("data/", "loaded/", 1)]
    assert pipeline.db.data_api.calls["ExecuteStatement"] > 0


def test_a_message_that_is_no_s3_notification_is_returned(pipeline):
    event = pipeline.event(
        [{"MessageId": "m-1", "ReceiptHandle": "r", "Body": "not json", "MD5OfBody": "x"}]
    )
    result = handler.lambda_handler(event, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_objects_outside_data_are_ignored(pipeline):
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Copy",
                    "s3": {
                        "bucket": {"name": pipeline.bucket.name},
                        "object": {"key": "loaded/123456789012/x.json.gz", "size": 1},
                    },
                }
            ]
        }
    )
    event = pipeline.event(
        [{"MessageId": "m-2", "ReceiptHandle": "r", "Body": body, "MD5OfBody": "x"}]
    )
    assert handler.lambda_handler(event, FakeContext()) == {"batchItemFailures": []}
    assert pipeline.db.query("SELECT * FROM ingestions") == []
