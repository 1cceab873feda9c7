"""The command line of ``make dashboards``: write (or ``--check``) module inputs and requests.

Requests go to ``build/dashboards``: ``datasets/<key>.json`` (CreateDataSet),
``refresh/<key>.properties.json`` (PutDataSetRefreshProperties, history datasets),
``refresh/<schedule id>.json`` (CreateRefreshSchedule) and ``dashboard.json`` (CreateDashboard).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dashboards.datasets import DATASETS
from dashboards.requests import (
    Target,
    dashboard_request,
    dataset_request,
    module_datasets,
    module_definition,
    refresh_properties_request,
    refresh_schedule_requests,
)

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "modules" / "dashboards"
OUT = ROOT / "build" / "dashboards"
MODULE_FILES = {"datasets.json": module_datasets, "dashboard-definition.json": module_definition}
NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def render(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _name(text: str) -> str:
    if not NAME.match(text):
        raise argparse.ArgumentTypeError(
            "lower-case letters, digits and hyphens, starting with a letter, at most 41"
        )
    return text


def _account(text: str) -> str:
    if not re.fullmatch(r"\d{12}", text):
        raise argparse.ArgumentTypeError("an AWS account id: 12 digits")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the module files are stale")
    parser.add_argument("--module", type=Path, default=MODULE, help=f"default: {MODULE}")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    parser.add_argument("--account-id", type=_account, default=Target.account_id)
    parser.add_argument("--region", default=Target.region)
    parser.add_argument("--name", type=_name, default=Target.name, help="the module's name input")
    parser.add_argument("--data-source-arn", default="")
    for access in ("reader", "author", "owner"):
        parser.add_argument(
            f"--{access}",
            action="append",
            default=[],
            metavar="ARN",
            help=f"a QuickSight user or group ARN with {access} access (repeatable)",
        )
    args = parser.parse_args(argv)

    stale = []
    for file_name, build in MODULE_FILES.items():
        path = args.module / file_name
        text = render(build())
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check:
        if stale:
            print("stale, run `make dashboards`: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{args.module}: datasets.json and dashboard-definition.json are current")
        return 0

    target = Target(
        account_id=args.account_id,
        region=args.region,
        name=args.name,
        data_source_arn=args.data_source_arn,
        principals=tuple(
            (arn, access)
            for access in ("reader", "author", "owner")
            for arn in getattr(args, access)
        ),
    )
    datasets_dir = args.out / "datasets"
    datasets_dir.mkdir(parents=True, exist_ok=True)
    for old in datasets_dir.glob("*.json"):
        old.unlink()
    for dataset in DATASETS:
        (datasets_dir / f"{dataset.key}.json").write_text(
            render(dataset_request(dataset, target)), encoding="utf-8"
        )
    refresh_dir = args.out / "refresh"
    refresh_dir.mkdir(parents=True, exist_ok=True)
    for old in refresh_dir.glob("*.json"):
        old.unlink()
    for dataset in DATASETS:
        properties = refresh_properties_request(dataset, target)
        if properties is not None:
            (refresh_dir / f"{dataset.key}.properties.json").write_text(
                render(properties), encoding="utf-8"
            )
        for body in refresh_schedule_requests(dataset, target):
            (refresh_dir / f"{body['Schedule']['ScheduleId']}.json").write_text(
                render(body), encoding="utf-8"
            )
    (args.out / "dashboard.json").write_text(render(dashboard_request(target)), encoding="utf-8")
    print(
        f"wrote {args.out}/dashboard.json, {len(DATASETS)} requests in {datasets_dir} and "
        f"the refresh properties and schedules in {refresh_dir}"
    )
    return 0
