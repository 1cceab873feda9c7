"""``python -m demo``: the whole pipeline on an emulated organization (what ``make demo`` runs).

Needs ``DATABASE_URL`` (``make demo`` starts a throwaway PostgreSQL and sets it); the demo
creates, and leaves behind for inspection, a database named ``observability_demo`` on that
server (``--database`` names another, so that a second run leaves the first one's alone).
Exits 0 when every file loaded, every table the seeded services feed holds rows and the
report has every section filled; 1 otherwise, saying what is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from demo.pipeline import DATABASE, Options, Progress, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML report")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--days", type=int, default=7, help="scheduled days to simulate")
    parser.add_argument("--history-days", type=int, default=30, help="history backfill length")
    parser.add_argument(
        "--database", default=DATABASE, help="database to create (dropped first) on the server"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or give --database-url (make demo does it for you)")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database must be 1-63 lower-case letters, digits or _")
    if not 1 <= args.days <= 30 or not 1 <= args.history_days <= 90:
        parser.error("--days must be 1..30 and --history-days 1..90")

    from demo.recorded import OPERATIONS
    from demo.summary import render

    # Ctrl-C, and the SIGTERM pgcluster sends when it is interrupted, stop the demo cleanly
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    progress = Progress()
    progress(
        f"demo: {args.days} scheduled days and a {args.history_days}-day backfill for an "
        "emulated organization; no AWS account is used"
    )
    try:
        options = Options(
            args.database_url, args.out, args.days, args.history_days, database=args.database
        )
        outcome = run(options, progress)
    except KeyboardInterrupt:
        print("\ndemo interrupted; everything it started has been stopped", file=sys.stderr)
        return 130
    summary = outcome.summary
    print(render(summary, outcome.organization, outcome.recorded_calls, OPERATIONS))
    failures = []
    if summary.failed_files or summary.dead_letters:
        failures.append(f"{summary.failed_files} files failed, {summary.dead_letters} dead letters")
    if summary.empty_tables:
        failures.append(f"tables without rows: {', '.join(summary.empty_tables)}")
    report = outcome.report
    if report.charts_with_data < report.charts:
        failures.append(f"{report.charts - report.charts_with_data} report charts without data")
    print(f"\nReport: {args.out.resolve()}  ({report.summary()}; open it in any browser, offline)")
    if failures:
        print("demo finished with problems: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
