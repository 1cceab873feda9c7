"""Security Hub standards: per enabled standard, its controls' status and the counts its security
score is computed from; per control, its status, title, severity and remediation page.

A control's status follows Security Hub's own rules (Evaluating compliance status and control
status): it is derived from the compliance status of the control's findings, ignoring ARCHIVED
findings and findings whose workflow status is SUPPRESSED. FAILED when any finding failed;
UNKNOWN when none failed and any is WARNING or NOT_AVAILABLE; PASSED when every finding passed;
NO_DATA when the control is enabled and has no finding (or is unavailable in the region);
DISABLED when it is disabled in the standard. The standard's score is passed / (passed + failed):
no-data and disabled controls (and unknown ones) are left out, as the console shows it (Security
Hub rounds it to a whole percent); the views compute it from the counts sent here.
https://docs.aws.amazon.com/securityhub/latest/userguide/controls-overall-status.html
https://docs.aws.amazon.com/securityhub/latest/userguide/standards-security-score.html

Calls, per region, chosen to be exact and cheap:

- ``GetEnabledStandards``: the standards subscriptions and their status;
- ``DescribeStandards``: the standards' names (one page lists them all);
- ``ListSecurityControlDefinitions`` per enabled standard: its controls under the security
  control ids findings carry (``IAM.1``), with title, severity rating and remediation URL.
  ``DescribeStandardsControls`` is not used: it names controls in each standard's own numbering
  (``CIS.1.1``), which control findings do not carry;
- ``BatchGetStandardsControlAssociations`` (100 control/standard pairs per call): whether each
  control is enabled in each standard;
- ``GetFindings`` once for all standards: the ACTIVE, not SUPPRESSED control findings of this
  account and region (``ComplianceStatus`` set). Each finding names its control
  (``Compliance.SecurityControlId``) and the standards it counts for
  (``Compliance.AssociatedStandards[].StandardsId``, the standard ARN's resource part), with
  consolidated control findings on (one finding for every standard) or off (one per standard).

Nothing is sent until every finding page was read: a run out of time sends no standard rather
than a score computed from part of the findings (the collector is then ``partial``). An account
without Security Hub answers ``InvalidAccessException``: skipped.
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetEnabledStandards.html
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_ListSecurityControlDefinitions.html
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchGetStandardsControlAssociations.html
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from sender.collectors.base import Collector, Context, chunks
from sender.normalize import text

PAGE_SIZE = 100  # GetFindings and ListSecurityControlDefinitions MaxResults
ASSOCIATION_BATCH = 100
# standards whose controls are evaluated; PENDING, DELETING and FAILED ones are sent without counts
EVALUATED = ("READY", "INCOMPLETE")
COMPLIANCE = ("PASSED", "FAILED", "WARNING", "NOT_AVAILABLE")
STATUSES = ("PASSED", "FAILED", "UNKNOWN", "NO_DATA", "DISABLED")
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


def fetch(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    client = ctx.client("securityhub")
    subscriptions = [
        subscription
        for page in ctx.pages(client, "get_enabled_standards", MaxResults=PAGE_SIZE)
        for subscription in page.get("StandardsSubscriptions", [])
    ]
    if not subscriptions:
        return
    names = {
        standard.get("StandardsArn"): standard.get("Name")
        for page in ctx.pages(client, "describe_standards", MaxResults=PAGE_SIZE)
        for standard in page.get("Standards", [])
    }
    controls: dict[str, list[dict[str, Any]]] = {}
    for subscription in subscriptions:
        standards_arn = subscription.get("StandardsArn")
        if subscription.get("StandardsStatus") in EVALUATED and standards_arn:
            controls[standards_arn] = [
                definition
                for page in ctx.pages(
                    client,
                    "list_security_control_definitions",
                    StandardsArn=standards_arn,
                    MaxResults=PAGE_SIZE,
                )
                for definition in page.get("SecurityControlDefinitions", [])
                if definition.get("SecurityControlId")
            ]
    enabled = _associations(ctx, client, controls)
    findings = _finding_statuses(ctx, client)
    for subscription in subscriptions:
        standards_arn = ctx.arn(subscription.get("StandardsArn"), "StandardsArn", key=True)
        if not standards_arn:
            continue
        rows = [
            _control(ctx, standards_arn, definition, enabled, findings)
            for definition in controls.get(standards_arn, [])
        ]
        rows = [row for row in rows if row is not None]
        evaluated = standards_arn in controls
        tally = Counter(row["status"] for row in rows)
        yield (
            "standards",
            {
                "region": ctx.region,
                "standards_arn": standards_arn,
                "standards_subscription_arn": ctx.arn(
                    subscription.get("StandardsSubscriptionArn"), "StandardsSubscriptionArn"
                ),
                "name": text(names.get(subscription.get("StandardsArn"))),
                "standards_status": text(subscription.get("StandardsStatus")),
                **{
                    f"controls_{status.lower()}": tally[status] if evaluated else None
                    for status in STATUSES
                },
            },
        )
        for row in rows:
            yield "controls", row


def standards_id(standards_arn: str) -> str:
    """The ``StandardsId`` findings name a standard by: its ARN's resource part
    (``standards/aws-foundational-security-best-practices/v/1.0.0``)."""
    return standards_arn.split(":", 5)[-1]


def _associations(
    ctx: Context, client: Any, controls: dict[str, list[dict[str, Any]]]
) -> dict[tuple[str, str], str]:
    """(standards ARN, security control id) -> ENABLED / DISABLED."""
    pairs = [
        {"SecurityControlId": definition["SecurityControlId"], "StandardsArn": standards_arn}
        for standards_arn, definitions in controls.items()
        for definition in definitions
    ]
    status: dict[tuple[str, str], str] = {}
    for batch in chunks(pairs, ASSOCIATION_BATCH):
        ctx.check_time()
        answer = client.batch_get_standards_control_associations(
            StandardsControlAssociationIds=batch
        )
        for detail in answer.get("StandardsControlAssociationDetails", []):
            key = (detail.get("StandardsArn"), detail.get("SecurityControlId"))
            status[key] = str(detail.get("AssociationStatus") or "")
        for _ in answer.get("UnprocessedAssociations") or []:
            ctx.tally(
                "control enablement not returned (UnprocessedAssociations): status from findings"
            )
    return status


def _finding_statuses(ctx: Context, client: Any) -> dict[tuple[str, str], Counter[str]]:
    """(standards id, security control id) -> compliance statuses of its counted findings."""
    filters = {
        "AwsAccountId": [{"Value": ctx.account_id, "Comparison": "EQUALS"}],
        "Region": [{"Value": ctx.region, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "WorkflowStatus": [{"Value": "SUPPRESSED", "Comparison": "NOT_EQUALS"}],
        "ComplianceStatus": [{"Value": s, "Comparison": "EQUALS"} for s in COMPLIANCE],
    }
    statuses: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    seen: set[str] = set()
    for page in ctx.pages(client, "get_findings", Filters=filters, MaxResults=PAGE_SIZE):
        for finding in page.get("Findings", []):
            finding_id = finding.get("Id")
            compliance = finding.get("Compliance") or {}
            control_id = compliance.get("SecurityControlId")
            status = compliance.get("Status")
            if not control_id or status not in COMPLIANCE or finding_id in seen:
                continue
            seen.add(finding_id)
            for standard in compliance.get("AssociatedStandards") or []:
                if standard.get("StandardsId"):
                    statuses[standard["StandardsId"], control_id][status] += 1
    return statuses


def control_status(association: str | None, findings: Counter[str]) -> str:
    """A control's status in a standard, by Security Hub's rules (see the module docstring)."""
    if association == "DISABLED":
        return "DISABLED"
    if findings["FAILED"]:
        return "FAILED"
    if findings["WARNING"] or findings["NOT_AVAILABLE"]:
        return "UNKNOWN"
    if findings["PASSED"]:
        return "PASSED"
    return "NO_DATA"


def _control(
    ctx: Context,
    standards_arn: str,
    definition: dict[str, Any],
    enabled: dict[tuple[str, str], str],
    findings: dict[tuple[str, str], Counter[str]],
) -> dict[str, Any] | None:
    control_id = ctx.identifier(definition.get("SecurityControlId"), "SecurityControlId", key=True)
    if not control_id or not ctx.key_fits("control", standards_arn, control_id):
        return None
    counted = findings.get((standards_id(standards_arn), control_id), Counter())
    status = control_status(enabled.get((standards_arn, control_id)), counted)
    if status != "DISABLED" and definition.get("CurrentRegionAvailability") == "UNAVAILABLE":
        status = "NO_DATA"
    severity = definition.get("SeverityRating")
    return {
        "region": ctx.region,
        "standards_arn": standards_arn,
        "control_id": control_id,
        "title": text(definition.get("Title")),
        "severity": severity if severity in SEVERITIES else None,
        "status": status,
        "remediation_url": ctx.identifier(definition.get("RemediationUrl"), "RemediationUrl"),
        "findings_passed": counted["PASSED"],
        "findings_failed": counted["FAILED"],
        "findings_unknown": counted["WARNING"] + counted["NOT_AVAILABLE"],
    }


COLLECTOR = Collector(
    name="securityhub_standards",
    scope="regional",
    fetch=fetch,
    shape="parts",
    parts=("standards", "controls"),
    keys={
        "standards": ("region", "standards_arn"),
        "controls": ("region", "standards_arn", "control_id"),
    },
    services=("securityhub",),
    iam_actions=(
        "securityhub:BatchGetStandardsControlAssociations",
        "securityhub:DescribeStandards",
        "securityhub:GetEnabledStandards",
        "securityhub:GetFindings",
        "securityhub:ListSecurityControlDefinitions",
    ),
    weight=6,
    description=(
        "Security Hub standards enabled per region (CIS, FSBP, NIST 800-53, PCI DSS, any other) "
        "with their controls passed, failed, unknown, without data and disabled (the security "
        "score's inputs), and each control's status, title, severity and remediation URL, from "
        "the control findings' compliance status. "
        "https://docs.aws.amazon.com/securityhub/latest/userguide/standards-security-score.html"
    ),
)
