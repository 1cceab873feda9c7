"""Amazon Inspector package vulnerabilities on the account's real instances and functions.

Which resource carries which CVE (``data/inspector.json``) is seeded per resource and CVE; the
share grows from production to the sandbox. Each finding lives on a 75-day cycle: first observed
on a seeded day, fixed (CLOSED) after a seeded number of days, quickly in production, slowly or
never in the sandbox. ``filterCriteria`` (account, status, dates, severity, type) is honoured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, Call, at, digest, load, page, seeded

REASON = (
    "moto implements it as a FIFO of canned results (seeded only through moto's own "
    "/moto-api) that ignores filterCriteria"
)
CYCLE = 75
AFFECTED = {"production": 0.3, "staging": 0.45, "sandbox": 0.65}
FIX_DAYS = {"production": (5, 16), "staging": (10, 35), "sandbox": (30, 120)}


@dataclass(frozen=True)
class Finding:
    arn: str
    vulnerability: dict[str, Any]
    resource: dict[str, Any]
    first: datetime
    last: datetime
    updated: datetime
    status: str


def _findings(call: Call) -> list[Finding]:
    return call.cached("inspector", call.region, call.today, compute=lambda: _build(call))


def _targets(call: Call) -> list[tuple[str, str, dict[str, Any]]]:
    targets: list[tuple[str, str, dict[str, Any]]] = []
    for instance in _moto.instances(call):
        resource = {
            "type": "AWS_EC2_INSTANCE",
            "id": instance["InstanceId"],
            "partition": "aws",
            "region": call.region,
            "details": {
                "awsEc2Instance": {
                    "type": instance.get("InstanceType"),
                    "imageId": instance.get("ImageId"),
                    "platform": "AMAZON_LINUX_2023",
                    "launchedAt": instance.get("LaunchTime"),
                }
            },
        }
        targets.append(("ec2", instance["InstanceId"], resource))
    for function in _moto.functions(call):
        resource = {
            "type": "AWS_LAMBDA_FUNCTION",
            "id": f"{function['FunctionArn']}:$LATEST",
            "partition": "aws",
            "region": call.region,
            "details": {
                "awsLambdaFunction": {
                    "functionName": function["FunctionName"],
                    "runtime": "PYTHON_3_12",
                    "codeSha256": function.get("CodeSha256") or digest(function["FunctionName"]),
                    "version": "$LATEST",
                    "executionRoleArn": function.get("Role")
                    or f"arn:aws:iam::{call.account_id}:role/lambda",
                    "packageType": "ZIP",
                }
            },
        }
        targets.append(("lambda", function["FunctionName"], resource))
    return targets


def _build(call: Call) -> list[Finding]:
    now = at(call.today)
    environment = call.profile.environment
    table = load("inspector.json")
    low, high = FIX_DAYS.get(environment, (10, 40))
    found = []
    for kind, key, resource in _targets(call):
        for vulnerability in table[kind]:
            cve = vulnerability["cve"]
            rng = seeded(call.profile.key, "inspector", call.region, key, cve)
            if rng.random() > AFFECTED.get(environment, 0.5):
                continue
            offset = rng.randrange(CYCLE)
            fix_after = rng.randrange(low, high)
            for cycle in range(
                (call.today.toordinal() - offset) // CYCLE - 1,
                (call.today.toordinal() - offset) // CYCLE + 1,
            ):
                start = date.fromordinal(cycle * CYCLE + offset)
                first = at(start, rng.randrange(24), rng.randrange(60))
                if first >= now:
                    continue
                fixed = first + timedelta(days=fix_after, hours=5)
                if fixed < now:
                    status, last, updated = "CLOSED", fixed, fixed
                    if fixed.date() < call.today - timedelta(days=CYCLE):
                        continue
                else:
                    status = "ACTIVE"
                    last = max(first, at(call.today - timedelta(days=1), 23 - rng.randrange(6), 7))
                    updated = last
                found.append(
                    Finding(
                        arn=(
                            f"arn:aws:inspector2:{call.region}:{call.account_id}:finding/"
                            f"{digest(call.profile.key, call.region, key, cve, cycle)}"
                        ),
                        vulnerability=vulnerability,
                        resource=resource,
                        first=first,
                        last=last,
                        updated=updated,
                        status=status,
                    )
                )
    return sorted(found, key=lambda f: (f.first, f.arn))


def _item(call: Call, finding: Finding) -> dict[str, Any]:
    vulnerability = finding.vulnerability
    packages = vulnerability["packages"]
    names = ", ".join(p[0] for p in packages)
    score = float(vulnerability["score"])
    return {
        "findingArn": finding.arn,
        "awsAccountId": call.account_id,
        "type": "PACKAGE_VULNERABILITY",
        "description": vulnerability["description"],
        "title": f"{vulnerability['cve']} - {names}",
        "remediation": {"recommendation": {"text": f"Update {names} to the fixed version."}},
        "severity": vulnerability["severity"],
        "firstObservedAt": finding.first,
        "lastObservedAt": finding.last,
        "updatedAt": finding.updated,
        "status": finding.status,
        "resources": [_strip(finding.resource)],
        "inspectorScore": score,
        "inspectorScoreDetails": {
            "adjustedCvss": {
                "score": score,
                "scoreSource": "NVD",
                "scoringVector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "version": "3.1",
            }
        },
        "packageVulnerabilityDetails": {
            "vulnerabilityId": vulnerability["cve"],
            "source": "NVD",
            "sourceUrl": f"https://nvd.nist.gov/vuln/detail/{vulnerability['cve']}",
            "vendorSeverity": vulnerability["severity"],
            "cvss": [
                {
                    "baseScore": score,
                    "scoringVector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    "version": "3.1",
                    "source": "NVD",
                }
            ],
            "referenceUrls": [f"https://www.cve.org/CVERecord?id={vulnerability['cve']}"],
            "vulnerablePackages": [
                {
                    "name": name,
                    "version": version,
                    "fixedInVersion": fixed,
                    "packageManager": vulnerability["manager"],
                    "remediation": f"Update {name} to {fixed}",
                }
                for name, version, fixed in packages
            ],
        },
        "exploitAvailable": vulnerability["exploit"],
        "fixAvailable": "YES",
    }


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None}
    return value


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


STRINGS = {
    "awsAccountId": lambda call, f: call.account_id,
    "findingStatus": lambda call, f: f.status,
    "severity": lambda call, f: f.vulnerability["severity"],
    "findingType": lambda call, f: "PACKAGE_VULNERABILITY",
    "resourceType": lambda call, f: f.resource["type"],
    "resourceId": lambda call, f: f.resource["id"],
    "vulnerabilityId": lambda call, f: f.vulnerability["cve"],
    "findingArn": lambda call, f: f.arn,
}
DATES = {"updatedAt": "updated", "firstObservedAt": "first", "lastObservedAt": "last"}


def _string_ok(value: str, conditions: list[dict[str, str]]) -> bool:
    positive = [c for c in conditions if c["comparison"] in ("EQUALS", "PREFIX")]
    for condition in conditions:
        if condition["comparison"] == "NOT_EQUALS" and value == condition["value"]:
            return False
    if not positive:
        return True
    return any(
        value == c["value"] if c["comparison"] == "EQUALS" else value.startswith(c["value"])
        for c in positive
    )


def _date_ok(value: datetime, ranges: list[dict[str, Any]]) -> bool:
    return any(
        (r.get("startInclusive") is None or _moment(r["startInclusive"]) <= value)
        and (r.get("endInclusive") is None or value <= _moment(r["endInclusive"]))
        for r in ranges
    )


def list_findings(call: Call) -> dict[str, Any]:
    criteria = call.params.get("filterCriteria") or {}
    selected = []
    for finding in _findings(call):
        ok = True
        for key, conditions in criteria.items():
            if key in STRINGS:
                ok = ok and _string_ok(STRINGS[key](call, finding), conditions)
            elif key in DATES:
                ok = ok and _date_ok(getattr(finding, DATES[key]), conditions)
        if ok:
            selected.append(_item(call, finding))
    chunk, token = page(selected, call.params, "maxResults", "nextToken", default=50)
    response: dict[str, Any] = {"findings": chunk}
    if token:
        response["nextToken"] = token
    return response


ANSWERS: Answers = {("inspector2", "ListFindings"): Answer(REASON, list_findings)}
