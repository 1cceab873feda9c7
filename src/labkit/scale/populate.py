"""Fill a migrated database with N accounts over D days: sample days through the real receiver,
the rest of the history at bulk speed, with nothing stored differently.

``populate(admin_dsn, loader_dsn, *, accounts, days, sample_days=2, workers=(8, 32), seed=1,
today=None, progress=None, fill_workers=2, migrator_dsn=None, foreign_keys="row")
-> PopulateResult``
(``PopulateResult.loads``: one `LoadRun` per sample day; ``.fill``: `FillResult`;
``.estimate``; ``.description``: one line for humans)

1. Estimate rows and disk first; refuse (`InsufficientDisk`) when the server's data directory
   cannot hold them with a margin.
2. Sample: the documents of the last ``sample_days`` days (ending yesterday's run, ``today``) of
   every account (`labkit.scale.generate`), encoded as the sender uploads them, are loaded
   through `receiver.receive.load_bytes` (decode, validate, rows, one transaction: the Lambda's
   own path for a file body) by a pool of processes, one connection each as the loader role.
   Sample day k uses ``workers[min(k, len(workers) - 1)]`` processes. Per file: the load time,
   its status, deadlocks (SQLSTATE 40P01) and retries (a transient error is retried, up to 5
   times, as a redelivery would). Afterwards, rows each load reported are compared, table by
   table, with the rows present that carry the day's ingestion ids (`LoadRun.lost_rows`).
3. History: the earlier days, set-based on the server (`fill_history`). Each account's base
   document (the template with its identity, `generate.base_document`) is turned into rows by
   the receiver's own row builder (`receiver.rows.build`) and staged (schema ``scale_stage``);
   then one ``INSERT ... SELECT`` per table and group of accounts writes every history day:
   dates moved, cost jittered, faulted slices left out, drifting resources filtered, exactly as
   `generate.derive` does per document. Only the rows a day's document leaves in the database
   are staged (`survivors`): a row whose key the next day's document writes again (findings,
   re-collected cost days) is that document's, as the receiver's upserts would leave it.
   Bookkeeping is written too: an ``ingestions`` row per document (``rows`` as the loader
   reports them; size, etag and duration taken from the sample, received at the run's time),
   its ``collection_runs`` row and ``collector_runs`` rows with the faults.
   Primary keys, foreign keys and checks all apply (no ``ON CONFLICT``: a collision is a bug);
   foreign keys row by row, or set-based per group of accounts (``foreign_keys="set"``, several
   times faster, see `fill_history`).
4. ``ANALYZE``; ``snapshot_pointers`` (sql/021) recomputed once if the table exists, and the
   cost totals (sql/026, ``receiver.cost_totals``) summed from ``cost_daily`` once; the filled
   runs' collector counts (sql/029) written.

tests/project/test_scale_generate.py proves that the filled rows equal what the receiver
writes when it loads every generated document in order.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from typing import Any

from labkit.scale import generate

BUCKET = "observability-scale-eu-west-1"
STAGE = "scale_stage"
MAX_RETRIES = 5
BYTES_PER_ROW = 330  # heap + indexes, measured on the demo's profiles (see the report)
DISK_MARGIN = 1.25
GROUP_ACCOUNTS = 10  # accounts per fill statement set
H32_SQL = "('x' || substr(md5({text}), 1, 8))::bit(32)::bigint"


class InsufficientDisk(RuntimeError):
    """The data directory cannot hold the estimated rows."""


@dataclass
class LoadRun:
    """One sample day loaded through the receiver."""

    day: date
    workers: int
    files: int
    seconds: float
    durations_ms: list[float] = field(default_factory=list)
    failed: int = 0
    deadlocks: int = 0
    retries: int = 0
    rows_reported: dict[str, int] = field(default_factory=dict)
    rows_present: dict[str, int] = field(default_factory=dict)

    @property
    def lost_rows(self) -> int:
        return sum(max(0, n - self.rows_present.get(t, 0)) for t, n in self.rows_reported.items())

    @property
    def files_per_minute(self) -> float:
        return self.files / self.seconds * 60 if self.seconds else 0.0

    @property
    def file_p50_ms(self) -> float:
        return _percentile(self.durations_ms, 50)

    @property
    def file_p95_ms(self) -> float:
        return _percentile(self.durations_ms, 95)


@dataclass
class FillResult:
    days: int
    accounts: int
    rows: int
    seconds: float
    bytes_before: int
    bytes_after: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Estimate:
    rows: int
    bytes: int
    free_bytes: int
    rows_per_account_day: float


@dataclass
class PopulateResult:
    accounts: int
    days: int
    sample_days: int
    first_day: date
    last_day: date
    estimate: Estimate
    loads: list[LoadRun]
    fill: FillResult
    database_bytes: int
    seconds: float

    @property
    def description(self) -> str:
        loads = "; ".join(
            f"{x.day}: {x.files} files with {x.workers} workers, p50 {x.file_p50_ms:.0f} ms, "
            f"p95 {x.file_p95_ms:.0f} ms, {x.files_per_minute:.0f} files/min, "
            f"{x.deadlocks} deadlocks, {x.lost_rows} lost rows"
            for x in self.loads
        )
        return (
            f"{self.accounts} accounts x {self.days} days ({self.first_day}..{self.last_day}); "
            f"sample through the receiver: {loads}; history fill: {self.fill.rows:,} rows "
            f"in {self.fill.seconds:.0f} s ({self.fill.rows_per_second:,.0f} rows/s); "
            f"database {self.database_bytes / 1e9:.2f} GB"
        )


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]  # rank


# --------------------------------------------------------------------------- the whole fill


def populate(
    admin_dsn: str,
    loader_dsn: str,
    *,
    accounts: int,
    days: int,
    sample_days: int = 2,
    workers: tuple[int, ...] = (8, 32),
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    fill_workers: int = 2,
    migrator_dsn: str | None = None,
    foreign_keys: str = "row",
) -> PopulateResult:
    """See the module docstring. ``today``: the day of the last run (default: today, UTC);
    ``fill_workers``: parallel connections of the history fill; ``migrator_dsn``: who creates
    the monthly partitions (their owner, so that the scheduled maintenance, which runs as the
    migrator, can later detach and drop them; default ``admin_dsn``); ``foreign_keys``: how
    the fill checks them, see `fill_history`."""
    say = progress or _print
    started = time.monotonic()
    if not 1 <= sample_days <= days:
        raise ValueError("sample_days must be between 1 and days")
    today = today or datetime.now(UTC).date()
    first_day = today - timedelta(days=days - 1)
    templates = generate.templates(progress=say)
    roster = generate.accounts(seed, accounts)
    estimate = estimate_fill(admin_dsn, templates, roster, days)
    say(
        f"estimate: {estimate.rows:,} rows ({estimate.rows_per_account_day:.0f} per account-day), "
        f"~{estimate.bytes / 1e9:.1f} GB; {estimate.free_bytes / 1e9:.1f} GB free"
    )
    if estimate.bytes * DISK_MARGIN > estimate.free_bytes:
        raise InsufficientDisk(
            f"{accounts} accounts x {days} days need ~{estimate.bytes / 1e9:.1f} GB "
            f"(+{(DISK_MARGIN - 1) * 100:.0f}% margin); the database's disk has "
            f"{estimate.free_bytes / 1e9:.1f} GB free. Use fewer accounts or days."
        )
    created = ensure_partitions(migrator_dsn or admin_dsn, first_day, today)
    if created:
        say(f"{created} monthly partitions created ({first_day:%Y-%m} to {today:%Y-%m} and ahead)")
    loads = []
    sample = [today - timedelta(days=sample_days - 1 - k) for k in range(sample_days)]
    for k, day in enumerate(sample):
        count = workers[min(k, len(workers) - 1)]
        loads.append(load_sample_day(admin_dsn, loader_dsn, templates, roster, seed, day, count))
        x = loads[-1]
        say(
            f"sample {day}: {x.files} files through the receiver with {x.workers} workers in "
            f"{x.seconds:.1f} s ({x.files_per_minute:.0f}/min), per file p50 "
            f"{x.file_p50_ms:.0f} ms p95 {x.file_p95_ms:.0f} ms, {x.failed} failed, "
            f"{x.deadlocks} deadlocks, {x.retries} retries, {x.lost_rows} rows lost"
        )
    history = [first_day + timedelta(days=n) for n in range(days - sample_days)]
    fill = fill_history(
        admin_dsn,
        templates,
        roster,
        seed,
        history,
        loads,
        workers=fill_workers,
        progress=say,
        foreign_keys=foreign_keys,
    )
    finish(admin_dsn, say)
    size = database_bytes(admin_dsn)
    return PopulateResult(
        accounts, days, sample_days, first_day, today, estimate, loads, fill, size,
        time.monotonic() - started,
    )  # fmt: skip


def _print(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def estimate_fill(
    admin_dsn: str, templates: dict[str, dict[str, Any]], roster: list[generate.Account], days: int
) -> Estimate:
    """Rows every account-day leaves (survivors + bookkeeping), and the disk they take."""
    from receiver import rows as rowbuilder

    per_profile = {}
    for key, template in templates.items():
        plan = rowbuilder.build(json.loads(json.dumps(template)))
        kept = sum(len(survivors(t.table, t.rows, plan)) for t in plan.tables)
        per_profile[key] = kept + 2 + len(plan.collectors)  # ingestion, run, collectors
    total = sum(per_profile[a.profile] for a in roster) * days
    free = _free_bytes(admin_dsn)
    per_day = total / days / max(1, len(roster))
    return Estimate(total, total * BYTES_PER_ROW, free, per_day)


def _free_bytes(admin_dsn: str) -> int:
    import psycopg

    with psycopg.connect(admin_dsn) as conn:
        where = conn.execute("SHOW data_directory").fetchone()[0]
    return shutil.disk_usage(where).free


def database_bytes(admin_dsn: str) -> int:
    import psycopg

    with psycopg.connect(admin_dsn) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


# --------------------------------------------------------------------------- sample loads

_WORKER: dict[str, Any] = {}


def _worker_start(loader_dsn: str) -> None:
    from receiver.db import connect

    _WORKER["executor"] = connect(database_url=loader_dsn)


def _worker_load(task: tuple[str, str, bytes]) -> dict[str, Any]:
    """Load one file as the Lambda does with a file body; retry transient errors."""
    from receiver.failures import TransientLoadError
    from receiver.loader import FileRef
    from receiver.receive import load_bytes

    account_id, key, body = task
    ref = FileRef(
        BUCKET,
        key,
        _version(key),
        hashlib.md5(body, usedforsecurity=False).hexdigest(),
        len(body),
        account_id,
    )
    deadlocks = retries = 0
    while True:
        started = time.monotonic()
        try:
            result = load_bytes(_WORKER["executor"], ref, body, expected_account=account_id)
        except TransientLoadError as error:
            deadlocks += "40P01" in str(error)
            retries += 1
            if retries > MAX_RETRIES:
                return {"status": "failed", "ms": 0.0, "rows": {}, "deadlocks": deadlocks,
                        "retries": retries, "error": str(error), "ingestion_id": None}  # fmt: skip
            time.sleep(0.05 * retries)
            continue
        return {
            "status": result.status,
            "ms": (time.monotonic() - started) * 1000,
            "rows": result.rows,
            "deadlocks": deadlocks,
            "retries": retries,
            "error": str(result.error) if result.error else None,
            "ingestion_id": result.ingestion_id,
        }


def _version(key: str) -> str:
    """A stable S3-like version id per key."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def sample_files(
    templates: dict[str, dict[str, Any]], roster: list[generate.Account], seed: int, day: date
) -> list[tuple[str, str, bytes]]:
    """(account id, key, body) of every account's document of ``day``."""
    files = []
    for account in roster:
        doc = generate.document(templates, seed, account, day)
        files.append((account.account_id, generate.object_key(doc), generate.encode(doc)))
    return files


