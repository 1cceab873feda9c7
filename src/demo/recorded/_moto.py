"""What exists in moto for the account and region, listed through moto's normal API.

Recorded answers refer to real resources (recommendations for the instances that exist, findings
on them, compliance of the Config rules that exist). Each listing is made once per region and
simulated day (`Call.cached`), with paginators where the API has them.
"""

from __future__ import annotations

from typing import Any

from demo.recorded._core import Call


def _all(call: Call, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
    client = call.client(service)
    if client.can_paginate(operation):
        return [
            item
            for page in client.get_paginator(operation).paginate(**kwargs)
            for item in page[key]
        ]
    return list(getattr(client, operation)(**kwargs).get(key, []))


def _cached(call: Call, what: str, compute: Any) -> Any:
    return call.cached("moto", what, call.region, call.today, compute=compute)


def instances(call: Call) -> list[dict[str, Any]]:
    """EC2 instances that are not terminated, sorted by id."""

    def compute() -> list[dict[str, Any]]:
        found = [
            instance
            for reservation in _all(call, "ec2", "describe_instances", "Reservations")
            for instance in reservation["Instances"]
            if instance.get("State", {}).get("Name") not in ("terminated", "shutting-down")
        ]
        return sorted(found, key=lambda i: i["InstanceId"])

    return _cached(call, "instances", compute)


def volumes(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "ec2", "describe_volumes", "Volumes")
        return sorted(found, key=lambda v: v["VolumeId"])

    return _cached(call, "volumes", compute)


def security_groups(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "ec2", "describe_security_groups", "SecurityGroups")
        return sorted(found, key=lambda g: g["GroupId"])

    return _cached(call, "security_groups", compute)


def functions(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "lambda", "list_functions", "Functions")
        return sorted(found, key=lambda f: f["FunctionName"])

    return _cached(call, "functions", compute)


def auto_scaling_groups(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups")
        return sorted(found, key=lambda g: g["AutoScalingGroupName"])

    return _cached(call, "auto_scaling_groups", compute)


def launch_configuration_types(call: Call) -> dict[str, str]:
    def compute() -> dict[str, str]:
        found = _all(call, "autoscaling", "describe_launch_configurations", "LaunchConfigurations")
        return {c["LaunchConfigurationName"]: c["InstanceType"] for c in found}

    return _cached(call, "launch_configurations", compute)


def load_balancers(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "elbv2", "describe_load_balancers", "LoadBalancers")
        return sorted(found, key=lambda lb: lb["LoadBalancerArn"])

    return _cached(call, "load_balancers", compute)


def db_instances(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "rds", "describe_db_instances", "DBInstances")
        return sorted(found, key=lambda d: d["DBInstanceIdentifier"])

    return _cached(call, "db_instances", compute)


def buckets(call: Call) -> list[str]:
    """Names of the buckets in the call's region."""

    def compute() -> list[str]:
        listed = call.client("s3").list_buckets(BucketRegion=call.region).get("Buckets", [])
        return sorted(
            b["Name"] for b in listed if b.get("BucketRegion", call.region) == call.region
        )

    return _cached(call, "buckets", compute)


def users(call: Call) -> list[str]:
    def compute() -> list[str]:
        found = _all(call, "iam", "list_users", "Users")
        return sorted(u["UserName"] for u in found)

    return call.cached("moto", "users", call.today, compute=compute)


def config_rules(call: Call) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        found = _all(call, "config", "describe_config_rules", "ConfigRules")
        return sorted(found, key=lambda r: r["ConfigRuleName"])

    return _cached(call, "config_rules", compute)


def detectors(call: Call) -> list[str]:
    def compute() -> list[str]:
        return sorted(_all(call, "guardduty", "list_detectors", "DetectorIds"))

    return _cached(call, "detectors", compute)


def trusted_advisor_checks(call: Call) -> dict[str, dict[str, Any]]:
    def compute() -> dict[str, dict[str, Any]]:
        checks = call.client("support").describe_trusted_advisor_checks(language="en")["checks"]
        return {c["id"]: c for c in checks}

    return call.cached("moto", "trusted_advisor_checks", compute=compute)


def name_tag(resource: dict[str, Any]) -> str | None:
    for tag in resource.get("Tags") or []:
        if tag.get("Key") == "Name":
            return str(tag.get("Value"))
    return None
