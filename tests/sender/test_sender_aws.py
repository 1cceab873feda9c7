"""The shared client factory: adaptive retries, one client per service and region, call counts,
the endpoint from AWS_ENDPOINT_URL, region availability."""

from __future__ import annotations

import gc
import threading
import time
from datetime import UTC, datetime

import boto3

from sender.aws import Clients, _FifoLock, error_message, global_region, partition_of
from sender.collect import RunRequest, collect, select
from sender.intervals import Interval, latest_complete_window
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


def test_a_run_creates_the_clients_of_the_collectors_it_runs_and_no_other(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    clients = Clients()
    assert clients.created() == []  # nothing up front
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    window = latest_complete_window(Interval.DAILY, now.date())
    request = RunRequest(Interval.DAILY, window, True, tuple(select(["secrets"])), ("eu-west-1",))
    result = collect(request, clients, home_region="eu-west-1", account_id="123456789012", now=now)
    assert [o.status for o in result.outcomes] == ["ok"]
    assert clients.created() == [("secretsmanager", "eu-west-1")]
    request = RunRequest(
        Interval.DAILY, window, True, tuple(select(["secrets", "acm_certificates"])), ("eu-west-1",)
    )
    collect(request, clients, home_region="eu-west-1", account_id="123456789012", now=now)
    assert sorted(clients.created()) == [("acm", "eu-west-1"), ("secretsmanager", "eu-west-1")]


def test_the_session_lock_is_granted_in_the_order_it_was_asked_for():
    """Collectors ask for clients in the order they start (longest first): a cold run creates
    the longest task's clients first, not in whatever order the threads win a plain lock."""
    lock = _FifoLock()
    granted: list[int] = []

    def take(n: int) -> None:
        with lock:
            granted.append(n)

    threads = []
    with lock:
        for n in range(6):
            thread = threading.Thread(target=take, args=(n,))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 5
            while len(lock._waiting) <= n and time.monotonic() < deadline:  # queued behind us
                time.sleep(0.001)
    for thread in threads:
        thread.join()
    assert granted == [0, 1, 2, 3, 4, 5]


def test_a_client_is_created_with_the_garbage_collector_paused():
    collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    clients = Clients()
    clients.client("sts", "eu-west-1")  # the session and the configuration exist
    gc.callbacks.append(count)
    try:
        clients.client("ec2", "eu-west-1")  # ~100,000 objects: hundreds of collections unpaused
    finally:
        gc.callbacks.remove(count)
    assert len(collections) <= 1  # the one due when the collector resumes
    assert gc.isenabled()


def test_the_lambdas_clients_freeze_what_they_create(monkeypatch):
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # the real one would leak
    frozen: list[bool] = []
    Clients().client("sts", "eu-west-1")
    assert frozen == []
    Clients(freeze_gc=True).client("sts", "eu-west-1")
    assert frozen == [True]


def test_the_first_run_of_a_process_builds_the_validator_while_the_collectors_wait(
    moto_server, monkeypatch
):
    import sender.collect
    from contract import validate_document

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setattr(sender.collect, "_validator_ready", threading.Event())
    warmed: list[dict] = []
    monkeypatch.setattr(sender.collect, "validate_document", warmed.append)
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    window = latest_complete_window(Interval.DAILY, now.date())
    request = RunRequest(Interval.DAILY, window, True, tuple(select(["secrets"])), ("eu-west-1",))
    for _ in range(2):
        collect(request, Clients(), home_region="eu-west-1", account_id="123456789012", now=now)
        for thread in threading.enumerate():
            if thread.name == "validator-warm-up":
                thread.join(10)
    assert len(warmed) == 1  # once per process, in the background
    validate_document(warmed[0])  # an empty document of the run, valid
    assert warmed[0]["account_id"] == "123456789012" and warmed[0]["collectors"] == []