def load_sample_day(
    admin_dsn: str,
    loader_dsn: str,
    templates: dict[str, dict[str, Any]],
    roster: list[generate.Account],
    seed: int,
    day: date,
    workers: int,
) -> LoadRun:
    """Every account's document of ``day`` through the receiver with ``workers`` processes."""
    files = sample_files(templates, roster, seed, day)
    warm(files[0])
    context = get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start,
                             initargs=(loader_dsn,)) as pool:  # fmt: skip
        list(pool.map(_noop, range(workers)))  # every worker connected before the clock
        started = time.monotonic()
        results = list(pool.map(_worker_load, files, chunksize=1))
        seconds = time.monotonic() - started
    run = LoadRun(day, workers, len(files), seconds)
    reported: Counter[str] = Counter()
    ids = []
    for result in results:
        run.deadlocks += result["deadlocks"]
        run.retries += result["retries"]
        if result["status"] != "loaded":
            run.failed += 1
            continue
        run.durations_ms.append(result["ms"])
        reported.update(result["rows"])
        ids.append(result["ingestion_id"])
    run.rows_reported = dict(reported)
    run.rows_present = rows_with_ingestions(admin_dsn, list(reported), ids)
    return run


def warm(file: tuple[str, str, bytes]) -> None:
    """Parse, validate and build the rows of one file without writing it, so that the forked
    workers inherit a warm receiver (validator, column and SQL caches), as a warm Lambda
    container has: the timed loads then measure the steady state, not each process's first
    file."""
    from receiver import documents, rows, upsert
    from receiver.receive import DEFAULT_MAX_DOCUMENT_BYTES
    from receiver.tables import TABLES

    account_id, key, body = file
    doc = documents.parse(
        body, name=key, max_document_bytes=DEFAULT_MAX_DOCUMENT_BYTES, expected_account=account_id
    )
    rows.build(doc)
    for table in TABLES:
        upsert.upsert_sql(table)


