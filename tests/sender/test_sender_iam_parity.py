"""The sender module's IAM policy grants exactly the actions the collectors declare.

``modules/sender`` builds its policy from ``collector-actions.json``; this test keeps that file
equal to the declarations in ``src/sender/collectors`` (regenerate it with
````python -m sender iam-actions``, keeping its ``$comment``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_module_actions_equal_collector_declarations():
    exported = subprocess.run(
        [sys.executable, "-m", "sender", "iam-actions"], capture_output=True, text=True, check=True
    )
    declared = json.loads(exported.stdout)
    granted = json.loads((ROOT / "modules/sender/collector-actions.json").read_text())
    assert granted["collectors"] == declared["collectors"]


def test_policy_is_built_from_the_json_file():
    """modules/sender and the StackSet template both take their actions from ``spec``."""
    spec = (ROOT / "modules/sender/spec/main.tf").read_text()
    assert 'file("${path.module}/../collector-actions.json")' in spec
    for consumer in ("modules/sender/main.tf", "modules/organization/template/main.tf"):
        text = (ROOT / consumer).read_text()
        assert '/spec"' in text and "collector-actions.json" not in text, consumer


def test_no_write_or_secret_reading_actions():
    granted = json.loads((ROOT / "modules/sender/collector-actions.json").read_text())
    actions = {a for actions in granted["collectors"].values() for a in actions}
    assert "secretsmanager:GetSecretValue" not in actions
    verbs = ("Put", "Delete", "Create", "Update", "Modify", "Terminate", "Attach")
    assert [a for a in actions if a.split(":")[1].startswith(verbs)] == []
