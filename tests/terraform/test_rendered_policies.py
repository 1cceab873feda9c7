"""The policies the modules render, audited as AWS would read them (issue 12 items 3, 4 and 6).

One plan of ``tests/terraform/rendered_policies`` (modules/analytics with every option on,
modules/sender, modules/organization with its management sender) on the mocked provider, read
from ``terraform test -json -verbose``: offline, about 5 s. Then:

- the data bucket's policy is evaluated (``support.policy_eval``) against the requests S3 would
  see: the headers botocore really sends for the sender's upload, the receiver's copies, an SSE-C
  upload, ``aws:kms`` without a key id (the AWS managed key), another key, the analytics key by
  id instead of ARN, AES256, no header. Each is denied. The statements as they were before
  (``...IfExists``) are evaluated too: under the documented logic they denied the same requests;
- the receiver's identity policy grants exactly what a move needs (item 4);
- ``parliament`` audits every identity policy (inline role policies): no finding except
  RESOURCE_STAR for the actions listed in ``RESOURCE_STAR_ALLOWED``, each with its reason. This
  covers the collectors policy, whose actions come from collector-actions.json and which
  checkov's Terraform scan never sees;
- checkov's IAM checks run on the same plan (``--framework terraform_plan``), when its virtualenv
  (``make lint`` builds ``.venv-checkov``) exists.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from contract import layout
from labkit.large_documents import DOCUMENTS
from support.policy_eval import ALLOW, DENY, IMPLICIT, Request, evaluate
from support.terraform_cli import plan_of_test_run

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "tests" / "terraform" / "rendered_policies"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
FULL_DAILY = DOCUMENTS / "full-daily.json"

ACCOUNT = "111111111111"  # the mocked analytics account
BUCKET = f"obs-{ACCOUNT}-eu-west-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
SENDER_ACCOUNT = "222222222222"  # sender_account_ids of the rendering root
SENDER_ROLE = f"arn:aws:sts::{SENDER_ACCOUNT}:assumed-role/obs-sender/obs-sender"
ANALYTICS_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/00000000-0000-0000-0000-000000000001"
KEY_ID = "00000000-0000-0000-0000-000000000001"  # the same key, named by id
OTHER_KEY = f"arn:aws:kms:eu-west-1:{SENDER_ACCOUNT}:key/0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"
UPLOAD_KEY = f"data/{SENDER_ACCOUNT}/DAILY/2026-11-24/3f6c2a9e-0000-4000-8000-000000000001.json.gz"

# Actions granted on "*" because IAM offers no resource for them (parliament flags the ones it
# believes could be scoped). Every entry says why it cannot be scoped here.
RESOURCE_STAR_ALLOWED: dict[str, str] = {
    # The collectors policy (collector-actions.json): read-only calls on resources the sender
    # discovers at run time, in every collected region, often owned by the organization's
    # management account rather than the member; the module cannot name them in advance.
    "application-signals:BatchGetServiceLevelObjectiveBudgetReport": (
        "service level objectives listed at run time (ListServiceLevelObjectives takes no"
        " resource), in every collected region"
    ),
    "ce:GetAnomalies": (
        "anomalies of every cost monitor the account sees, the management account's included"
        " (monitor ids are generated at creation; the call names none)"
    ),
    "cloudtrail:GetTrailStatus": (
        "trails DescribeTrails returns, including organization trails whose ARNs name the"
        " management account"
    ),
    "config:DescribeConfigurationRecorderStatus": "the recorder of every collected region",
    "elasticache:DescribeReservedCacheNodes": (
        "lists every reserved cache node of every collected region (ids chosen at purchase)"
    ),
    "config:DescribeConformancePackCompliance": (
        "conformance packs listed at run time, including organization packs deployed by the"
        " management account"
    ),
    "config:GetComplianceDetailsByConfigRule": (
        "Config rules listed at run time, including organization rules whose names are generated"
    ),
    "kms:DescribeKey": (
        "every key ListKeys returns in every collected region; the narrowest pattern,"
        " arn:<partition>:kms:*:<account>:key/*, would only restate the account boundary"
    ),
    "kms:GetKeyRotationStatus": "the keys kms:DescribeKey reads (same reason)",
    "organizations:DescribeAccount": (
        "the member's own account in an organization whose id the StackSet template does not know"
    ),
    "organizations:DescribeOrganizationalUnit": "the member's parent OUs (same reason)",
    "rds:DescribeDBInstances": "lists every instance of every collected region",
    "rds:DescribeReservedDBInstances": (
        "lists every reserved DB instance of every collected region (ids chosen at purchase)"
    ),
    "resiliencehub:DescribeApp": "applications ListApps returns at run time",
    "resiliencehub:DescribeAppAssessment": (
        "the latest assessment of each application ListApps returns (assessment ids generated)"
    ),
    "savingsplans:DescribeSavingsPlans": "lists every Savings Plan of the account",
    "ssm:DescribeInstancePatches": (
        "managed instances DescribeInstanceInformation returns at run time (EC2 and hybrid ids)"
    ),
    "wafv2:GetLoggingConfiguration": "web ACLs ListWebACLs returns (regional and CloudFront)",
    "wafv2:GetWebACL": "web ACLs ListWebACLs returns (regional and CloudFront)",
    "wafv2:ListResourcesForWebACL": "web ACLs ListWebACLs returns (regional and CloudFront)",
}

pytestmark = pytest.mark.terraform

if shutil.which("terraform") is None:  # pragma: no cover - CI and the README require it
    pytest.skip("terraform is not installed (see README prerequisites)", allow_module_level=True)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON plan of the rendering root (``terraform test -verbose`` prints it)."""
    return plan_of_test_run(DIRECTORY, tmp_path_factory.mktemp("rendered") / ".terraform")


