"""A registry user's deployment on a moto server; then the real handlers run on what it deployed.

The release is built first (``scripts/package.py release``, offline, from the wheels ``make test``
fetched) and checked against its ``SHA256SUMS``. Then an empty folder receives only what a
registry user has: a copy of ``modules/``, the released files under ``release/`` and the root
configuration ``tests/terraform/complete_on_moto/main.tf`` (examples/complete's settings with
destroyable resources and the artifacts bucket on: the sender is deployed from the bucket). No
``src/``, no Python: the root reads the version and file names from ``release/manifest.json``.
pytest-terraform applies that folder with the AWS provider pointed at the session's moto server
through the environment only (``AWS_ENDPOINT_URL`` and test keys: the modules carry no test
settings). Then:

- the sender function runs the released sender zip (its code hash) from the artifacts bucket
  location the analytics module reports, a versioned object encrypted with the analytics key;

- a document uploaded the way the sender uploads it (``sender.upload.upload``: key under
  ``data/<account>/``, SSE-KMS with the deployed key) reaches the deployed queue through the
  deployed S3 notification;
- the migration handler runs in-process with the deployed migration function's environment and the
  input Terraform invoked it with, the receiver handler with the deployed receiver's environment
  and the message taken from the queue, as the event source mapping would deliver it. Their Data
  API calls (to the deployed cluster and secret ARNs, database ``DB_NAME``) are served by the Data
  API double on the test PostgreSQL, signed in as each secret's user: the migration function
  fills the deployed role secrets (moto) and creates the roles, the receiver loads as the loader;
- the rows are in PostgreSQL, the file is under ``loaded/``;
- the morning report handler runs in-process with the deployed report function's environment, as
  its EventBridge rule would invoke it: it reads through the Data API as the reader role's secret
  (filled by the migration function), its page lands under ``reports/<today>.html`` encrypted with
  the deployed analytics key, and its summary reaches the deployed topic (read back through an SQS
  queue the test subscribes);
- then ``terraform destroy`` succeeds and leaves nothing behind.

moto workarounds, all in this harness:
- ``{"lambda": {"use_docker": false}}`` before apply: moto then accepts functions and answers
  ``aws_lambda_invocation`` (the migration) with an echo instead of running the code;
- the data and artifacts buckets' policies are deleted after apply: moto ignores policy
  conditions, so the TLS-only ``Deny`` (``aws:SecureTransport = false``) would refuse every object
  call (the analytics module attaches the artifacts policy after its uploads for the same reason);
- moto 5.2 neither stores nor returns a queue's ``RedriveAllowPolicy``, so the provider would wait
  forever for ``aws_sqs_queue_redrive_allow_policy`` to show up: the in-process moto server's
  ``Queue`` is patched to keep and return it while this module runs;
- the event source mapping is disabled after apply: with it enabled moto hands each message to
  its echoing Lambda and deletes it; the test plays the mapping's part instead.

Apply takes about 105 s and destroy about 75 s (provider waits for SQS and RDS), the release
build about 15 s.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import boto3
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
MOTO_ACCOUNT = "123456789012"
NAME = f"obs-moto-{uuid.uuid4().hex[:6]}"

pytestmark = pytest.mark.terraform

if shutil.which("terraform") is None:  # pragma: no cover - CI and the README require it
    pytest.skip("terraform is not installed (see README prerequisites)", allow_module_level=True)

from py.path import local  # noqa: E402  (pytest-terraform's path type)
from pytest_terraform import terraform, tf  # noqa: E402

from support.receiver_fixtures import FakeContext, fixture_doc  # noqa: E402

WHEELHOUSE = ROOT / "build" / "package-cache" / "wheelhouse"
ROOT_CONFIGURATION = ROOT / "tests" / "terraform" / "complete_on_moto" / "main.tf"


def build_release(out: Path, cache: Path) -> dict[str, Any]:
    """``scripts/package.py release`` into ``out``; checks SHA256SUMS; returns the manifest."""
    if not any(WHEELHOUSE.glob("*aarch64*.whl")) or not any(WHEELHOUSE.glob("*x86_64*.whl")):
        pytest.fail("wheels for both architectures are missing: `make test` fetches them first")
    shutil.copytree(WHEELHOUSE, cache / "wheelhouse")
    command = [
        sys.executable, str(ROOT / "scripts" / "package.py"), "release", "--offline",
        "--out", str(out), "--cache", str(cache),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for line in (out / "SHA256SUMS").read_text().splitlines():  # what `sha256sum -c` checks
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    return json.loads((out / "manifest.json").read_text())


def registry_user_folder(folder: Path, release: Path) -> Path:
    """An empty folder with a copy of ``modules/``, the released files and the root module."""
    folder.mkdir()
    shutil.copytree(
        ROOT / "modules",
        folder / "modules",
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "tf_resources.json"),
    )
    shutil.copytree(release, folder / "release")
    shutil.copy2(ROOT_CONFIGURATION, folder / "main.tf")
    return folder


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


@dataclass
class Release:
    folder: Path  # what the registry user applied
    manifest: dict[str, Any]

    def zip(self, package: str, arch: str) -> Path:
        return self.folder / "release" / f"{package}-{self.manifest['version']}-{arch}.zip"


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Release:
    """The release, built and verified, and the registry user's folder holding it."""
    work = tmp_path_factory.mktemp("registry-user")
    manifest = build_release(work / "dist", work / "cache")
    return Release(registry_user_folder(work / "deployment", work / "dist"), manifest)


