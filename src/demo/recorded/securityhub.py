"""Security Hub's server-side finding counts (``GetFindingStatisticsV2``) and its standards
and controls (``GetEnabledStandards``, ``DescribeStandards``, ``ListSecurityControlDefinitions``,
``BatchGetStandardsControlAssociations``), which moto lacks.

Production has Security Hub V2 on: its counts are the ACTIVE findings seeded in moto, counted by
severity and workflow status (as OCSF severity and status), plus, in the home region, a backlog
far too large to page within the demo's collector budget: passed control findings (RESOLVED,
INFORMATIONAL) by the tens of thousands and a few thousand open low and medium ones, growing a
little every day. So the demo has an account whose findings the sender cannot list in its time
budget and whose counts still arrive (the run is ``partial``). Staging and the sandbox have no
Security Hub V2: the call is refused and the sender counts while paging moto's findings.

Standards per environment (`ENABLED`): production runs FSBP, CIS 1.4.0 and PCI DSS, staging FSBP
and NIST 800-53, the sandbox FSBP only; each standard holds some of the controls the seeded
findings are about (`demo.seed.CONTROLS`) and a few without findings (their status: no data),
and production and staging each disabled one control in one standard. The seeded control
findings name their control and the standards it is enabled in (`standards_of`), so the sender
derives each control's status from moto's findings as it would from Security Hub's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from demo.profiles import HOME_REGION
from demo.recorded._core import Answer, Answers, ApiError, Call
from demo.seed import CONTROLS

MISSING = "not implemented by moto 5.2 (moto has GetFindings but no finding statistics)"
V2_ACCOUNTS = {"prod"}
# ASFF workflow status -> OCSF finding status, ASFF severity label -> OCSF severity
STATUS = {
    "NEW": "New",
    "NOTIFIED": "In Progress",
    "SUPPRESSED": "Suppressed",
    "RESOLVED": "Resolved",
}
SEVERITY = {
    "INFORMATIONAL": "Informational",
    "LOW": "Low",
    "MEDIUM": "Medium",
    "HIGH": "High",
    "CRITICAL": "Critical",
}
# the home region's backlog on the demo's first day, and its growth per day
BACKLOG = {
    ("Resolved", "Informational"): (84_000, 120),
    ("New", "Low"): (2_300, 9),
    ("New", "Medium"): (640, 3),
    ("Suppressed", "Low"): (410, 1),
}


def statistics(call: Call) -> dict[str, Any]:
    if call.profile.key not in V2_ACCOUNTS:
        raise ApiError(
            "AccessDeniedException",
            f"Security Hub V2 is not enabled for account {call.account_id} in {call.region}",
            403,
        )
    counts = _moto_counts(call)
    if call.region == HOME_REGION:
        grown = (call.today - call.anchor).days
        for key, (start, per_day) in BACKLOG.items():
            counts[key] += start + per_day * grown
    results = []
    for rule in call.params.get("GroupByRules") or []:
        status = _status_of(rule)
        values = [
            {"FieldValue": severity, "Count": n}
            for (s, severity), n in sorted(counts.items())
            if (status is None or s == status) and n
        ]
        results.append(
            {"GroupByField": rule.get("GroupByField", "severity"), "GroupByValues": values}
        )
    return {"GroupByResults": results}


def _status_of(rule: dict[str, Any]) -> str | None:
    for composite in (rule.get("Filters") or {}).get("CompositeFilters") or []:
        for string in composite.get("StringFilters") or []:
            if string.get("FieldName") == "status":
                return str(string["Filter"]["Value"])
    return None


def _moto_counts(call: Call) -> Counter[tuple[str, str]]:
    """The account's ACTIVE findings in moto, by OCSF (status, severity)."""
    hub = call.client("securityhub")
    counts: Counter[tuple[str, str]] = Counter()
    filters = {
        "AwsAccountId": [{"Value": call.account_id, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    try:
        pages = list(hub.get_paginator("get_findings").paginate(Filters=filters, MaxResults=100))
    except ClientError:  # Security Hub not enabled in moto: no findings to count
        return counts
    for page in pages:
        for finding in page.get("Findings", []):
            if (finding.get("Region") or call.region) != call.region:
                continue
            label = (finding.get("Severity") or {}).get("Label")
            workflow = (finding.get("Workflow") or {}).get("Status") or "NEW"
            if label in SEVERITY and workflow in STATUS:
                counts[STATUS[workflow], SEVERITY[label]] += 1
    return counts


# StandardsId -> (name, the security controls it holds)
FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = "standards/cis-aws-foundations-benchmark/v/1.4.0"
PCI = "standards/pci-dss/v/3.2.1"
NIST = "standards/nist-800-53/v/5.0.0"
SEEDED = tuple(c[0] for c in CONTROLS)
# controls no seeded finding is about: enabled, without data
EXTRA = {
    "GuardDuty.1": ("GuardDuty should be enabled", "HIGH"),
    "Config.1": ("AWS Config should be enabled and use the service-linked role", "MEDIUM"),
    "ACM.1": (
        "Imported and ACM-issued certificates should be renewed after a specified time",
        "MEDIUM",
    ),
}
STANDARDS: dict[str, tuple[str, tuple[str, ...]]] = {
    FSBP: ("AWS Foundational Security Best Practices v1.0.0", (*SEEDED, "GuardDuty.1", "ACM.1")),
    CIS: (
        "CIS AWS Foundations Benchmark v1.4.0",
        ("IAM.6", "KMS.4", "CloudTrail.1", "EC2.2", "S3.5", "Config.1"),
    ),
    PCI: ("PCI DSS v3.2.1", ("EC2.2", "S3.5", "CloudTrail.1", "IAM.6", "SSM.1", "GuardDuty.1")),
    NIST: ("NIST Special Publication 800-53 Revision 5", (*SEEDED, *EXTRA)),
}
ENABLED = {"production": (FSBP, CIS, PCI), "staging": (FSBP, NIST), "sandbox": (FSBP,)}
DISABLED = {"production": {(PCI, "SSM.1")}, "staging": {(NIST, "Lambda.2")}, "sandbox": set()}
NO_STANDARDS = "not implemented by moto 5.2 (moto enables Security Hub but has no standards)"


def standards_of(environment: str, control: str) -> list[str]:
    """The enabled standards (StandardsId) in which ``control`` is enabled: a finding's
    Compliance.AssociatedStandards."""
    return [
        s
        for s in ENABLED.get(environment, ())
        if control in STANDARDS[s][1] and (s, control) not in DISABLED.get(environment, set())
    ]


def _arn(region: str, standards_id: str) -> str:
    return f"arn:aws:securityhub:{region}::{standards_id}"


def _id(standards_arn: str) -> str:
    return standards_arn.split(":", 5)[-1]


def enabled_standards(call: Call) -> dict[str, Any]:
    return {
        "StandardsSubscriptions": [
            {
                "StandardsSubscriptionArn": f"arn:aws:securityhub:{call.region}:"
                f"{call.account_id}:subscription/{s.removeprefix('standards/')}",
                "StandardsArn": _arn(call.region, s),
                "StandardsInput": {},
                "StandardsStatus": "READY",
                "StandardsControlsUpdatable": "READY_FOR_UPDATES",
            }
            for s in ENABLED.get(call.profile.environment, ())
        ]
    }


def describe_standards(call: Call) -> dict[str, Any]:
    return {
        "Standards": [
            {
                "StandardsArn": _arn(call.region, s),
                "Name": name,
                "Description": f"The {name} standard.",
                "EnabledByDefault": s == FSBP,
                "StandardsManagedBy": {"Company": "AWS", "Product": "Security Hub"},
            }
            for s, (name, _) in STANDARDS.items()
        ]
    }


def control_definitions(call: Call) -> dict[str, Any]:
    known = {c[0]: (c[1], c[2]) for c in CONTROLS} | EXTRA
    standard = STANDARDS.get(_id(str(call.params.get("StandardsArn", ""))))
    controls = standard[1] if standard else tuple(known)
    return {
        "SecurityControlDefinitions": [
            {
                "SecurityControlId": control,
                "Title": known[control][0],
                "Description": f"This control checks whether {known[control][0].lower()}.",
                "RemediationUrl": "https://docs.aws.amazon.com/console/securityhub/"
                f"{control}/remediation",
                "SeverityRating": known[control][1],
                "CurrentRegionAvailability": "AVAILABLE",
            }
            for control in controls
        ]
    }


def control_associations(call: Call) -> dict[str, Any]:
    disabled = DISABLED.get(call.profile.environment, set())
    details = []
    for pair in call.params.get("StandardsControlAssociationIds") or []:
        standards_arn, control = pair["StandardsArn"], pair["SecurityControlId"]
        off = (_id(standards_arn), control) in disabled
        details.append(
            {
                "StandardsArn": standards_arn,
                "SecurityControlId": control,
                "SecurityControlArn": f"arn:aws:securityhub:{call.region}:{call.account_id}:"
                f"security-control/{control}",
                "AssociationStatus": "DISABLED" if off else "ENABLED",
                **({"UpdatedReason": "Not in scope of the card data environment"} if off else {}),
            }
        )
    return {"StandardsControlAssociationDetails": details, "UnprocessedAssociations": []}


ANSWERS: Answers = {
    ("securityhub", "GetFindingStatisticsV2"): Answer(MISSING, statistics),
    ("securityhub", "GetEnabledStandards"): Answer(NO_STANDARDS, enabled_standards),
    ("securityhub", "DescribeStandards"): Answer(NO_STANDARDS, describe_standards),
    ("securityhub", "ListSecurityControlDefinitions"): Answer(NO_STANDARDS, control_definitions),
    ("securityhub", "BatchGetStandardsControlAssociations"): Answer(
        NO_STANDARDS, control_associations
    ),
}
