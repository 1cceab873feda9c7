"""waf_web_acls: REGIONAL per region, CLOUDFRONT once from us-east-1, rules, resources, logging."""

from __future__ import annotations

import boto3
from moto import mock_aws

from sender.collectors.waf_web_acls import COLLECTOR
from support.sender_fixtures import (
    REGION,
    access_denied,
    answer,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
    validate_outcome,
)

ACL_ARN = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/a1b2c3d4"
CF_ARN = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/b2c3d4e5"
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


def _acl(name, arn, rules):
    return {
        "Name": name,
        "Id": arn.rsplit("/", 1)[-1],
        "ARN": arn,
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": VISIBILITY,
        "Capacity": 1175,
        "Rules": rules,
    }


RULES = [
    {
        "Name": "AWS-AWSManagedRulesCommonRuleSet",
        "Priority": 0,
        "OverrideAction": {"None": {}},
        "Statement": {
            "ManagedRuleGroupStatement": {
                "VendorName": "AWS",
                "Name": "AWSManagedRulesCommonRuleSet",
            }
        },
        "VisibilityConfig": VISIBILITY,
    },
    {
        "Name": "rate-limit-2000",
        "Priority": 1,
        "Action": {"Block": {}},
        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
        "VisibilityConfig": VISIBILITY,
    },
]


