"""The command-line options that choose a database, for every operator command.

``python -m receiver`` (migrate, load, roster) and ``python -m report`` take the same four
options and read the same environment when none is given; only the secret each command needs
differs, so the caller words that option's help.
"""

from __future__ import annotations

import argparse
import os

from receiver.db import Executor, connect


def add_database_arguments(parser: argparse.ArgumentParser, secret_help: str) -> None:
    group = parser.add_argument_group(
        "database (a URL, or an Aurora cluster via the Data API); without these options: "
        "DATABASE_URL, else AURORA_CLUSTER_ARN, AURORA_SECRET_ARN and DB_NAME (also from .env)"
    )
    group.add_argument("--database-url", help="libpq URL, e.g. postgresql://user@host/db")
    group.add_argument("--cluster-arn", help="Aurora cluster ARN (Data API)")
    group.add_argument("--secret-arn", help=secret_help)
    group.add_argument("--database", help="database name (Data API; default DB_NAME, else core)")


def connect_from_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Executor:
    """The executor the options name; the environment counts only when no option is given.

    Raises ``DatabaseError`` when the database cannot be reached; an incomplete choice (a
    cluster without a secret) is a usage error (``parser.error``).
    """
    try:
        given = args.database_url or args.cluster_arn or args.secret_arn
        env = {} if given else os.environ  # options on the command line win over the environment
        return connect(
            database_url=args.database_url or env.get("DATABASE_URL") or None,
            cluster_arn=args.cluster_arn or env.get("AURORA_CLUSTER_ARN") or None,
            secret_arn=args.secret_arn or env.get("AURORA_SECRET_ARN") or None,
            database=args.database or os.environ.get("DB_NAME") or "core",
        )
    except ValueError as exc:
        parser.error(str(exc))