@pytest.fixture(scope="module")
def resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Planned values by address."""
    return {rc["address"]: rc["change"]["after"] for rc in plan["resource_changes"]}


def policy_of(resources: dict[str, dict[str, Any]], address: str) -> dict[str, Any]:
    return json.loads(resources[address]["policy"])


# --------------------------------------------------------------------------- request headers


class _EmptyBody:
    """The raw body of a local answer: empty."""

    def stream(self, **_: Any) -> Any:
        return iter([b""])


def capturing_s3() -> tuple[Any, dict[str, str]]:
    """An S3 client that answers every call locally (200, empty body) and keeps the headers of
    the last request it would have sent: what S3 turns into condition keys."""
    client = boto3.client(
        "s3", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    seen: dict[str, str] = {}

    def answer(request: Any, **_: Any) -> AWSResponse:
        seen.clear()
        seen.update(
            {
                k.lower(): v.decode() if isinstance(v, bytes) else v
                for k, v in request.headers.items()
            }
        )
        return AWSResponse(request.url, 200, {}, _EmptyBody())

    client.meta.events.register("before-send.s3", answer)
    return client, seen


def s3_headers(operation: str, **params: Any) -> dict[str, str]:
    """The headers botocore sends for one S3 call (answered locally, never sent)."""
    client, seen = capturing_s3()
    getattr(client, _snake(operation))(**params)
    return dict(seen)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def put_context(headers: dict[str, str], account: str = SENDER_ACCOUNT) -> dict[str, Any]:
    """The condition keys S3 sets for a PutObject (or CopyObject) over TLS 1.3: its SSE headers."""
    context: dict[str, Any] = {
        "aws:SecureTransport": "true",
        "s3:TlsVersion": "1.3",
        "aws:PrincipalAccount": account,
        "aws:PrincipalOrgID": "o-abcdefghij",
    }
    for name, value in headers.items():
        if name.startswith("x-amz-server-side-encryption") and not name.endswith(("-key", "-md5")):
            context[f"s3:{name}"] = value
    return context


def sender_upload_headers(kms_key: str) -> dict[str, str]:
    """What ``sender.upload.upload`` sends, captured from the real call."""
    from sender.upload import upload

    document = json.loads(FULL_DAILY.read_text(encoding="utf-8"))
    document["account_id"] = SENDER_ACCOUNT
    client, captured = capturing_s3()
    upload(client, BUCKET, kms_key, document, validated=True)
    return dict(captured)


# --------------------------------------------------------------------------- item 3


UPLOADS: dict[str, Callable[[], dict[str, str]]] = {
    "SSE-C": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}",
        SSECustomerAlgorithm="AES256", SSECustomerKey="k" * 32,
    ),
    "aws:kms without a key id (AWS managed key)": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}", ServerSideEncryption="aws:kms"
    ),
    "aws:kms with another key": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}",
        ServerSideEncryption="aws:kms", SSEKMSKeyId=OTHER_KEY,
    ),
    "aws:kms with the analytics key by id": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}",
        ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID,
    ),
    "aws:kms with an alias": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}",
        ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/obs-analytics",
    ),
    "AES256 (SSE-S3)": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}", ServerSideEncryption="AES256"
    ),
    "no encryption header": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}"
    ),
    "SSE-C and the analytics key together": lambda: s3_headers(
        "PutObject", Bucket=BUCKET, Key=UPLOAD_KEY, Body=b"{}",
        ServerSideEncryption="aws:kms", SSEKMSKeyId=ANALYTICS_KEY,
        SSECustomerAlgorithm="AES256", SSECustomerKey="k" * 32,
    ),
}  # fmt: skip


def upload_request(headers: dict[str, str], key: str = UPLOAD_KEY) -> Request:
    return Request("s3:PutObject", f"{BUCKET_ARN}/{key}", SENDER_ROLE, put_context(headers))


@pytest.fixture(scope="module")
def bucket_policy(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    policy = policy_of(resources, "module.analytics.aws_s3_bucket_policy.this")
    assert resources["module.analytics.aws_kms_key.this"]["arn"] == ANALYTICS_KEY
    return policy


def test_the_senders_own_upload_is_allowed(bucket_policy):
    headers = sender_upload_headers(ANALYTICS_KEY)
    assert headers["x-amz-server-side-encryption"] == "aws:kms"
    assert headers["x-amz-server-side-encryption-aws-kms-key-id"] == ANALYTICS_KEY
    assert evaluate(bucket_policy, upload_request(headers)) == ALLOW
    # ... but only under its own account's prefix
    other = UPLOAD_KEY.replace(SENDER_ACCOUNT, "333333333333")
    assert evaluate(bucket_policy, upload_request(headers, other)) == IMPLICIT


@pytest.mark.parametrize("case", list(UPLOADS))
def test_every_encryption_bypass_is_denied(bucket_policy, case):
    assert evaluate(bucket_policy, upload_request(UPLOADS[case]())) == DENY


def test_the_old_if_exists_statements_already_denied_these_uploads(bucket_policy):
    """The statements as they were before issue 12 (``StringNotEqualsIfExists``, no SSE-C
    statement), evaluated as the IAM documentation says: an ``...IfExists`` operator whose key is
    absent is true, so the Deny applied to an SSE-C upload and to ``aws:kms`` without a key id.
    Item 3's bypass does not occur under the documented logic, except for a request carrying both
    SSE-C and SSE-KMS headers; the new statements say it explicitly (no IfExists, SSE-C denied by
    its own statement) and no longer claim that a header-less upload passes (it never did)."""
    old = json.loads(json.dumps(bucket_policy))
    old["Statement"] = [s for s in old["Statement"] if s["Sid"] != "DenyCustomerProvidedKeys"]
    for statement in old["Statement"]:
        condition = statement.get("Condition", {})
        if "StringNotEquals" in condition:
            condition["StringNotEqualsIfExists"] = condition.pop("StringNotEquals")
    combined = "SSE-C and the analytics key together"
    for case in UPLOADS:
        if case != combined:
            assert evaluate(old, upload_request(UPLOADS[case]())) == DENY, case
    # the one request only the SSE-C statement refuses at the policy level (S3 itself rejects a
    # request naming both SSE-C and SSE-KMS as invalid)
    assert evaluate(old, upload_request(UPLOADS[combined]())) == ALLOW


@pytest.mark.parametrize(
    ("operator", "value", "present", "holds"),
    [
        # IAM User Guide, condition operators: a missing key makes an operator false, a negated
        # operator true; ...IfExists is true when the key is missing; Null tests presence.
        ("StringEquals", "aws:kms", False, False),
        ("StringNotEquals", "aws:kms", False, True),
        ("StringEqualsIfExists", "aws:kms", False, True),
        ("StringNotEqualsIfExists", "aws:kms", False, True),
        ("StringNotEqualsIfExists", "aws:kms", True, False),
        ("StringNotEquals", "AES256", True, True),
        ("Null", "true", False, True),
        ("Null", "false", True, True),
        ("Null", "false", False, False),
    ],
)
def test_the_evaluator_follows_the_documented_missing_key_rules(operator, value, present, holds):
    key = "s3:x-amz-server-side-encryption"
    policy = {
        "Statement": [
            {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
             "Condition": {operator: {key: value}}},
        ]
    }  # fmt: skip
    context = {key: "aws:kms"} if present else {}
    assert (
        evaluate(policy, Request("s3:PutObject", "arn:aws:s3:::b/k", context=context)) == DENY
    ) == holds


def test_the_receivers_copies_and_reasons_pass_the_bucket_policy(bucket_policy):
    from receiver import objects

    encryption = objects._encryption(ANALYTICS_KEY)
    copy = s3_headers(
        "CopyObject", Bucket=BUCKET, Key="loaded/x.json.gz",
        CopySource={"Bucket": BUCKET, "Key": UPLOAD_KEY, "VersionId": "v1"}, **encryption,
    )  # fmt: skip
    reason = s3_headers(
        "PutObject", Bucket=BUCKET, Key="failed/x.json.gz.reason.json", Body=b"{}", **encryption
    )
    receiver = f"arn:aws:sts::{ACCOUNT}:assumed-role/obs-receiver/obs-receiver"
    for key, headers in (("loaded/x.json.gz", copy), ("failed/x.json.gz.reason.json", reason)):
        request = Request(
            "s3:PutObject", f"{BUCKET_ARN}/{key}", receiver, put_context(headers, ACCOUNT)
        )
        assert evaluate(bucket_policy, request) != DENY, key


def test_the_morning_report_writes_only_under_reports_and_passes_the_bucket_policy(
    bucket_policy, resources
):
    from report.scheduled import put_request

    key = layout.report_key(date(2026, 11, 26))
    headers = s3_headers("PutObject", **put_request(BUCKET, key, b"<html></html>", ANALYTICS_KEY))
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/obs-report/obs-report"
    request = Request("s3:PutObject", f"{BUCKET_ARN}/{key}", role, put_context(headers, ACCOUNT))
    assert evaluate(bucket_policy, request) != DENY
    identity = policy_of(resources, "module.analytics.aws_iam_role_policy.report[0]")
    assert evaluate(identity, Request("s3:PutObject", f"{BUCKET_ARN}/{key}")) == ALLOW
    for action, path in [
        ("s3:PutObject", UPLOAD_KEY),  # never into data/: the receiver would load it
        ("s3:PutObject", "loaded/x.json.gz"),
        ("s3:GetObject", key),
        ("s3:DeleteObject", key),
    ]:
        assert evaluate(identity, Request(action, f"{BUCKET_ARN}/{path}")) == IMPLICIT, path


def test_plain_http_is_denied_even_with_the_right_key(bucket_policy):
    request = upload_request(sender_upload_headers(ANALYTICS_KEY))
    request.context["aws:SecureTransport"] = "false"  # type: ignore[index]
    assert evaluate(bucket_policy, request) == DENY


# --------------------------------------------------------------------------- item 4


@pytest.fixture(scope="module")
def receiver_policy(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return policy_of(resources, "module.analytics.aws_iam_role_policy.receiver")


def receiver_request(action: str, resource: str, **context: str) -> Request:
    return Request(action, resource, context=context)


@pytest.mark.parametrize(
    ("action", "key", "expected"),
    [
        # what a move does: read the notified version, copy it, delete that version
        ("s3:GetObject", UPLOAD_KEY, ALLOW),
        ("s3:GetObjectVersion", UPLOAD_KEY, ALLOW),
        ("s3:DeleteObjectVersion", UPLOAD_KEY, ALLOW),
        ("s3:DeleteObject", UPLOAD_KEY, ALLOW),
        ("s3:PutObject", "loaded/222222222222/DAILY/x.json.gz", ALLOW),
        ("s3:PutObject", "failed/222222222222/DAILY/x.json.gz", ALLOW),
        ("s3:PutObject", "failed/222222222222/DAILY/x.json.gz.reason.json", ALLOW),
        # no forged uploads, no destroyed archive
        ("s3:PutObject", UPLOAD_KEY, IMPLICIT),
        ("s3:DeleteObjectVersion", "loaded/222222222222/DAILY/x.json.gz", IMPLICIT),
        ("s3:DeleteObjectVersion", "failed/222222222222/DAILY/x.json.gz", IMPLICIT),
        ("s3:DeleteObject", "loaded/222222222222/DAILY/x.json.gz", IMPLICIT),
        ("s3:GetObject", "loaded/222222222222/DAILY/x.json.gz", IMPLICIT),
        ("s3:PutObject", "other/x", IMPLICIT),
    ],
)
def test_the_receiver_may_do_exactly_what_a_move_needs(receiver_policy, action, key, expected):
    assert evaluate(receiver_policy, receiver_request(action, f"{BUCKET_ARN}/{key}")) == expected


def test_the_receiver_may_learn_that_an_upload_is_gone(receiver_policy):
    """S3 answers a missing object 404 (not 403) to a caller with ListBucket for that key; it
    checks ListBucket with the requested key as s3:prefix."""
    listing = receiver_request("s3:ListBucket", BUCKET_ARN, **{"s3:prefix": UPLOAD_KEY})
    assert evaluate(receiver_policy, listing) == ALLOW
    for prefix in ("loaded/", "failed/", ""):
        other = receiver_request("s3:ListBucket", BUCKET_ARN, **{"s3:prefix": prefix})
        assert evaluate(receiver_policy, other) == IMPLICIT, prefix
    assert evaluate(receiver_policy, receiver_request("s3:ListBucket", BUCKET_ARN)) == IMPLICIT


# --------------------------------------------------------------------------- item 6


def identity_policies(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Every inline role policy the modules create, by address."""
    found = {a: v["policy"] for a, v in resources.items() if ".aws_iam_role_policy." in a}
    for module in ("module.analytics.", "module.sender.", "module.organization."):
        assert any(a.startswith(module) for a in found), f"no identity policy under {module}"
    return found


