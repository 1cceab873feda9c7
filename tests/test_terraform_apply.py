"""`examples/complete` applied on a moto server; then the real handlers run on what it deployed.

pytest-terraform applies ``tests/terraform/complete_on_moto`` (examples/complete with destroyable
settings, and zips of the sources only: moto runs no code) with the AWS provider pointed at the
session's moto server through the environment only (``AWS_ENDPOINT_URL`` and test keys: the
modules carry no test settings). Then:

- a document uploaded the way the sender uploads it (``sender.upload.upload``: key under
  ``data/<account>/``, SSE-KMS with the deployed key) reaches the deployed queue through the
  deployed S3 notification;
- the migration handler runs in-process with the deployed migration function's environment and the
  input Terraform invoked it with, the receiver handler with the deployed receiver's environment
  and the message taken from the queue, as the event source mapping would deliver it. Their Data
  API calls (to the deployed cluster and secret ARNs, database ``DB_NAME``) are served by the Data
  API double on the test PostgreSQL;
- the rows are in PostgreSQL, the file is under ``loaded/``; then ``terraform destroy`` succeeds
  and leaves nothing behind.

moto workarounds, all in this harness:
- ``{"lambda": {"use_docker": false}}`` before apply: moto then accepts functions and answers
  ``aws_lambda_invocation`` (the migration) with an echo instead of running the code;
- the data bucket's policy is deleted after apply: moto ignores policy conditions, so the
  TLS-only ``Deny`` (``aws:SecureTransport = false``) would refuse every object call;
- moto 5.2 neither stores nor returns a queue's ``RedriveAllowPolicy``, so the provider would wait
  forever for ``aws_sqs_queue_redrive_allow_policy`` to show up: the in-process moto server's
  ``Queue`` is patched to keep and return it while this module runs;
- the event source mapping is disabled after apply: with it enabled moto hands each message to
  its echoing Lambda and deletes it; the test plays the mapping's part instead.

Apply takes about 105 s and destroy about 75 s (provider waits for SQS and RDS): about 3 min.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import boto3
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
MOTO_ACCOUNT = "123456789012"
NAME = f"obs-moto-{uuid.uuid4().hex[:6]}"

pytestmark = pytest.mark.terraform

if shutil.which("terraform") is None:  # pragma: no cover - CI and the README require it
    pytest.skip("terraform is not installed (see README prerequisites)", allow_module_level=True)

from pytest_terraform import terraform  # noqa: E402

from support.receiver_fixtures import FakeContext, fixture_doc  # noqa: E402

# Sources of each zip (scripts/package.py's layout, without the dependencies: moto runs no code).
ZIP_SOURCES = {
    "analytics": ["src/observability", "src/receiver", "sql"],
    "sender": ["src/observability", "src/sender"],
}


def source_zip(name: str, out: Path) -> Path:
    path = out / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in ZIP_SOURCES[name]:
            base = ROOT / source
            for file in sorted(base.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    archive.write(file, f"{base.name}/{file.relative_to(base)}")
    return path


def keep_redrive_allow_policy(mp: pytest.MonkeyPatch) -> None:
    """Teach moto's SQS queues the ``RedriveAllowPolicy`` attribute (set, get, get by name)."""
    from moto.sqs.models import Queue

    attributes = Queue.attributes

    def with_redrive_allow_policy(queue: Queue) -> dict[str, Any]:
        found = attributes.fget(queue)
        if not found.get("RedriveAllowPolicy"):  # never set, or removed ("")
            found.pop("RedriveAllowPolicy", None)
        return found

    mp.setattr(Queue, "BASE_ATTRIBUTES", [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"])
    mp.setattr(Queue, "redrive_allow_policy", None, raising=False)
    mp.setattr(Queue, "attributes", property(with_redrive_allow_policy))


@pytest.fixture(scope="module", autouse=True)
def moto_environment(moto_server: str, tmp_path_factory) -> Iterator[None]:
    """Environment of the terraform subprocess (pytest-terraform passes ``os.environ`` on)."""
    with urllib.request.urlopen(
        urllib.request.Request(
            f"{moto_server}/moto-api/config",
            data=json.dumps({"lambda": {"use_docker": False}}).encode(),
            method="POST",
        )
    ) as response:
        assert response.status < 300
    zips = tmp_path_factory.mktemp("zips")
    with pytest.MonkeyPatch.context() as mp:
        keep_redrive_allow_policy(mp)
        mp.setenv("AWS_ENDPOINT_URL", moto_server)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_REGION", REGION)
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("CHECKPOINT_DISABLE", "1")
        rc = ROOT / "build" / "terraformrc"
        if rc.exists():  # written by the Makefile: the offline provider mirror, when there is one
            mp.setenv("TF_CLI_CONFIG_FILE", str(rc))
        mp.setenv("TF_VAR_name", NAME)
        mp.setenv("TF_VAR_analytics_package_path", str(source_zip("analytics", zips)))
        mp.setenv("TF_VAR_sender_package_path", str(source_zip("sender", zips)))
        yield


terraform("complete_on_moto", scope="module")


@dataclass
class Deployment:
    outputs: dict[str, Any]
    state: Any  # pytest-terraform's TerraformTestApi
    moto: str
    bucket: str
    kms_key_arn: str
    queue_url: str
    queue_arn: str
    mapping: dict[str, Any]
    receiver: dict[str, Any]  # get_function_configuration
    migration: dict[str, Any]

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.moto, region_name=REGION)


def _function(lam: Any, name: str) -> dict[str, Any]:
    return lam.get_function_configuration(FunctionName=name)


@pytest.fixture(scope="module")
def deployed(complete_on_moto, moto_server: str) -> Deployment:
    outputs = {name: value["value"] for name, value in complete_on_moto.outputs.items()}
    settings = outputs["sender_settings"]
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=moto_server, region_name=REGION)
    lam = boto3.client("lambda", endpoint_url=moto_server, region_name=REGION)

    # moto quirk: policy conditions are ignored, so the TLS-only Deny would refuse everything.
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=settings["bucket_name"])["Policy"]
    s3.delete_bucket_policy(Bucket=settings["bucket_name"])

    receiver = _function(lam, f"{NAME}-receiver")
    migration = _function(lam, f"{NAME}-migrate")
    (mapping,) = [
        m
        for m in lam.list_event_source_mappings()["EventSourceMappings"]
        if m["FunctionArn"] == receiver["FunctionArn"]
    ]
    # moto quirk: an enabled mapping feeds moto's echoing Lambda and deletes the messages.
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    queue_arn = mapping["EventSourceArn"]
    queue_url = sqs.get_queue_url(
        QueueName=queue_arn.rsplit(":", 1)[1], QueueOwnerAWSAccountId=MOTO_ACCOUNT
    )["QueueUrl"]
    return Deployment(
        outputs=outputs,
        state=complete_on_moto,
        moto=moto_server,
        bucket=settings["bucket_name"],
        kms_key_arn=settings["kms_key_arn"],
        queue_url=queue_url,
        queue_arn=queue_arn,
        mapping=mapping,
        receiver=receiver,
        migration=migration,
    )


