"""Real-world responses (issue 12 item 7): identifiers are never cut, deprecated fields AWS still
returns are read, timestamps never raise nor invent dates, other partitions and non-ASCII text
pass. Responses are shaped like AWS's documented examples (botocore's examples-1.json where it
has them), sent through moto or botocore's Stubber (real service models)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.loaders
import pytest
from moto import mock_aws

from sender.aws import global_region
from sender.collectors import (
    acm_certificates,
    cloudtrail_trails,
    config,
    guardduty_findings,
    health_events,
    inspector_findings,
    kms_keys,
    resources,
    secrets,
    securityhub,
    ssm_instances,
)
from sender.normalize import (
    ID_MAX,
    KEY_BYTES,
    arn,
    day,
    identifier,
    key_text,
    oversized,
    string_map,
    text,
    timestamp,
)
from support.sender_fixtures import (
    ACCOUNT,
    REGION,
    make_context,
    run_collector,
    section,
    stubbed,
    validate_outcome,
)

# An S3 object's ARN with a 1,024-byte key (the S3 maximum): 1,055 characters, more than the
# 1,024 the sender used to cut identifiers to.
S3_KEY = "exports/2026/11/24/" + "a" * (1024 - 19)
S3_OBJECT_ARN = f"arn:aws-us-gov:s3:::audit-logs/{S3_KEY}"
# a 1,024-byte key of non-ASCII text
S3_KEY_UTF8 = "données/" + "é" * 503 + "x" * 9


def aws_examples(service: str, operation: str) -> list[dict[str, Any]]:
    """The documented example responses botocore ships (examples-1.json)."""
    model = botocore.loaders.Loader().load_service_model(service, "examples-1")
    return [example["output"] for example in model["examples"][operation]]


# ---- normalize ---------------------------------------------------------------------------------


def test_the_s3_object_arn_is_a_real_maximum_case():
    assert len(S3_KEY.encode("utf-8")) == 1024 == len(S3_KEY_UTF8.encode("utf-8"))
    assert 1024 < len(S3_OBJECT_ARN) < ID_MAX
    assert len(S3_OBJECT_ARN.encode("utf-8")) < ID_MAX
    utf8_arn = f"arn:aws-cn:s3:::données/{S3_KEY_UTF8}"
    assert arn(utf8_arn) == utf8_arn


def test_identifiers_are_never_shortened():
    assert identifier(S3_OBJECT_ARN) == S3_OBJECT_ARN
    assert arn(S3_OBJECT_ARN) == S3_OBJECT_ARN
    assert key_text(S3_OBJECT_ARN) == S3_OBJECT_ARN
    longest = "arn:aws-cn:kms:cn-north-1:123456789012:key/" + "k" * (ID_MAX - 43)
    assert len(longest) == ID_MAX and arn(longest) == longest
    for too_long in (longest + "k", "é" * (ID_MAX // 2 + 1)):  # characters, or UTF-8 bytes
        assert oversized(too_long)
        assert identifier(too_long) is None and key_text(too_long) is None
    assert arn(longest + "k") is None
    assert not oversized(None) and identifier(None) is None and identifier("") is None
    assert identifier("a\x00b") == "ab"
    # free text is still shortened, as the contract documents
    assert len(text("t" * 5000)) == 1024


def test_string_maps_skip_names_too_long_instead_of_cutting_them():
    long_name = "n" * 1025
    assert string_map({long_name: "v", "Name": "ünïcödé 🚀"}) == {"Name": "ünïcödé 🚀"}


def test_other_partitions_are_arns():
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        value = f"arn:{partition}:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/db-AbCdEf"
        assert arn(value) == value
    assert arn("arn:aws-iso:s3:::b") is None


OUT_OF_RANGE = [
    "2026-01-01T00:00:00+25:00",  # offset of more than a day: raised ValueError
    "2026-01-01 00:00:00+99:00",
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC: raised OverflowError
    "9999-12-31T23:00:00-05:00",  # after year 9999 in UTC: raised OverflowError
    datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    "Tue, 01 Jan 2024 00:00:00 +2500",
    1e300,
    -1e300,
    10**30,
    float("nan"),
]
NOT_DATES = [
    "Mon",  # dateutil read next Monday
    "12",  # dateutil read the 12th of this month
    "2024",  # dateutil read today's date in 2024
    "1.5",
    "May",
    "Enabled",
    "20240101",  # ISO basic format: as likely an id as a date
    "2024-W01",
    "2024-13-01",
    "2024-02-30",
    "2024-01-01T24:00:00Z",
    "N/A",
    "not_supported",
    "no_information",
    "",
    0,  # "never", not 1970
    -5,
    True,
    object(),
    "2024-01-01T00:00:00Z" + "0" * 100,
]


def _stable_id(value: object) -> str:
    """repr, except for a bare object() (its address differs per process: pytest-xdist)."""
    return "object()" if type(value) is object else repr(value)


@pytest.mark.parametrize("value", OUT_OF_RANGE + NOT_DATES, ids=_stable_id)
def test_timestamps_never_raise_and_never_invent_a_date(value):
    assert timestamp(value) is None


def test_timestamps_in_the_forms_aws_sends():
    assert timestamp("2017-07-05T14:04:55-07:00") == "2017-07-05T21:04:55Z"  # KMS example
    assert timestamp("2019-10-31T21:35:48.906+0000") == "2019-10-31T21:35:48.906Z"  # Lambda
    assert timestamp("2026-11-24T21:37:05.123456789Z") == "2026-11-24T21:37:05.123Z"
    assert timestamp("2026-11-24 21:37:05") == "2026-11-24T21:37:05Z"  # naive: UTC
    assert timestamp("2026-11-24") == "2026-11-24T00:00:00Z"
    assert timestamp("Tue, 03 Nov 2026 08:00:00 GMT") == "2026-11-03T08:00:00Z"
    assert timestamp(1571767572.317) == "2019-10-22T18:06:12.317Z"  # KMS example, epoch
    assert timestamp("2026-01-01T00:30:00+01:00") == "2025-12-31T23:30:00Z"


def test_days_are_iso_dates_only():
    assert day("2026-11-24T21:37:05Z") == "2026-11-24"
    for value in ("20261124", "2026-W48-1", "Mon", None):
        assert day(value) is None


# ---- KMS: the deprecated CustomerMasterKeySpec ----------------------------------------------


def _describe_key_example(spec: str) -> dict[str, Any]:
    """AWS's documented DescribeKey example whose key has ``spec``."""
    for output in aws_examples("kms", "DescribeKey"):
        if output["KeyMetadata"].get("CustomerMasterKeySpec") == spec:
            return output
    raise AssertionError(f"no DescribeKey example with {spec}")


