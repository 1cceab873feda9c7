"""The organization's StackSet template (`make stackset-template`), checked without AWS.

1. `make stackset-template` writes ``dist/sender-stackset.json`` and cfn-lint finds no error in it
   (and does find one in a broken copy, so the check can fail).
2. The same rendering code, given this test's inputs, produces a template that is deployed as an
   ordinary stack on the moto server. The stack creates the sender: key, log group, DLQ, role with
   its two inline policies, function, schedules and their invoke permissions. Then the real
   ``sender.handler.handle`` runs in-process with the deployed function's environment, uploads to
   an analytics bucket created on moto, and the real receiver loads the upload into PostgreSQL.
3. Parity: ``modules/sender`` is planned on the same moto server with the same inputs
   (``tests/terraform/sender_plan``) and the plan must agree with the deployed stack on actions,
   policies, environment, schedules, timeout and memory, and with the template on what moto does
   not keep (architecture, tracing, alarms, retries and on-failure destination).

moto 5.2's CloudFormation, and the workarounds (in this harness only):
- ``AWS::CloudWatch::Alarm`` and ``AWS::Lambda::EventInvokeConfig`` have no CloudFormation model in
  moto: the stack skips them with a warning. The test checks them in the template and against the
  plan of ``modules/sender`` instead of in the deployment.
- moto's ``AWS::KMS::Key`` hands CloudFormation's ``Tags`` (``Key``/``Value``) to the KMS tagger,
  which wants ``TagKey``/``TagValue`` (KeyError: the stack then reports "Fn::GetAtt references
  undefined resource SenderKey"), and stores a ``KeyPolicy`` object as is where the rest of moto
  expects a JSON string (``DescribeKey`` then fails with a TypeError). While the stack is created,
  the in-process moto server's ``Key.create_from_cloudformation_json`` converts both, as
  CloudFormation does; the template itself is deployed unchanged.
- moto's Lambda ignores ``Architectures``, ``KmsKeyArn``, ``LoggingConfig`` and ``TracingConfig`` of
  a CloudFormation function and its log group ignores ``KmsKeyId``: these are compared on the
  template. ``GetRolePolicy`` returns the document as a Python literal, not JSON.
- ``{"lambda": {"use_docker": false}}`` before the function exists, as in test_terraform_apply:
  moto then accepts the function (its code is a placeholder zip: moto runs no code).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import shutil
import subprocess
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest

from support.receiver_fixtures import FakeContext
from support.terraform_cli import terraform_env

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
MOTO_ACCOUNT = "123456789012"
NAME = f"obs-stackset-{uuid.uuid4().hex[:6]}"
CFN_LINT = ROOT / ".venv-cfnlint" / "bin" / "cfn-lint"

pytestmark = pytest.mark.terraform

if shutil.which("terraform") is None:  # pragma: no cover - CI and the README require it
    pytest.skip("terraform is not installed (see README prerequisites)", allow_module_level=True)


def render_template(out: Path, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run `make stackset-template` (optionally with a var file); return the template."""
    command = ["make", "-s", "stackset-template", f"STACKSET_OUT={out}"]
    if variables is not None:
        var_file = out.with_suffix(".tfvars.json")
        var_file.write_text(json.dumps(variables))
        command.append(f"STACKSET_VARS=-var-file={var_file}")
    rendered = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    return json.loads(out.read_text())


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint from its own virtualenv (the Makefile's recipe builds it when missing)."""
    built = subprocess.run(
        ["make", "-s", ".venv-cfnlint/.installed"], cwd=ROOT, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", "--", str(path)], capture_output=True, text=True
    )


# --------------------------------------------------------------------------- 1. cfn-lint


def test_make_stackset_template_passes_cfn_lint():
    path = ROOT / "dist" / "sender-stackset.json"
    template = render_template(path)
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Events::Rule"} <= types
    linted = cfn_lint(path)
    assert linted.returncode & 2 == 0, linted.stdout + linted.stderr  # bit 2: errors


def test_cfn_lint_finds_an_error_in_a_broken_template(tmp_path):
    template = render_template(tmp_path / "template.json")
    template["Resources"]["Function"]["Properties"]["Timeout"] = 901  # Lambda allows 900 at most
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(template))
    linted = cfn_lint(broken)
    assert linted.returncode & 2, linted.stdout
    assert ":E" in linted.stdout and "901" in linted.stdout


