"""Terraform: every module and example validates, its `terraform test` suite passes (plans
against a mocked AWS provider, offline through the provider mirror when the machine has one), and
its README lists every input and output.

All suites start together and each test waits for its own, so the slow provider loads overlap.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.terraform_cli import terraform_env

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["modules/analytics", "modules/sender", "modules/organization", "modules/dashboards"]
# resource-free submodules: README tables checked, validated through their parent modules
SUBMODULES = ["modules/sender/spec", "modules/organization/template"]
EXAMPLES = sorted(str(path.parent.relative_to(ROOT)) for path in ROOT.glob("examples/**/main.tf"))
# directory -> extra arguments of `terraform test`
SUITES = {
    **{module: [] for module in MODULES},
    ".": ["-test-directory=tests/terraform_unit"],
    **{example: [] for example in EXAMPLES},
}

pytestmark = pytest.mark.terraform

if shutil.which("terraform") is None:  # pragma: no cover - CI and the README require it
    pytest.skip("terraform is not installed (see README prerequisites)", allow_module_level=True)


@pytest.fixture(scope="module")
def suites() -> dict[str, subprocess.Popen]:
    script = (
        "set -e; terraform init -backend=false -input=false -no-color >/dev/null; "
        'terraform validate -no-color; terraform test -no-color "$@"'
    )
    processes = {
        directory: subprocess.Popen(
            ["bash", "-c", script, "terraform", *arguments],
            cwd=ROOT / directory,
            env=terraform_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for directory, arguments in SUITES.items()
    }
    yield processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("directory", list(SUITES))
def test_validates_and_terraform_test_passes(suites, directory):
    output, _ = suites[directory].communicate(timeout=900)
    assert suites[directory].returncode == 0, output
    assert "Success! The configuration is valid." in output
    summary = [line for line in output.splitlines() if line.startswith("Success!")][-1]
    assert "passed, 0 failed" in summary, output


def test_every_example_and_module_has_a_suite():
    assert len(EXAMPLES) >= 4
    for directory in [*MODULES, *EXAMPLES]:
        tests = list((ROOT / directory / "tests").glob("*.tftest.hcl"))
        assert tests, f"{directory} has no terraform test"


def test_readmes_list_every_input_and_output():
    completed = subprocess.run(
        [sys.executable, "scripts/tfdocs.py", "--check", *MODULES, *SUBMODULES, ".", *EXAMPLES],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_formatting():
    completed = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout
