"""The repository's promises to a new user: the commands the README names exist and CI runs them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    named = set(re.findall(r"`make (\w+)", readme))
    assert named <= phony_targets()


def test_placeholder_targets_say_what_they_will_do():
    for target in ("demo",):
        shown = subprocess.run(["make", "-s", target], cwd=ROOT, capture_output=True, text=True)
        assert shown.returncode == 0
        assert f"make {target} will" in shown.stdout