def test_parliament_finds_nothing_but_the_listed_unscopable_actions(resources):
    from parliament import analyze_policy_string

    flagged: dict[str, set[str]] = {}
    for address, policy in identity_policies(resources).items():
        for finding in analyze_policy_string(policy).findings:
            if finding.issue == "RESOURCE_STAR":
                flagged.setdefault(address, set()).update(finding.detail)
            else:
                pytest.fail(f"{address}: {finding.issue} {finding.detail}")
    for address, actions in flagged.items():
        unexplained = sorted(actions - set(RESOURCE_STAR_ALLOWED))
        assert not unexplained, f"{address}: Resource * on {unexplained}"
    collectors = "module.sender.aws_iam_role_policy.collectors"
    assert flagged.get(collectors) == set(RESOURCE_STAR_ALLOWED), (
        "the list must stay exact: remove actions that are no longer granted on *"
    )


def test_parliament_would_catch_a_scopable_action_on_star():
    from parliament import analyze_policy_string

    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}],
    }
    findings = analyze_policy_string(json.dumps(policy)).findings
    assert [f.issue for f in findings] == ["RESOURCE_STAR"]


def test_every_queue_and_topic_refuses_requests_without_tls(resources):
    def denies_plain_http(policy: str, values: dict[str, Any]) -> bool:
        # the queue's ARN, or (modules/sender builds it from names) an ARN ending in its name
        def names_it(resource: str) -> bool:
            return resource == values["arn"] or resource.endswith(f":{values['name']}")

        return any(
            s["Effect"] == "Deny"
            and s.get("Principal") == "*"
            and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            and any(
                names_it(r)
                for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
            )
            for s in json.loads(policy)["Statement"]
        )

    kinds = {"aws_sqs_queue": "aws_sqs_queue_policy", "aws_sns_topic": "aws_sns_topic_policy"}
    checked = 0
    for address, values in resources.items():
        kind = address.split(".")[-2]
        if kind not in kinds:
            continue
        module = address.rsplit(".", 2)[0]
        policies = [
            v["policy"] for a, v in resources.items() if a.startswith(f"{module}.{kinds[kind]}.")
        ]
        assert any(denies_plain_http(p, values) for p in policies), address
        checked += 1
    # uploads queue + DLQ + alarm topic, the sender's DLQ, the management sender's DLQ
    assert checked == 5