@mock_aws
def test_regional_acls_from_moto(clients):
    waf = boto3.client("wafv2", region_name=REGION)
    waf.create_web_acl(
        Name="api",
        Scope="REGIONAL",
        DefaultAction={"Block": {}},
        VisibilityConfig=VISIBILITY,
        Rules=[RULES[1]],
    )
    # moto lacks ListResourcesForWebACL: answer it, and check each type is asked once
    asked = answer(clients.client("wafv2", REGION), "ListResourcesForWebACL", {"ResourceArns": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [acl] = section(outcome)
    assert (acl["name"], acl["scope"], acl["default_action"]) == ("api", "REGIONAL", "BLOCK")
    assert acl["logging_enabled"] is False
    assert acl["rules"] == [
        {
            "name": "rate-limit-2000",
            "priority": 1,
            "action": "BLOCK",
            "statement_type": "RateBasedStatement",
            "managed_rule_group": None,
            "protections": ["RATE"],
        }
    ]
    assert (acl["rate_limiting"], acl["geo_blocking"], acl["sqli_protection"]) == (
        True,
        False,
        False,
    )
    assert "APPLICATION_LOAD_BALANCER" in {a["ResourceType"] for a in asked}
    assert len(asked) == len({a["ResourceType"] for a in asked})


def test_regional_acl_with_every_resource_type_and_pages(clients):
    with stubbed(clients, "wafv2") as waf:
        summary = {"Name": "api", "Id": "a1b2c3d4", "ARN": ACL_ARN}
        waf.add_response(
            "list_web_acls",
            {"WebACLs": [summary], "NextMarker": "next"},
            {"Scope": "REGIONAL", "Limit": 100},
        )
        waf.add_response(
            "get_web_acl",
            {"WebACL": _acl("api", ACL_ARN, RULES), "LockToken": "t"},
            {"Name": "api", "Scope": "REGIONAL", "Id": "a1b2c3d4"},
        )
        waf.add_response(
            "get_logging_configuration",
            {
                "LoggingConfiguration": {
                    "ResourceArn": ACL_ARN,
                    "LogDestinationConfigs": [
                        "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-api"
                    ],
                }
            },
        )
        types = [
            t
            for t in waf.client.meta.service_model.shape_for("ResourceType").enum
            if t != "AMPLIFY"
        ]
        alb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/api/50dc6c49"
        for resource_type in types:
            if resource_type == "COGNITO_USER_POOL":
                waf.add_client_error(
                    "list_resources_for_web_acl", service_error_code="WAFInvalidParameterException"
                )
                continue
            arns = [alb] if resource_type == "APPLICATION_LOAD_BALANCER" else []
            waf.add_response(
                "list_resources_for_web_acl",
                {"ResourceArns": arns},
                {"WebACLArn": ACL_ARN, "ResourceType": resource_type},
            )
        waf.add_response(
            "list_web_acls",
            {"WebACLs": []},
            {"Scope": "REGIONAL", "Limit": 100, "NextMarker": "next"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [acl] = section(outcome)
    assert acl["associated_resources"] == [alb]
    assert acl["logging_enabled"] is True
    assert acl["rules"][0] == {
        "name": "AWS-AWSManagedRulesCommonRuleSet",
        "priority": 0,
        "action": "NONE (override)",
        "statement_type": "ManagedRuleGroupStatement",
        "managed_rule_group": "AWS/AWSManagedRulesCommonRuleSet",
        "protections": ["XSS"],
    }
    assert acl["xss_protection"] is True and acl["rate_limiting"] is True


def test_cloudfront_acls_once_from_us_east_1_with_their_distributions(clients):
    with (
        stubbed(clients, "wafv2", "us-east-1") as waf,
        stubbed(clients, "cloudfront", "us-east-1") as cf,
    ):
        waf.add_response(
            "list_web_acls",
            {"WebACLs": [{"Name": "cdn", "Id": "b2c3d4e5", "ARN": CF_ARN}]},
            {"Scope": "CLOUDFRONT", "Limit": 100},
        )
        waf.add_response("get_web_acl", {"WebACL": _acl("cdn", CF_ARN, [])})
        waf.add_client_error(
            "get_logging_configuration", service_error_code="WAFNonexistentItemException"
        )
        dist = "arn:aws:cloudfront::123456789012:distribution/E1"
        for marker, items, truncated in ((None, [dist], True), ("E1", [], False)):
            listing = {
                "Marker": marker or "",
                "MaxItems": 100,
                "IsTruncated": truncated,
                "Quantity": len(items),
                **({"NextMarker": "E1"} if truncated else {}),
                "Items": [_distribution(a) for a in items],
            }
            expected = {
                "WebACLId": CF_ARN,
                "MaxItems": "100",
                **({"Marker": marker} if marker else {}),
            }
            cf.add_response(
                "list_distributions_by_web_acl_id", {"DistributionList": listing}, expected
            )
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    [acl] = section(outcome)
    assert (acl["scope"], acl["region"]) == ("CLOUDFRONT", None)
    assert acl["associated_resources"] == [dist]
    assert acl["logging_enabled"] is False


def _distribution(arn):
    return {
        "Id": arn.rsplit("/", 1)[-1],
        "ARN": arn,
        "Status": "Deployed",
        "LastModifiedTime": "2026-01-01T00:00:00Z",
        "DomainName": "d.cloudfront.net",
        "Aliases": {"Quantity": 0},
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "o.example.com"}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
        "CacheBehaviors": {"Quantity": 0},
        "CustomErrorResponses": {"Quantity": 0},
        "Comment": "",
        "PriceClass": "PriceClass_All",
        "Enabled": True,
        "ViewerCertificate": {},
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": CF_ARN,
        "HttpVersion": "http2",
        "IsIPV6Enabled": True,
        "Staging": False,
    }


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "wafv2") as waf:
        access_denied(waf, "list_web_acls")
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"


@mock_aws
def test_throttling_is_retried(clients):
    boto3.client("wafv2", region_name=REGION).create_web_acl(
        Name="api", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY
    )
    answer(clients.client("wafv2", REGION), "ListResourcesForWebACL", {"ResourceArns": []})
    throttle_first(clients.client("wafv2", REGION), times=2)
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok" and outcome.item_count == 1


GOV_ARN = "arn:aws-us-gov:wafv2:us-gov-west-1:123456789012:regional/webacl/portal/c3d4e5f6"
FIELD = {"Body": {"OversizeHandling": "CONTINUE"}}
TEXT = [{"Priority": 0, "Type": "URL_DECODE"}]


def _rule(name, priority, statement, action=None, override=None):
    return {
        "Name": name,
        "Priority": priority,
        **({"Action": action} if action else {}),
        **({"OverrideAction": override} if override else {}),
        "Statement": statement,
        "VisibilityConfig": VISIBILITY,
    }


def test_protection_flags_from_nested_statements_and_managed_groups(clients):
    """Flags as the module docstring derives them: nested And/Or/Not statements count, a rule
    or a rule group in Count mode does not (its own protections are still listed), a rule
    group of one's own is not opened; an aws-us-gov web ACL, a non-ASCII rule name."""
    rules = [
        _rule(
            "geo-außer-EU",  # a geo match inside Not inside And: still geo blocking
            0,
            {
                "AndStatement": {
                    "Statements": [
                        {
                            "NotStatement": {
                                "Statement": {"GeoMatchStatement": {"CountryCodes": ["DE", "FR"]}}
                            }
                        },
                        {
                            "ByteMatchStatement": {
                                "SearchString": b"/admin",
                                "FieldToMatch": {"UriPath": {}},
                                "TextTransformations": TEXT,
                                "PositionalConstraint": "STARTS_WITH",
                            }
                        },
                    ]
                }
            },
            action={"Block": {}},
        ),
        _rule(  # SQL injection only counted: listed, not a protection of the ACL
            "sqli-count",
            1,
            {"SqliMatchStatement": {"FieldToMatch": FIELD, "TextTransformations": TEXT}},
            action={"Count": {}},
        ),
        _rule(  # the managed SQLi group in Count mode (override): not a protection either
            "AWS-AWSManagedRulesSQLiRuleSet",
            2,
            {
                "ManagedRuleGroupStatement": {
                    "VendorName": "AWS",
                    "Name": "AWSManagedRulesSQLiRuleSet",
                }
            },
            override={"Count": {}},
        ),
        _rule(
            "xss-or-rate",
            3,
            {
                "OrStatement": {
                    "Statements": [
                        {"XssMatchStatement": {"FieldToMatch": FIELD, "TextTransformations": TEXT}},
                        {
                            "LabelMatchStatement": {
                                "Scope": "LABEL",
                                "Key": "awswaf:managed:aws:bot-control:bot:verified",
                            }
                        },
                    ]
                }
            },
            action={"Captcha": {}},
        ),
        _rule(
            "own-group",
            4,
            {
                "RuleGroupReferenceStatement": {
                    "ARN": "arn:aws-us-gov:wafv2:us-gov-west-1:123456789012:regional/"
                    "rulegroup/rate/d4e5f6a7"
                }
            },
            override={"None": {}},
        ),
    ]
    acl = {**_acl("portal", GOV_ARN, rules), "DefaultAction": {"Allow": {}}}
    with stubbed(clients, "wafv2", "us-gov-west-1") as waf:
        waf.add_response(
            "list_web_acls",
            {"WebACLs": [{"Name": "portal", "Id": "c3d4e5f6", "ARN": GOV_ARN}]},
            {"Scope": "REGIONAL", "Limit": 100},
        )
        waf.add_response("get_web_acl", {"WebACL": acl, "LockToken": "t"})
        waf.add_client_error(
            "get_logging_configuration", service_error_code="WAFNonexistentItemException"
        )
        for _ in (
            t
            for t in waf.client.meta.service_model.shape_for("ResourceType").enum
            if t != "AMPLIFY"
        ):
            waf.add_response("list_resources_for_web_acl", {"ResourceArns": []})
        outcome = run_collector(COLLECTOR, make_context(clients, "us-gov-west-1"))
    assert outcome.status == "ok", outcome.error
    validate_outcome(outcome, regions=("us-gov-west-1",))
    [item] = section(outcome)
    assert {r["name"]: (r["action"], r["protections"]) for r in item["rules"]} == {
        "geo-außer-EU": ("BLOCK", ["GEO"]),
        "sqli-count": ("COUNT", ["SQLI"]),
        "AWS-AWSManagedRulesSQLiRuleSet": ("COUNT (override)", ["SQLI"]),
        "xss-or-rate": ("CAPTCHA", ["XSS"]),
        "own-group": ("NONE (override)", []),
    }
    assert {
        flag: item[flag]
        for flag in ("geo_blocking", "sqli_protection", "xss_protection", "rate_limiting")
    } == {
        "geo_blocking": True,
        "sqli_protection": False,
        "xss_protection": True,
        "rate_limiting": False,
    }
    assert item["logging_enabled"] is False
