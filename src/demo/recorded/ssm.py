"""Systems Manager: the account's moto EC2 instances as managed instances, with their inventory
and patch states.

Every instance runs Amazon Linux 2023 with the SSM agent; a stopped one has lost its connection.
A security advisory comes out every nine days (its package from ``data/ssm.json``); each instance
installs it after its own patch lag (a few days in production, weeks in the sandbox), so a patch
is MISSING for a while and then INSTALLED, day by day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, ApiError, Call, at, load, page, seeded

MISSING = "not implemented by moto 5.2"
ADVISORY_EVERY = 9
WINDOW = 60  # days of advisories an instance reports
LAG = {"production": (2, 8), "staging": (4, 16), "sandbox": (12, 75)}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _architecture(instance: dict[str, Any]) -> str:
    kind = str(instance.get("InstanceType", ""))
    family = kind.split(".")[0]
    return "aarch64" if family.endswith("g") and family[:1] in "mcr" else "x86_64"


def _managed(call: Call) -> list[dict[str, Any]]:
    return [
        i for i in _moto.instances(call) if i.get("State", {}).get("Name") in ("running", "stopped")
    ]


def _information(call: Call, instance: dict[str, Any]) -> dict[str, Any]:
    instance_id = instance["InstanceId"]
    rng = call.rng("ping", instance_id, call.today)
    running = instance.get("State", {}).get("Name") == "running"
    if running:
        ping = at(call.today - timedelta(days=1), 23, rng.randrange(40, 60), rng.randrange(60))
    else:
        ping = at(call.anchor - timedelta(days=1), 18, 4, 51)
    address = instance.get("PrivateIpAddress") or "10.0.0.10"
    host = "ip-" + address.replace(".", "-")
    return {
        "InstanceId": instance_id,
        "PingStatus": "Online" if running else "ConnectionLost",
        "LastPingDateTime": ping,
        "AgentVersion": "3.3.1142.0",
        "IsLatestVersion": call.profile.environment == "production",
        "PlatformType": "Linux",
        "PlatformName": "Amazon Linux",
        "PlatformVersion": "2023",
        "ResourceType": "EC2Instance",
        "IPAddress": address,
        "ComputerName": f"{host}.{call.region}.compute.internal",
        "AssociationStatus": "Success",
        "LastAssociationExecutionDate": ping - timedelta(hours=2),
        "LastSuccessfulAssociationExecutionDate": ping - timedelta(hours=2),
        "SourceId": instance_id,
        "SourceType": "AWS::EC2::Instance",
    }


def describe_instance_information(call: Call) -> dict[str, Any]:
    items = [_information(call, i) for i in _managed(call)]
    conditions: list[tuple[str, list[str]]] = [
        (f["key"], f["valueSet"]) for f in call.params.get("InstanceInformationFilterList") or []
    ]
    conditions += [(f["Key"], f["Values"]) for f in call.params.get("Filters") or []]
    fields = {
        "InstanceIds": "InstanceId",
        "PingStatus": "PingStatus",
        "PlatformTypes": "PlatformType",
    }
    for key, values in conditions:
        if key in fields:
            items = [i for i in items if i[fields[key]] in values]
    chunk, token = page(items, call.params, "MaxResults", "NextToken", default=50)
    response: dict[str, Any] = {"InstanceInformationList": chunk}
    if token:
        response["NextToken"] = token
    return response


def _patches(call: Call, instance: dict[str, Any]) -> list[dict[str, Any]]:
    now = at(call.today)
    low, high = LAG.get(call.profile.environment, (5, 20))
    architecture = _architecture(instance)
    packages = load("ssm.json")["advisory_packages"]
    patches = []
    first = (call.today - timedelta(days=WINDOW)).toordinal() // ADVISORY_EVERY
    for cycle in range(first, call.today.toordinal() // ADVISORY_EVERY + 1):
        released = date.fromordinal(cycle * ADVISORY_EVERY + 2)
        if released >= call.today:
            continue
        package, severity, cves = packages[cycle % len(packages)]
        lag = seeded(call.profile.key, "patch-lag", instance["InstanceId"], cycle).randrange(
            low, high
        )
        installed = at(released + timedelta(days=lag), 3, 17)
        done = installed < now and instance.get("State", {}).get("Name") == "running"
        version = f"{released.year}.{cycle % 1000:03d}"
        patches.append(
            {
                "Title": f"{package}.{architecture}:0:{version}-1.amzn2023",
                "KBId": f"{package}.{architecture}",
                "Classification": "Security",
                "Severity": severity,
                "State": "INSTALLED" if done else "MISSING",
                "InstalledTime": installed if done else EPOCH,
                "CVEIds": cves,
            }
        )
    return patches


def describe_instance_patches(call: Call) -> dict[str, Any]:
    instance_id = call.params["InstanceId"]
    instance = next((i for i in _managed(call) if i["InstanceId"] == instance_id), None)
    if instance is None:
        raise ApiError("InvalidInstanceId", f"Instance {instance_id} is not a managed instance.")
    patches = _patches(call, instance)
    for condition in call.params.get("Filters") or []:
        field = {"State": "State", "Classification": "Classification", "Severity": "Severity"}
        if condition.get("Key") in field:
            patches = [p for p in patches if p[field[condition["Key"]]] in condition["Values"]]
    chunk, token = page(patches, call.params, "MaxResults", "NextToken", default=50)
    response: dict[str, Any] = {"Patches": chunk}
    if token:
        response["NextToken"] = token
    return response


def _applications(call: Call, instance: dict[str, Any]) -> list[dict[str, str]]:
    architecture = _architecture(instance)
    installed = (instance.get("LaunchTime") or at(call.anchor)).astimezone(UTC)
    return [
        {
            "Name": app["Name"],
            "Version": app["Version"],
            "Release": app["Release"],
            "Publisher": app["Publisher"],
            "Architecture": architecture,
            "InstalledTime": installed.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PackageId": f"{app['Name']}-{app['Version']}-{app['Release']}.{architecture}.rpm",
        }
        for app in load("ssm.json")["applications"]
    ]


def get_inventory(call: Call) -> dict[str, Any]:
    types = [a["TypeName"] for a in call.params.get("ResultAttributes") or []]
    types = types or ["AWS:InstanceInformation"]
    instances = _managed(call)
    for condition in call.params.get("Filters") or []:
        if condition["Key"] == "AWS:InstanceInformation.InstanceId":
            kind = condition.get("Type", "Equal")
            values = condition["Values"]
            instances = [
                i for i in instances if (i["InstanceId"] in values) == (kind != "NotEqual")
            ]
    capture = at(call.today - timedelta(days=1), 22, 30).strftime("%Y-%m-%dT%H:%M:%SZ")
    entities = []
    for instance in instances:
        data: dict[str, Any] = {}
        for type_name in types:
            if type_name == "AWS:Application":
                content = _applications(call, instance)
            elif type_name == "AWS:InstanceInformation":
                info = _information(call, instance)
                content = [
                    {
                        "InstanceId": info["InstanceId"],
                        "PlatformName": info["PlatformName"],
                        "PlatformType": info["PlatformType"],
                        "PlatformVersion": info["PlatformVersion"],
                        "AgentVersion": info["AgentVersion"],
                        "ComputerName": info["ComputerName"],
                        "IpAddress": info["IPAddress"],
                        "InstanceStatus": "Active",
                        "ResourceType": "EC2Instance",
                    }
                ]
            else:
                continue
            data[type_name] = {
                "TypeName": type_name,
                "SchemaVersion": "1.1" if type_name == "AWS:Application" else "1.0",
                "CaptureTime": capture,
                "Content": content,
            }
        entities.append({"Id": instance["InstanceId"], "Data": data})
    chunk, token = page(entities, call.params, "MaxResults", "NextToken", default=50)
    response: dict[str, Any] = {"Entities": chunk}
    if token:
        response["NextToken"] = token
    return response


ANSWERS: Answers = {
    ("ssm", "DescribeInstanceInformation"): Answer(MISSING, describe_instance_information),
    ("ssm", "DescribeInstancePatches"): Answer(MISSING, describe_instance_patches),
    ("ssm", "GetInventory"): Answer(MISSING, get_inventory),
}