def _noop(_: int) -> None:
    time.sleep(0.2)


def rows_with_ingestions(admin_dsn: str, tables: Iterable[str], ids: list[int]) -> dict[str, int]:
    """Rows per table that carry one of the ingestion ids ``ids``."""
    import psycopg
    from psycopg import sql

    found = {}
    with psycopg.connect(admin_dsn) as conn:
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {} WHERE ingestion_id = ANY(%s)").format(
                sql.Identifier(table)
            )
            found[table] = int(conn.execute(query, (ids,)).fetchone()[0])
    return found


# --------------------------------------------------------------------------- history fill


def survivors(table: Any, rows: list[dict[str, Any]], plan: Any) -> list[dict[str, Any]]:
    """Rows of a day's document that the next day's document does not write again.

    Snapshot rows carry their day; a ``replace_days`` table's day is replaced whenever the next
    document covers it; any other row survives only if the next document's rows (the same,
    one day later) hold no row with its key.
    """
    if table.snapshot:
        return rows
    types = {c.name: c.type for c in table.columns}
    if table.replace_days:
        day = table.key[0]
        covered = {r[day] for r in rows} | {plan.run["window_start"]}
        return [r for r in rows if _day(r[day], -1) not in covered]
    key = [k for k in table.key if k in types]
    keys = {tuple(r[k] for k in key) for r in rows}

    def earlier(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            _day(row[k], -1) if types[k] in ("date", "timestamptz") and row[k] else row[k]
            for k in key
        )

    return [r for r in rows if earlier(r) not in keys]