@pytest.fixture(scope="module", autouse=True)
def moto_environment(moto_server: str, release: Release) -> Iterator[None]:
    """Environment of the terraform subprocess (pytest-terraform passes ``os.environ`` on)."""
    with urllib.request.urlopen(
        urllib.request.Request(
            f"{moto_server}/moto-api/config",
            data=json.dumps({"lambda": {"use_docker": False}}).encode(),
            method="POST",
        )
    ) as response:
        assert response.status < 300
    # pytest-terraform looks for the root module beside this file: point it at the new folder.
    fixture = terraform.get_fixture("complete_on_moto")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fixture, "resolve_module_dir", lambda: local(str(release.folder)), raising=False)
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
        mp.setenv("TF_VAR_region", REGION)
        yield


# With pytest-xdist installed, pytest-terraform 0.7 swaps in its cross-worker fixture class for
# every scope but "function", and that class cannot read a state another worker made
# (TerraformTestApi.load does not exist). This file's tests run on one worker (tests/conftest.py
# groups tests by file), so the plain class, which destroys at the module's end, is the right one.
tf.terraform.scope_class_map["module"] = tf.TerraformFixture
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
    report: dict[str, Any]

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
    for bucket in (settings["bucket_name"], outputs["artifacts_bucket_name"]):
        assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
        s3.delete_bucket_policy(Bucket=bucket)

    receiver = _function(lam, f"{NAME}-receiver")
    migration = _function(lam, f"{NAME}-migrate")
    report = _function(lam, outputs["report_function_name"])
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
        report=report,
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
    role_secrets = deployed.outputs["database_role_secret_arns"]
    assert env["AURORA_SECRET_ARN"] == role_secrets["loader"]  # the receiver signs in as the loader
    assert deployed.receiver["Handler"] == "receiver.handler.lambda_handler"
    assert deployed.migration["Handler"] == "receiver.migrate_handler.lambda_handler"

    # Only the migration function holds the master secret; it is told every role and its secret.
    migration_env = deployed.migration["Environment"]["Variables"]
    assert migration_env["AURORA_SECRET_ARN"] == deployed.outputs["secret_arn"]
    assert json.loads(migration_env["DATABASE_ROLES"]) == {
        kind: {"username": deployed.outputs["database_role_names"][kind], "secret_arn": arn}
        for kind, arn in role_secrets.items()
    }
    # The morning report: the reader's secret, the data bucket and key, a daily rule, a topic,
    # and a lifecycle rule for its pages.
    report_env = deployed.report["Environment"]["Variables"]
    assert deployed.report["Handler"] == "report.scheduled.lambda_handler"
    assert report_env["AURORA_SECRET_ARN"] == role_secrets["reader"]
    assert report_env["AURORA_CLUSTER_ARN"] == deployed.outputs["cluster_arn"]
    assert (report_env["BUCKET"], report_env["ANALYTICS_KMS_KEY"]) == (
        deployed.bucket,
        deployed.kms_key_arn,
    )
    assert report_env["REPORT_TOPIC_ARN"] == deployed.outputs["report_summary_topic_arn"]
    assert deployed.outputs["reports_location"] == f"s3://{deployed.bucket}/reports/"
    rule = deployed.client("events").describe_rule(Name=deployed.report["FunctionName"])
    assert rule["ScheduleExpression"] == "cron(0 6 * * ? *)"
    (target,) = deployed.client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert target["Arn"] == deployed.report["FunctionArn"]
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=deployed.bucket)["Rules"]
    (reports_rule,) = [r for r in lifecycle if r["ID"] == "reports-expiration"]
    assert (reports_rule["Filter"]["Prefix"], reports_rule["Expiration"]["Days"]) == (
        "reports/",
        30,
    )
    topic = deployed.client("sns").get_topic_attributes(
        TopicArn=deployed.outputs["report_summary_topic_arn"]
    )["Attributes"]
    assert topic["KmsMasterKeyId"] == deployed.kms_key_arn

    # The role secrets exist, encrypted with the analytics key, and hold no value until the
    # migration function's first run fills them (no password in Terraform's state).
    secretsmanager = deployed.client("secretsmanager")
    for arn in role_secrets.values():
        assert secretsmanager.describe_secret(SecretId=arn)["KmsKeyId"] == deployed.kms_key_arn
        with pytest.raises(secretsmanager.exceptions.ResourceNotFoundException):
            secretsmanager.get_secret_value(SecretId=arn)


