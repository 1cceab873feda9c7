"""Inventory of EC2 instances, subnets, EBS volumes, RDS instances, S3 buckets, load balancers,
Auto Scaling groups and Lambda functions in the region.

One paginated list per type. Tags come with the list where the API returns them (EC2, EBS, RDS,
Auto Scaling); for S3, ELB and Lambda one paginated ``tag:GetResources`` covers them all instead
of a call per resource. S3 buckets are listed with ``BucketRegion``, so each bucket appears in its
own region. A type that fails is a warning (``partial``); every type denied is a skip.
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors.base import Collector, Context
from sender.normalize import string_map, tags, text, timestamp

TAGGED_ELSEWHERE = ["s3", "elasticloadbalancing:loadbalancer", "lambda:function"]


def _item(ctx, kind, resource_id, resource_arn, name, state, attributes, tag_map):
    """One resource, or None when its id is absent or too long (counted in the result)."""
    resource_id = ctx.identifier(resource_id, f"{kind} id", key=True)
    if resource_id is None:
        return None
    return {
        "resource_type": kind,
        "resource_id": resource_id,
        "arn": ctx.arn(resource_arn, f"{kind} ARN"),
        "region": ctx.region,
        "name": text(name),
        "state": text(state),
        "attributes": string_map(
            {
                k: str(v).lower() if isinstance(v, bool) else v
                for k, v in attributes.items()
                if v not in (None, "")
            }
        ),
        "tags": tag_map,
    }


def _instances(ctx: Context, _: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("ec2"), "describe_instances", MaxResults=1000):
        for reservation in page.get("Reservations", []):
            for inst in reservation.get("Instances", []):
                tag_map = tags(inst.get("Tags"))
                instance_id = inst.get("InstanceId")
                yield _item(
                    ctx,
                    "ec2:instance",
                    instance_id,
                    f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:instance/{instance_id}",
                    tag_map.get("Name"),
                    (inst.get("State") or {}).get("Name"),
                    {
                        "instance_type": inst.get("InstanceType"),
                        "availability_zone": (inst.get("Placement") or {}).get("AvailabilityZone"),
                        "private_ip": inst.get("PrivateIpAddress"),
                        "vpc_id": inst.get("VpcId"),
                        "subnet_id": inst.get("SubnetId"),
                        "platform": inst.get("PlatformDetails"),
                        "launch_time": timestamp(inst.get("LaunchTime")),
                    },
                    tag_map,
                )


def _subnets(ctx: Context, _: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("ec2"), "describe_subnets", MaxResults=1000):
        for subnet in page.get("Subnets", []):
            tag_map = tags(subnet.get("Tags"))
            yield _item(
                ctx,
                "ec2:subnet",
                subnet.get("SubnetId"),
                subnet.get("SubnetArn"),
                tag_map.get("Name"),
                subnet.get("State"),
                {
                    "cidr_block": subnet.get("CidrBlock"),
                    "vpc_id": subnet.get("VpcId"),
                    "availability_zone": subnet.get("AvailabilityZone"),
                    "available_ip_address_count": subnet.get("AvailableIpAddressCount"),
                },
                tag_map,
            )


def _volumes(ctx: Context, _: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("ec2"), "describe_volumes", MaxResults=500):
        for volume in page.get("Volumes", []):
            tag_map = tags(volume.get("Tags"))
            volume_id = volume.get("VolumeId")
            attachments = volume.get("Attachments") or []
            yield _item(
                ctx,
                "ebs:volume",
                volume_id,
                f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account_id}:volume/{volume_id}",
                tag_map.get("Name"),
                volume.get("State"),
                {
                    "volume_type": volume.get("VolumeType"),
                    "size_gib": volume.get("Size"),
                    "iops": volume.get("Iops"),
                    "encrypted": volume.get("Encrypted"),
                    "availability_zone": volume.get("AvailabilityZone"),
                    "attached_to": attachments[0].get("InstanceId") if attachments else None,
                },
                tag_map,
            )


def _databases(ctx: Context, _: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("rds"), "describe_db_instances"):
        for db in page.get("DBInstances", []):
            yield _item(
                ctx,
                "rds:db",
                db.get("DBInstanceIdentifier"),
                db.get("DBInstanceArn"),
                db.get("DBInstanceIdentifier"),
                db.get("DBInstanceStatus"),
                {
                    "engine": db.get("Engine"),
                    "engine_version": db.get("EngineVersion"),
                    "instance_class": db.get("DBInstanceClass"),
                    "multi_az": db.get("MultiAZ"),
                    "allocated_storage_gib": db.get("AllocatedStorage"),
                    "storage_encrypted": db.get("StorageEncrypted"),
                    "cluster": db.get("DBClusterIdentifier"),
                },
                tags(db.get("TagList")),
            )


def _buckets(ctx: Context, tagged: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(
        ctx.client("s3"), "list_buckets", BucketRegion=ctx.region, MaxBuckets=1000
    ):
        for bucket in page.get("Buckets", []):
            name = bucket.get("Name")
            bucket_arn = bucket.get("BucketArn") or f"arn:{ctx.partition}:s3:::{name}"
            yield _item(
                ctx,
                "s3:bucket",
                name,
                bucket_arn,
                name,
                None,
                {"created_at": timestamp(bucket.get("CreationDate"))},
                tagged.get(bucket_arn, {}),
            )


def _load_balancers(ctx: Context, tagged: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("elbv2"), "describe_load_balancers"):
        for lb in page.get("LoadBalancers", []):
            lb_arn = lb.get("LoadBalancerArn") or ""
            yield _item(
                ctx,
                "elb:load-balancer",
                lb_arn.split(":loadbalancer/")[-1],
                lb_arn,
                lb.get("LoadBalancerName"),
                (lb.get("State") or {}).get("Code"),
                {
                    "type": lb.get("Type"),
                    "scheme": lb.get("Scheme"),
                    "vpc_id": lb.get("VpcId"),
                    "dns_name": lb.get("DNSName"),
                },
                tagged.get(lb_arn, {}),
            )


def _groups(ctx: Context, _: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("autoscaling"), "describe_auto_scaling_groups"):
        for group in page.get("AutoScalingGroups", []):
            yield _item(
                ctx,
                "autoscaling:group",
                group.get("AutoScalingGroupName"),
                group.get("AutoScalingGroupARN"),
                group.get("AutoScalingGroupName"),
                group.get("Status") or "active",
                {
                    "min_size": group.get("MinSize"),
                    "max_size": group.get("MaxSize"),
                    "desired_capacity": group.get("DesiredCapacity"),
                    "instances": len(group.get("Instances") or []),
                },
                tags(group.get("Tags")),
            )


def _functions(ctx: Context, tagged: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in ctx.pages(ctx.client("lambda"), "list_functions"):
        for function in page.get("Functions", []):
            function_arn = function.get("FunctionArn")
            yield _item(
                ctx,
                "lambda:function",
                function.get("FunctionName"),
                function_arn,
                function.get("FunctionName"),
                function.get("State"),
                {
                    "runtime": function.get("Runtime"),
                    "memory_mb": function.get("MemorySize"),
                    "timeout_s": function.get("Timeout"),
                    "architectures": ",".join(function.get("Architectures") or []),
                    "last_modified": timestamp(function.get("LastModified")),
                },
                tagged.get(function_arn or "", {}),
            )


TYPES: tuple[tuple[str, Callable[..., Iterator[dict[str, Any]]]], ...] = (
    ("ec2:instance", _instances),
    ("ec2:subnet", _subnets),
    ("ebs:volume", _volumes),
    ("rds:db", _databases),
    ("s3:bucket", _buckets),
    ("elb:load-balancer", _load_balancers),
    ("autoscaling:group", _groups),
    ("lambda:function", _functions),
)


def _tag_map(ctx: Context) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    try:
        pages = ctx.pages(
            ctx.client("resourcegroupstaggingapi"),
            "get_resources",
            ResourceTypeFilters=TAGGED_ELSEWHERE,
            ResourcesPerPage=100,
        )
        for page in pages:
            for mapping in page.get("ResourceTagMappingList", []):
                if mapping.get("ResourceARN"):
                    found[mapping["ResourceARN"]] = tags(mapping.get("Tags"))
    except ClientError as exc:
        ctx.warn(f"tags of S3, ELB and Lambda resources: {error_message(exc)}")
    return found


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    tagged = _tag_map(ctx)
    denied: list[ClientError] = []
    for kind, lister in TYPES:
        try:
            yield from (item for item in lister(ctx, tagged) if item is not None)
        except ClientError as exc:
            if error_code(exc) in SKIP_CODES:
                denied.append(exc)
            ctx.warn(f"{kind}: {error_message(exc)}")
    if len(denied) == len(TYPES):
        ctx.warnings.clear()
        raise denied[0]


COLLECTOR = Collector(
    name="resources",
    scope="regional",
    fetch=fetch,
    keys=("region", "resource_type", "resource_id"),
    services=("ec2", "rds", "s3", "elbv2", "autoscaling", "lambda", "resourcegroupstaggingapi"),
    iam_actions=(
        "autoscaling:DescribeAutoScalingGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeSubnets",
        "ec2:DescribeVolumes",
        "elasticloadbalancing:DescribeLoadBalancers",
        "lambda:ListFunctions",
        "rds:DescribeDBInstances",
        "s3:ListAllMyBuckets",
        "tag:GetResources",
    ),
    weight=6,
    description=(
        "EC2 instances and subnets, EBS volumes, RDS instances, S3 buckets, load balancers, "
        "Auto Scaling groups and Lambda functions with state, key attributes and tags. "
        "https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html"
    ),
)
