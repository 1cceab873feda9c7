"""``python -m labkit.scale``: fill a fresh database per N accounts, measure it, write the tables.

For each N of ``--accounts``: create a database on the server ``$DATABASE_URL`` names (a
superuser URL; ``make scale`` runs this under ``python -m labkit.pgcluster run --``), create its
migrator, loader and reader roles and migrate it as production does
(``receiver.migrations.migrate_with_roles``), fill it with ``labkit.scale.populate`` (sample
days through the real receiver with each ``--workers`` count, the rest of the ``--days`` at bulk
speed), measure it (``labkit.scale.measure``), print a compact table, and drop the database and
its roles unless ``--keep``. A kept database is recorded in ``build/scale/kept/<name>.json`` (its
roles and what its fill reported); ``--reuse <name>`` then applies any newer migration to it and
measures it again without filling, so a change to the views can be measured on the same data.
At the end it prints a summary across N and, with ``--write``, regenerates the measured part of
that Markdown file (between ``<!-- scale:begin -->`` and ``<!-- scale:end -->``), with the
machine, the date and the exact command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from labkit.scale import markdown
from labkit.scale.measure import LoadRun, ScaleRun, machine, measure, run_from_dict


@dataclass(frozen=True)
class Target:
    """A fresh database migrated with its own roles: where and as whom to fill and measure it."""

    name: str
    admin_dsn: str  # the server's superuser, on this database
    migrator_dsn: str
    loader_dsn: str
    reader_dsn: str
    roles: dict[str, Any]  # kind -> receiver.db.roles.Credentials


@dataclass(frozen=True)
class Options:
    accounts: int
    days: int
    sample_days: int
    workers: tuple[int, ...]
    seed: int
    foreign_keys: str = "set"


KEPT = Path("build/scale/kept")


@dataclass(frozen=True)
class Filled:
    """What a fill reports: the loads through the receiver, and a sentence on what it did."""

    loads: list[LoadRun]
    description: str = ""


Fill = Callable[[Target, Options], Filled]


def _counts(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of numbers: {text!r}"
        ) from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"give positive numbers: {text!r}")
    return values


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m labkit.scale",
        description="Fill a fresh database per N accounts over D days, measure load time, query "
        "latency and storage, print the tables (needs DATABASE_URL: a superuser URL).",
    )
    parser.add_argument("--accounts", type=_counts, help="account counts, e.g. 10,100,1000")
    parser.add_argument("--days", type=_positive, default=400, help="days of history (400)")
    parser.add_argument(
        "--sample-days",
        type=_positive,
        default=2,
        help="the latest days loaded through the real receiver with each worker count (2)",
    )
    parser.add_argument(
        "--workers", type=_counts, default=(8, 32), help="concurrent loaders to try (8,32)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data (1)")
    parser.add_argument(
        "--repeat", type=_positive, default=5, help="warm runs of each query after the first (5)"
    )
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=30.0,
        help="a query whose first run takes longer runs once more only, not --repeat times (30)",
    )
    parser.add_argument(
        "--write", type=Path, help="Markdown file whose measured part to regenerate"
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="measure nothing: render the tables of a --json file again (with --write: into it)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep each database (and its roles) afterwards"
    )
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure a database kept by an earlier --keep run again (newer migrations applied "
        "first) instead of filling a new one",
    )
    parser.add_argument(
        "--fill-only",
        action="store_true",
        help="with --keep: fill and keep each database, measure nothing (then --reuse it)",
    )
    parser.add_argument(
        "--foreign-keys",
        choices=("set", "row"),
        default="set",
        help="how the history fill proves foreign keys: 'set' (default) disables PostgreSQL's "
        "per-row checks during the fill and proves every key with one query per group of "
        "accounts before it commits (2.5x faster); 'row' keeps the per-row triggers",
    )
    return parser


def _with(
    url: str, *, database: str | None = None, user: str | None = None, password: str = ""
) -> str:
    parts = urlsplit(url)
    if database is not None:
        parts = parts._replace(path=f"/{database}")
    if user is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        secret = f":{quote(password, safe='')}" if password else ""
        parts = parts._replace(netloc=f"{quote(user, safe='')}{secret}@{host}")
    return urlunsplit(parts)


def _target(server_url: str, name: str, roles: dict[str, Any]) -> Target:
    """Where and as whom to reach database ``name`` on the server, with its three roles."""
    admin_dsn = _with(server_url, database=name)
    dsn = {
        kind: _with(admin_dsn, user=c.username, password=c.password) for kind, c in roles.items()
    }
    return Target(name, admin_dsn, dsn["migrator"], dsn["loader"], dsn["reader"], roles)


def _migrate(target: Target) -> None:
    """Roles bootstrapped and every pending migration applied, as production does."""
    from receiver.db.psycopg_executor import PsycopgExecutor
    from receiver.migrations import migrate_with_roles

    master = PsycopgExecutor(target.admin_dsn)
    try:
        migrate_with_roles(master, lambda: PsycopgExecutor(target.migrator_dsn), target.roles)
    finally:
        master.close()


@contextlib.contextmanager
def fresh_database(server_url: str, accounts: int, keep: bool = False) -> Iterator[Target]:
    """A new database with its own three roles, migrated; dropped afterwards unless ``keep``."""
    import psycopg

    from receiver.db.roles import ROLE_KINDS, Credentials

    token = secrets.token_hex(4)
    name = f"scale_{accounts}_{token}"
    roles = {
        kind: Credentials(f"scale_{token}_{kind}", secrets.token_urlsafe(18)) for kind in ROLE_KINDS
    }
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    target = _target(server_url, name, roles)
    try:
        _migrate(target)
        yield target
    finally:
        if keep:
            _say(f"kept database {name} (roles {', '.join(c.username for c in roles.values())})")
        else:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                for credentials in roles.values():
                    with contextlib.suppress(psycopg.Error):
                        admin.execute(f'DROP ROLE IF EXISTS "{credentials.username}"')


def _record_kept(target: Target, fill_seconds: float, filled: Filled) -> Path:
    """Write what ``--reuse`` needs to measure this database again."""
    KEPT.mkdir(parents=True, exist_ok=True)
    path = KEPT / f"{target.name}.json"
    record = {
        "database": target.name,
        "roles": {k: [c.username, c.password] for k, c in target.roles.items()},
        "fill_seconds": fill_seconds,
        "description": filled.description,
        "loads": [vars(load) for load in filled.loads],
    }
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    path.chmod(0o600)  # role passwords of a throwaway server, still not for others to read
    return path


@contextlib.contextmanager
def reused_database(server_url: str, name: str) -> Iterator[tuple[Target, float, Filled]]:
    """A database kept by ``--keep``, with every newer migration applied as its migrator."""
    from receiver.db.roles import Credentials

    record = json.loads((KEPT / f"{name}.json").read_text(encoding="utf-8"))
    roles = {k: Credentials(u, p) for k, (u, p) in record["roles"].items()}
    target = _target(server_url, name, roles)
    _migrate(target)
    loads = [LoadRun(**load) for load in record["loads"]]
    yield target, float(record["fill_seconds"]), Filled(loads, record["description"])


def populate_fill(target: Target, options: Options) -> Filled:
    """The real fill: ``labkit.scale.populate`` (sample days through the receiver, bulk history)."""
    from labkit.scale import populate

    result = populate.populate(
        admin_dsn=target.admin_dsn,
        loader_dsn=target.loader_dsn,
        accounts=options.accounts,
        days=options.days,
        sample_days=options.sample_days,
        workers=options.workers,
        seed=options.seed,
        progress=lambda message: _say(f"N = {options.accounts}: {message}"),
        migrator_dsn=target.migrator_dsn,  # partitions owned by the migrator, as in production
        foreign_keys=options.foreign_keys,
    )
    return Filled(loads=[_load_run(x) for x in result.loads], description=str(result.description))


@contextlib.contextmanager
def _filled(
    server_url: str, options: Options, fill: Fill, *, keep: bool
) -> Iterator[tuple[Target, float, Filled]]:
    with fresh_database(server_url, options.accounts, keep=keep) as target:
        _say(f"N = {options.accounts}: filling {options.accounts} accounts x {options.days} days")
        started = time.monotonic()
        filled = fill(target, options)
        fill_seconds = time.monotonic() - started
        if keep:
            kept = _record_kept(target, fill_seconds, filled)
            _say(f"N = {options.accounts}: recorded in {kept}")
        yield target, fill_seconds, filled


def _load_run(load: Any) -> LoadRun:
    return LoadRun(
        workers=load.workers,
        files=load.files,
        seconds=load.seconds,
        file_p50_ms=load.file_p50_ms,
        file_p95_ms=load.file_p95_ms,
        lost_rows=load.lost_rows,
        deadlocks=load.deadlocks,
        failed=getattr(load, "failed", 0),
    )


def _say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def run(
    argv: Sequence[str] | None = None,
    *,
    fill: Fill = populate_fill,
    out: Any = None,
) -> int:
    """The command line; ``fill`` replaceable (the tests' tiny fill), ``out`` where tables go."""
    out = out or sys.stdout
    cli = parser()
    args = cli.parse_args(argv)
    if args.from_json:
        return rerender(args.from_json, args.write, out)
    if not args.accounts:
        cli.error("give --accounts (or --from-json)")
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        print(
            "error: set DATABASE_URL to a PostgreSQL superuser URL, or run under "
            "`python -m labkit.pgcluster run --` (make scale does)",
            file=sys.stderr,
        )
        return 2
    command = "python -m labkit.scale " + shlex.join(
        list(argv) if argv is not None else sys.argv[1:]
    )
    runs: list[ScaleRun] = []
    if args.fill_only and not args.keep:
        cli.error("--fill-only needs --keep (measure the database later with --reuse)")
    if args.reuse and len(args.accounts) != 1:
        cli.error("--reuse measures one database: give its account count alone in --accounts")
    for accounts in args.accounts:
        options = Options(
            accounts, args.days, args.sample_days, args.workers, args.seed, args.foreign_keys
        )
        if args.reuse:
            _say(f"N = {accounts}: measuring the kept database {args.reuse} again")
            database = reused_database(server_url, args.reuse)
        else:
            _say(f"N = {accounts}: creating and migrating a database")
            database = _filled(server_url, options, fill, keep=args.keep)
        with database as (target, fill_seconds, filled):
            if args.fill_only:
                _say(f"N = {accounts}: filled in {fill_seconds:.0f} s; kept, not measured")
                continue
            _say(f"N = {accounts}: filled in {fill_seconds:.0f} s; measuring")
            measurement = measure(
                target.admin_dsn,
                target.reader_dsn,
                accounts=accounts,
                days=args.days,
                repeat=args.repeat,
                slow_seconds=args.slow_seconds,
                progress=lambda step, n=accounts: _say(f"N = {n}: {step}"),
            )
        result = ScaleRun(accounts, args.days, fill_seconds, filled.loads, measurement)
        result.fill, result.database = filled.description, target.name
        runs.append(result)
        print(markdown.terminal_summary(result), file=out, flush=True)
        print(file=out)
    if not runs:  # --fill-only
        return 0
    print(markdown.summary_table(runs, markdown.text_table), file=out, flush=True)
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        host = machine(connection)
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    if args.write:
        existing = args.write.read_text(encoding="utf-8") if args.write.exists() else None
        block = markdown.document_block(runs, host, command, when)
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(markdown.write_document(existing, block), encoding="utf-8")
        print(f"wrote {args.write}", file=out)
    if args.json:
        document = {
            "command": command,
            "generated": when,
            "machine": host,
            "runs": [r.as_dict() for r in runs],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=out)
    return 0


def rerender(figures: Path, write: Path | None, out: Any) -> int:
    """The tables of a ``--json`` file again, with its command, date and machine (no database)."""
    saved = json.loads(figures.read_text(encoding="utf-8"))
    runs = [run_from_dict(r) for r in saved["runs"]]
    print(markdown.summary_table(runs, markdown.text_table), file=out)
    if write:
        existing = write.read_text(encoding="utf-8") if write.exists() else None
        block = markdown.document_block(
            runs, saved["machine"], saved["command"], saved["generated"]
        )
        write.write_text(markdown.write_document(existing, block), encoding="utf-8")
        print(f"wrote {write}", file=out)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    """``run`` with SIGTERM as Ctrl-C, so a stopped run still drops its database and roles."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