def _run_kms(clients, output: dict[str, Any], rotation: bool | None = None):
    meta = output["KeyMetadata"]
    with stubbed(clients, "kms") as kms:
        kms.add_response("list_aliases", {"Aliases": []})
        kms.add_response("list_keys", {"Keys": [{"KeyId": meta["KeyId"], "KeyArn": meta["Arn"]}]})
        kms.add_response("describe_key", output, {"KeyId": meta["KeyId"]})
        if rotation is not None:
            kms.add_response(
                "get_key_rotation_status",
                {"KeyRotationEnabled": rotation},
                {"KeyId": meta["KeyId"]},
            )
        outcome = run_collector(kms_keys.COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [item] = section(outcome)
    return item


def test_an_hmac_key_known_only_by_its_deprecated_spec_is_not_rotatable(clients):
    """AWS's own HMAC example carries CustomerMasterKeySpec and no KeySpec. Rotation does not
    apply to HMAC keys: asking would fail (UnsupportedOperationException); the Stubber refuses
    the unexpected call, so a regression cannot pass."""
    output = _describe_key_example("HMAC_256")
    assert "KeySpec" not in output["KeyMetadata"]
    item = _run_kms(clients, output)
    assert item["key_spec"] == "HMAC_256"
    assert item["rotation_enabled"] is None


def test_a_symmetric_key_known_only_by_its_deprecated_spec_is_rotatable(clients):
    output = next(
        o
        for o in aws_examples("kms", "DescribeKey")
        if "KeySpec" not in o["KeyMetadata"]
        and o["KeyMetadata"].get("CustomerMasterKeySpec") == "SYMMETRIC_DEFAULT"
    )
    item = _run_kms(clients, output, rotation=True)
    assert item["key_spec"] == "SYMMETRIC_DEFAULT"
    assert item["rotation_enabled"] is True
    assert item["key_id"].startswith("mrk-")


def test_kms_key_ids_of_the_documented_maximum_are_kept(clients):
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    long_arn = f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{key_id}"
    output = _describe_key_example("RSA_2048")
    output = {"KeyMetadata": {**output["KeyMetadata"], "Arn": long_arn, "KeyId": key_id}}
    item = _run_kms(clients, output)
    assert item["key_arn"] == long_arn and item["key_spec"] == "RSA_2048"
    assert item["rotation_enabled"] is None  # asymmetric


# ---- Security Hub: long resource ids, deprecated Normalized severity ----------------------


def _asff(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"arn:aws:securityhub:{REGION}:{ACCOUNT}:finding/{n:08d}-macie-s3-object",
        "ProductArn": f"arn:aws:securityhub:{REGION}::product/aws/macie",
        "ProductName": "Macie",
        "GeneratorId": "aws/macie/SensitiveData:S3Object/Personal",
        "AwsAccountId": ACCOUNT,
        "Region": REGION,
        "Types": ["Sensitive Data Identifications/PII"],
        "CreatedAt": "2026-11-20T10:00:00.000Z",
        "UpdatedAt": "2026-11-24T10:00:00.000Z",
        "Severity": {"Label": "HIGH", "Original": "High"},
        "Title": "L'objet S3 contient des données personnelles — 個人情報",
        "Description": "Macie a trouvé des numéros de carte 💳 dans l'objet.",
        "Resources": [{"Type": "AwsS3Object", "Id": S3_OBJECT_ARN, "Partition": "aws-us-gov"}],
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        **extra,
    }


@mock_aws
def test_securityhub_keeps_s3_object_ids_longer_than_1024_characters(clients):
    hub = boto3.client("securityhub", region_name=REGION)
    hub.enable_security_hub()
    hub.batch_import_findings(Findings=[_asff(1)])
    outcome = run_collector(securityhub.COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [found] = section(outcome)["findings"]
    assert found["resource_id"] == S3_OBJECT_ARN  # whole: it matches the object's ARN
    assert found["title"] == _asff(1)["Title"]


def _securityhub_with(clients, findings: list[dict[str, Any]]):
    with stubbed(clients, "securityhub") as hub:
        hub.add_client_error("get_finding_statistics_v2", "AccessDeniedException")
        hub.add_response("get_findings", {"Findings": findings})
        hub.add_response("get_findings", {"Findings": []})
        return run_collector(securityhub.COLLECTOR, make_context(clients))


def test_securityhub_drops_a_finding_whose_id_is_too_long_and_says_so(clients):
    too_long = "arn:aws:securityhub:x:finding/" + "z" * ID_MAX
    outcome = _securityhub_with(
        clients,
        [_asff(1), _asff(2, Id=too_long), _asff(3, Id=too_long + "y")],
    )
    assert outcome.status == "partial"
    assert "2 x finding Id longer than 2048 characters" in outcome.error
    assert "item dropped" in outcome.error
    assert [f["finding_id"] for f in section(outcome)["findings"]] == [_asff(1)["Id"]]


def test_securityhub_keeps_a_finding_whose_resource_id_is_too_long_without_it(clients):
    resource = {"Type": "Other", "Id": "r" * (ID_MAX + 1)}
    outcome = _securityhub_with(clients, [_asff(1, Resources=[resource])])
    assert outcome.status == "partial"
    assert "1 x resource Id longer than 2048" in outcome.error
    assert "item kept without it" in outcome.error
    [found] = section(outcome)["findings"]
    assert found["resource_id"] is None and found["resource_type"] == "Other"


@pytest.mark.parametrize(
    ("normalized", "label"),
    [(0, "INFORMATIONAL"), (1, "LOW"), (39, "LOW"), (40, "MEDIUM"), (70, "HIGH"), (90, "CRITICAL")],
)
def test_securityhub_reads_the_deprecated_normalized_severity_when_label_is_absent(
    clients, normalized, label
):
    finding = _asff(1, Severity={"Normalized": normalized, "Product": 3.5})
    outcome = _securityhub_with(clients, [finding])
    assert outcome.status == "ok", outcome.error
    [found] = section(outcome)["findings"]
    assert found["severity_label"] == label
    counts = {c["severity_label"]: c["count"] for c in section(outcome)["severity_counts"]}
    assert counts[label] == 1


def test_securityhub_finding_without_resources_or_severity(clients):
    finding = _asff(1, Resources=[])  # required, but may be empty
    del finding["Severity"]
    outcome = _securityhub_with(clients, [finding])
    assert outcome.status == "ok", outcome.error
    [found] = section(outcome)["findings"]
    assert found["resource_id"] is None and found["severity_label"] is None


# ---- other collectors ---------------------------------------------------------------------


def test_secrets_from_the_documented_example_in_another_partition(clients):
    [example] = aws_examples("secretsmanager", "ListSecrets")
    listed = []
    for secret in example["SecretList"]:
        moved = {**secret, "ARN": secret["ARN"].replace("arn:aws:", "arn:aws-cn:")}
        moved.pop("RotationEnabled", None)  # absent in the example's entries: no rotation
        listed.append(moved)
    with stubbed(clients, "secretsmanager") as sm:
        sm.add_response("list_secrets", {"SecretList": listed}, {"MaxResults": 100})
        outcome = run_collector(secrets.COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = section(outcome)
    assert [s["secret_arn"] for s in items] == [s["ARN"] for s in listed]
    assert all(s["secret_arn"].startswith("arn:aws-cn:") for s in items)
    assert all(s["rotation_enabled"] is False for s in items)


def test_resources_drop_items_without_an_id_and_count_them(clients):
    """Lambda's documented ListFunctions example, plus an entry AWS's model allows without a
    FunctionName (every output member is optional): dropped and counted, never a KeyError
    that loses the whole type."""
    [example] = aws_examples("lambda", "ListFunctions")
    functions = [dict(f) for f in example["Functions"]]
    functions.append({k: v for k, v in functions[0].items() if k != "FunctionName"})
    ctx = make_context(clients)
    for service in ("ec2", "rds", "elbv2", "autoscaling", "s3"):
        clients.client(service, REGION)
    with (
        stubbed(clients, "resourcegroupstaggingapi") as tagging,
        stubbed(clients, "ec2") as ec2,
        stubbed(clients, "rds") as rds,
        stubbed(clients, "s3") as s3,
        stubbed(clients, "elbv2") as elbv2,
        stubbed(clients, "autoscaling") as autoscaling,
        stubbed(clients, "lambda") as lam,
    ):
        tagging.add_response("get_resources", {"ResourceTagMappingList": [{"Tags": []}]})
        ec2.add_response("describe_instances", {"Reservations": [{"Instances": [{}]}]})
        ec2.add_response("describe_subnets", {"Subnets": []})
        ec2.add_response("describe_volumes", {"Volumes": []})
        rds.add_response("describe_db_instances", {"DBInstances": []})
        s3.add_response("list_buckets", {"Buckets": [{"Name": "données-backup"}]})
        elbv2.add_response("describe_load_balancers", {"LoadBalancers": []})
        autoscaling.add_response("describe_auto_scaling_groups", {"AutoScalingGroups": []})
        lam.add_response("list_functions", {"Functions": functions})
        outcome = run_collector(resources.COLLECTOR, ctx)
    assert outcome.status == "partial"
    assert "1 x ec2:instance id absent or empty: item dropped" in outcome.error
    assert "1 x lambda:function id absent or empty: item dropped" in outcome.error
    items = section(outcome)
    names = {(i["resource_type"], i["resource_id"]) for i in items}
    assert ("s3:bucket", "données-backup") in names
    assert {i["resource_id"] for i in items if i["resource_type"] == "lambda:function"} == {
        f["FunctionName"] for f in example["Functions"]
    }


def test_config_resource_ids_of_the_documented_maximum_are_kept(clients):
    resource_id = "i-" + "0" * 766  # ResourceId: at most 768 characters
    rule = "s3-bucket-versioning-enabled"
    with stubbed(clients, "config") as cfg:
        cfg.add_response(
            "describe_config_rules",
            {"ConfigRules": [{"ConfigRuleName": rule, "Source": {"Owner": "AWS"}}]},
        )
        cfg.add_response(
            "describe_compliance_by_config_rule",
            {
                "ComplianceByConfigRules": [
                    {"ConfigRuleName": rule, "Compliance": {"ComplianceType": "NON_COMPLIANT"}}
                ]
            },
        )
        cfg.add_response("describe_conformance_packs", {"ConformancePackDetails": []})
        cfg.add_response(
            "get_compliance_details_by_config_rule",
            {
                "EvaluationResults": [
                    {
                        "EvaluationResultIdentifier": {
                            "EvaluationResultQualifier": {
                                "ConfigRuleName": rule,
                                "ResourceType": "AWS::S3::Bucket",
                                "ResourceId": resource_id,
                            }
                        },
                        "ComplianceType": "NON_COMPLIANT",
                        "Annotation": "Versionierung ist nicht aktiviert — 版本控制",
                    }
                ]
            },
        )
        outcome = run_collector(config.COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [resource] = section(outcome)["noncompliant_resources"]
    assert resource["resource_id"] == resource_id


def test_guardduty_and_inspector_keep_long_resource_ids(clients):
    long_id = "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:" + "f" * 1100
    guard = {
        "AccountId": ACCOUNT,
        "Arn": f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/d1/finding/f1",
        "CreatedAt": "2026-11-24T10:00:00.000Z",
        "Id": "f1",
        "Partition": "aws",
        "Region": REGION,
        "Resource": {"ResourceType": "Lambda", "LambdaDetails": {"FunctionArn": long_id}},
        "SchemaVersion": "2.0",
        "Severity": 5.0,
        "Type": "Execution:Runtime/SuspiciousCommand",
        "UpdatedAt": "2026-11-24T11:00:00.000Z",
    }
    item = guardduty_findings._item(make_context(clients), guard, "d1")
    assert item is not None and item["resource_id"] == long_id
    inspector = {
        "awsAccountId": ACCOUNT,
        "findingArn": f"arn:aws-cn:inspector2:cn-north-1:{ACCOUNT}:finding/abc",
        "resources": [{"id": long_id, "type": "AWS_LAMBDA_FUNCTION", "region": "cn-north-1"}],
        "severity": "HIGH",
        "title": "CVE-2026-0001 - ünïcödé",
    }
    item = inspector_findings._item(make_context(clients), inspector)
    assert item is not None and item["resource_id"] == long_id
    assert item["region"] == "cn-north-1"


def test_ssm_applications_whose_key_cannot_be_indexed_are_dropped_and_counted(clients):
    """Inventory entries are free-form: a name and version longer than a database index holds
    (KEY_BYTES in all) are dropped and counted, never cut; non-ASCII names pass whole."""
    instance = "mi-0123456789abcdef0"  # a hybrid (non-EC2) managed node
    apps = [
        {
            "Name": "Microsoft Visual C++ 2019 - ünïcödé",
            "Version": "14.29.30133",
            "Architecture": "x86_64",
        },
        {"Name": "n" * 1500, "Version": "v" * 1000, "Architecture": "x86_64"},
        {"Name": "x" * 10, "Version": "v" * 1025},
    ]
    with stubbed(clients, "ssm") as ssm:
        ssm.add_response(
            "describe_instance_information",
            {
                "InstanceInformationList": [
                    {
                        "InstanceId": instance,
                        "PingStatus": "Online",
                        "ResourceType": "ManagedInstance",
                    }
                ]
            },
            {"MaxResults": 50},
        )
        ssm.add_response(
            "get_inventory",
            {
                "Entities": [
                    {
                        "Id": instance,
                        "Data": {
                            "AWS:Application": {
                                "TypeName": "AWS:Application",
                                "SchemaVersion": "1.1",
                                "CaptureTime": "2026-11-24T00:00:00Z",
                                "Content": apps,
                            }
                        },
                    }
                ]
            },
        )
        ssm.add_response(
            "describe_instance_patches",
            {"Patches": []},
            {"InstanceId": instance, "MaxResults": 100},
        )
        outcome = run_collector(ssm_instances.COLLECTOR, make_context(clients))
    assert outcome.status == "partial"
    assert f"1 x application key longer than {KEY_BYTES} UTF-8 bytes" in outcome.error
    assert "1 x application Version longer than 1024 characters: item dropped" in outcome.error
    [item] = section(outcome)
    assert [a["name"] for a in item["applications"]] == [apps[0]["Name"]]


def test_cloudtrail_in_govcloud_keeps_its_identifiers_whole(clients):
    """KmsKeyId is a key ARN (up to 2048 characters, cut at 1024 before)."""
    region = "us-gov-west-1"
    trail_arn = f"arn:aws-us-gov:cloudtrail:{region}:{ACCOUNT}:trail/management-events"
    kms_key = f"arn:aws-us-gov:kms:{region}:{ACCOUNT}:alias/" + "k" * 1500
    with stubbed(clients, "cloudtrail", region) as ct:
        ct.add_response(
            "describe_trails",
            {
                "trailList": [
                    {
                        "Name": "management-events",
                        "TrailARN": trail_arn,
                        "HomeRegion": region,
                        "S3BucketName": "aws-cloudtrail-logs-journaux-d'audit",
                        "KmsKeyId": kms_key,
                        "IsMultiRegionTrail": True,
                        "LogFileValidationEnabled": True,
                    },
                    {"Name": "no-arn", "HomeRegion": region},  # counted, not a KeyError
                ]
            },
            {"includeShadowTrails": True},
        )
        ct.add_response("get_trail_status", {"IsLogging": True}, {"Name": trail_arn})
        ctx = make_context(clients, region, home_region=region)
        outcome = run_collector(cloudtrail_trails.COLLECTOR, ctx)
    assert outcome.status == "partial"
    assert outcome.error == (
        "1 x TrailARN absent or not an aws, aws-cn or aws-us-gov ARN: item dropped"
    )
    document = validate_outcome(outcome, regions=(region,))
    [trail] = document["data"]["cloudtrail_trails"]
    assert trail["trail_arn"] == trail_arn and trail["kms_key_id"] == kms_key


def test_acm_certificates_in_china_and_one_without_an_arn(clients):
    region = "cn-north-1"
    cert_arn = f"arn:aws-cn:acm:{region}:{ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012"
    with stubbed(clients, "acm", region) as acm:
        key_types = list(
            clients.client("acm", region).meta.service_model.shape_for("KeyAlgorithm").enum
        )
        acm.add_response(
            "list_certificates",
            {
                "CertificateSummaryList": [
                    {"CertificateArn": cert_arn, "DomainName": "例子.测试"},
                    {"DomainName": "no-arn.example.com"},
                ]
            },
            {"Includes": {"keyTypes": key_types}},
        )
        outcome = run_collector(
            acm_certificates.COLLECTOR, make_context(clients, region, home_region=region)
        )
    assert outcome.status == "partial"
    assert "1 x CertificateArn absent" in outcome.error
    [cert] = validate_outcome(outcome, regions=(region,))["data"]["acm_certificates"]
    assert cert["certificate_arn"] == cert_arn and cert["domain_name"] == "例子.测试"
    assert cert["not_after"] is None and cert["in_use"] is None  # absent: null, not a guess


def test_health_events_in_china_and_one_without_an_arn(clients):
    home = "cn-north-1"
    where = global_region(home)
    event_arn = f"arn:aws-cn:health:{home}::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_1"
    window = {
        "lastUpdatedTimes": [
            {"from": datetime(2026, 11, 24, tzinfo=UTC), "to": datetime(2026, 11, 25, tzinfo=UTC)}
        ]
    }
    events = [
        {
            "arn": event_arn,
            "service": "EC2",
            "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE",
            "eventTypeCategory": "issue",
            "region": home,
            "statusCode": "open",
            "eventScopeCode": "PUBLIC",
            "startTime": datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        },
        {"service": "EC2", "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE"},
    ]
    with stubbed(clients, "health", where) as health:
        health.add_response(
            "describe_events", {"events": events}, {"filter": window, "maxResults": 100}
        )
        health.add_response(
            "describe_entity_aggregates",
            {"entityAggregates": [{"eventArn": event_arn, "count": 3}]},
            {"eventArns": [event_arn]},
        )
        ctx = make_context(clients, None, home_region=home)
        outcome = run_collector(health_events.COLLECTOR, ctx)
    assert outcome.status == "partial"
    assert (
        outcome.error
        == "1 x event arn absent or not an aws, aws-cn or aws-us-gov ARN: item dropped"
    )
    [item] = validate_outcome(outcome, regions=(home,))["data"]["health_events"]
    assert item["event_arn"] == event_arn and item["affected_entity_count"] == 3
    assert item["end_time"] is None  # an open event has no endTime
