"""``python -m receiver roster``: refresh the organization roster by hand and print who is silent.

Without ``--role-arn`` the caller's own credentials read Organizations (run it in the management
account or a delegated administrator); with it, the command assumes the roster role as the
scheduled function does. Exit status: 0 when the roster was refreshed (silent accounts are
printed, not an error), 1 when the role cannot be assumed or the database refuses.
"""

from __future__ import annotations

import argparse
import sys

from botocore.exceptions import BotoCoreError, ClientError

from receiver.db import DatabaseError, Executor
from receiver.roster import (
    DEFAULT_SILENT_AFTER_HOURS,
    RefreshResult,
    RosterAccessError,
    organizations_client,
    refresh,
)


def _hours(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of hours: {text!r}") from None
    if not 1 <= value <= 24 * 90:
        raise argparse.ArgumentTypeError("hours must be between 1 and 2160")
    return value


def add_roster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role-arn",
        help="roster role to assume (modules/organization creates it); default: your own "
        "credentials",
    )
    parser.add_argument("--external-id", help="external id the roster role requires, if any")
    parser.add_argument(
        "--silent-after-hours",
        type=_hours,
        default=DEFAULT_SILENT_AFTER_HOURS,
        help=f"an account is silent after this many hours without a report "
        f"(default {DEFAULT_SILENT_AFTER_HOURS})",
    )
    parser.add_argument("--region", help="region of the AWS clients (default: your configuration)")


def refresh_roster(executor: Executor, args: argparse.Namespace) -> int:
    try:
        client = organizations_client(args.role_arn, args.external_id, region=args.region)
        result = refresh(executor, client, silent_after_hours=args.silent_after_hours)
    except RosterAccessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as exc:
        print(f"error: cannot read the organization: {exc}", file=sys.stderr)
        return 1
    except DatabaseError as exc:
        print(f"error: cannot store the roster: {exc}", file=sys.stderr)
        return 1
    print(render(result))
    return 0


def render(result: RefreshResult) -> str:
    summary = result.summary()
    lines = [
        f"roster refreshed: {result.accounts} accounts in the organization, "
        f"{result.active} ACTIVE, {result.expected} expected to report, {result.removed} "
        "removed since the last refresh",
        f"expected vs reporting: {summary['reporting']} of {result.expected} reporting, "
        f"{summary['silent']} silent, {summary['never_reported']} never reported",
    ]
    for account in result.silent:
        last = (
            f"last report {account.last_report_at:%Y-%m-%d %H:%M} UTC "
            f"({account.hours_since_report:.0f} h ago)"
            if account.last_report_at and account.hours_since_report is not None
            else "no report ever"
        )
        lines.append(
            f"  {account.status:<14} {account.name or '':<24} {account.account_id}  "
            f"{account.ou_path or ''}  {last}"
        )
    return "\n".join(lines)
