#!/usr/bin/env python3
"""Write what the collector declarations decide, so nobody copies it by hand.

    python3 scripts/collectors.py          # rewrite both files
    python3 scripts/collectors.py --check  # exit 1, naming the stale file

- ``modules/sender/collector-actions.json``: the IAM actions each collector declares
  (``iam_actions`` in ``src/sender/collectors/*.py``); Terraform grants the union for the
  enabled collectors. ``python -m sender iam-actions`` prints the same mapping.
- The README's collector table, between ``<!-- BEGIN_COLLECTORS -->`` and
  ``<!-- END_COLLECTORS -->``: name, where it runs, whether it backfills history, and the
  collector's description without its API link.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing the project

from sender.collectors import REGISTRY, iam_actions  # noqa: E402

ACTIONS = ROOT / "modules" / "sender" / "collector-actions.json"
README = ROOT / "README.md"
BEGIN = "<!-- BEGIN_COLLECTORS -->"
END = "<!-- END_COLLECTORS -->"
HEADER = "| collector | runs per | history | what it collects |\n|---|---|---|---|"
RUNS_PER = {"global": "account", "regional": "region", "regional+global": "region; CloudFront once"}
# what the global task of a regional+global collector reads, when not CloudFront's web ACLs
GLOBAL_PART = {"commitment_inventory": "region; Savings Plans once"}
COMMENT = (
    "Read-only IAM actions each sender collector needs, keyed by collector name (the data section "
    "it fills, see docs/data-model.md). modules/sender grants the union for the enabled "
    "collectors. Generated from the iam_actions declared by src/sender/collectors/*.py by "
    "scripts/collectors.py (never edit by hand); tests/sender/test_sender_iam_parity.py keeps "
    "the two equal. Never add secretsmanager:GetSecretValue or any write action."
)


def actions_json() -> str:
    return json.dumps({"$comment": COMMENT, "collectors": iam_actions()}, indent=2) + "\n"


def readme_table() -> str:
    rows = [HEADER]
    for name, collector in REGISTRY.items():
        text = collector.description.split(" https://", 1)[0].rstrip(".")
        history = "yes" if collector.supports_history else ""
        runs_per = GLOBAL_PART.get(name, RUNS_PER[collector.scope])
        rows.append(f"| `{name}` | {runs_per} | {history} | {text} |")
    return "\n".join(rows)


def readme(current: str) -> str:
    head, found, rest = current.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"{README}: the markers {BEGIN} and {END} are missing")
    return f"{head}{BEGIN}\n{readme_table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    wanted = {ACTIONS: actions_json(), README: readme(README.read_text(encoding="utf-8"))}
    stale = [path for path, text in wanted.items() if path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python3 scripts/collectors.py")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
