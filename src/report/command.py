"""The report's command line: ``python -m report`` (also ``python -m receiver report``).

``main`` parses the arguments, connects through ``receiver.db`` (the database options of every
operator command: a libpq URL, or an Aurora cluster through the Data API with the reader's
secret), writes the page and prints its summary. The receiver's command line hands ``report``
over to ``main`` with its own program name.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from observability import local_env
from receiver.db import DatabaseError, Executor
from receiver.db.arguments import add_database_arguments, connect_from_arguments
from report import DEFAULT_TITLE, GroupBy, build_report
from report.sections.cost import COST_BASES

DESCRIPTION = "Write one self-contained HTML report built from the SQL views."


def main(argv: Sequence[str] | None = None, prog: str = "python -m report") -> int:
    local_env.load()  # .env in the working directory (local development), REGION
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    add_database_arguments(
        parser,
        secret_help="Secrets Manager ARN of the reader's database credentials (the analytics "
        "module's reader_secret_arn output: SELECT on the views, all the report needs)",
    )
    add_report_arguments(parser)
    args = parser.parse_args(argv)
    try:
        executor = connect_from_arguments(parser, args)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        return write_report(executor, args)
    finally:
        executor.close()


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if not 1 <= value <= 3660:
        raise argparse.ArgumentTypeError("days must be between 1 and 3660")
    return value


def _group_by(text: str) -> GroupBy:
    try:
        return GroupBy.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument(
        "--days",
        type=_days,
        default=30,
        help="days shown, ending on the latest day with data in the database (default 30)",
    )
    parser.add_argument("--title", default=DEFAULT_TITLE, help=f"default: {DEFAULT_TITLE!r}")
    parser.add_argument(
        "--group-by",
        type=_group_by,
        default=GroupBy(),
        metavar="ou|tag:KEY|label:KEY",
        help="group cost and findings by OU path (default), by an account tag's value or by an "
        "account label's value (the roster's tag of that key, else the sender's label)",
    )
    parser.add_argument(
        "--cost-basis",
        choices=COST_BASES,
        default="amortized",
        help="cost that drives totals and charts (default amortized: commitment fees spread "
        "over the days and accounts that use them; unblended: fees on the 1st, on the buyer); "
        "the totals show the other one alongside",
    )


def write_report(executor: Executor, args: argparse.Namespace) -> int:
    try:
        report = build_report(
            executor,
            days=args.days,
            title=args.title,
            group_by=args.group_by,
            cost_basis=args.cost_basis,
        )
    except DatabaseError as exc:
        print(f"error: cannot read the report's data: {exc}", file=sys.stderr)
        return 1
    out: Path = args.out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.html, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    print(report.summary())
    return 0
