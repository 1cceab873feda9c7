"""The test harness itself: no network, a real PostgreSQL, a moto server on loopback."""

from __future__ import annotations

import socket

import boto3
import psycopg
import pytest
from botocore.config import Config
from botocore.exceptions import HTTPClientError

from support.network_guard import NetworkBlocked


def test_connections_outside_loopback_are_refused():
    with socket.socket() as sock, pytest.raises(NetworkBlocked, match="only loopback"):
        sock.connect(("8.8.8.8", 53))
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(("2001:4860:4860::8888", 53, 0, 0))


def test_aws_calls_without_an_endpoint_cannot_reach_aws():
    client = boto3.client("sts", config=Config(retries={"max_attempts": 1}))
    # botocore wraps the guard's exception; its message names the refused host.
    with pytest.raises(HTTPClientError, match=r"may not resolve 'sts\.eu-west-1\.amazonaws\.com'"):
        client.get_caller_identity()


def test_name_lookups_outside_loopback_are_refused():
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("pypi.org", 443)
    assert socket.getaddrinfo("localhost", 80)


def test_loopback_is_allowed(moto_server):
    client = boto3.client("sts", endpoint_url=moto_server)
    assert client.get_caller_identity()["Account"] == "123456789012"


def test_postgres_is_real(fresh_dsn):
    with psycopg.connect(fresh_dsn) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
    assert int(version) >= 150000
