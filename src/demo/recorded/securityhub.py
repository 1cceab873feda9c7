"""Security Hub's server-side finding counts (``GetFindingStatisticsV2``), which moto lacks.

Production has Security Hub V2 on: its counts are the ACTIVE findings seeded in moto, counted by
severity and workflow status (as OCSF severity and status), plus, in the home region, a backlog
far too large to page within the demo's collector budget: passed control findings (RESOLVED,
INFORMATIONAL) by the tens of thousands and a few thousand open low and medium ones, growing a
little every day. So the demo has an account whose findings the sender cannot list in its time
budget and whose counts still arrive (the run is ``partial``). Staging and the sandbox have no
Security Hub V2: the call is refused and the sender counts while paging moto's findings.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from demo.profiles import HOME_REGION
from demo.recorded._core import Answer, Answers, ApiError, Call

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


ANSWERS: Answers = {
    ("securityhub", "GetFindingStatisticsV2"): Answer(MISSING, statistics),
}
