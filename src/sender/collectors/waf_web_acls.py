"""WAFv2 web ACLs with their rules, associated resources and logging.

Regional ACLs (scope REGIONAL) in every configured region, and once per account the CloudFront
ACLs (scope CLOUDFRONT, served by us-east-1), whose distributions come from CloudFront's
``ListDistributionsByWebACLId`` (WAF's ``ListResourcesForWebACL`` does not cover CloudFront).
``ListResourcesForWebACL`` takes one resource type per call; the types come from the service model,
so none is invented and a type unsupported in a region is skipped quietly.
https://docs.aws.amazon.com/waf/latest/APIReference/API_ListWebACLs.html
https://docs.aws.amazon.com/waf/latest/APIReference/API_ListResourcesForWebACL.html

Protection flags (contract 1.2), derived from the rules' statements
(https://docs.aws.amazon.com/waf/latest/APIReference/API_Statement.html), walking nested
``AndStatement``/``OrStatement``/``NotStatement``: each rule lists the protections it carries
(``protections``), and the web ACL's flag is true when a rule that enforces (its action, or a
rule group's override action, is not ``Count``) carries it:

- ``GEO``: a ``GeoMatchStatement``;
- ``SQLI``: a ``SqliMatchStatement``, or the AWS managed group ``AWSManagedRulesSQLiRuleSet``;
- ``XSS``: an ``XssMatchStatement``, or the AWS managed group ``AWSManagedRulesCommonRuleSet``
  (its ``CrossSiteScripting_*`` rules);
- ``RATE``: a ``RateBasedStatement``.

Rule groups of one's own (``RuleGroupReferenceStatement``) and rules a managed group's
``RuleActionOverrides`` set to Count are not opened: a flag is then false although the group
may protect. Logging is ``GetLoggingConfiguration`` (a configuration exists or not).
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
https://docs.aws.amazon.com/waf/latest/APIReference/API_GetLoggingConfiguration.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code, error_message
from sender.collectors.base import Collector, Context
from sender.normalize import arn, count, key_text, region, text

ACTIONS = ("Block", "Allow", "Count", "Captcha", "Challenge")
# statement type -> protection it gives (see the module docstring)
STATEMENT_PROTECTIONS = {
    "GeoMatchStatement": "GEO",
    "SqliMatchStatement": "SQLI",
    "XssMatchStatement": "XSS",
    "RateBasedStatement": "RATE",
}
# AWS managed rule group name -> protections its rules give
MANAGED_PROTECTIONS = {
    "AWSManagedRulesSQLiRuleSet": ("SQLI",),
    "AWSManagedRulesCommonRuleSet": ("XSS",),
}
FLAGS = {
    "GEO": "geo_blocking",
    "SQLI": "sqli_protection",
    "XSS": "xss_protection",
    "RATE": "rate_limiting",
}
QUIET = {
    "WAFInvalidParameterException",
    "WAFNonexistentItemException",
    "WAFUnavailableEntityException",
}


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    if ctx.region is None:
        scope, where = "CLOUDFRONT", "us-east-1" if ctx.partition == "aws" else ctx.global_region
    else:
        scope, where = "REGIONAL", ctx.region
    client = ctx.client("wafv2", where)
    for page in ctx.pages(
        client, "list_web_acls", token=("NextMarker", "NextMarker"), Scope=scope, Limit=100
    ):
        for summary in page.get("WebACLs", []):
            ctx.check_time()
            acl = client.get_web_acl(Name=summary["Name"], Scope=scope, Id=summary["Id"])["WebACL"]
            acl_arn = ctx.arn(acl.get("ARN") or summary.get("ARN"), "web ACL ARN", key=True)
            if not acl_arn:
                continue
            rules = [_rule(rule) for rule in acl.get("Rules", []) if key_text(rule.get("Name"))]
            enforced = {
                protection
                for rule in rules
                if not (rule["action"] or "").startswith("COUNT")
                for protection in rule["protections"]
            }
            yield {
                "web_acl_arn": acl_arn,
                "name": text(acl.get("Name")),
                "web_acl_id": ctx.identifier(acl.get("Id"), "web ACL Id"),
                "scope": scope,
                "region": region(ctx.region),
                "default_action": _first_key(acl.get("DefaultAction"), upper=True),
                "capacity": count(acl.get("Capacity")),
                "logging_enabled": _logging(ctx, client, acl_arn),
                "associated_resources": _resources(ctx, client, scope, acl_arn),
                "rules": rules,
                **{flag: protection in enforced for protection, flag in FLAGS.items()},
            }


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    statement = rule.get("Statement") or {}
    statement_type = _first_key(statement)
    managed = statement.get("ManagedRuleGroupStatement")
    if rule.get("Action"):
        action = _first_key(rule["Action"], upper=True)
    elif rule.get("OverrideAction"):
        action = f"{_first_key(rule['OverrideAction'], upper=True)} (override)"
    else:
        action = None
    return {
        "name": key_text(rule["Name"]),
        "priority": count(rule.get("Priority")),
        "action": action,
        "statement_type": statement_type,
        "managed_rule_group": (
            text(f"{managed.get('VendorName')}/{managed.get('Name')}") if managed else None
        ),
        "protections": sorted(_protections(statement)),
    }


def _protections(statement: Any) -> set[str]:
    """The protections a statement carries, through nested And/Or/Not statements."""
    if not isinstance(statement, dict):
        return set()
    found = {STATEMENT_PROTECTIONS[k] for k in statement if k in STATEMENT_PROTECTIONS}
    managed = statement.get("ManagedRuleGroupStatement") or {}
    if managed.get("VendorName") == "AWS":
        found.update(MANAGED_PROTECTIONS.get(managed.get("Name"), ()))
    for combined in ("AndStatement", "OrStatement"):
        for nested in (statement.get(combined) or {}).get("Statements") or []:
            found |= _protections(nested)
    found |= _protections((statement.get("NotStatement") or {}).get("Statement"))
    return found


def _first_key(value: Any, upper: bool = False) -> str | None:
    if not isinstance(value, dict) or not value:
        return None
    key = next(iter(value))
    return text(key.upper() if upper else key)


def _logging(ctx: Context, client: Any, acl_arn: str) -> bool | None:
    try:
        client.get_logging_configuration(ResourceArn=acl_arn)
        return True
    except ClientError as exc:
        if error_code(exc) == "WAFNonexistentItemException":
            return False
        ctx.warn(f"logging configuration of {acl_arn}: {error_message(exc)}")
        return None


def _resources(ctx: Context, client: Any, scope: str, acl_arn: str) -> list[str]:
    found: list[str] = []
    if scope == "CLOUDFRONT":
        cloudfront = ctx.global_client("cloudfront")
        marker = None
        while True:  # the continuation marker sits inside DistributionList
            ctx.check_time()
            kwargs = {
                "WebACLId": acl_arn,
                "MaxItems": "100",
                **({"Marker": marker} if marker else {}),
            }
            listing = cloudfront.list_distributions_by_web_acl_id(**kwargs).get("DistributionList")
            listing = listing or {}
            found.extend(item["ARN"] for item in listing.get("Items") or [] if item.get("ARN"))
            marker = listing.get("NextMarker")
            if not listing.get("IsTruncated") or not marker:
                break
        return sorted({a for a in map(arn, found) if a})
    model = client.meta.service_model.shape_for("ResourceType")
    for resource_type in model.enum:
        if resource_type == "AMPLIFY":  # Amplify apps attach CloudFront-scoped ACLs
            continue
        ctx.check_time()
        try:
            listed = client.list_resources_for_web_acl(
                WebACLArn=acl_arn, ResourceType=resource_type
            )
        except ClientError as exc:
            if error_code(exc) not in QUIET:
                ctx.warn(f"{resource_type} resources of {acl_arn}: {error_message(exc)}")
            continue
        found.extend(listed.get("ResourceArns", []))
    return sorted({a for a in map(arn, found) if a})


COLLECTOR = Collector(
    name="waf_web_acls",
    scope="regional+global",
    fetch=fetch,
    keys=("web_acl_arn",),
    services=("wafv2", "cloudfront"),
    iam_actions=(
        "cloudfront:ListDistributionsByWebACLId",
        "wafv2:GetLoggingConfiguration",
        "wafv2:GetWebACL",
        "wafv2:ListResourcesForWebACL",
        "wafv2:ListWebACLs",
    ),
    weight=8,  # ~9 requests per web ACL (one per resource type): among the longest
    description=(
        "WAFv2 web ACLs and rules: REGIONAL in every region, CLOUDFRONT once from us-east-1, "
        "with associated resources, logging and protection flags (geo blocking, SQL injection, "
        "XSS, rate limiting) derived from the rules' statements. "
        "https://docs.aws.amazon.com/waf/latest/APIReference/API_ListWebACLs.html"
    ),
)