def test_checkov_iam_checks_on_the_rendered_identity_policies(plan, tmp_path):
    """checkov's Terraform scan never sees the collectors policy's actions (they come from
    collector-actions.json); its plan scan does. Only CKV_AWS_355 ("*" resource for restrictable
    actions) may fail, on the collectors policies: the actions RESOURCE_STAR_ALLOWED explains."""
    if not CHECKOV.exists():
        pytest.skip("checkov's virtualenv is missing (`make lint` builds .venv-checkov)")
    changes = [rc for rc in plan["resource_changes"] if rc["type"] == "aws_iam_role_policy"]
    resources = [
        {
            "address": rc["address"], "mode": "managed", "type": rc["type"], "name": rc["name"],
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": rc["change"]["after"],
        }
        for rc in changes
    ]  # fmt: skip
    plan_file = tmp_path / "iam-plan.json"
    plan_file.write_text(
        json.dumps(
            {
                "format_version": "1.2",
                "terraform_version": plan.get("terraform_version", "1.11.4"),
                "planned_values": {"root_module": {"resources": resources}},
                "resource_changes": changes,
                "configuration": {"root_module": {}},
            }
        )
    )
    completed = subprocess.run(
        [str(CHECKOV), "-f", str(plan_file), "--framework", "terraform_plan", "--quiet",
         "--compact", "--skip-download", "-o", "json"],
        capture_output=True, text=True,
    )  # fmt: skip
    report = json.loads(completed.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["resource_count"] == len(resources) >= 8
    assert report["summary"]["passed"] > 0
    failed = {(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]}
    assert failed == {
        ("CKV_AWS_355", "module.sender.aws_iam_role_policy.collectors"),
        (
            "CKV_AWS_355",
            "module.organization.module.management_sender[0].aws_iam_role_policy.collectors",
        ),
    }


# --------------------------------------------------------------------------- the key layout
# (issue 15 item 4) The sender and the receiver import the S3 key layout (contract.layout);
# Terraform cannot, so it spells the same prefixes. Every policy, notification and lifecycle rule
# of the data bucket must use exactly the layout's; a failure names the resource, its file and
# the statement.

ORG_BUCKET = "obs-999999999999-eu-west-1"  # the organization module's analytics bucket
DATA_BUCKETS = (BUCKET, ORG_BUCKET)
LAYOUT_PREFIXES = (
    layout.DATA_PREFIX,
    layout.LOADED_PREFIX,
    layout.FAILED_PREFIX,
    layout.REPORTS_PREFIX,
)
SENDER_POLICIES = {
    # address -> the account the sender runs in (the mocked caller account)
    "module.sender.aws_iam_role_policy.sender": ACCOUNT,
    "module.organization.module.management_sender[0].aws_iam_role_policy.sender": ACCOUNT,
}
STACK_SET = "module.organization.aws_cloudformation_stack_set.sender"
# where the sender's upload ARN is written (modules/sender and the StackSet template share it)
SENDER_UPLOAD_SOURCE = "modules/sender/spec/main.tf (local.upload_resource)"


def source_file(address: str) -> str:
    """The .tf file that declares the resource at ``address``, e.g. ``modules/analytics/s3.tf``."""
    directory = DIRECTORY
    for name in re.findall(r"module\.([\w-]+)(?:\[[^\]]*\])?\.", address):
        for tf in sorted(directory.glob("*.tf")):
            found = re.search(
                rf'module\s+"{name}"\s*\{{[^}}]*?source\s*=\s*"([^"]+)"', tf.read_text()
            )
            if found:
                directory = (directory / found[1]).resolve()
                break
        else:
            return f"<module {name} not found under {directory}>"
    kind, name = re.search(r"([\w-]+)\.([\w-]+)(?:\[[^\]]*\])?$", address).groups()
    for tf in sorted(directory.glob("*.tf")):
        if re.search(rf'resource\s+"{kind}"\s+"{name}"', tf.read_text()):
            return str(tf.relative_to(ROOT))
    return f"<resource {kind}.{name} not found under {directory}>"


def where(address: str, statement: dict[str, Any] | None = None) -> str:
    sid = f", statement {statement.get('Sid', '<no Sid>')!r}" if statement is not None else ""
    return f"{address} ({source_file(address)}){sid}"


def data_bucket_paths(value: Any) -> list[str]:
    """The object paths of the data buckets in ``value`` (ARNs in resources or conditions, also
    inside ``Fn::Sub``): ``arn:...:s3:::<data bucket>/<path>`` -> ``<path>``."""
    text = json.dumps(value)
    pattern = rf"s3:::(?:{'|'.join(re.escape(b) for b in DATA_BUCKETS)})/([^\"\\\\]*)"
    return re.findall(pattern, text)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def policy_documents(resources: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every policy document of the plan by resource address: ``policy`` attributes (identity,
    bucket, key, queue and topic policies) and the PolicyDocuments inside the StackSet template."""
    found = []
    for address, values in resources.items():
        policy = values.get("policy")
        if isinstance(policy, str) and policy.startswith("{"):  # not a mocked computed value
            found.append((address, json.loads(policy)))
    template = json.loads(resources[STACK_SET]["template_body"])
    for resource in template["Resources"].values():
        for policy in resource.get("Properties", {}).get("Policies", []):
            found.append((STACK_SET, policy["PolicyDocument"]))
    return found


def actions_of(statement: dict[str, Any]) -> set[str]:
    action = statement.get("Action", [])
    return {action} if isinstance(action, str) else set(action)


def test_every_data_bucket_path_in_a_policy_is_under_a_layout_prefix(resources):
    seen = 0
    for address, document in policy_documents(resources):
        for statement in statements(document):
            for path in data_bucket_paths(statement):
                seen += 1
                assert path == "*" or path.startswith(LAYOUT_PREFIXES), (
                    f"{where(address, statement)}: {path!r} is under none of contract.layout's"
                    f" prefixes {LAYOUT_PREFIXES}"
                )
    assert seen >= 10  # bucket, receiver, key, sender and StackSet policies all name paths


def test_senders_may_write_exactly_under_their_own_account_prefix(resources):
    expected_by_policy = {
        **{a: layout.account_prefix(account) + "*" for a, account in SENDER_POLICIES.items()},
        "module.analytics.aws_s3_bucket_policy.this": (
            layout.account_prefix("${aws:PrincipalAccount}") + "*"
        ),
        STACK_SET: layout.account_prefix("${AWS::AccountId}") + "*",
    }
    documents = policy_documents(resources)
    for address, expected in expected_by_policy.items():
        grants = [
            (statement, data_bucket_paths(statement.get("Resource")))
            for a, document in documents
            if a == address
            for statement in statements(document)
            if statement["Effect"] == "Allow" and "s3:PutObject" in actions_of(statement)
        ]
        assert grants, f"{where(address)}: no s3:PutObject grant found"
        for statement, paths in grants:
            assert paths == [expected], (
                f"{where(address, statement)}: s3:PutObject on {paths}, contract.layout says"
                f" [{expected!r}]"
                + (
                    ""
                    if address.startswith("module.analytics")
                    else f"; see {SENDER_UPLOAD_SOURCE}"
                )
            )


def test_the_receiver_moves_exactly_between_the_layout_prefixes(receiver_policy):
    address = "module.analytics.aws_iam_role_policy.receiver"
    by_action = {}
    for statement in statements(receiver_policy):
        for action in actions_of(statement) & {
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:ListBucket",
        }:
            by_action[action] = statement
    expected = {
        "s3:GetObjectVersion": [layout.DATA_PREFIX + "*"],  # read and delete the upload
        "s3:PutObject": [layout.LOADED_PREFIX + "*", layout.FAILED_PREFIX + "*"],  # the copies
    }
    for action, paths in expected.items():
        statement = by_action[action]
        actual = data_bucket_paths(statement["Resource"])
        assert actual == paths, f"{where(address, statement)}: {action} on {actual}, not {paths}"
    listing = by_action["s3:ListBucket"]
    prefix = listing["Condition"]["StringLike"]["s3:prefix"]
    assert prefix == layout.DATA_PREFIX + "*", f"{where(address, listing)}: s3:prefix {prefix!r}"


def test_the_key_policy_lets_senders_encrypt_only_under_the_data_prefix(resources):
    address = "module.analytics.aws_kms_key.this"
    checked = 0
    for statement in statements(json.loads(resources[address]["policy"])):
        context = statement.get("Condition", {}).get("StringLike", {})
        for arn in context.get("kms:EncryptionContext:aws:s3:arn", []):
            for path in data_bucket_paths(arn):
                checked += 1
                assert path == layout.DATA_PREFIX + "*", (
                    f"{where(address, statement)}: encryption context {arn}, contract.layout says"
                    f" {layout.DATA_PREFIX}*"
                )
    assert checked == 2  # the organizations' senders and the listed accounts


def test_the_bucket_notifies_and_expires_by_the_layout_prefixes(resources):
    address = "module.analytics.aws_s3_bucket_notification.this"
    (queue,) = resources[address]["queue"]
    assert (queue["filter_prefix"], queue["filter_suffix"]) == (
        layout.DATA_PREFIX,
        layout.DOCUMENT_SUFFIX,
    ), (
        f"{where(address)}: the receiver is notified of"
        f" {queue['filter_prefix']}*{queue['filter_suffix']}"
    )
    address = "module.analytics.aws_s3_bucket_lifecycle_configuration.this"
    prefixes = {rule["id"]: rule["filter"][0].get("prefix") for rule in resources[address]["rule"]}
    expected = {
        "data-delete-markers": layout.DATA_PREFIX,
        "loaded-expiration": layout.LOADED_PREFIX,
        "failed-expiration": layout.FAILED_PREFIX,
        "reports-expiration": layout.REPORTS_PREFIX,
    }
    for rule, prefix in expected.items():
        assert prefixes.get(rule) == prefix, (
            f"{where(address)}: rule {rule!r} filters {prefixes.get(rule)!r}"
        )


def test_source_file_names_the_declaring_file():
    assert source_file("module.analytics.aws_s3_bucket_policy.this") == "modules/analytics/s3.tf"
    assert (
        source_file("module.organization.module.management_sender[0].aws_iam_role_policy.sender")
        == "modules/sender/iam.tf"
    )
