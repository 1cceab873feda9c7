"""One `make demo` run shared by the demo's test modules (it takes about half a minute).

The demo runs as a subprocess, as `make demo` runs it, against this session's PostgreSQL; the
subprocess installs the same loopback-only network guard as the tests, so the run proves that
nothing in the demo reaches the network. Its database, ``observability_demo``, is dropped when
the session ends.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from support import snapshot_pointers
from support.demo_run import DAYS, HISTORY_DAYS, ROOT, DemoRun, demo_command, demo_environment


@pytest.fixture(scope="session")
def demo(
    request: pytest.FixtureRequest, server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoRun]:
    report = tmp_path_factory.mktemp("demo") / "report.html"
    started = time.monotonic()
    completed = subprocess.run(
        demo_command(
            "--out", str(report), "--days", str(DAYS), "--history-days", str(HISTORY_DAYS)
        ),
        env=demo_environment(server_url),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    seconds = time.monotonic() - started
    database_url = urlunsplit(urlsplit(server_url)._replace(path="/observability_demo"))
    if completed.returncode == 0:  # before another test runs the demo again on that database
        request.config.stash[snapshot_pointers.DEMO_CHECK] = snapshot_pointers.summary(database_url)
    yield DemoRun(
        completed.returncode, completed.stdout, completed.stderr, report, database_url, seconds
    )
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS observability_demo WITH (FORCE)")
