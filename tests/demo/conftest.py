"""One `make demo` run shared by the demo's test modules (it takes about half a minute).

The demo runs as a subprocess, as `make demo` runs it, against this session's PostgreSQL; the
subprocess installs the same loopback-only network guard as the tests, so the run proves that
nothing in the demo reaches the network. Its database, ``observability_demo``, is dropped when
the session ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
DAYS, HISTORY_DAYS = 7, 30
GUARDED = (
    "import sys; from support import network_guard; network_guard.install(); "
    "from demo.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


@dataclass(frozen=True)
class DemoRun:
    returncode: int
    stdout: str
    stderr: str
    report: Path
    database_url: str
    seconds: float


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-c", GUARDED, *args]


def demo_environment(server_url: str) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "tests"), str(ROOT / "src")])
    return {**os.environ, "DATABASE_URL": server_url, "PYTHONPATH": path}


@pytest.fixture(scope="session")
def demo(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
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
    yield DemoRun(
        completed.returncode, completed.stdout, completed.stderr, report, database_url, seconds
    )
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS observability_demo WITH (FORCE)")
