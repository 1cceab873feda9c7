"""AWS Config: rule compliance, conformance packs, and the resources that are NON_COMPLIANT.

Per region: ``DescribeConfigRules`` and ``DescribeComplianceByConfigRule`` (all rules, paginated);
for each non-compliant rule ``GetComplianceDetailsByConfigRule`` filtered server-side to
``NON_COMPLIANT`` (the only per-rule call: Config has no batch form); per conformance pack
``DescribeConformancePackCompliance`` for its rule counts. A rule whose details fail is a warning
(``partial``), not a lost run.

The rules are sent all or none, so the compliance percentage always covers every rule: the two
listings (1 request per 25 rules, Config's default page size) come first, then the per-rule detail
calls (one or more per non-compliant rule) while the time budget lasts; when the budget runs out
the remaining rules keep Config's capped contributor count, the run is ``partial`` with a
warning (not the runner's "time budget exhausted" error) and its rules are complete (see
sql/014). No rules, no packs and no configuration recorder: skipped.
https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeComplianceByConfigRule.html
https://docs.aws.amazon.com/config/latest/APIReference/API_GetComplianceDetailsByConfigRule.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_message
from sender.collectors.base import BudgetExceeded, Collector, Context, NotEnabled
from sender.normalize import count, long_text, text, timestamp

COMPLIANCE = {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"}


def fetch(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    client = ctx.client("config")
    rules: dict[str, dict[str, Any]] = {}
    for page in ctx.pages(client, "describe_config_rules"):
        for rule in page.get("ConfigRules", []):
            name = ctx.identifier(rule.get("ConfigRuleName"), "ConfigRuleName", key=True)
            if name:
                rules[name] = rule
    compliance: dict[str, dict[str, Any]] = {}
    if rules:
        for page in ctx.pages(client, "describe_compliance_by_config_rule"):
            for entry in page.get("ComplianceByConfigRules", []):
                compliance[entry.get("ConfigRuleName", "")] = entry.get("Compliance") or {}
    packs = [
        name
        for page in ctx.pages(client, "describe_conformance_packs")
        for pack in page.get("ConformancePackDetails", [])
        if (
            name := ctx.identifier(pack.get("ConformancePackName"), "ConformancePackName", key=True)
        )
    ]
    if not rules and not packs:
        recorders = client.describe_configuration_recorder_status().get(
            "ConfigurationRecordersStatus", []
        )
        if not recorders:
            raise NotEnabled(
                f"AWS Config is not enabled in {ctx.region} (no configuration recorder)"
            )

    # Every rule is sent, or none: the compliance percentage must cover all rules. The details
    # of non-compliant rules are fetched first, while the budget lasts; a rule whose details
    # were not fetched keeps Config's own (capped) contributor count.
    details: dict[str, list[dict[str, Any]] | None] = {}
    for name in sorted(rules):
        if compliance.get(name, {}).get("ComplianceType") != "NON_COMPLIANT":
            continue
        try:
            ctx.check_time()
            details[name] = _noncompliant(ctx, client, name)
        except BudgetExceeded:
            ctx.warn(
                f"non-compliant resources listed for {len(details)} of "
                f"{sum(c.get('ComplianceType') == 'NON_COMPLIANT' for c in compliance.values())}"
                " non-compliant rules before the time budget ran out (every rule's compliance "
                "is complete)"
            )
            break

    for name in sorted(rules):
        rule = rules[name]
        state = compliance.get(name, {})
        kind = state.get("ComplianceType")
        noncompliant_count = None
        if kind == "NON_COMPLIANT":
            resources = details.get(name)
            if resources is not None:
                noncompliant_count = len(resources)
                yield from (("noncompliant_resources", r) for r in resources)
            else:
                noncompliant_count = count(
                    (state.get("ComplianceContributorCount") or {}).get("CappedCount")
                )
        elif kind == "COMPLIANT":
            noncompliant_count = 0
        source = rule.get("Source") or {}
        yield (
            "rules",
            {
                "rule_name": name,
                "region": ctx.region,
                "compliance": kind if kind in COMPLIANCE else None,
                "non_compliant_resource_count": noncompliant_count,
                "source_owner": text(source.get("Owner")),
                "source_identifier": ctx.identifier(
                    source.get("SourceIdentifier"), "SourceIdentifier"
                ),
            },
        )

    try:
        yield from _packs(ctx, client, packs)
    except BudgetExceeded:
        ctx.warn("not every conformance pack listed before the time budget ran out")


def _packs(ctx: Context, client: Any, packs: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for pack in sorted(packs):
        ctx.check_time()
        compliant = non_compliant = insufficient = 0
        for page in ctx.pages(
            client, "describe_conformance_pack_compliance", ConformancePackName=pack
        ):
            for entry in page.get("ConformancePackRuleComplianceList", []):
                kind = entry.get("ComplianceType")
                compliant += kind == "COMPLIANT"
                non_compliant += kind == "NON_COMPLIANT"
                insufficient += kind == "INSUFFICIENT_DATA"
        overall = (
            "NON_COMPLIANT"
            if non_compliant
            else "COMPLIANT"
            if compliant
            else "INSUFFICIENT_DATA"
            if insufficient
            else None
        )
        yield (
            "conformance_packs",
            {
                "pack_name": pack,
                "region": ctx.region,
                "compliance": overall,
                "compliant_rule_count": compliant,
                "non_compliant_rule_count": non_compliant,
            },
        )


def _noncompliant(ctx: Context, client: Any, rule: str) -> list[dict[str, Any]] | None:
    """Every NON_COMPLIANT evaluation of ``rule``; ``None`` (and a warning) if that fails."""
    found = []
    try:
        pages = ctx.pages(
            client,
            "get_compliance_details_by_config_rule",
            ConfigRuleName=rule,
            ComplianceTypes=["NON_COMPLIANT"],
            Limit=100,
        )
        for page in pages:
            for result in page.get("EvaluationResults", []):
                qualifier = (result.get("EvaluationResultIdentifier") or {}).get(
                    "EvaluationResultQualifier"
                ) or {}
                resource_type = ctx.identifier(
                    qualifier.get("ResourceType"), "ResourceType", key=True
                )
                resource_id = ctx.identifier(qualifier.get("ResourceId"), "ResourceId", key=True)
                if not resource_type or not resource_id:
                    continue
                if not ctx.key_fits("non-compliant resource", rule, resource_type, resource_id):
                    continue
                found.append(
                    {
                        "region": ctx.region,
                        "rule_name": rule,
                        "resource_type": resource_type,
                        "resource_id": resource_id,
                        "annotation": long_text(result.get("Annotation")),
                        "recorded_at": timestamp(result.get("ResultRecordedTime")),
                    }
                )
    except ClientError as exc:
        ctx.warn(f"non-compliant resources of {rule}: {error_message(exc)}")
        return None
    return found


COLLECTOR = Collector(
    name="config",
    scope="regional",
    fetch=fetch,
    shape="parts",
    parts=("rules", "conformance_packs", "noncompliant_resources"),
    keys={
        "rules": ("region", "rule_name"),
        "conformance_packs": ("region", "pack_name"),
        "noncompliant_resources": ("region", "rule_name", "resource_type", "resource_id"),
    },
    services=("config",),
    iam_actions=(
        "config:DescribeComplianceByConfigRule",
        "config:DescribeConfigRules",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeConformancePackCompliance",
        "config:DescribeConformancePacks",
        "config:GetComplianceDetailsByConfigRule",
    ),
    weight=6,
    description=(
        "AWS Config rule compliance, conformance packs with rule counts, and the non-compliant "
        "resources of each rule. "
        "https://docs.aws.amazon.com/config/latest/APIReference/"
        "API_DescribeComplianceByConfigRule.html"
    ),
)