# --------------------------------------------------------------------------- 2. on moto


@dataclass
class Stack:
    moto: str
    variables: dict[str, Any]
    template: dict[str, Any]  # as rendered
    outputs: dict[str, str]
    function: dict[str, Any]  # get_function_configuration of the deployed function
    analytics_bucket: str
    analytics_key: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.moto, region_name=REGION)

    def role_policy(self, name: str) -> dict[str, Any]:
        document = self.client("iam").get_role_policy(RoleName=NAME, PolicyName=name)
        found = document["PolicyDocument"]
        if isinstance(found, str):  # moto quirk: a Python literal, not JSON
            found = ast.literal_eval(found)
        return found


def placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sender/__init__.py", "# moto runs no code\n")
    return buffer.getvalue()


@contextlib.contextmanager
def cloudformation_kms_keys_as_in_aws() -> Iterator[None]:
    """Convert what moto's CloudFormation passes to KMS (see the module docstring)."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: type, name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
        properties = dict(cloudformation_json["Properties"])
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        properties["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])
        ]
        resource = {**cloudformation_json, "Properties": properties}
        return original(cls, name, resource, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Key, "create_from_cloudformation_json", classmethod(create))
        yield


@pytest.fixture(scope="module")
def stack(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with urllib.request.urlopen(
        urllib.request.Request(
            f"{moto_server}/moto-api/config",
            data=json.dumps({"lambda": {"use_docker": False}}).encode(),
            method="POST",
        )
    ) as response:
        assert response.status < 300

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_server, region_name=REGION)

    s3 = client("s3")
    location = {"LocationConstraint": REGION}
    analytics_bucket, artifacts_bucket = f"{NAME}-analytics", f"{NAME}-artifacts"
    for bucket in (analytics_bucket, artifacts_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    analytics_key = client("kms").create_key(Description="analytics")["KeyMetadata"]["Arn"]
    version = s3.put_object(Bucket=artifacts_bucket, Key="sender.zip", Body=placeholder_zip())

    variables = {
        "analytics_bucket_name": analytics_bucket,
        "analytics_kms_key_arn": analytics_key,
        "analytics_region": REGION,
        "home_region": REGION,
        "sender_package_s3": {
            "bucket": artifacts_bucket,
            "key": "sender.zip",
            "version": version["VersionId"],
        },
        "cost_mode": "account",
        "sender": {
            "name": NAME,
            "regions": [REGION, "us-east-1"],
            "collectors": ["kms_keys", "secrets", "cloudtrail_trails"],
            "intervals": ["DAILY", "MONTHLY"],
            # One scheduled DAILY run (sender.first_run starts a backfill only for Cost Explorer
            # collectors, tested in its own module); the environment still names the claim.
            "first_run_backfill_months": 0,
            "detailed_metrics": False,
            # Not the default, so that the parity test sees the switch reach both sides.
            "publish_metrics": False,
        },
        "tags": {"project": "stackset-test"},
    }
    template = render_template(tmp_path_factory.mktemp("stackset") / "template.json", variables)

    cfn = client("cloudformation")
    with cloudformation_kms_keys_as_in_aws():
        cfn.create_stack(
            StackName=NAME, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"]
        )
    (described,) = cfn.describe_stacks(StackName=NAME)["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    function = client("lambda").get_function_configuration(FunctionName=NAME)
    try:
        yield Stack(
            moto=moto_server,
            variables=variables,
            template=template,
            outputs=outputs,
            function=function,
            analytics_bucket=analytics_bucket,
            analytics_key=analytics_key,
        )
    finally:
        cfn.delete_stack(StackName=NAME)


def test_the_stack_creates_the_sender(stack):
    resources = {
        r["LogicalResourceId"]: r
        for r in stack.client("cloudformation").describe_stack_resources(StackName=NAME)[
            "StackResources"
        ]
        if r.get("LogicalResourceId")  # moto lists the resource types it skipped without ids
    }
    assert {logical: r["ResourceType"] for logical, r in resources.items()} == {
        "SenderKey": "AWS::KMS::Key",
        "SenderKeyAlias": "AWS::KMS::Alias",
        "LogGroup": "AWS::Logs::LogGroup",
        "DeadLetterQueue": "AWS::SQS::Queue",
        "Role": "AWS::IAM::Role",
        "Function": "AWS::Lambda::Function",
        "ScheduleDaily": "AWS::Events::Rule",
        "ScheduleDailyPermission": "AWS::Lambda::Permission",
        "ScheduleMonthly": "AWS::Events::Rule",
        "ScheduleMonthlyPermission": "AWS::Lambda::Permission",
    }

    function = stack.function
    assert function["FunctionArn"] == stack.outputs["FunctionArn"]
    assert (
        function["Role"] == stack.outputs["RoleArn"] == f"arn:aws:iam::{MOTO_ACCOUNT}:role/{NAME}"
    )
    env = function["Environment"]["Variables"]
    assert env["BUCKET"] == stack.analytics_bucket
    assert env["ANALYTICS_KMS_KEY"] == stack.analytics_key
    assert env["SENDER_FIRST_RUN_PARAMETER"] == f"/{NAME}/first-run-backfill"
    assert env["POWERTOOLS_METRICS_DISABLED"] == "true"  # sender.publish_metrics = false

    # Fn::Sub resolved per account: the upload prefix and the function's own ARN.
    statements = {s["Sid"]: s for s in stack.role_policy("sender")["Statement"]}
    assert statements["UploadToOwnPrefix"]["Resource"] == (
        f"arn:aws:s3:::{stack.analytics_bucket}/data/{MOTO_ACCOUNT}/*"
    )
    assert statements["ContinueHistoryRun"]["Resource"] == stack.outputs["FunctionArn"]
    assert statements["SenderKey"]["Resource"] == stack.outputs["KmsKeyArn"]
    assert statements["OnFailureDestination"]["Resource"] == stack.outputs["DlqArn"]

    events = stack.client("events")
    for interval, expression in (("daily", "cron(0 2 * * ? *)"), ("monthly", "cron(0 4 1 * ? *)")):
        rule = events.describe_rule(Name=f"{NAME}-{interval}")
        assert rule["ScheduleExpression"] == expression and rule["State"] == "ENABLED"
        (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == function["FunctionArn"]
        assert json.loads(target["Input"]) == {"interval": interval.upper()}
    permissions = json.loads(stack.client("lambda").get_policy(FunctionName=NAME)["Policy"])
    assert sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in permissions["Statement"]) == [
        f"arn:aws:events:{REGION}:{MOTO_ACCOUNT}:rule/{NAME}-{i}" for i in ("daily", "monthly")
    ]

    sqs = stack.client("sqs")
    queue = sqs.get_queue_url(QueueName=f"{NAME}-dlq")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == stack.outputs["DlqArn"]
    assert attributes["KmsMasterKeyId"] == stack.outputs["KmsKeyArn"]
    (group,) = stack.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")[
        "logGroups"
    ]
    assert group["retentionInDays"] == 365
    key = stack.client("kms").describe_key(KeyId=stack.outputs["KmsKeyArn"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"

    # What moto skips (see the module docstring), checked in the template.
    resources = stack.template["Resources"]
    invoke = resources["FunctionEventInvokeConfig"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]
    }
    assert {r["Properties"]["AlarmName"] for r in resources.values() if "Alarm" in r["Type"]} == {
        f"{NAME}-errors",
        f"{NAME}-dlq-messages",
    }


def test_the_deployed_sender_uploads_what_the_receiver_loads(stack, migrated_dsn, monkeypatch):
    from receiver.db.psycopg_executor import PsycopgExecutor
    from receiver.receive import receive_object
    from sender import handler, metrics

    function = stack.function
    with monkeypatch.context() as mp:
        for name, value in function["Environment"]["Variables"].items():
            mp.setenv(name, value)
        mp.setenv("AWS_ENDPOINT_URL", stack.moto)
        context = FakeContext(
            remaining_ms=function["Timeout"] * 1000,
            function_name=function["FunctionName"],
            memory_limit_in_mb=function["MemorySize"],
            invoked_function_arn=function["FunctionArn"],
        )
        try:
            summary = handler.handle({"interval": "DAILY"}, context)
        finally:
            metrics.metrics.clear_metrics()
    assert summary["account_id"] == MOTO_ACCOUNT
    assert summary["key"].startswith(f"data/{MOTO_ACCOUNT}/DAILY/")
    assert summary["collectors"]["error"] == 0, summary["not_ok"]

    s3 = stack.client("s3")
    head = s3.head_object(Bucket=stack.analytics_bucket, Key=summary["key"])
    assert head["SSEKMSKeyId"] == stack.analytics_key

    executor = PsycopgExecutor(migrated_dsn)
    try:
        loaded = receive_object(
            s3, executor, stack.analytics_bucket, summary["key"], kms_key=stack.analytics_key
        )
    finally:
        executor.close()
    assert loaded.status == "loaded"
    with psycopg.connect(migrated_dsn) as conn:
        accounts = conn.execute("SELECT account_id FROM accounts").fetchall()
        sender_key = conn.execute(
            "SELECT rotation_enabled, aliases FROM kms_keys WHERE key_arn = %s",
            (stack.outputs["KmsKeyArn"],),
        ).fetchall()
    assert accounts == [(MOTO_ACCOUNT,)]
    assert sender_key == [(True, [f"alias/{NAME}"])], "the stack's own key, seen by its sender"


# --------------------------------------------------------------------------- 3. parity


@pytest.fixture(scope="module")
def sender_plan(stack, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """``modules/sender`` planned on moto with the template's inputs: values by address."""
    work = tmp_path_factory.mktemp("sender-plan")
    variables = stack.variables
    settings = variables["sender"]
    var_file = work / "plan.tfvars.json"
    var_file.write_text(
        json.dumps(
            {
                "region": variables["home_region"],
                "name": settings["name"],
                "analytics_bucket_name": variables["analytics_bucket_name"],
                "analytics_kms_key_arn": variables["analytics_kms_key_arn"],
                "analytics_region": variables["analytics_region"],
                "sender_package_s3": variables["sender_package_s3"],
                "kms_key_arn": stack.outputs["KmsKeyArn"],
                "cost_mode": variables["cost_mode"],
                "sender": {k: v for k, v in settings.items() if k != "name"},
                "tags": variables["tags"],
            }
        )
    )
    env = terraform_env(
        AWS_ENDPOINT_URL=stack.moto, AWS_REGION=REGION, TF_DATA_DIR=str(work / ".terraform")
    )
    directory = ROOT / "tests" / "terraform" / "sender_plan"
    plan = work / "sender.tfplan"
    for command in (
        ["init", "-input=false", "-backend=false"],
        ["plan", "-input=false", "-lock=false", f"-state={work / 'none.tfstate'}",
         f"-var-file={var_file}", f"-out={plan}"],
    ):  # fmt: skip
        done = subprocess.run(
            ["terraform", f"-chdir={directory}", *command, "-no-color"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    shown = subprocess.run(
        ["terraform", f"-chdir={directory}", "show", "-json", str(plan)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module = json.loads(shown.stdout)["planned_values"]["root_module"]["child_modules"][0]
    return {r["address"].removeprefix("module.sender."): r["values"] for r in module["resources"]}


def test_stackset_sender_and_modules_sender_agree(stack, sender_plan):
    planned = sender_plan
    function = planned["aws_lambda_function.this"]
    deployed = stack.function
    template = stack.template["Resources"]

    # Environment: names and values.
    assert function["environment"][0]["variables"] == deployed["Environment"]["Variables"]
    # Timeout, memory, handler, runtime (deployed); architecture and tracing (template).
    assert (function["timeout"], function["memory_size"]) == (
        deployed["Timeout"],
        deployed["MemorySize"],
    )
    assert (function["handler"], function["runtime"]) == (deployed["Handler"], deployed["Runtime"])
    properties = template["Function"]["Properties"]
    assert function["architectures"] == properties["Architectures"]
    assert function["tracing_config"][0]["mode"] == properties["TracingConfig"]["Mode"]
    assert function["s3_bucket"] == properties["Code"]["S3Bucket"]
    assert function["s3_key"] == properties["Code"]["S3Key"]

    # Actions and the whole policies, resolved for the same account.
    for name in ("collectors", "sender"):
        assert json.loads(planned[f"aws_iam_role_policy.{name}"]["policy"]) == stack.role_policy(
            name
        ), name
    assert (
        json.loads(planned["aws_iam_role.this"]["assume_role_policy"])
        == (template["Role"]["Properties"]["AssumeRolePolicyDocument"])
    )

    # Schedules and their inputs.
    events = stack.client("events")
    for interval in stack.variables["sender"]["intervals"]:
        rule = planned[f'aws_cloudwatch_event_rule.schedule["{interval}"]']
        assert (
            rule["schedule_expression"]
            == events.describe_rule(Name=rule["name"])["ScheduleExpression"]
        )
        (target,) = events.list_targets_by_rule(Rule=rule["name"])["Targets"]
        assert (
            planned[f'aws_cloudwatch_event_target.schedule["{interval}"]']["input"]
            == (target["Input"])
        )
    planned_rules = {k for k in planned if k.startswith("aws_cloudwatch_event_rule.")}
    assert len(planned_rules) == sum(r["Type"] == "AWS::Events::Rule" for r in template.values())

    # What moto skips: retries and on-failure destination, alarms (against the template).
    invoke = planned["aws_lambda_function_event_invoke_config.this"]
    invoke_template = template["FunctionEventInvokeConfig"]["Properties"]
    assert (invoke["maximum_retry_attempts"], invoke["maximum_event_age_in_seconds"]) == (
        invoke_template["MaximumRetryAttempts"],
        invoke_template["MaximumEventAgeInSeconds"],
    )
    for suffix, logical in (("errors", "AlarmErrors"), ("dlq-messages", "AlarmDlqMessages")):
        alarm = planned[f'aws_cloudwatch_metric_alarm.this["{suffix}"]']
        alarm_template = template[logical]["Properties"]
        assert {
            "name": alarm["alarm_name"],
            "metric": (alarm["namespace"], alarm["metric_name"], alarm["statistic"]),
            "dimensions": alarm["dimensions"],
            "threshold": (alarm["period"], alarm["evaluation_periods"], alarm["threshold"]),
            "compare": (alarm["comparison_operator"], alarm["treat_missing_data"]),
        } == {
            "name": alarm_template["AlarmName"],
            "metric": (
                alarm_template["Namespace"],
                alarm_template["MetricName"],
                alarm_template["Statistic"],
            ),
            "dimensions": {d["Name"]: d["Value"] for d in alarm_template["Dimensions"]},
            "threshold": (
                alarm_template["Period"],
                alarm_template["EvaluationPeriods"],
                alarm_template["Threshold"],
            ),
            "compare": (
                alarm_template["ComparisonOperator"],
                alarm_template["TreatMissingData"],
            ),
        }
    queue = planned["aws_sqs_queue.dlq"]
    assert (
        queue["message_retention_seconds"]
        == (template["DeadLetterQueue"]["Properties"]["MessageRetentionPeriod"])
    )
    log_group = planned["aws_cloudwatch_log_group.this"]
    assert (log_group["name"], log_group["retention_in_days"]) == (
        template["LogGroup"]["Properties"]["LogGroupName"],
        template["LogGroup"]["Properties"]["RetentionInDays"],
    )