def test_only_modules_and_released_files_were_applied(deployed, release):
    found = {p.name for p in release.folder.iterdir()}
    assert found <= {"main.tf", "modules", "release", ".terraform.lock.hcl", "tf_resources.json"}, (
        found
    )
    assert not list(release.folder.rglob("*.py")), "no Python source next to the deployment"
    configuration = "\n".join(p.read_text() for p in release.folder.rglob("*.tf"))
    assert "local-exec" not in configuration and 'data "external"' not in configuration
    # No sql/ beside modules/ and no sql_checksum input: the released analytics zip decides when
    # the migrations run.
    analytics = release.zip("analytics", "arm64").read_bytes()
    digest = base64.b64encode(hashlib.sha256(analytics).digest()).decode()
    invocation = deployed.state["aws_lambda_invocation.migration"]
    assert json.loads(invocation["input"])["sql_checksum"] == f"package:{digest}"
    released = sorted(p.name for p in (release.folder / "release").iterdir())
    assert released == sorted([*release.manifest["zips"], "SHA256SUMS", "manifest.json"])


def test_the_sender_runs_the_released_zip_from_the_artifacts_bucket(deployed, release):
    version = release.manifest["version"]
    released = release.zip("sender", "arm64")
    entry = release.manifest["zips"][released.name]
    locations = deployed.outputs["artifact_locations"]
    assert set(locations) == {"sender"} and set(locations["sender"]) == {"arm64", "x86_64"}
    location = locations["sender"]["arm64"]
    assert location["bucket"] == deployed.outputs["artifacts_bucket_name"]
    assert location["key"] == f"releases/{version}/{released.name}"
    assert location["version"], "the object version is pinned"

    stored = deployed.client("s3").head_object(
        Bucket=location["bucket"], Key=location["key"], VersionId=location["version"]
    )
    assert stored["ContentLength"] == entry["bytes"]
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"] == deployed.kms_key_arn

    function = deployed.client("lambda").get_function(
        FunctionName=deployed.outputs["sender_function_name"]
    )["Configuration"]
    digest = base64.b64encode(hashlib.sha256(released.read_bytes()).digest()).decode()
    assert function["CodeSha256"] == digest  # the released zip, byte for byte
    assert function["CodeSize"] == entry["bytes"]
    assert [function["Handler"]] == entry["handlers"]
    assert function["Architectures"] == ["arm64"]
    assert (
        deployed.receiver["Handler"]
        in release.manifest["zips"][release.zip("analytics", "arm64").name]["handlers"]
    )


