"""Shared fixtures: a real PostgreSQL, the Data API double, a moto server, no network."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from labkit import data_api_double, pgcluster  # noqa: E402
from support import network_guard  # noqa: E402

# Before any AWS client exists: fake credentials, no profiles, no instance metadata, no network.
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_EC2_METADATA_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="AwsObservabilityTests",
    POWERTOOLS_SERVICE_NAME="tests",
    # a developer's .env (which may name real resources) never reaches the tests' CLIs
    OBSERVABILITY_NO_DOTENV="1",
)
network_guard.install()

# defined once, with the receiver fixtures that name them too
from support.receiver_fixtures import (  # noqa: E402
    CLUSTER_ARN,
    LOADER_SECRET_ARN,
    READER_SECRET_ARN,
    SECRET_ARN,
)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of a PostgreSQL server: ``$DATABASE_URL`` (make test sets it) or a throwaway one."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    with pgcluster.cluster() as url:
        yield url


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _create_database(server_url: str, template: str | None = None) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def _drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_dsn(server_url: str) -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = _create_database(server_url)
    try:
        yield _with_database(server_url, name)
    finally:
        _drop_database(server_url, name)


@pytest.fixture(scope="session")
def database_roles(server_url: str) -> Iterator[dict[str, Any]]:
    """Credentials of this session's migrator, loader and reader (roles are cluster-wide)."""
    import psycopg

    from receiver.db.roles import ROLE_KINDS, Credentials

    suffix = uuid.uuid4().hex[:8]
    roles = {
        kind: Credentials(f"obs_test_{suffix}_{kind}", uuid.uuid4().hex) for kind in ROLE_KINDS
    }
    yield roles
    with psycopg.connect(server_url, autocommit=True) as admin:
        for credentials in roles.values():
            # A database a crashed test left behind may still hold the role's objects.
            with contextlib.suppress(psycopg.Error):
                admin.execute(f"DROP ROLE IF EXISTS {credentials.username}")


@pytest.fixture(scope="session")
def migrated_template(server_url: str, database_roles: dict[str, Any]) -> Iterator[str]:
    """A database with every migration in ``sql/`` applied, copied by ``migrated_dsn``.

    Migrated as production does: the roles first, then the migrations and grants as the migrator,
    so the Data API double's loader and reader secrets sign in with production's privileges.
    """
    from receiver.db.psycopg_executor import PsycopgExecutor
    from receiver.migrations import migrate_with_roles

    name = _create_database(server_url)
    url = _with_database(server_url, name)
    migrator = urlsplit(url)._replace(
        netloc=f"{database_roles['migrator'].username}@{urlsplit(url).netloc.rsplit('@', 1)[-1]}"
    )
    executor = PsycopgExecutor(url)
    try:
        migrate_with_roles(
            executor, lambda: PsycopgExecutor(urlunsplit(migrator)), database_roles, ROOT / "sql"
        )
    finally:
        executor.close()
    try:
        yield name
    finally:
        _drop_database(server_url, name)


@pytest.fixture
def migrated_dsn(server_url: str, migrated_template: str) -> Iterator[str]:
    """A new database with every migration applied (a copy of the migrated template).

    When the test ends, the current-state pointers (sql/021) must agree with the read-time
    definitions they replaced (support.snapshot_pointers): a test that left them disagreeing
    fails in its teardown.
    """
    from support import cost_month_totals, run_collector_counts, security_posture, snapshot_pointers

    name = _create_database(server_url, template=migrated_template)
    url = _with_database(server_url, name)
    try:
        yield url
        disagreements = snapshot_pointers.check(url)
        if disagreements:
            pytest.fail(
                "snapshot_pointers disagree with the read-time definitions of current:\n"
                + "\n".join(disagreements)
            )
        disagreements = cost_month_totals.check(url)  # sql/026: the loader's cost totals
        if disagreements:
            pytest.fail("cost totals disagree with cost_daily summed:\n" + "\n".join(disagreements))
        disagreements = security_posture.check(url)  # sql/027: the daily posture table
        if disagreements:
            pytest.fail(
                "security_posture_daily disagrees with v_security_posture of sql/023:\n"
                + "\n".join(disagreements)
            )
        disagreements = run_collector_counts.check(url)  # sql/029: runs' collector counts
        if disagreements:
            pytest.fail("run counts disagree with collector_runs:\n" + "\n".join(disagreements))
    finally:
        _drop_database(server_url, name)


@pytest.fixture
def data_api(
    server_url: str, database_roles: dict[str, Any]
) -> Iterator[data_api_double.DataApiDouble]:
    """The Data API double, serving every ``rds-data`` client while the test runs.

    ``LOADER_SECRET_ARN`` and ``READER_SECRET_ARN`` sign in as the session's loader and reader
    (on databases copied from ``migrated_template``); any other secret as the server's user.
    """
    double = data_api_double.DataApiDouble(server_url)
    for arn, kind in ((LOADER_SECRET_ARN, "loader"), (READER_SECRET_ARN, "reader")):
        credentials = database_roles[kind]
        double.secrets[arn] = {"username": credentials.username, "password": credentials.password}
    data_api_double.install(double)
    try:
        yield double
    finally:
        data_api_double.uninstall(double)
        double.close()


@pytest.fixture
def data_api_executor(data_api, fresh_dsn: str):  # type: ignore[no-untyped-def]
    """A production ``DataApiExecutor`` whose calls the double runs on ``fresh_dsn``."""
    import boto3

    from receiver.db.data_api import CLIENT_CONFIG, DataApiExecutor

    database = urlsplit(fresh_dsn).path.lstrip("/")
    client = boto3.client("rds-data", region_name="eu-west-1", config=CLIENT_CONFIG)
    return DataApiExecutor(
        cluster_arn=CLUSTER_ARN,
        secret_arn=SECRET_ARN,
        database=database,
        client=client,
        sleep=lambda _: None,
    )


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on loopback; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def work_unit(nodeid: str) -> str:
    """The pytest-xdist work unit of a test (``make test`` runs ``-n auto --dist loadfile``).

    Its file, so a file's module-scoped fixtures (terraform suites, the moto deployment) are
    built once, on one worker; but all of tests/demo (its files share the session's demo run
    and its ``observability_demo`` database) and the scale tool's tests (they capture the same
    template cache, build/scale/templates) are one unit each.
    """
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/demo/"):
        return "tests/demo"
    if path.startswith("tests/project/test_scale_"):
        return "tests/project/test_scale_*"
    return path


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with ``work_unit``'s units. (pytest-xdist's own ``loadgroup`` marks
    have no effect with pytest 9: the group suffix it writes into a node id is not read back.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return Groups(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest units (terraform, the demo) first, so no worker starts one when the others
    are done (the sort is stable: each file's tests stay together and in order)."""
    first = ("tests/terraform/", "tests/demo")
    items.sort(key=lambda item: not work_unit(item.nodeid).startswith(first))
