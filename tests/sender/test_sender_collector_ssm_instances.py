"""ssm_instances: applications from one inventory query, patches per instance, each item tied
to its own instance (the reference attached everything to the first one)."""

from __future__ import annotations

from datetime import UTC, datetime

from sender.aws import Clients
from sender.collectors.ssm_instances import COLLECTOR
from support.sender_fixtures import (
    REGION,
    WireStub,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    validate_outcome,
)

LINUX, WINDOWS = "i-0123456789abcdef0", "i-0fedcba9876543210"


def info(instance_id, platform, **extra):
    return {
        "InstanceId": instance_id,
        "PingStatus": "Online",
        "PlatformType": platform,
        "PlatformName": "Amazon Linux",
        "PlatformVersion": "2023",
        "AgentVersion": "3.3.1142.0",
        "LastPingDateTime": datetime(2026, 11, 25, 1, 59, 40, 112000, tzinfo=UTC),
        "ComputerName": f"{instance_id}.internal",
        "IPAddress": "10.20.1.15",
        "ResourceType": "EC2Instance",
        **extra,
    }


def inventory(instance_id, *apps):
    return {
        "Id": instance_id,
        "Data": {
            "AWS:Application": {
                "TypeName": "AWS:Application",
                "SchemaVersion": "1.1",
                "CaptureTime": "2026-11-24T00:00:00Z",
                "Content": list(apps),
            }
        },
    }