def _day(value: str, days: int) -> str:
    return str(generate.shift(value, days))


@dataclass
class _AccountBase:
    """What the fill needs of one account's base document, beyond its staged rows."""

    counts: dict[str, int]  # rows the loader reports for a document (without faults/drift)
    slices: dict[tuple[str, str], dict[str, int]]  # (collector, region) -> table -> rows
    resource_regions: dict[str, list[date]]  # resources: region -> sorted first days


def fill_history(
    admin_dsn: str,
    templates: dict[str, dict[str, Any]],
    roster: list[generate.Account],
    seed: int,
    history: list[date],
    loads: list[LoadRun],
    *,
    workers: int = 2,
    progress: Callable[[str], None] = _print,
    foreign_keys: str = "row",
) -> FillResult:
    """Write every history day of every account (see the module docstring).

    ``foreign_keys="row"``: PostgreSQL checks each row as it is inserted (its RI triggers; most
    of the fill's time, ~80 us a row for a key into a partitioned table). ``"set"``: the RI
    triggers are off for the fill's sessions (``session_replication_role = replica``; refused if
    a table has a trigger of its own) and every foreign key of the filled tables is checked by
    one set-based query per group of accounts before its transaction commits: the same rows,
    the same keys proven, a violation rolls the group back (`ForeignKeyViolation`).
    """
    if foreign_keys not in ("row", "set"):
        raise ValueError("foreign_keys is 'row' or 'set'")
    started = time.monotonic()
    before = database_bytes(admin_dsn)
    if not history:
        return FillResult(0, len(roster), 0, 0.0, before, before)
    bases = stage(admin_dsn, templates, roster, seed, history, loads)
    progress(f"staged {len(roster)} accounts' base rows in {time.monotonic() - started:.1f} s")
    size = max(1, min(GROUP_ACCOUNTS, -(-len(roster) // (workers * 2))))  # work for each
    groups = [roster[i : i + size] for i in range(0, len(roster), size)]
    statements = fill_statements(seed)
    done = [0, 0]  # groups, rows
    fill_started = time.monotonic()
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        futures = [
            pool.submit(_fill_groups, admin_dsn, statements, [[a.account_id for a in g]
                                                              for g in groups[w::workers]],
                        foreign_keys)
            for w in range(workers)
        ]  # fmt: skip
        for future in futures:
            done[1] += future.result()
    del bases
    seconds = time.monotonic() - fill_started
    progress(
        f"history: {len(history)} days x {len(roster)} accounts, {done[1]:,} rows in "
        f"{seconds:.1f} s ({done[1] / max(seconds, 1e-9):,.0f} rows/s)"
    )
    with _connect(admin_dsn) as conn:
        conn.execute(f"DROP SCHEMA {STAGE} CASCADE")
    after = database_bytes(admin_dsn)
    return FillResult(len(history), len(roster), done[1], time.monotonic() - started, before,
                      after)  # fmt: skip


def _fill_groups(
    admin_dsn: str, statements: list[str], groups: list[list[str]], foreign_keys: str = "row"
) -> int:
    written = 0
    with _connect(admin_dsn) as conn:
        checks = []
        if foreign_keys == "set":
            checks = foreign_key_checks(conn)
            conn.execute("SET session_replication_role = replica")  # no per-row RI triggers
        for ids in groups:
            t0 = time.monotonic()
            count = 0
            with conn.transaction():
                for statement in statements:
                    count += conn.execute(statement, {"accounts": ids}).rowcount
                for check in checks:  # before the commit: a violation rolls the group back
                    broken = conn.execute(check, {"accounts": ids}).fetchone()
                    if broken is not None:
                        raise ForeignKeyViolation(f"{check.split(chr(10))[0]}: {broken}")
            written += count
            print(
                f"[{datetime.now(UTC):%H:%M:%S}] fill pid {os.getpid()}: {len(ids)} accounts, "
                f"{count:,} rows, {count / max(time.monotonic() - t0, 1e-9):,.0f} rows/s",
                flush=True,
            )
    return written


class ForeignKeyViolation(RuntimeError):
    """A filled row names a parent row that does not exist (``foreign_keys="set"``)."""


FOREIGN_KEYS_SQL = """
SELECT c.conname, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
       array_agg(a.attname ORDER BY k.n) AS columns, array_agg(b.attname ORDER BY k.n) AS refs
FROM pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, ref, n)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = k.ref
WHERE c.contype = 'f' AND c.conparentid = 0 AND c.connamespace = 'public'::regnamespace
  AND c.conrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace
                     AND relispartition = false)
GROUP BY c.conname, c.conrelid, c.confrelid
ORDER BY 2, 1
"""


def foreign_key_checks(conn: Any) -> list[str]:
    """One set-based query per foreign key of the filled tables: the first row of the group's
    accounts (``%(accounts)s``) whose referenced row is missing (MATCH SIMPLE: a row with a
    null key column passes, as PostgreSQL's own check). Refuses if any table has a trigger of
    its own, which ``session_replication_role = replica`` would silence."""
    from receiver.tables import TABLES
    from receiver.upsert import q

    own = conn.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger t JOIN pg_class c "
        "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
        "AND c.relnamespace = 'public'::regnamespace"
    ).fetchall()
    if own:
        raise RuntimeError(f"tables have triggers of their own, cannot fill without them: {own}")
    filled = {t.name for t in TABLES} | {"ingestions", "collection_runs", "collector_runs"}
    checks = []
    for name, child, parent, columns, refs in conn.execute(FOREIGN_KEYS_SQL).fetchall():
        if child not in filled:
            continue
        present = " AND ".join(f"c.{q(col)} IS NOT NULL" for col in columns)
        match = " AND ".join(f"p.{q(r)} = c.{q(col)}" for col, r in zip(columns, refs, strict=True))
        scope = "c.account_id = ANY(%(accounts)s)" if child != "ingestions" else "TRUE"
        checks.append(
            f"-- {child}.{name} -> {parent}\n"
            f"SELECT {', '.join(f'c.{q(col)}' for col in columns)} FROM {q(child)} c "
            f"WHERE {scope} AND {present} AND NOT EXISTS "
            f"(SELECT 1 FROM {q(parent)} p WHERE {match}) LIMIT 1"
        )
    return checks


def _connect(dsn: str) -> Any:
    import psycopg

    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")
    conn.execute("SET synchronous_commit = off")
    return conn


def _stage_tables() -> list[Any]:
    from receiver.tables import TABLES

    return list(TABLES)


def stage(
    admin_dsn: str,
    templates: dict[str, dict[str, Any]],
    roster: list[generate.Account],
    seed: int,
    history: list[date],
    loads: list[LoadRun],
) -> dict[str, _AccountBase]:
    """Stage every account's surviving base rows, template run and collectors, and one row per
    history (account, day) with its run id, reported rows and faults."""
    from psycopg.types.json import Jsonb

    from receiver import rows as rowbuilder
    from receiver.upsert import q

    tables = _stage_tables()
    sizes = _sample_sizes(admin_dsn)
    with _connect(admin_dsn) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {STAGE} CASCADE")
        conn.execute(f"CREATE SCHEMA {STAGE}")
        for table in tables:
            conn.execute(
                f"CREATE UNLOGGED TABLE {STAGE}.{q(table.name)} ({_stage_columns(table)}, "
                "scale_born date, scale_region text)"
            )
        conn.execute(
            f"CREATE UNLOGGED TABLE {STAGE}.runs (account_id char(12) PRIMARY KEY, "
            'schema_version text, "interval" text, collected_at timestamptz, '
            "sender_version text, regions text[])"
        )
        conn.execute(
            f"CREATE UNLOGGED TABLE {STAGE}.collectors (account_id char(12), collector text, "
            "region text, status text, error text, item_count integer, duration_ms integer)"
        )
        conn.execute(
            f"CREATE UNLOGGED TABLE {STAGE}.days (account_id char(12), day date, run_id uuid, "
            "rows jsonb, size_bytes bigint, duration_ms integer, ingestion_id bigint, "
            "PRIMARY KEY (account_id, day))"
        )
        conn.execute(
            f"CREATE UNLOGGED TABLE {STAGE}.faults (account_id char(12), day date, "
            "collector text, region text, status text, error text, "
            "PRIMARY KEY (account_id, day, collector, region))"
        )
        bases = {}
        for account in roster:
            base = generate.base_document(templates[account.profile], account)
            plan = rowbuilder.build(base)
            info = _AccountBase({}, {}, {})
            info.counts = _reported(plan)
            for built in plan.tables:
                table = built.table
                _mark_slices(table, built.rows, plan)
                kept = survivors(table, built.rows, plan)
                if kept:
                    _stage_rows(conn, account, plan, table, kept, seed, info)
                _slices(table, built.rows, info)
            with conn.cursor().copy(
                f"COPY {STAGE}.collectors (account_id, collector, region, status, error, "
                "item_count, duration_ms) FROM STDIN"
            ) as copy:
                for c in plan.collectors:
                    copy.write_row((account.account_id, c["collector"], c["region"], c["status"],
                                    c["error"], c["item_count"], c["duration_ms"]))  # fmt: skip
            run = plan.run
            conn.execute(
                f"INSERT INTO {STAGE}.runs VALUES (%s, %s, %s, %s, %s, %s)",
                (account.account_id, run["schema_version"], run["interval"],
                 run["collected_at"], run["sender_version"], run["regions"]),
            )  # fmt: skip
            collectors = [
                (c["collector"], c["region"])
                for c in plan.collectors
                if c["status"] == "ok" and c["collector"] in generate.FAULT_COLLECTORS
            ]
            size, duration = sizes.get(account.account_id, (None, None))
            faults = []
            with conn.cursor().copy(
                f"COPY {STAGE}.days (account_id, day, run_id, rows, size_bytes, duration_ms) "
                "FROM STDIN"
            ) as copy:
                for day in history:
                    failed = set()
                    for collector, region in collectors:
                        status = generate.fault(seed, account.account_id, day, collector, region)
                        if status:
                            error = generate.FAULT_ERRORS[status]
                            faults.append(
                                (account.account_id, day, collector, region, status, error)
                            )
                            if status == "error":
                                failed.add((collector, region))
                    copy.write_row((
                        account.account_id, day, generate.run_id(seed, account.account_id, day),
                        Jsonb(_day_counts(info, day, failed)), size, duration,
                    ))  # fmt: skip
            with conn.cursor().copy(f"COPY {STAGE}.faults FROM STDIN") as copy:
                for fault in faults:
                    copy.write_row(fault)
            bases[account.account_id] = info
        conn.execute(f"ANALYZE {STAGE}.days")
    return bases


def _sample_sizes(admin_dsn: str) -> dict[str, tuple[int, int]]:
    """Per account: size and load time of its latest sample file (the history's stand-ins)."""
    with _connect(admin_dsn) as conn:
        found = conn.execute(
            "SELECT DISTINCT ON (account_id) account_id, size_bytes, duration_ms FROM ingestions "
            "WHERE status = 'loaded' ORDER BY account_id, id DESC"
        ).fetchall()
    return {str(a): (s, d) for a, s, d in found}


def _reported(plan: Any) -> dict[str, int]:
    """``ingestions.rows`` of a loaded document: rows per table, as `receiver.loader` counts."""
    counts = {"collection_runs": 1, "collector_runs": len(plan.collectors)}
    for built in plan.tables:
        counts[built.table.name] = counts.get(built.table.name, 0) + len(built.rows)
    return counts


def _faultable_owner(table: Any) -> Any | None:
    """The table whose collector's (collector, region) slices can fail, for ``table`` (itself,
    or a child table's parent), or None when its rows are never faulted."""
    from receiver.tables import BY_NAME

    owner = BY_NAME[table.parent] if table.parent else table
    if owner.collector in generate.FAULT_COLLECTORS and owner.region_column:
        return owner
    return None


def _mark_slices(table: Any, rows: list[dict[str, Any]], plan: Any) -> None:
    """Write each row's collector region (``scale_region``, staged with it): the row's own
    region column, or, for a child row that does not carry it (its parent's key names it, e.g.
    a Resilience Hub app's disruptions), its parent row's region: a failed slice leaves out the
    parent items of that region and their children with them."""
    owner = _faultable_owner(table)
    if owner is None:
        return
    if any(c.name == owner.region_column for c in table.columns):
        for row in rows:
            row["scale_region"] = row.get(owner.region_column) or ""
        return
    # a child's parent_fields are the parent item's fields (receiver.rows: parent.get(name));
    # the parent's row holds each under the column whose source it is
    by_source = {c.source: c.name for c in owner.columns}
    parent_columns = [by_source[name] for name in table.parent_fields]
    parent_rows = [r for b in plan.tables if b.table.name == owner.name for r in b.rows]
    regions = {
        tuple(p[c] for c in parent_columns): p.get(owner.region_column) or "" for p in parent_rows
    }
    for row in rows:
        row["scale_region"] = regions[tuple(row[name] for name in table.parent_fields)]


def _slices(table: Any, rows: list[dict[str, Any]], info: _AccountBase) -> None:
    """Count rows per faultable (collector, region) slice (``scale_region``, `_mark_slices`),
    and resources' first days."""
    owner = _faultable_owner(table)
    if owner is not None:
        for row in rows:
            where = (owner.collector, row["scale_region"])
            counts = info.slices.setdefault(where, {})
            counts[table.name] = counts.get(table.name, 0) + 1


def _day_counts(info: _AccountBase, day: date, failed: set[tuple[str, str]]) -> dict[str, int]:
    counts = dict(info.counts)
    for where in failed:
        for table, n in info.slices.get(where, {}).items():
            counts[table] -= n
    if "resources" in counts:
        unborn = 0
        for region, firsts in info.resource_regions.items():
            if ("resources", region) in failed:
                continue  # already left out with the failed slice
            unborn += len(firsts) - bisect.bisect_right(firsts, day)
        counts["resources"] -= unborn
    return counts


def _stage_columns(table: Any) -> str:
    from receiver.upsert import q

    columns = ["account_id char(12)"]
    if table.snapshot:
        columns.append(f"{q(table.snapshot)} date")
    columns += [f"{q(c.name)} {c.type}" for c in table.columns if c.name != "account_id"]
    return ", ".join(columns)


def _stage_rows(
    conn: Any,
    account: generate.Account,
    plan: Any,
    table: Any,
    rows: list[dict[str, Any]],
    seed: int,
    info: _AccountBase,
) -> None:
    from receiver.upsert import q

    if table.name == "resources":
        for row in rows:
            first = generate.born(seed, account.account_id, row["region"], row["resource_type"],
                                  row["resource_id"])  # fmt: skip
            row["scale_born"] = first.isoformat()
            bisect.insort(info.resource_regions.setdefault(row["region"], []), first)
    names = [c.name for c in table.columns if c.name != "account_id"]
    recordset = ", ".join(f"{q(c.name)} {c.type}" for c in table.columns if c.name != "account_id")
    snapshot = [q(table.snapshot)] if table.snapshot else []
    select_snapshot = ["CAST(%(snapshot)s AS date)"] if table.snapshot else []
    conn.execute(
        f"INSERT INTO {STAGE}.{q(table.name)} (account_id, {', '.join(snapshot + [q(n) for n in names])}, scale_born, scale_region) "  # noqa: E501
        f"SELECT %(account)s, {', '.join(select_snapshot + [f'r.{q(n)}' for n in names])}, "
        f"r.scale_born, r.scale_region FROM json_to_recordset(%(rows)s::json) "
        f"AS r({recordset}, scale_born date, scale_region text)",
        {"account": account.account_id, "snapshot": plan.snapshot_date, "rows": json.dumps(rows)},
    )


def fill_statements(seed: int) -> list[str]:
    """The fill's statements for a group of accounts (``%(accounts)s``), in order: ingestions,
    runs, collectors, then every table."""
    from receiver.upsert import q

    template_day = generate.TEMPLATE_DAY.isoformat()
    shift = f"(g.day - DATE '{template_day}')"
    mine = "g.account_id = ANY(%(accounts)s)"
    statements = [
        f"""
        WITH written AS (
            INSERT INTO ingestions (bucket, object_key, version_id, etag, size_bytes, account_id,
                                    run_id, status, rows, duration_ms, received_at, finished_at,
                                    schema_version)
            SELECT '{BUCKET}',
                   'data/' || g.account_id || '/' || r."interval" || '/' || (g.day - 1)::text
                       || '/' || g.run_id::text || '.json.gz',
                   substr(encode(sha256(convert_to('data/' || g.account_id || '/' || r."interval"
                       || '/' || (g.day - 1)::text || '/' || g.run_id::text || '.json.gz',
                       'UTF8')), 'hex'), 1, 32),
                   md5(g.run_id::text), g.size_bytes, g.account_id, g.run_id, 'loaded', g.rows,
                   g.duration_ms, r.collected_at + {shift} * interval '1 day' + interval '5 min',
                   r.collected_at + {shift} * interval '1 day' + interval '5 min'
                       + coalesce(g.duration_ms, 0) * interval '1 ms',
                   r.schema_version
            FROM {STAGE}.days g JOIN {STAGE}.runs r USING (account_id)
            WHERE {mine}
            ORDER BY g.account_id, g.day
            RETURNING id, account_id, run_id
        )
        UPDATE {STAGE}.days g SET ingestion_id = w.id
        FROM written w WHERE g.account_id = w.account_id AND g.run_id = w.run_id
        """,
        f"""
        INSERT INTO collection_runs (run_id, account_id, schema_version, "interval", window_start,
                                     window_end, collected_at, sender_version, regions,
                                     ingestion_id)
        SELECT g.run_id, g.account_id, r.schema_version, r."interval", g.day - 1, g.day,
               r.collected_at + {shift} * interval '1 day', r.sender_version, r.regions,
               g.ingestion_id
        FROM {STAGE}.days g JOIN {STAGE}.runs r USING (account_id)
        WHERE {mine}
        ORDER BY g.account_id, g.run_id
        """,
        f"""
        INSERT INTO collector_runs (account_id, run_id, collector, region, status, error,
                                    item_count, duration_ms, ingestion_id)
        SELECT g.account_id, g.run_id, c.collector, c.region, coalesce(f.status, c.status),
               CASE WHEN f.status IS NULL THEN c.error ELSE f.error END,
               CASE WHEN f.status = 'error' THEN 0 ELSE c.item_count END,
               c.duration_ms, g.ingestion_id
        FROM {STAGE}.days g
        JOIN {STAGE}.collectors c USING (account_id)
        LEFT JOIN {STAGE}.faults f ON f.account_id = g.account_id AND f.day = g.day
             AND f.collector = c.collector AND f.region = c.region
        WHERE {mine}
        ORDER BY g.account_id, g.run_id, c.collector, c.region
        """,
    ]
    for table in _stage_tables():
        owner = _faultable_owner(table)
        columns = ["account_id"] + ([table.snapshot] if table.snapshot else [])
        columns += [c.name for c in table.columns if c.name != "account_id"]
        types = {c.name: c.type for c in table.columns}
        if table.snapshot:
            types[table.snapshot] = "date"
        values = []
        for name in columns:
            kind = types.get(name, "")
            if kind == "date":
                values.append(f"s.{q(name)} + {shift}")
            elif kind == "timestamptz":
                values.append(f"s.{q(name)} + {shift} * interval '1 day'")
            elif table.name == "cost_daily" and name in generate.JITTER_FIELDS:
                text = (
                    "concat_ws('|', '"
                    + str(seed)
                    + "', s.account_id::text, g.day::text, s.service)"
                )
                factor = f"((8500 + mod({H32_SQL.format(text=text)}, 3001))::numeric / 10000)"
                values.append(f"round(s.{q(name)} * {factor}, 10)")
            else:
                values.append(f"s.{q(name)}")
        where = [mine]
        if table.name == "resources":
            where.append("s.scale_born <= g.day")
        if owner is not None:  # the row's slice (`_mark_slices`): its own or its parent's region
            where.append(
                f"NOT EXISTS (SELECT 1 FROM {STAGE}.faults f WHERE f.account_id = g.account_id "
                f"AND f.day = g.day AND f.collector = '{owner.collector}' "
                f"AND f.region = s.scale_region AND f.status = 'error')"
            )
        statements.append(
            f"INSERT INTO {q(table.name)} ({', '.join(map(q, columns))}, ingestion_id)\n"
            f"SELECT {', '.join(values)}, g.ingestion_id\n"
            f"FROM {STAGE}.{q(table.name)} s JOIN {STAGE}.days g ON g.account_id = s.account_id\n"
            f"WHERE {' AND '.join(where)}\n"
            f"ORDER BY g.account_id, g.day"
        )
    return statements


def run_counts_fill_sql() -> str:
    """The filled runs (the loaded sample's runs are counted already) get their collector_runs
    counted by status with the loader's own UPDATE (``receiver.loader.RUN_COUNTS_UPDATE``,
    sql/029)."""
    from receiver import loader

    return f"""
WITH counted AS ({loader.RUN_COUNTS_UPDATE}
    WHERE r.collectors_ok IS NULL
    RETURNING 1
)
SELECT count(*) AS counted FROM counted
"""


def finish(admin_dsn: str, progress: Callable[[str], None] = _print) -> None:
    """``snapshot_pointers`` (sql/021) rebuilt from the whole history with the loader's own SQL
    (`receiver.loader.POINTERS_REBUILD_SQL`), and the cost totals (sql/026) with
    `receiver.cost_totals.REBUILD_ALL_STATEMENTS`, where the tables exist, and the daily
    security posture (sql/027, `receiver.security_posture.rebuild`); the filled runs' collector
    counts (sql/029, ``run_counts_fill_sql``); then ANALYZE."""
    from receiver.db.psycopg_executor import PsycopgExecutor

    started = time.monotonic()
    executor = PsycopgExecutor(admin_dsn)
    try:
        found = executor.execute("SELECT to_regclass('public.snapshot_pointers') AS t")
        if found[0]["t"] is not None:
            from receiver import loader

            rebuilt = executor.execute(loader.POINTERS_REBUILD_SQL)[0]
            progress(
                f"snapshot_pointers rebuilt with the loader's SQL: {rebuilt['changed']} changed, "
                f"{rebuilt['deleted']} deleted"
            )
            from receiver import security_posture

            posture = security_posture.rebuild(executor)  # sql/027, after the pointers
            progress(
                f"security_posture_daily rebuilt with the loader's SQL: {posture['changed']} "
                f"changed, {posture['deleted']} deleted"
            )
        found = executor.execute("SELECT to_regclass('public.cost_month_totals') AS t")
        if found[0]["t"] is not None:
            from receiver import cost_totals

            for statement in cost_totals.REBUILD_ALL_STATEMENTS:
                executor.execute(statement)
            progress("cost totals (sql/026) rebuilt with the loader's SQL")
        from receiver import loader

        if executor.execute(loader.RUN_COUNTS_PRESENT_SQL)[0]["counted"]:
            counted = executor.execute(run_counts_fill_sql())[0]["counted"]
            progress(f"collector counts (sql/029) written on {counted} filled runs")
        executor.execute("ANALYZE")
    finally:
        executor.close()
    progress(f"pointers and ANALYZE done in {time.monotonic() - started:.1f} s")


def ensure_partitions(admin_dsn: str, first_day: date, last_day: date) -> int:
    """Monthly partitions (sql/022) for every month from ``first_day`` to ``last_day`` (and
    the maintenance's months ahead), created by `receiver.partitions.maintain` as the
    scheduled job does, before anything is written; returns the partitions created. Does
    nothing when the tables are not partitioned."""
    try:
        from receiver import partitions
    except ImportError:
        return 0
    from receiver.db.psycopg_executor import PsycopgExecutor

    # a document re-collects cost days up to a month before its window
    start = (first_day - timedelta(days=31)).replace(day=1)
    executor = PsycopgExecutor(admin_dsn)
    try:
        created = 0
        while start <= last_day:  # maintain creates at most MAX_MONTHS_AHEAD months at a time
            months = (last_day.year - start.year) * 12 + last_day.month - start.month
            ahead = min(partitions.MAX_MONTHS_AHEAD, months + partitions.DEFAULT_MONTHS_AHEAD)
            result = partitions.maintain(
                executor,
                today=start,
                retention_days=(last_day - start).days + partitions.DEFAULT_RETENTION_DAYS,
                months_ahead=ahead,
            )
            created += len(result.created)
            for _ in range(ahead + 1):
                start = (start + timedelta(days=32)).replace(day=1)
        return created
    finally:
        executor.close()
