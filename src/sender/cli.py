"""Operator command line: ``python -m sender <command>``.

``collect`` runs the same code as the Lambda with the current credentials (and
``AWS_ENDPOINT_URL``, e.g. an emulator) and writes the document to a file instead of uploading it
(gzip when the name ends in ``.gz``), then prints each collector's status, items and duration.
``iam-actions`` prints the IAM actions each collector calls, as JSON (Terraform consumes it).
``collectors`` lists the collectors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3

from contract import ContractError
from observability import local_env
from sender.aws import Clients
from sender.collect import RunResult, collect, parse_request
from sender.collectors import REGISTRY, iam_actions
from sender.intervals import Interval
from sender.settings import (
    ConfigurationError,
    Settings,
    parse_account_labels,
    parse_collectors,
    parse_cost_mode,
    parse_cost_tag_keys,
    parse_regions,
)
from sender.upload import encode


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    local_env.load()  # .env in the working directory (local development), REGION
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m sender", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("collect", help="run a collection and write the document to a file")
    run.add_argument("--out", required=True, type=Path, help="output file (.json or .json.gz)")
    run.add_argument("--interval", default="DAILY", choices=[i.value for i in Interval])
    run.add_argument("--date", help="a day (YYYY-MM-DD) of a past window to collect")
    run.add_argument(
        "--regions", help="comma-separated regions (default: SENDER_REGIONS or the home region)"
    )
    run.add_argument("--collectors", help="comma-separated collector names (default: all)")
    run.add_argument("--region", help="home region for STS and the default of --regions")
    run.add_argument("--workers", type=int, help="collectors running at once (default 16)")
    run.add_argument("--timeout", type=float, help="time budget per collector, seconds")

    commands.add_parser("iam-actions", help="print the IAM actions each collector declares (JSON)")
    commands.add_parser("collectors", help="list the collectors")

    args = parser.parse_args(argv)
    if args.command == "iam-actions":
        json.dump({"collectors": iam_actions()}, out, indent=2, sort_keys=True)
        out.write("\n")
        return 0
    if args.command == "collectors":
        for name, c in REGISTRY.items():
            history = "history" if c.supports_history else ""
            out.write(f"{name:24} {c.scope:16} {history:8} {c.description.split('. ')[0]}\n")
        return 0
    try:
        return _collect(args, out)
    except (ConfigurationError, ContractError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _collect(args: argparse.Namespace, out: TextIO) -> int:
    session = boto3.Session()
    home = args.region or os.environ.get("REGION") or session.region_name or "us-east-1"
    regions = (
        args.regions
        or os.environ.get("SENDER_REGIONS")
        or (args.region or session.region_name or home)
    )
    settings = Settings(
        region=parse_regions(home, "--region")[0],
        regions=parse_regions(regions, "--regions"),
        collectors=parse_collectors(args.collectors or os.environ.get("SENDER_COLLECTORS", "")),
        cost_mode=parse_cost_mode(os.environ.get("SENDER_COST_MODE", "")),
        cost_tag_keys=parse_cost_tag_keys(os.environ.get("SENDER_COST_TAG_KEYS", "")),
        account_labels=parse_account_labels(os.environ.get("SENDER_ACCOUNT_LABELS", "")),
    )
    event = {"interval": args.interval, **({"date": args.date} if args.date else {})}
    now = datetime.now(UTC)
    request = parse_request(event, settings, now)
    result = collect(
        request,
        Clients(session),
        home_region=settings.region,
        now=now,
        max_workers=args.workers or settings.max_workers,
        budget=args.timeout or settings.collector_timeout,
        cost_mode=settings.cost_mode,
        cost_tag_keys=settings.cost_tag_keys,
        account_labels=settings.account_labels,
    )
    size = _write(args.out, result.document)
    _print_table(result, out)
    out.write(
        f"{sum(result.api_calls.values())} API calls ({result.cost_explorer_calls} Cost Explorer) "
        f"in {result.duration_ms / 1000:.1f} s; {args.out} ({size} bytes)\n"
    )
    return 0


def _write(path: Path, document: dict[str, Any]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        data = encode(document).body
    else:
        data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    path.write_bytes(data)
    return len(data)


def _print_table(result: RunResult, out: TextIO) -> None:
    rows = [("collector", "region", "status", "items", "duration", "error")]
    for entry in result.document["collectors"]:
        error = (entry["error"] or "").replace("\n", " ")
        rows.append(
            (
                entry["name"],
                entry["region"] or "-",
                entry["status"],
                str(entry["item_count"] or 0),
                f"{entry['duration_ms'] or 0} ms",
                error[:80] + ("…" if len(error) > 80 else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        cells = [
            row[0].ljust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].ljust(widths[2]),
            row[3].rjust(widths[3]),
            row[4].rjust(widths[4]),
            row[5],
        ]
        out.write("  ".join(cells).rstrip() + "\n")
