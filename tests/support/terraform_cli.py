"""The environment every test gives the terraform CLI: the offline provider mirror the Makefile
writes (build/terraformrc, when present), no prompts, no checkpoint calls to HashiCorp."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def terraform_env(**extra: str) -> dict[str, str]:
    """``os.environ`` plus the terraform settings, plus ``extra``."""
    env = dict(os.environ)
    rc = ROOT / "build" / "terraformrc"
    if rc.exists():
        env["TF_CLI_CONFIG_FILE"] = str(rc)
    env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", **extra)
    return env
