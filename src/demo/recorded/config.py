"""AWS Config compliance for the rules that exist in moto, and one conformance pack of them.

Each rule evaluates the account's real resources of its type (buckets, volumes, security groups,
IAM users, DB instances...). How many are non-compliant follows a slow cycle per rule, seeded by
rule name and date: a batch of findings appears, then one resource is fixed every few days until
what is left is the environment's stubborn residue; production starts with fewer and ends clean,
the sandbox starts with more and keeps some. Which resources are non-compliant is a fixed order
per rule, so a fixed resource stays fixed within a cycle.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from demo.profiles import HOME_REGION
from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, ApiError, Call, at, digest, page, seeded

MISSING = "not implemented by moto 5.2"
PACK = "Operational-Best-Practices-for-CIS-AWS-v1.4-Level1"
# share of resources failing at the start of a cycle, residue at its end
START = {"production": 0.25, "staging": 0.45, "sandbox": 0.7}
RESIDUE = {"production": 0, "staging": 1, "sandbox": 2}
TYPES = {
    "S3_": "AWS::S3::Bucket",
    "ENCRYPTED_VOLUMES": "AWS::EC2::Volume",
    "EC2_EBS": "AWS::EC2::Volume",
    "INCOMING_SSH_DISABLED": "AWS::EC2::SecurityGroup",
    "RESTRICTED_INCOMING_TRAFFIC": "AWS::EC2::SecurityGroup",
    "VPC_": "AWS::EC2::SecurityGroup",
    "EC2_": "AWS::EC2::Instance",
    "RDS_": "AWS::RDS::DBInstance",
    "IAM_USER": "AWS::IAM::User",
    "ACCESS_KEYS_ROTATED": "AWS::IAM::User",
    "LAMBDA_": "AWS::Lambda::Function",
}
ANNOTATIONS = {
    "AWS::S3::Bucket": "The bucket policy or ACL allows access that the rule prohibits.",
    "AWS::EC2::Volume": "The EBS volume is not encrypted.",
    "AWS::EC2::SecurityGroup": "The security group allows unrestricted inbound traffic on port 22.",
    "AWS::EC2::Instance": "The instance does not comply with the rule's required configuration.",
    "AWS::RDS::DBInstance": "The DB instance storage is not encrypted.",
    "AWS::IAM::User": "The IAM user has console access but no MFA device.",
    "AWS::Lambda::Function": "The Lambda function does not comply with the rule.",
    "AWS::::Account": "The account does not comply with the rule.",
}


def _resource_type(rule: dict[str, Any]) -> str:
    scope = (rule.get("Scope") or {}).get("ComplianceResourceTypes") or []
    if scope:
        return str(scope[0])
    identifier = str((rule.get("Source") or {}).get("SourceIdentifier", ""))
    for prefix, kind in TYPES.items():
        if identifier.startswith(prefix):
            return kind
    return "AWS::::Account"


def _resources(call: Call, kind: str) -> list[str]:
    listers = {
        "AWS::S3::Bucket": lambda: _moto.buckets(call),
        "AWS::EC2::Volume": lambda: [v["VolumeId"] for v in _moto.volumes(call)],
        "AWS::EC2::SecurityGroup": lambda: [g["GroupId"] for g in _moto.security_groups(call)],
        "AWS::EC2::Instance": lambda: [i["InstanceId"] for i in _moto.instances(call)],
        "AWS::RDS::DBInstance": lambda: [
            d.get("DbiResourceId") or d["DBInstanceIdentifier"] for d in _moto.db_instances(call)
        ],
        "AWS::IAM::User": lambda: _moto.users(call) if call.region == HOME_REGION else [],
        "AWS::Lambda::Function": lambda: [f["FunctionName"] for f in _moto.functions(call)],
    }
    lister = listers.get(kind)
    return list(lister()) if lister else [call.account_id]


def _failing(call: Call, rule: str, resources: list[str], day: date) -> list[str]:
    """The rule's non-compliant resources on ``day``."""
    if not resources:
        return []
    environment = call.profile.environment
    rng = seeded(call.profile.key, "config", call.region, rule)
    length = rng.randrange(40, 71)
    offset = rng.randrange(length)
    step = rng.randrange(4, 10)
    order = sorted(resources)
    rng.shuffle(order)
    position = (day.toordinal() + offset) % length
    initial = math.ceil(len(order) * START.get(environment, 0.5) * rng.uniform(0.8, 1.4))
    residue = min(RESIDUE.get(environment, 1), initial)
    count = max(residue, initial - position // step)
    return order[: min(count, len(order))]


def _rules(call: Call) -> list[dict[str, Any]]:
    return call.cached("config-rules", call.region, call.today, compute=lambda: _evaluate(call))


def _evaluate(call: Call) -> list[dict[str, Any]]:
    evaluated = []
    for rule in _moto.config_rules(call):
        name = rule["ConfigRuleName"]
        kind = _resource_type(rule)
        resources = _resources(call, kind)
        evaluated.append(
            {
                "name": name,
                "type": kind,
                "identifier": (rule.get("Source") or {}).get("SourceIdentifier", ""),
                "resources": sorted(resources),
                "failing": _failing(call, name, resources, call.today),
            }
        )
    return evaluated


def _compliance(rule: dict[str, Any]) -> dict[str, Any]:
    if not rule["resources"]:
        return {"ComplianceType": "INSUFFICIENT_DATA"}
    if rule["failing"]:
        return {
            "ComplianceType": "NON_COMPLIANT",
            "ComplianceContributorCount": {
                "CappedCount": len(rule["failing"]),
                "CapExceeded": False,
            },
        }
    return {"ComplianceType": "COMPLIANT"}


def _selected(call: Call, names: list[str] | None) -> list[dict[str, Any]]:
    rules = _rules(call)
    if not names:
        return rules
    known = {r["name"]: r for r in rules}
    missing = [n for n in names if n not in known]
    if missing:
        raise ApiError(
            "NoSuchConfigRuleException",
            f"The ConfigRule '{missing[0]}' provided in the request is invalid. "
            "Please check the configRule name.",
        )
    return [known[n] for n in names]


def describe_compliance_by_config_rule(call: Call) -> dict[str, Any]:
    wanted = set(call.params.get("ComplianceTypes") or [])
    entries = [
        {"ConfigRuleName": rule["name"], "Compliance": _compliance(rule)}
        for rule in _selected(call, call.params.get("ConfigRuleNames"))
    ]
    entries = [e for e in entries if not wanted or e["Compliance"]["ComplianceType"] in wanted]
    chunk, token = page(entries, call.params, "Limit", "NextToken", default=25)
    response: dict[str, Any] = {"ComplianceByConfigRules": chunk}
    if token:
        response["NextToken"] = token
    return response


def get_compliance_details_by_config_rule(call: Call) -> dict[str, Any]:
    [rule] = _selected(call, [call.params["ConfigRuleName"]])
    wanted = set(call.params.get("ComplianceTypes") or ["COMPLIANT", "NON_COMPLIANT"])
    failing = set(rule["failing"])
    rng = call.rng("config-times", call.region, rule["name"], call.today)
    recorded = at(call.today - timedelta(days=1), rng.randrange(24), rng.randrange(60))
    results = []
    for resource in rule["resources"]:
        kind = "NON_COMPLIANT" if resource in failing else "COMPLIANT"
        if kind not in wanted:
            continue
        result: dict[str, Any] = {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": rule["name"],
                    "ResourceType": rule["type"],
                    "ResourceId": resource,
                    "EvaluationMode": "DETECTIVE",
                },
                "OrderingTimestamp": recorded - timedelta(minutes=rng.randrange(5, 600)),
            },
            "ComplianceType": kind,
            "ResultRecordedTime": recorded,
            "ConfigRuleInvokedTime": recorded - timedelta(seconds=rng.randrange(20, 90)),
        }
        if kind == "NON_COMPLIANT":
            result["Annotation"] = ANNOTATIONS.get(rule["type"], ANNOTATIONS["AWS::::Account"])
        results.append(result)
    chunk, token = page(results, call.params, "Limit", "NextToken", default=100)
    response: dict[str, Any] = {"EvaluationResults": chunk}
    if token:
        response["NextToken"] = token
    return response


def _packs(call: Call) -> list[str]:
    return [PACK] if call.region == HOME_REGION and _rules(call) else []


def _pack_detail(call: Call, name: str) -> dict[str, Any]:
    pack_id = f"conformance-pack-{digest(call.profile.key, call.region, name, length=14)}"
    return {
        "ConformancePackName": name,
        "ConformancePackArn": (
            f"arn:aws:config:{call.region}:{call.account_id}:conformance-pack/{name}/{pack_id}"
        ),
        "ConformancePackId": pack_id,
        "ConformancePackInputParameters": [
            {"ParameterName": "AccessKeysRotatedParamMaxAccessKeyAge", "ParameterValue": "90"}
        ],
        "LastUpdateRequestedTime": at(call.anchor - timedelta(days=61), 11, 20, 5),
    }


def _pack_named(call: Call, name: str) -> None:
    if name not in _packs(call):
        raise ApiError(
            "NoSuchConformancePackException",
            f"Conformance pack '{name}' does not exist in {call.region}.",
        )


def describe_conformance_packs(call: Call) -> dict[str, Any]:
    names = call.params.get("ConformancePackNames") or _packs(call)
    for name in names:
        _pack_named(call, name)
    details = [_pack_detail(call, name) for name in names]
    chunk, token = page(details, call.params, "Limit", "NextToken", default=20)
    response: dict[str, Any] = {"ConformancePackDetails": chunk}
    if token:
        response["NextToken"] = token
    return response


def describe_conformance_pack_compliance(call: Call) -> dict[str, Any]:
    name = call.params["ConformancePackName"]
    _pack_named(call, name)
    filters = call.params.get("Filters") or {}
    entries = []
    for rule in _rules(call):
        kind = _compliance(rule)["ComplianceType"]
        if filters.get("ConfigRuleNames") and rule["name"] not in filters["ConfigRuleNames"]:
            continue
        if filters.get("ComplianceType") and kind != filters["ComplianceType"]:
            continue
        entries.append({"ConfigRuleName": rule["name"], "ComplianceType": kind, "Controls": []})
    chunk, token = page(entries, call.params, "Limit", "NextToken", default=1000)
    response: dict[str, Any] = {
        "ConformancePackName": name,
        "ConformancePackRuleComplianceList": chunk,
    }
    if token:
        response["NextToken"] = token
    return response


ANSWERS: Answers = {
    ("config", "DescribeComplianceByConfigRule"): Answer(
        MISSING, describe_compliance_by_config_rule
    ),
    ("config", "GetComplianceDetailsByConfigRule"): Answer(
        MISSING, get_compliance_details_by_config_rule
    ),
    ("config", "DescribeConformancePacks"): Answer(
        "not implemented by moto 5.2 (moto cannot create conformance packs either)",
        describe_conformance_packs,
    ),
    ("config", "DescribeConformancePackCompliance"): Answer(
        MISSING, describe_conformance_pack_compliance
    ),
}
