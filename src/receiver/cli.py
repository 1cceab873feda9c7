"""Operator command line: ``python -m receiver <command>``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from observability import local_env
from receiver.db import DatabaseError, Executor
from receiver.db.arguments import add_database_arguments, connect_from_arguments
from receiver.file_commands import add_load_arguments, add_replay_arguments, load_files, replay
from receiver.migrations import MigrationError, migrate
from receiver.roster_command import add_roster_arguments, refresh_roster
from receiver.settings import ConfigurationError, DatabaseRoleSettings


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["report"]:
        # The report is its own package (src/report, `python -m report`), never imported by the
        # ingest functions: imported here only, when asked for.
        from report.command import main as report_main

        return report_main(arguments[1:], prog="python -m receiver report")
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

    commands.add_parser(  # handed over to the report package above, before parsing
        "report",
        help="write one self-contained HTML report built from the SQL views (the same command "
        "as python -m report)",
    )

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
    add_database_arguments(
        parser,
        secret_help="Secrets Manager ARN of the database credentials: the loader's for load and "
        "roster, the master's for migrate",
    )


def _executor(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Executor:
    return connect_from_arguments(parser, args)