def handler_function(configuration: dict[str, Any]) -> Any:
    """The function the deployed ``Handler`` setting names, imported from this tree."""
    module, _, attribute = configuration["Handler"].rpartition(".")
    return getattr(importlib.import_module(module), attribute)


@contextlib.contextmanager
def function_environment(
    monkeypatch: pytest.MonkeyPatch, configuration: dict[str, Any], moto: str
) -> Iterator[dict[str, str]]:
    """The deployed function's environment variables; AWS calls still go to moto."""
    variables = configuration["Environment"]["Variables"]
    with monkeypatch.context() as mp:
        mp.delenv("DATABASE_URL", raising=False)  # the deployed functions use the Data API
        for name, value in variables.items():
            mp.setenv(name, value)
        mp.setenv("AWS_ENDPOINT_URL", moto)
        yield variables


def context_of(configuration: dict[str, Any]) -> FakeContext:
    return FakeContext(
        remaining_ms=configuration["Timeout"] * 1000,
        function_name=configuration["FunctionName"],
        memory_limit_in_mb=configuration["MemorySize"],
        invoked_function_arn=configuration["FunctionArn"],
    )


def test_the_deployed_wiring(deployed):
    s3 = deployed.client("s3")
    notification = s3.get_bucket_notification_configuration(Bucket=deployed.bucket)
    (queue_config,) = notification["QueueConfigurations"]
    assert queue_config["QueueArn"] == deployed.queue_arn
    rules = queue_config["Filter"]["Key"]["FilterRules"]
    assert {"Name": "Prefix", "Value": "data/"} in rules or {
        "Name": "prefix",
        "Value": "data/",
    } in rules
    encryption = s3.get_bucket_encryption(Bucket=deployed.bucket)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == deployed.kms_key_arn

    assert deployed.mapping["FunctionArn"] == deployed.receiver["FunctionArn"]
    assert deployed.mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    attributes = deployed.client("sqs").get_queue_attributes(
        QueueUrl=deployed.queue_url, AttributeNames=["All"]
    )["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith("-uploads-dlq")
    assert int(attributes["VisibilityTimeout"]) >= 6 * deployed.receiver["Timeout"]

    env = deployed.receiver["Environment"]["Variables"]
    assert env["BUCKET"] == deployed.bucket
    assert env["ANALYTICS_KMS_KEY"] == deployed.kms_key_arn
    assert env["AURORA_CLUSTER_ARN"] == deployed.outputs["cluster_arn"]
    assert env["AURORA_SECRET_ARN"] == deployed.outputs["secret_arn"]
    assert deployed.receiver["Handler"] == "receiver.handler.lambda_handler"
    assert deployed.migration["Handler"] == "receiver.migrate_handler.lambda_handler"


def test_a_sender_document_is_loaded_by_the_deployed_receiver(
    deployed, data_api, fresh_dsn, monkeypatch
):
    from receiver import handler
    from sender.upload import upload

    # The deployed database name (DB_NAME) is served by a fresh database on the test server.
    database = urlsplit(fresh_dsn).path.lstrip("/")
    deployed_database = deployed.receiver["Environment"]["Variables"]["DB_NAME"]
    assert deployed.migration["Environment"]["Variables"]["DB_NAME"] == deployed_database
    connect = data_api._connect
    monkeypatch.setattr(
        data_api, "_connect", lambda name: connect(database if name == deployed_database else name)
    )

    # 1. Migrations, as `aws_lambda_invocation` ran them on apply (moto only echoed the input).
    invocation = deployed.state["aws_lambda_invocation.migration"]
    assert invocation["function_name"] == deployed.migration["FunctionName"]
    with function_environment(monkeypatch, deployed.migration, deployed.moto):
        migrated = handler_function(deployed.migration)(
            json.loads(invocation["input"]), context_of(deployed.migration)
        )
    assert migrated["applied"], "the fresh database got every migration"

    # 2. The sender's upload, as the sender in this account does it.
    document = fixture_doc("full-daily")
    assert document["account_id"] == MOTO_ACCOUNT
    s3 = deployed.client("s3")
    uploaded = upload(s3, deployed.bucket, deployed.kms_key_arn, document)
    assert uploaded.key.startswith(f"data/{MOTO_ACCOUNT}/DAILY/")

    # 3. The deployed S3 notification put it on the deployed queue.
    sqs = deployed.client("sqs")
    messages = []
    for _ in range(10):
        response = sqs.receive_message(
            QueueUrl=deployed.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        messages += [m for m in response.get("Messages", []) if "s3:TestEvent" not in m["Body"]]
        if messages:
            break
    (message,) = messages
    notified_key = json.loads(message["Body"])["Records"][0]["s3"]["object"]["key"]
    assert unquote_plus(notified_key) == uploaded.key  # keys are URL-encoded in notifications

    # 4. The receiver, with the deployed environment, given what the event source mapping sends.
    event = {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": deployed.queue_arn,
                "awsRegion": REGION,
            }
        ]
    }
    with function_environment(monkeypatch, deployed.receiver, deployed.moto):
        handler.runtime.cache_clear()
        try:
            result = handler_function(deployed.receiver)(event, context_of(deployed.receiver))
        finally:
            handler.runtime.cache_clear()
    assert result == {"batchItemFailures": []}

    # 5. Rows in PostgreSQL, through the deployed cluster/secret/database, and the file moved.
    requests = data_api.requests
    assert {(r["resourceArn"], r["secretArn"]) for r in requests} == {
        (deployed.outputs["cluster_arn"], deployed.outputs["secret_arn"])
    }
    assert {r["database"] for r in requests if "database" in r} == {deployed_database}
    with psycopg.connect(fresh_dsn) as conn:
        ingestions = conn.execute("SELECT object_key, status FROM ingestions").fetchall()
        accounts = conn.execute("SELECT account_id FROM accounts").fetchall()
        findings = conn.execute("SELECT count(*) FROM securityhub_findings").fetchone()
    assert ingestions == [(uploaded.key, "loaded")]
    assert accounts == [(MOTO_ACCOUNT,)]
    assert findings is not None and findings[0] == len(document["data"]["securityhub"]["findings"])

    listed = s3.list_objects_v2(Bucket=deployed.bucket).get("Contents", [])
    keys = sorted(item["Key"] for item in listed)
    assert keys == [uploaded.key.replace("data/", "loaded/", 1)]


def test_destroy_leaves_nothing(deployed):
    deployed.state.terraform.destroy()  # raises when terraform destroy fails
    lam = deployed.client("lambda")
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert not [n for n in names if n.startswith(NAME)]
    buckets = [b["Name"] for b in deployed.client("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith(NAME)]
    clusters = deployed.client("rds").describe_db_clusters()["DBClusters"]
    assert not [c for c in clusters if c["DBClusterIdentifier"] == NAME]
    queues = deployed.client("sqs").list_queues(QueueNamePrefix=NAME).get("QueueUrls", [])
    assert queues == []
    assert os.environ.get("AWS_ENDPOINT_URL")  # destroy ran against moto
