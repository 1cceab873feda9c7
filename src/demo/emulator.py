"""The local stand-ins for AWS: a moto server in its own process, and the environment pointing
every boto3 client of the demo at it.

`emulated_aws` starts ``python -m demo.emulator`` (moto on a free loopback port, in a separate
process so that it runs on another core than the sender and receiver), sets fake credentials and
``AWS_ENDPOINT_URL``, and on exit stops the server and restores the environment, also when the
demo is interrupted; the server also exits by itself when the demo's process goes away (it
watches its stdin). Nothing can reach real AWS: the credentials are fake and every endpoint is
the loopback server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.session

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_SESSION_TOKEN": "demo",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # the Lambda code runs in this process: quiet logs, no metrics or traces to flush
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "AwsObservabilityDemo",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
_LOADER: Any = None
_LOADER_LOCK = threading.Lock()


def session(**kwargs: Any) -> boto3.Session:
    """A boto3 session whose botocore data loader (service models, paginators, endpoints) is
    shared with every other demo session. Each account has its own sessions, and each new loader
    would parse the same JSON models again: megabytes per service, seconds of CPU per account.
    (A Lambda container has one session, so production code never needs this.)"""
    global _LOADER
    core = botocore.session.get_session()
    with _LOADER_LOCK:
        if _LOADER is None:
            _LOADER = core.get_component("data_loader")
        else:
            core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, **kwargs)


@contextmanager
def environment(values: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables; restore the previous values on exit."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def emulated_aws() -> Iterator[str]:
    """Start moto, set the environment; yield the endpoint URL; undo everything on exit."""
    with environment({**ENVIRONMENT, "AWS_PROFILE": None}):
        server = subprocess.Popen(
            [sys.executable, "-m", "demo.emulator"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            ready = server.stdout.readline().strip()  # "listening on http://127.0.0.1:PORT"
            if not ready.startswith("listening on "):
                raise RuntimeError(f"the moto server did not start (exit code {server.poll()})")
            endpoint = ready.removeprefix("listening on ")
            with environment({"AWS_ENDPOINT_URL": endpoint}):
                yield endpoint
        finally:
            if server.stdin:
                server.stdin.close()
            server.terminate()  # moto keeps nothing worth a graceful shutdown
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _notify_in_the_bucket_owners_account() -> None:
    """moto 5.2 sends a bucket's event notifications from the account that wrote the object, so
    a member account's upload to the central bucket never reaches the analytics account's queue
    (AWS delivers to the queue the notification's ARN names). Send them from the bucket owner's
    account instead, which is where the demo's queue is, like the module deploys it."""
    from moto.s3 import notifications

    original = notifications.send_event

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        original(getattr(bucket, "account_id", account_id), event_name, bucket, key)

    notifications.send_event = send_event


def serve() -> None:
    """The server process: moto on a free loopback port until stdin closes."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _notify_in_the_bucket_owners_account()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        sys.stdin.read()  # returns when the demo closes the pipe or exits
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    serve()