def test_instances_with_their_own_applications_and_patches(clients):
    inventory_request = {"ResultAttributes": [{"TypeName": "AWS:Application"}], "MaxResults": 50}
    with stubbed(clients, "ssm") as ssm:
        ssm.add_response(
            "describe_instance_information",
            {"InstanceInformationList": [info(LINUX, "Linux")], "NextToken": "i"},
            {"MaxResults": 50},
        )
        ssm.add_response(
            "describe_instance_information",
            {"InstanceInformationList": [info(WINDOWS, "Windows", PingStatus="ConnectionLost")]},
            {"MaxResults": 50, "NextToken": "i"},
        )
        ssm.add_response(
            "get_inventory",
            {
                "Entities": [
                    inventory(
                        LINUX,
                        {
                            "Name": "openssl",
                            "Version": "3.0.8-1.amzn2023.0.14",
                            "Publisher": "Amazon Linux",
                            "Architecture": "x86_64",
                            "InstalledTime": "2026-10-01T06:12:00Z",
                        },
                        {"Name": "gpg-pubkey", "Version": "d832c631-6515c85e"},
                    )
                ],
                "NextToken": "g",
            },
            inventory_request,
        )
        ssm.add_response(
            "get_inventory",
            {
                "Entities": [
                    inventory(
                        WINDOWS,
                        {
                            "Name": "7-Zip",
                            "Version": "23.01",
                            "Publisher": "Igor Pavlov",
                            "Architecture": "x64",
                        },
                    )
                ]
            },
            {**inventory_request, "NextToken": "g"},
        )
        ssm.add_response(
            "describe_instance_patches",
            {
                "Patches": [
                    {
                        "Title": "openssl security update",
                        "KBId": "ALAS2023-2026-812",
                        "Classification": "Security",
                        "Severity": "Important",
                        "State": "MISSING",
                        "InstalledTime": datetime(1970, 1, 1, tzinfo=UTC),
                    }
                ],
                "NextToken": "p",
            },
            {"InstanceId": LINUX, "MaxResults": 100},
        )
        ssm.add_response(
            "describe_instance_patches",
            {
                "Patches": [
                    {
                        "Title": "kernel update",
                        "KBId": "ALAS2023-2026-790",
                        "Classification": "Security",
                        "Severity": "Critical",
                        "State": "INSTALLED",
                        "InstalledTime": datetime(2026, 11, 10, 3, 15, tzinfo=UTC),
                    }
                ]
            },
            {"InstanceId": LINUX, "MaxResults": 100, "NextToken": "p"},
        )
        ssm.add_response(
            "describe_instance_patches", {"Patches": []}, {"InstanceId": WINDOWS, "MaxResults": 100}
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    linux, windows = section(outcome)
    assert (linux["instance_id"], windows["instance_id"]) == (LINUX, WINDOWS)
    assert [a["name"] for a in linux["applications"]] == ["openssl", "gpg-pubkey"]
    assert linux["applications"][1] == {
        "name": "gpg-pubkey",
        "version": "d832c631-6515c85e",
        "publisher": None,
        "architecture": "",
        "installed_at": None,
    }
    assert [a["name"] for a in windows["applications"]] == ["7-Zip"]
    assert [p["patch_id"] for p in linux["patches"]] == ["ALAS2023-2026-812", "ALAS2023-2026-790"]
    assert windows["patches"] == [] and windows["ping_status"] == "ConnectionLost"
    assert linux["last_ping_at"] == "2026-11-25T01:59:40.112Z"
    assert linux["patches"][0]["installed_at"] is None  # SSM's epoch for "not installed"
    assert linux["patches"][1]["installed_at"] == "2026-11-10T03:15:00Z"


def test_no_managed_instances_is_an_empty_ok(clients):
    with stubbed(clients, "ssm") as ssm:
        ssm.add_response("describe_instance_information", {"InstanceInformationList": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok" and section(outcome) == []


def test_access_denied_is_skipped_and_inventory_denial_is_partial(clients):
    with stubbed(clients, "ssm") as ssm:
        access_denied(ssm, "describe_instance_information")
        assert run_collector(COLLECTOR, make_context(clients)).status == "skipped"
    other = Clients()
    with stubbed(other, "ssm") as ssm:
        ssm.add_response(
            "describe_instance_information", {"InstanceInformationList": [info(LINUX, "Linux")]}
        )
        access_denied(ssm, "get_inventory")
        ssm.add_response("describe_instance_patches", {"Patches": []})
        outcome = run_collector(COLLECTOR, make_context(other))
    assert outcome.status == "partial" and outcome.item_count == 1


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("ssm", REGION))
    wire.add_error("DescribeInstanceInformation", "ThrottlingException")
    wire.add("DescribeInstanceInformation", {"InstanceInformationList": [info(LINUX, "Linux")]})
    wire.add("GetInventory", {"Entities": []})
    wire.add_error("DescribeInstancePatches", "ThrottlingException")
    wire.add("DescribeInstancePatches", {"Patches": []})
    outcome = run_collector(COLLECTOR, make_context(clients))
    wire.assert_done()
    assert outcome.status == "ok"


def test_node_type_agent_and_association_status(clients):
    """InstanceInformation as in the API reference's example: an EC2 node with the latest
    agent and a successful association, a hybrid node (ManagedInstance, mi- id, non-ASCII
    computer name) with an outdated agent and a failed association, and a Windows node for
    which Systems Manager leaves IsLatestVersion and the association fields out."""
    hybrid = "mi-0d1e2f3a4b5c6d7e8"
    with stubbed(clients, "ssm") as ssm:
        ssm.add_response(
            "describe_instance_information",
            {
                "InstanceInformationList": [
                    info(
                        LINUX,
                        "Linux",
                        IsLatestVersion=True,
                        AssociationStatus="Success",
                        LastAssociationExecutionDate=datetime(2026, 11, 25, 1, 30, tzinfo=UTC),
                        LastSuccessfulAssociationExecutionDate=datetime(
                            2026, 11, 25, 1, 30, tzinfo=UTC
                        ),
                        SourceId=LINUX,
                        SourceType="AWS::EC2::Instance",
                    ),
                    info(
                        hybrid,
                        "Linux",
                        ResourceType="ManagedInstance",
                        ComputerName="büro-server-01",
                        IsLatestVersion=False,
                        AssociationStatus="Failed",
                        LastAssociationExecutionDate=datetime(2026, 11, 24, 23, 0, tzinfo=UTC),
                        LastSuccessfulAssociationExecutionDate=datetime(
                            2026, 11, 20, 23, 0, tzinfo=UTC
                        ),
                        ActivationId="3b1e2d5c-1f0a-4e6b-9c1d-2a3b4c5d6e7f",
                        SourceType="AWS::SSM::ManagedInstance",
                    ),
                    info(WINDOWS, "Windows"),
                ]
            },
        )
        ssm.add_response("get_inventory", {"Entities": []})
        for _ in range(3):
            ssm.add_response("describe_instance_patches", {"Patches": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    validate_outcome(outcome)
    ec2, managed, windows = section(outcome)
    assert {k: ec2[k] for k in ec2 if k not in ("applications", "patches")} == {
        "instance_id": LINUX,
        "region": REGION,
        "computer_name": f"{LINUX}.internal",
        "platform_type": "Linux",
        "platform_name": "Amazon Linux",
        "platform_version": "2023",
        "agent_version": "3.3.1142.0",
        "ping_status": "Online",
        "last_ping_at": "2026-11-25T01:59:40.112Z",
        "ip_address": "10.20.1.15",
        "resource_type": "EC2Instance",
        "source_type": "AWS::EC2::Instance",
        "agent_is_latest": True,
        "association_status": "Success",
        "last_association_at": "2026-11-25T01:30:00Z",
        "last_successful_association_at": "2026-11-25T01:30:00Z",
    }
    assert (managed["resource_type"], managed["computer_name"]) == (
        "ManagedInstance",
        "büro-server-01",
    )
    assert (managed["agent_is_latest"], managed["association_status"]) == (False, "Failed")
    assert managed["last_successful_association_at"] == "2026-11-20T23:00:00Z"
    assert (windows["agent_is_latest"], windows["association_status"]) == (None, None)
    assert windows["last_association_at"] is None and windows["source_type"] is None
