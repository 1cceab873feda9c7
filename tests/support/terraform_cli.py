"""The environment every test gives the terraform CLI: the offline provider mirror the Makefile
writes (build/terraformrc, when present), no prompts, no checkpoint calls to HashiCorp."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def terraform_env(**extra: str) -> dict[str, str]:
    """``os.environ`` plus the terraform settings, plus ``extra``."""
    env = dict(os.environ)
    rc = ROOT / "build" / "terraformrc"
    if rc.exists():
        env["TF_CLI_CONFIG_FILE"] = str(rc)
    env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", **extra)
    return env


def plan_of_test_run(directory: Path, data_dir: Path) -> dict[str, Any]:
    """The one JSON plan that ``terraform test -verbose`` prints for ``directory``'s single plan
    run (mocked provider: offline), with its own data dir; the lock file init writes is removed."""
    env = terraform_env(TF_DATA_DIR=str(data_dir))
    init = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color", "-lockfile=readonly"],
        cwd=directory, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if init.returncode != 0:  # no lock file is committed: let init write one in the data dir
        init = subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
            cwd=directory, env=env, capture_output=True, text=True,
        )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    tested = subprocess.run(
        ["terraform", "test", "-json", "-verbose", "-no-color"],
        cwd=directory, env=env, capture_output=True, text=True,
    )  # fmt: skip
    (directory / ".terraform.lock.hcl").unlink(missing_ok=True)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr
    plans = [
        json.loads(line)["test_plan"]
        for line in tested.stdout.splitlines()
        if line.startswith("{") and '"type":"test_plan"' in line
    ]
    assert len(plans) == 1, "expected exactly one plan run"
    return plans[0]
