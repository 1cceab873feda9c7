"""config: rules with compliance, conformance packs, only NON_COMPLIANT resources, partial on a
rule that fails, skipped when AWS Config is not set up."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.config import COLLECTOR
from support.sender_fixtures import (
    REGION,
    WireStub,
    access_denied,
    answer,
    make_context,
    run_collector,
    section,
    stubbed,
)


def rule(name, owner="AWS", identifier=None):
    return {
        "ConfigRuleName": name,
        "Source": {"Owner": owner, "SourceIdentifier": identifier or name.upper()},
    }


def compliance(name, kind, capped=None):
    entry = {"ConfigRuleName": name, "Compliance": {"ComplianceType": kind}}
    if capped is not None:
        entry["Compliance"]["ComplianceContributorCount"] = {
            "CappedCount": capped,
            "CapExceeded": False,
        }
    return entry


def evaluation(rule_name, resource_id, annotation=None):
    result = {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule_name,
                "ResourceType": "AWS::EC2::Volume",
                "ResourceId": resource_id,
            }
        },
        "ComplianceType": "NON_COMPLIANT",
        "ResultRecordedTime": datetime(2026, 11, 24, 19, 22, 31, 881000, tzinfo=UTC),
    }
    if annotation:
        result["Annotation"] = annotation
    return result


def test_rules_packs_and_noncompliant_resources(clients):
    details = {
        "ConfigRuleName": "encrypted-volumes",
        "ComplianceTypes": ["NON_COMPLIANT"],
        "Limit": 100,
    }
    with stubbed(clients, "config") as cfg:
        cfg.add_response(
            "describe_config_rules",
            {
                "ConfigRules": [
                    rule("s3-bucket-public-read-prohibited"),
                    rule("encrypted-volumes"),
                ],
                "NextToken": "r",
            },
        )
        cfg.add_response(
            "describe_config_rules",
            {
                "ConfigRules": [
                    rule(
                        "custom-tagging",
                        "CUSTOM_LAMBDA",
                        "arn:aws:lambda:eu-west-1:123456789012:function:tagging",
                    )
                ]
            },
            {"NextToken": "r"},
        )
        cfg.add_response(
            "describe_compliance_by_config_rule",
            {
                "ComplianceByConfigRules": [
                    compliance("s3-bucket-public-read-prohibited", "COMPLIANT"),
                    compliance("encrypted-volumes", "NON_COMPLIANT", capped=2),
                    compliance("custom-tagging", "INSUFFICIENT_DATA"),
                ]
            },
        )
        cfg.add_response(
            "describe_conformance_packs",
            {
                "ConformancePackDetails": [
                    {
                        "ConformancePackName": "pci",
                        "ConformancePackArn": "arn:aws:config:eu-west-1:"
                        "123456789012:conformance-pack/pci/conformance-pack-1",
                        "ConformancePackId": "c1",
                    }
                ]
            },
        )
        cfg.add_response(
            "get_compliance_details_by_config_rule",
            {
                "EvaluationResults": [
                    evaluation(
                        "encrypted-volumes", "vol-0a1b2c3d4e5f60718", "Volume is not encrypted."
                    )
                ],
                "NextToken": "e",
            },
            details,
        )
        cfg.add_response(
            "get_compliance_details_by_config_rule",
            {"EvaluationResults": [evaluation("encrypted-volumes", "vol-0fedcba9876543210")]},
            {**details, "NextToken": "e"},
        )
        cfg.add_response(
            "describe_conformance_pack_compliance",
            {
                "ConformancePackName": "pci",
                "ConformancePackRuleComplianceList": [
                    {"ConfigRuleName": "a", "ComplianceType": "COMPLIANT"},
                    {"ConfigRuleName": "b", "ComplianceType": "NON_COMPLIANT"},
                ],
            },
            {"ConformancePackName": "pci"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    data = section(outcome)
    rules = {r["rule_name"]: r for r in data["rules"]}
    assert rules["encrypted-volumes"]["non_compliant_resource_count"] == 2
    assert rules["s3-bucket-public-read-prohibited"]["non_compliant_resource_count"] == 0
    assert rules["custom-tagging"]["compliance"] == "INSUFFICIENT_DATA"
    assert rules["custom-tagging"]["source_owner"] == "CUSTOM_LAMBDA"
    assert data["conformance_packs"] == [
        {
            "pack_name": "pci",
            "region": REGION,
            "compliance": "NON_COMPLIANT",
            "compliant_rule_count": 1,
            "non_compliant_rule_count": 1,
        }
    ]
    assert data["noncompliant_resources"][0] == {
        "region": REGION,
        "rule_name": "encrypted-volumes",
        "resource_type": "AWS::EC2::Volume",
        "resource_id": "vol-0a1b2c3d4e5f60718",
        "annotation": "Volume is not encrypted.",
        "recorded_at": "2026-11-24T19:22:31.881Z",
    }
    assert len(data["noncompliant_resources"]) == 2


def test_a_rule_whose_details_fail_makes_the_run_partial(clients):
    with stubbed(clients, "config") as cfg:
        cfg.add_response("describe_config_rules", {"ConfigRules": [rule("encrypted-volumes")]})
        cfg.add_response(
            "describe_compliance_by_config_rule",
            {
                "ComplianceByConfigRules": [
                    compliance("encrypted-volumes", "NON_COMPLIANT", capped=7)
                ]
            },
        )
        cfg.add_response("describe_conformance_packs", {"ConformancePackDetails": []})
        cfg.add_client_error(
            "get_compliance_details_by_config_rule",
            service_error_code="InternalFailure",
            http_status_code=400,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "partial"
    assert "non-compliant resources of encrypted-volumes: InternalFailure" in outcome.error
    [only] = section(outcome)["rules"]
    assert only["non_compliant_resource_count"] == 7  # falls back to Config's capped count


@mock_aws
def test_no_recorder_no_rules_means_not_enabled(clients):
    answer(
        clients.client("config", REGION), "DescribeConformancePacks", {"ConformancePackDetails": []}
    )  # moto lacks it
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert outcome.error == "AWS Config is not enabled in eu-west-1 (no configuration recorder)"


@mock_aws
def test_rules_from_moto(clients):
    config = boto3.client("config", region_name=REGION)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
        }
    )
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "s3-versioning",
            "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
        }
    )
    cfg = clients.client("config", REGION)
    answer(cfg, "DescribeComplianceByConfigRule", {"ComplianceByConfigRules": []})
    answer(cfg, "DescribeConformancePacks", {"ConformancePackDetails": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [only] = section(outcome)["rules"]
    assert (only["rule_name"], only["compliance"]) == ("s3-versioning", None)
    assert only["source_identifier"] == "S3_BUCKET_VERSIONING_ENABLED"


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "config") as cfg:
        access_denied(cfg, "describe_config_rules")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("config", REGION))
    wire.add_error("DescribeConfigRules", "ThrottlingException")
    wire.add("DescribeConfigRules", {"ConfigRules": [rule("r")]})
    wire.add(
        "DescribeComplianceByConfigRule",
        {"ComplianceByConfigRules": [compliance("r", "COMPLIANT")]},
    )
    wire.add("DescribeConformancePacks", {"ConformancePackDetails": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    wire.assert_done()
    assert outcome.status == "ok" and outcome.item_count == 1


class _Clock:
    """A monotonic clock that jumps ``jump`` seconds from its ``after``-th reading on."""

    def __init__(self, after: int, jump: float = 10_000.0) -> None:
        self.calls = 0
        self.after = after
        self.jump = jump

    def __call__(self) -> float:
        import time

        self.calls += 1
        return time.monotonic() + (self.jump if self.calls > self.after else 0.0)


def test_running_out_of_time_on_details_still_sends_every_rule(clients):
    """Issue 17 item 5: the compliance percentage must cover every rule, not the ones whose
    details were fetched before the budget ran out."""
    names = ["a-noncompliant", "b-noncompliant", "c-compliant"]
    with stubbed(clients, "config") as cfg:
        cfg.add_response("describe_config_rules", {"ConfigRules": [rule(n) for n in names]})
        cfg.add_response(
            "describe_compliance_by_config_rule",
            {
                "ComplianceByConfigRules": [
                    compliance("a-noncompliant", "NON_COMPLIANT", capped=4),
                    compliance("b-noncompliant", "NON_COMPLIANT", capped=9),
                    compliance("c-compliant", "COMPLIANT"),
                ]
            },
        )
        cfg.add_response("describe_conformance_packs", {"ConformancePackDetails": []})
        cfg.add_response(
            "get_compliance_details_by_config_rule",
            {"EvaluationResults": [evaluation("a-noncompliant", "vol-0a1b2c3d4e5f60718")]},
        )
        ctx = make_context(clients)
        # 3 listings of one page: 2 readings each; rule a: 3 (its turn, its page, the end);
        # then out of time at rule b's turn
        ctx.clock = _Clock(after=9)
        outcome = run_collector(COLLECTOR, ctx)
    assert outcome.status == "partial", outcome.error
    assert outcome.error.startswith("non-compliant resources listed for 1 of 2")
    data = section(outcome)
    rules = {r["rule_name"]: r for r in data["rules"]}
    assert sorted(rules) == names
    assert rules["a-noncompliant"]["non_compliant_resource_count"] == 1
    assert rules["b-noncompliant"]["non_compliant_resource_count"] == 9  # Config's capped count
    assert rules["c-compliant"]["compliance"] == "COMPLIANT"
    assert len(data["noncompliant_resources"]) == 1
