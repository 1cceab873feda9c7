"""The repository's promises to a new user: the commands the README names exist and CI runs them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def phony_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    (line,) = [line for line in makefile.splitlines() if line.startswith(".PHONY:")]
    return set(line.removeprefix(".PHONY:").split())


def test_make_help_lists_every_target():
    shown = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    listed = set(re.findall(r"^\s+make (\S+)", shown.stdout, flags=re.MULTILINE))
    assert listed == phony_targets()


def test_readme_opens_with_demo_and_test_and_ci_runs_its_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, flags=re.DOTALL).group(1)
    assert [line.split()[:2] for line in first_block.strip().splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.findall(r"^make \S+$", ci, flags=re.MULTILINE) == ["make lint", "make test"]


def test_every_make_target_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"`make ([\w-]+)", readme))  # stackset-template too
    assert "stackset-template" in named
    assert named <= phony_targets()


def test_make_demo_runs_the_demo_under_a_throwaway_postgresql():
    """`make demo` itself is exercised end to end by tests/demo/test_demo.py; here: what it runs."""
    shown = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "demo"], cwd=ROOT, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "tests/support/pgcluster.py run -- .venv/bin/python -m demo --out report.html" in (
        shown.stdout
    )
