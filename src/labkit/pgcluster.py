"""A throwaway PostgreSQL cluster for tests and the demo.

``python -m labkit.pgcluster run -- CMD ...`` runs CMD with ``DATABASE_URL`` pointing at a
server and stops it afterwards, whatever the outcome (also on Ctrl-C or SIGTERM). When
``DATABASE_URL`` is already set, CMD simply runs against it. Otherwise a cluster is created from the
installed PostgreSQL binaries in a temporary directory; as root (``initdb`` refuses root) the
cluster runs as the ``postgres`` system user through ``runuser``.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


class PostgresNotFound(RuntimeError):
    pass


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl: ``$PG_BINDIR``, Debian's layout, or ``pg_config``."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent  # type: ignore[arg-type]
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout
        if (Path(bindir.strip()) / "initdb").exists():
            return Path(bindir.strip())
    raise PostgresNotFound(
        "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin, PATH and "
        "pg_config). Install them (Debian: apt-get install postgresql) or set DATABASE_URL."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster and yield its URL; stop and delete it on exit."""
    bindir = find_bindir()
    workdir = Path(tempfile.mkdtemp(prefix="pgcluster-"))
    datadir = workdir / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(workdir, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    log = workdir / "server.log"

    def run(*args: str) -> None:
        completed = subprocess.run([*prefix, *args], capture_output=True, text=True)
        if completed.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{completed.stdout}{completed.stderr}")

    try:
        run(
            str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={workdir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run(
            str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(log), "-o", options, "-w", "start"
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (datadir / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                run(str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["run"])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command to run")
    if os.environ.get("DATABASE_URL"):
        return subprocess.call(command)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    started = time.monotonic()
    try:
        with cluster() as url:
            print(f"pgcluster: PostgreSQL up in {time.monotonic() - started:.1f}s", flush=True)
            child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url})
            try:
                return child.wait()
            except KeyboardInterrupt:
                child.terminate()
                child.wait()
                return 130
    except PostgresNotFound as exc:
        print(f"pgcluster: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
