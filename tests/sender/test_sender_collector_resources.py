"""resources: eight resource types from moto, tags in one tagging call, partial on one failure."""

from __future__ import annotations

import io
import zipfile
from contextlib import ExitStack

import boto3
from moto import mock_aws

from sender.collectors.resources import COLLECTOR
from support.sender_fixtures import (
    REGION,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
)


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def _seed():
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone="eu-west-1a")[
        "Subnet"
    ]["SubnetId"]
    ec2.create_tags(Resources=[subnet], Tags=[{"Key": "Name", "Value": "private-a"}])
    ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        SubnetId=subnet,
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [
                    {"Key": "Name", "Value": "payments-api-1"},
                    {"Key": "Owner", "Value": "team-zürich"},
                ],
            }
        ],
    )
    ec2.create_volume(AvailabilityZone="eu-west-1a", Size=500, VolumeType="gp2")
    boto3.client("rds", region_name=REGION).create_db_instance(
        DBInstanceIdentifier="ledger",
        DBInstanceClass="db.m6g.large",
        Engine="postgres",
        AllocatedStorage=100,
        MasterUsername="admin",
        MasterUserPassword="password123",
        Tags=[{"Key": "Tier", "Value": "data"}],
    )
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="exports-eu", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(
        Bucket="exports-eu", Tagging={"TagSet": [{"Key": "Data", "Value": "pii"}]}
    )
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="elsewhere-us")
    elb = boto3.client("elbv2", region_name=REGION)
    elb.create_load_balancer(Name="api", Subnets=[subnet], Tags=[{"Key": "App", "Value": "api"}])
    boto3.client("autoscaling", region_name=REGION).create_auto_scaling_group(
        AutoScalingGroupName="workers",
        MinSize=0,
        MaxSize=2,
        VPCZoneIdentifier=subnet,
        LaunchConfigurationName=_launch_configuration(),
    )
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="resizer",
        Runtime="python3.13",
        Role=role["Arn"],
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Tags={"Team": "media"},
    )


def _launch_configuration():
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.micro"
    )
    return "lc"


@mock_aws
def test_every_resource_type_with_tags(clients):
    _seed()
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = section(outcome)
    by_type = {}
    for item in items:
        by_type.setdefault(item["resource_type"], []).append(item)
    assert set(by_type) == {
        "ec2:instance",
        "ec2:subnet",
        "ebs:volume",
        "rds:db",
        "s3:bucket",
        "elb:load-balancer",
        "autoscaling:group",
        "lambda:function",
    }
    instance = next(i for i in by_type["ec2:instance"] if i["name"] == "payments-api-1")
    assert instance["tags"]["Owner"] == "team-zürich"
    assert instance["attributes"]["instance_type"] == "m5.large"
    assert instance["arn"].startswith("arn:aws:ec2:eu-west-1:123456789012:instance/i-")
    assert [b["resource_id"] for b in by_type["s3:bucket"]] == ["exports-eu"]  # own region only
    assert by_type["s3:bucket"][0]["tags"] == {"Data": "pii"}
    assert by_type["rds:db"][0]["tags"] == {"Tier": "data"}
    assert by_type["lambda:function"][0]["tags"] == {"Team": "media"}
    assert by_type["elb:load-balancer"][0]["tags"] == {"App": "api"}
    volume = next(v for v in by_type["ebs:volume"] if v["attributes"]["size_gib"] == "500")
    assert (
        volume["attributes"]["size_gib"] == "500" and volume["attributes"]["encrypted"] == "false"
    )


@mock_aws
def test_one_denied_type_makes_the_run_partial_not_empty(clients):
    _seed()
    with stubbed(clients, "rds") as rds:
        access_denied(rds, "describe_db_instances", code="AccessDenied")
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "partial"
    assert "rds:db: AccessDenied" in outcome.error
    assert {i["resource_type"] for i in section(outcome)} >= {"ec2:instance", "lambda:function"}


def test_every_type_denied_is_skipped(clients):
    denials = {
        "ec2": [
            ("describe_instances", "UnauthorizedOperation"),
            ("describe_subnets", "UnauthorizedOperation"),
            ("describe_volumes", "UnauthorizedOperation"),
        ],
        "rds": [("describe_db_instances", "AccessDenied")],
        "s3": [("list_buckets", "AccessDenied")],
        "elbv2": [("describe_load_balancers", "AccessDenied")],
        "autoscaling": [("describe_auto_scaling_groups", "AccessDenied")],
        "lambda": [("list_functions", "AccessDeniedException")],
        "resourcegroupstaggingapi": [("get_resources", "AccessDeniedException")],
    }
    with ExitStack() as stack:
        for service, errors in denials.items():
            stubber = stack.enter_context(stubbed(clients, service))
            for operation, code in errors:
                stubber.add_client_error(operation, service_error_code=code, http_status_code=403)
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert outcome.error.startswith("UnauthorizedOperation (DescribeInstances)")


@mock_aws
def test_throttling_is_retried(clients):
    _seed()
    throttled = throttle_first(clients.client("ec2", REGION), times=2, code="RequestLimitExceeded")
    outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok"
    assert len(throttled) == 2
    assert any(i["resource_type"] == "ec2:instance" for i in section(outcome))
