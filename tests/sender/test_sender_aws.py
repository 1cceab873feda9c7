"""The shared client factory: adaptive retries, one client per service and region, call counts,
the endpoint from AWS_ENDPOINT_URL, region availability."""

from __future__ import annotations

import threading

import boto3

from sender.aws import Clients, error_message, global_region, partition_of
from support.sender_fixtures import throttle_first


def test_clients_are_cached_per_service_and_region_and_retry_adaptively():
    clients = Clients()
    first = clients.client("kms", "eu-west-1")
    assert clients.client("kms", "eu-west-1") is first
    assert clients.client("kms", "us-east-1") is not first
    assert first.meta.config.retries["mode"] == "adaptive"
    assert first.meta.config.retries["total_max_attempts"] == 9  # 8 retries
    assert first.meta.region_name == "eu-west-1"


def test_creation_is_thread_safe():
    clients = Clients()
    seen = []
    threads = [
        threading.Thread(target=lambda: seen.append(clients.client("sts", "eu-west-1")))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1


def test_aws_endpoint_url_is_honoured_and_calls_are_counted(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    clients = Clients()
    sts = clients.client("sts", "eu-west-1")
    assert sts.meta.endpoint_url == moto_server
    assert sts.get_caller_identity()["Account"] == "123456789012"
    throttled = throttle_first(sts, times=1, code="Throttling")
    sts.get_caller_identity()
    assert throttled == ["GetCallerIdentity"]
    assert clients.calls[("sts", "GetCallerIdentity")] == 2  # calls, not HTTP attempts
    assert clients.api_calls() == 2 and clients.calls_for("sts") == 2
    assert clients.available("guardduty", "eu-west-1")  # an emulator serves every region


def test_region_availability_comes_from_botocore():
    clients = Clients(boto3.Session())
    assert clients.available("securityhub", "eu-west-1")
    assert not clients.available("securityhub", "eu-nowhere-9")


def test_partitions_and_global_regions():
    assert (partition_of("cn-north-1"), global_region("cn-north-1")) == ("aws-cn", "cn-northwest-1")
    assert global_region("us-gov-east-1") == "us-gov-west-1"
    assert global_region("ap-southeast-1") == "us-east-1"


def test_error_messages_name_code_and_operation():
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListBuckets")
    assert error_message(error) == "AccessDenied (ListBuckets): no"
    assert error_message(ValueError("x")) == "ValueError: x"