def drop_database_and_roles(dsn: str, roles: dict[str, str]) -> None:
    """Roles are cluster-wide: drop them with the database that holds their objects."""
    name = urlsplit(dsn).path.lstrip("/")
    server = dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in roles.values():
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_a_sender_document_is_loaded_by_the_deployed_receiver_and_reported_next_morning(
    deployed, data_api, fresh_dsn, monkeypatch, request
):
    from receiver import handler
    from report import scheduled
    from sender.upload import upload

    # The deployed database name (DB_NAME) is served by a fresh database on the test server.
    database = urlsplit(fresh_dsn).path.lstrip("/")
    deployed_database = deployed.receiver["Environment"]["Variables"]["DB_NAME"]
    assert deployed.migration["Environment"]["Variables"]["DB_NAME"] == deployed_database
    data_api.databases[deployed_database] = database
    # The Data API double signs in as each secret's user, read from moto's Secrets Manager; the
    # test server's superuser stands in for the RDS-managed master user.
    data_api.secrets_client = deployed.client("secretsmanager")
    data_api.server_user_secrets.add(deployed.outputs["secret_arn"])
    role_secrets = deployed.outputs["database_role_secret_arns"]
    request.addfinalizer(
        lambda: drop_database_and_roles(fresh_dsn, deployed.outputs["database_role_names"])
    )

    # 1. Migrations, as `aws_lambda_invocation` ran them on apply (moto only echoed the input).
    invocation = deployed.state["aws_lambda_invocation.migration"]
    assert invocation["function_name"] == deployed.migration["FunctionName"]
    with function_environment(monkeypatch, deployed.migration, deployed.moto):
        migrated = handler_function(deployed.migration)(
            json.loads(invocation["input"]), context_of(deployed.migration)
        )
    assert migrated["applied"], "the fresh database got every migration"
    assert sorted(migrated["roles_created"]) == sorted(
        deployed.outputs["database_role_names"].values()
    )
    migration_requests = len(data_api.requests)
    assert {r["secretArn"] for r in data_api.requests if "secretArn" in r} == {
        deployed.outputs["secret_arn"],  # the bootstrap
        role_secrets["migrator"],  # the migrations and grants
    }

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
    requests = data_api.requests[migration_requests:]
    assert requests, "the receiver went through the Data API"
    assert {(r["resourceArn"], r["secretArn"]) for r in requests} == {
        (deployed.outputs["cluster_arn"], role_secrets["loader"])
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

    # 6. The morning report, with the deployed environment, as its EventBridge rule invokes it;
    # its summary read back through a queue subscribed to the deployed topic.
    sns, topic_arn = deployed.client("sns"), deployed.outputs["report_summary_topic_arn"]
    summary_queue = sqs.create_queue(QueueName=f"{NAME}-summary")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=summary_queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    request.addfinalizer(lambda: sqs.delete_queue(QueueUrl=summary_queue))
    loader_requests = len(data_api.requests)
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    with function_environment(monkeypatch, deployed.report, deployed.moto):
        scheduled._client.cache_clear()
        try:
            delivered = handler_function(deployed.report)(event, context_of(deployed.report))
        finally:
            scheduled._client.cache_clear()
    today = datetime.now(UTC).date().isoformat()
    assert delivered["key"] == f"reports/{today}.html"
    assert delivered["new_critical_findings"] == 1  # full-daily's, loaded a moment ago
    report_requests = data_api.requests[loader_requests:]
    assert report_requests, "the report went through the Data API"
    assert {(r["resourceArn"], r["secretArn"]) for r in report_requests} == {
        (deployed.outputs["cluster_arn"], role_secrets["reader"])  # the read-only role
    }
    page = s3.get_object(Bucket=deployed.bucket, Key=delivered["key"])
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["ServerSideEncryption"] == "aws:kms"
    assert page["SSEKMSKeyId"] == deployed.kms_key_arn
    assert b"Total cost in period" in page["Body"].read()
    (summary,) = sqs.receive_message(QueueUrl=summary_queue, WaitTimeSeconds=1)["Messages"]
    body = json.loads(summary["Body"])
    assert body["TopicArn"] == topic_arn and body["MessageId"] == delivered["summary_message_id"]
    assert body["Subject"] == f"Observability report {today}: 1 new critical finding"
    assert f"Full report: s3://{deployed.bucket}/{delivered['key']}" in body["Message"]
    # The page did not reach the receiver's queue (the notification filters data/ only).
    assert "Messages" not in sqs.receive_message(QueueUrl=deployed.queue_url, WaitTimeSeconds=1)


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
    topics = [t["TopicArn"] for t in deployed.client("sns").list_topics()["Topics"]]
    assert not [t for t in topics if f":{NAME}-" in t]
    assert os.environ.get("AWS_ENDPOINT_URL")  # destroy ran against moto
