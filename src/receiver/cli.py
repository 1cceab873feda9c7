"""Operator command line: ``python -m receiver <command>``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from observability import local_env
from receiver.db import DatabaseError, Executor, connect
from receiver.file_commands import add_load_arguments, add_replay_arguments, load_files, replay
from receiver.migrations import MigrationError, migrate
from receiver.report.command import add_report_arguments, write_report
from receiver.roster_command import add_roster_arguments, refresh_roster
from receiver.settings import ConfigurationError, DatabaseRoleSettings


def main(argv: Sequence[str] | None = None) -> int:
    local_env.load()  # .env in the working directory (local development), REGION
    parser = argparse.ArgumentParser(prog="python -m receiver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate_cmd = commands.add_parser("migrate", help="apply the SQL migrations in order")
    _add_database_options(migrate_cmd)
    migrate_cmd.add_argument("--sql-dir", type=Path, help="default: the packaged sql/ directory")
    migrate_cmd.add_argument(
        "--database-roles",
        default=os.environ.get("DATABASE_ROLES") or None,
        help="JSON of the migrator, loader and reader user names and secret ARNs (the migration "
        "function's DATABASE_ROLES, the default): with the master secret as --secret-arn, create "
        "the roles, migrate as the migrator and re-grant, as the migration function does. Needed "
        "on a deployed cluster, or new tables belong to the master and the loader cannot use them",
    )

    load_cmd = commands.add_parser(
        "load", help="load sender files (local paths or s3:// URIs) through the receiver's code"
    )
    _add_database_options(load_cmd)
    add_load_arguments(load_cmd)

    replay_cmd = commands.add_parser(
        "replay-failed", help="move files from failed/ back to data/ so they load again"
    )
    add_replay_arguments(replay_cmd)

    report_cmd = commands.add_parser(
        "report", help="write one self-contained HTML report built from the SQL views"
    )
    _add_database_options(report_cmd)
    add_report_arguments(report_cmd)

    roster_cmd = commands.add_parser(
        "roster",
        help="refresh the organization roster from Organizations and list silent accounts",
    )
    _add_database_options(roster_cmd)
    add_roster_arguments(roster_cmd)

    args = parser.parse_args(argv)
    if args.command == "replay-failed":
        return replay(args)
    try:
        executor = _executor(parser, args)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "migrate":
            return _migrate(executor, args.sql_dir, args.database_roles)
        if args.command == "load":
            return load_files(executor, args)
        if args.command == "report":
            return write_report(executor, args)
        if args.command == "roster":
            return refresh_roster(executor, args)
    finally:
        executor.close()
    return 2  # pragma: no cover - argparse rejects unknown commands


def _migrate(executor: Executor, sql_dir: Path | None, database_roles: str | None = None) -> int:
    try:
        if database_roles:
            result = _migrate_with_roles(executor, sql_dir, database_roles)
        else:
            result = migrate(executor, sql_dir)
    except (MigrationError, ConfigurationError) as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    for filename in result.applied:
        print(f"applied {filename}")
    print(f"{len(result.applied)} applied, {len(result.already_applied)} already applied")
    return 0


def _migrate_with_roles(executor: Executor, sql_dir: Path | None, database_roles: str) -> Any:
    """The migration function's run (receiver.migrate_handler) from the command line."""
    from receiver.db.data_api import DataApiExecutor
    from receiver.migrate_handler import migrate_through_data_api

    roles = DatabaseRoleSettings.parse(database_roles, "--database-roles")
    if not isinstance(executor, DataApiExecutor):
        raise ConfigurationError("--database-roles needs the Data API (cluster and secret ARNs)")
    boot, result = migrate_through_data_api(executor, roles, sql_dir)
    for name in boot.created:
        print(f"created role {name}")
    if boot.reassigned:
        print(f"{len(boot.reassigned)} objects handed to {roles.migrator.username}")
    for label in boot.skipped:
        print(f"warning: {label} keeps its owner", file=sys.stderr)
    return result


def _add_database_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "database (a URL, or an Aurora cluster via the Data API); without these options: "
        "DATABASE_URL, else AURORA_CLUSTER_ARN, AURORA_SECRET_ARN and DB_NAME (also from .env)"
    )
    group.add_argument("--database-url", help="libpq URL, e.g. postgresql://user@host/db")
    group.add_argument("--cluster-arn", help="Aurora cluster ARN (Data API)")
    group.add_argument(
        "--secret-arn",
        help="Secrets Manager ARN of the database credentials: the reader's for report "
        "(reader_secret_arn output), the loader's for load and roster, the master's for migrate",
    )
    group.add_argument("--database", help="database name (Data API; default DB_NAME, else core)")


def _executor(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Executor:
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
