"""GuardDuty findings for the detectors that exist in moto (moto has detectors, no findings).

Each profile has a few finding types (``data/guardduty.json``) with a lifecycle: a finding is
created on a seeded day of its cycle, its count grows while the activity repeats, and it is
archived after a while (a new occurrence after that is a new finding); some are never archived
(GuardDuty then keeps counting on the same finding). Findings are about the account's real
instances; credential findings sit in the home region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from demo.profiles import HOME_REGION
from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, ApiError, Call, at, digest, iso_z, load, seeded

MISSING = "not implemented by moto 5.2 (moto has detectors but no findings)"
LOOK_BACK = 90


@dataclass(frozen=True)
class Finding:
    finding_id: str
    finding_type: str
    created: datetime
    updated: datetime
    count: int
    archived: bool
    resource: dict[str, Any]
    resource_key: str  # the instance id or user the title names


def _occurrences(created: datetime, repeat: int, until: datetime) -> tuple[int, datetime]:
    count = 1 + max(0, (until - created).days // repeat)
    return count, created + timedelta(days=(count - 1) * repeat, minutes=13 * (count - 1))


def _findings(call: Call) -> list[Finding]:
    return call.cached("guardduty", call.region, call.today, compute=lambda: _build(call))


def _build(call: Call) -> list[Finding]:
    now = at(call.today)
    table = load("guardduty.json")
    instances = [i for i in _moto.instances(call) if i.get("State", {}).get("Name") == "running"]
    found: list[Finding] = []
    for index, template in enumerate(table["profiles"].get(call.profile.key, [])):
        kind = table["types"][template["type"]]
        if kind["resource"] == "Instance" and not instances:
            continue
        if kind["resource"] == "AccessKey" and (call.region != HOME_REGION or not instances):
            continue
        every, repeat, lasts = template["every"], template["repeat"], template["lasts"]
        if lasts is None:
            cycles = [(-1, call.anchor - timedelta(days=41 + index * 7))]
        else:
            first = (call.today - timedelta(days=LOOK_BACK)).toordinal() // every
            cycles = []
            for cycle in range(first, call.today.toordinal() // every + 1):
                rng = seeded(call.profile.key, "guardduty", call.region, index, cycle)
                cycles.append((cycle, date.fromordinal(cycle * every + rng.randrange(every))))
        for cycle, day in cycles:
            rng = seeded(call.profile.key, "guardduty", call.region, index, cycle, "time")
            created = at(day, rng.randrange(24), rng.randrange(60), rng.randrange(60))
            if created >= now:
                continue
            archived = lasts is not None and now >= created + timedelta(days=lasts)
            until = created + timedelta(days=lasts) if archived else now
            count, updated = _occurrences(created, repeat, until)
            if archived:
                updated = until  # archiving updates the finding
            instance = rng.choice(instances)
            resource, key = _resource(call, kind["resource"], template["type"], instance)
            found.append(
                Finding(
                    finding_id=digest(call.profile.key, call.region, index, cycle),
                    finding_type=template["type"],
                    created=created,
                    updated=updated,
                    count=count,
                    archived=archived,
                    resource=resource,
                    resource_key=key,
                )
            )
    return sorted(found, key=lambda f: (f.created, f.finding_id))


def _resource(
    call: Call, kind: str, finding_type: str, instance: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    instance_id = instance["InstanceId"]
    if kind == "Instance":
        return (
            {
                "ResourceType": "Instance",
                "InstanceDetails": {
                    "InstanceId": instance_id,
                    "InstanceType": instance.get("InstanceType"),
                    "AvailabilityZone": instance.get("Placement", {}).get("AvailabilityZone"),
                    "ImageId": instance.get("ImageId"),
                    "InstanceState": "running",
                    "LaunchTime": iso_z(instance["LaunchTime"])
                    if instance.get("LaunchTime")
                    else None,
                    "Tags": [
                        {"Key": t["Key"], "Value": t["Value"]} for t in instance.get("Tags") or []
                    ],
                },
            },
            instance_id,
        )
    role = f"{call.profile.key}-app-instance-role"
    if finding_type.startswith("Policy:IAMUser/Root"):
        details = {
            "AccessKeyId": "ASIA" + digest(call.profile.key, "root", length=16).upper(),
            "PrincipalId": call.account_id,
            "UserName": "Root",
            "UserType": "Root",
        }
        return {"ResourceType": "AccessKey", "AccessKeyDetails": details}, "Root"
    details = {
        "AccessKeyId": "ASIA" + digest(call.profile.key, instance_id, length=16).upper(),
        "PrincipalId": f"AROA{digest(role, length=17).upper()}:{instance_id}",
        "UserName": role,
        "UserType": "AssumedRole",
    }
    return {"ResourceType": "AccessKey", "AccessKeyDetails": details}, role


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _attributes(call: Call, finding: Finding) -> dict[str, Any]:
    kind = load("guardduty.json")["types"][finding.finding_type]
    return {
        "accountId": call.account_id,
        "region": call.region,
        "id": finding.finding_id,
        "type": finding.finding_type,
        "severity": kind["severity"],
        "service.archived": "true" if finding.archived else "false",
        "updatedAt": int(finding.updated.timestamp() * 1000),
        "createdAt": int(finding.created.timestamp() * 1000),
        "resource.resourceType": finding.resource["ResourceType"],
        "resource.instanceDetails.instanceId": finding.resource.get("InstanceDetails", {}).get(
            "InstanceId", ""
        ),
    }


def _satisfies(value: Any, condition: dict[str, Any]) -> bool:
    for key, wanted in condition.items():
        if key in ("Equals", "Eq") and str(value) not in [str(w) for w in wanted]:
            return False
        if key in ("NotEquals", "Neq") and str(value) in [str(w) for w in wanted]:
            return False
        numeric = {
            "GreaterThan": lambda a, b: a > b,
            "Gt": lambda a, b: a > b,
            "GreaterThanOrEqual": lambda a, b: a >= b,
            "Gte": lambda a, b: a >= b,
            "LessThan": lambda a, b: a < b,
            "Lt": lambda a, b: a < b,
            "LessThanOrEqual": lambda a, b: a <= b,
            "Lte": lambda a, b: a <= b,
        }
        if key in numeric and not numeric[key](float(value), float(wanted)):
            return False
    return True


def _detector(call: Call) -> str:
    detector_id = call.params["DetectorId"]
    if detector_id not in _moto.detectors(call):
        raise ApiError(
            "BadRequestException",
            "The request is rejected because the input detectorId is not owned by the current "
            "account.",
        )
    return str(detector_id)


def list_findings(call: Call) -> dict[str, Any]:
    _detector(call)
    criterion = (call.params.get("FindingCriteria") or {}).get("Criterion") or {}
    matched = []
    for finding in _findings(call):
        attributes = _attributes(call, finding)
        unsupported = sorted(set(criterion) - set(attributes))
        if unsupported:
            raise ApiError("BadRequestException", f"unsupported criterion field {unsupported[0]}")
        if all(_satisfies(attributes[f], c) for f, c in criterion.items()):
            matched.append((attributes, finding))
    sort = call.params.get("SortCriteria") or {}
    if sort.get("AttributeName") in ("updatedAt", "createdAt", "severity"):
        matched.sort(
            key=lambda m: m[0][sort["AttributeName"]], reverse=sort.get("OrderBy") == "DESC"
        )
    ids = [f.finding_id for _, f in matched]
    token = call.params.get("NextToken")
    start = int(token) if token else 0
    size = int(call.params.get("MaxResults") or 50)
    response: dict[str, Any] = {"FindingIds": ids[start : start + size]}
    if start + size < len(ids):
        response["NextToken"] = str(start + size)
    return response


def get_findings(call: Call) -> dict[str, Any]:
    detector_id = _detector(call)
    by_id = {f.finding_id: f for f in _findings(call)}
    findings = []
    for finding_id in call.params.get("FindingIds") or []:
        finding = by_id.get(finding_id)
        if finding is None:
            continue
        kind = load("guardduty.json")["types"][finding.finding_type]
        words = {"instance": finding.resource_key, "role": finding.resource_key}
        findings.append(
            _clean(
                {
                    "AccountId": call.account_id,
                    "Arn": (
                        f"arn:aws:guardduty:{call.region}:{call.account_id}:detector/"
                        f"{detector_id}/finding/{finding.finding_id}"
                    ),
                    "CreatedAt": iso_z(finding.created),
                    "Description": kind["description"].format(**words),
                    "Id": finding.finding_id,
                    "Partition": "aws",
                    "Region": call.region,
                    "Resource": finding.resource,
                    "SchemaVersion": "2.0",
                    "Service": {
                        "Action": {"ActionType": kind["action"]},
                        "Archived": finding.archived,
                        "Count": finding.count,
                        "DetectorId": detector_id,
                        "EventFirstSeen": iso_z(finding.created),
                        "EventLastSeen": iso_z(finding.updated),
                        "ResourceRole": "TARGET",
                        "ServiceName": "guardduty",
                    },
                    "Severity": float(kind["severity"]),
                    "Title": kind["title"].format(**words),
                    "Type": finding.finding_type,
                    "UpdatedAt": iso_z(finding.updated),
                }
            )
        )
    return {"Findings": findings}


ANSWERS: Answers = {
    ("guardduty", "ListFindings"): Answer(MISSING, list_findings),
    ("guardduty", "GetFindings"): Answer(MISSING, get_findings),
}
