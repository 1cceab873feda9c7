"""Systems Manager managed instances, each with its own installed applications and patches.

Instances from ``DescribeInstanceInformation``; applications for every instance at once from the
inventory (``GetInventory`` with the ``AWS:Application`` type, not one call per instance);
patches per instance from ``DescribeInstancePatches`` (no batch form). Applications and patches
always belong to the instance they were reported for.
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetInventory.html
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstancePatches.html

Node details (contract 1.2), all from ``InstanceInformation``: ``ResourceType`` (EC2Instance or
ManagedInstance, i.e. hybrid), ``SourceType``, ``IsLatestVersion`` (whether the SSM Agent is the
latest for the platform), ``AssociationStatus`` and the association execution dates.
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_message
from sender.collectors.base import Collector, Context
from sender.normalize import SHORT, text, timestamp


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("ssm")
    instances = [
        info
        for page in ctx.pages(client, "describe_instance_information", MaxResults=50)
        for info in page.get("InstanceInformationList", [])
        if ctx.identifier(info.get("InstanceId"), "InstanceId", key=True)
    ]
    if not instances:
        return
    applications = _applications(ctx, client)
    for info in instances:
        instance_id = info["InstanceId"]
        yield {
            "instance_id": instance_id,
            "region": ctx.region,
            "computer_name": text(info.get("ComputerName")),
            "platform_type": text(info.get("PlatformType")),
            "platform_name": text(info.get("PlatformName")),
            "platform_version": text(info.get("PlatformVersion")),
            "agent_version": text(info.get("AgentVersion")),
            "ping_status": text(info.get("PingStatus")),
            "last_ping_at": timestamp(info.get("LastPingDateTime")),
            "ip_address": text(info.get("IPAddress")),
            "resource_type": text(info.get("ResourceType")),
            "source_type": text(info.get("SourceType")),
            "agent_is_latest": _flag(info.get("IsLatestVersion")),
            "association_status": text(info.get("AssociationStatus")),
            "last_association_at": timestamp(info.get("LastAssociationExecutionDate")),
            "last_successful_association_at": timestamp(
                info.get("LastSuccessfulAssociationExecutionDate")
            ),
            "applications": applications.get(instance_id, []),
            "patches": _patches(ctx, client, instance_id),
        }


def _applications(ctx: Context, client: Any) -> dict[str, list[dict[str, Any]]]:
    by_instance: dict[str, list[dict[str, Any]]] = {}
    try:
        pages = ctx.pages(
            client,
            "get_inventory",
            ResultAttributes=[{"TypeName": "AWS:Application"}],
            MaxResults=50,
        )
        for page in pages:
            for entity in page.get("Entities", []):
                content = (entity.get("Data") or {}).get("AWS:Application", {}).get("Content", [])
                apps, seen = [], set()
                for app in content:
                    name = ctx.identifier(app.get("Name"), "application Name", key=True)
                    version = _key_part(ctx, app.get("Version"), "application Version")
                    architecture = _key_part(ctx, app.get("Architecture"), "application Arch")
                    if not name or version is None or architecture is None:
                        continue
                    if not ctx.key_fits(
                        "application", entity.get("Id"), name, version, architecture
                    ):
                        continue
                    if (name, version, architecture) in seen:
                        continue
                    seen.add((name, version, architecture))
                    apps.append(
                        {
                            "name": name,
                            "version": version,
                            "publisher": text(app.get("Publisher")),
                            "architecture": architecture,
                            "installed_at": timestamp(app.get("InstalledTime")),
                        }
                    )
                if entity.get("Id"):
                    by_instance[entity["Id"]] = apps
    except ClientError as exc:
        ctx.warn(f"inventory applications: {error_message(exc)}")
    return by_instance


def _key_part(ctx: Context, value: Any, what: str) -> str | None:
    """A natural-key part that may be absent (then ""), never shortened (None: too long for
    the contract's 1024 characters, counted)."""
    if value is None or value == "":
        return ""
    result = ctx.identifier(value, what, key=True)
    if result is not None and len(result) > SHORT:
        ctx.tally(f"{what} longer than {SHORT} characters: item dropped")
        return None
    return result


def _patches(ctx: Context, client: Any, instance_id: str) -> list[dict[str, Any]]:
    patches: dict[str, dict[str, Any]] = {}
    try:
        pages = ctx.pages(
            client, "describe_instance_patches", InstanceId=instance_id, MaxResults=100
        )
        for page in pages:
            for patch in page.get("Patches", []):
                patch_id = ctx.identifier(patch.get("KBId"), "patch KBId", key=True)
                if not patch_id or not ctx.key_fits("patch", instance_id, patch_id):
                    continue
                patches[patch_id] = {
                    "patch_id": patch_id,
                    "title": text(patch.get("Title")),
                    "classification": text(patch.get("Classification")),
                    "severity": text(patch.get("Severity")),
                    "state": text(patch.get("State")),
                    "installed_at": _installed(patch.get("InstalledTime")),
                }
    except ClientError as exc:
        ctx.warn(f"patches of {instance_id}: {error_message(exc)}")
    return list(patches.values())


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _installed(value: Any) -> str | None:
    """SSM reports the epoch (1970-01-01) for patches that are not installed."""
    moment = timestamp(value)
    return None if moment is None or moment.startswith("1970-01-01") else moment


COLLECTOR = Collector(
    name="ssm_instances",
    scope="regional",
    fetch=fetch,
    keys=("region", "instance_id"),
    services=("ssm",),
    iam_actions=(
        "ssm:DescribeInstanceInformation",
        "ssm:DescribeInstancePatches",
        "ssm:GetInventory",
    ),
    weight=5,
    description=(
        "Systems Manager managed instances (node type, agent version and whether it is the "
        "latest, association status) with their installed applications (inventory) and "
        "patch states, each tied to its own instance. "
        "https://docs.aws.amazon.com/systems-manager/latest/APIReference/"
        "API_DescribeInstanceInformation.html"
    ),
)
