"""How the tests run `make demo`: as a subprocess under the loopback-only network guard.

The shared run itself is the session fixture ``demo`` in tests/demo/conftest.py; a test that
needs its own run (interrupting one, for example) builds it from ``demo_command`` and
``demo_environment``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

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
