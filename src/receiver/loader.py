"""One validated document into PostgreSQL: once, in one transaction, or not at all.

The file is claimed by inserting its ``ingestions`` row (unique on bucket, key and version)
inside the same transaction as its data. A concurrent delivery of the same file blocks on that
unique index until the first transaction ends, then finds the row already ``loaded`` and skips;
if the first rolled back, the second loads. A file that failed before may be loaded again (its
row is reused, ``attempts`` counts the tries).

Snapshots: rows are written under the run's snapshot date, so older snapshots stay as history
and the ``*_current`` views of ``sql/007`` pick the latest successful one, through the account's
``snapshot_pointers`` (``sql/021``), which the file's transaction brings up to date last
(``refresh_pointers``). Within the same
snapshot date, a collector whose status is ``ok`` replaces what an earlier run of that day
wrote for its slice (its region, or the account): rows this file did not write are deleted. A
file older (by ``collected_at``) than a run already loaded for that day and slice writes
nothing there. ``partial``, ``error`` and ``skipped`` collectors never delete anything.

Organization cost mode: other accounts' Cost Explorer rows (already authorised by
``rows.build``) are upserted under their own account ids, exactly as their own senders' rows
would be (those tables have no snapshot, so there is no slice to replace); an ``accounts`` row
is created for each of those accounts first (the foreign key), without touching known details.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from receiver import cost_totals, security_posture, upsert
from receiver import rows as rowbuilder
from receiver.db import DatabaseError, Executor, TransientDatabaseError
from receiver.failures import PermanentLoadError, TransientLoadError
from receiver.rows import LazyRows, RowPlan, can_be_lazy
from receiver.tables import ACCOUNTS, TABLES, Table, TableRows


@dataclass(frozen=True)
class FileRef:
    """Identity of one file version: S3 bucket, key and version ('' when unversioned)."""

    bucket: str
    key: str
    version_id: str = ""
    etag: str | None = None
    size: int | None = None
    account_id: str | None = None  # as named by the key


@dataclass
class LoadResult:
    status: str  # loaded | skipped | failed | missing
    ref: FileRef
    ingestion_id: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    duration_ms: int = 0
    error: PermanentLoadError | None = None
    run_id: str | None = None
    ignored_fields: list[str] = field(default_factory=list)  # of a newer minor contract version


CLAIM_SQL = """
INSERT INTO ingestions AS i (bucket, object_key, version_id, etag, size_bytes, account_id,
                             run_id, status)
VALUES (:bucket, :object_key, :version_id, :etag, :size_bytes, :account_id,
        CAST(:run_id AS uuid), 'loaded')
ON CONFLICT (bucket, object_key, version_id) DO UPDATE
    SET status = 'loaded', error = NULL, etag = EXCLUDED.etag, size_bytes = EXCLUDED.size_bytes,
        account_id = EXCLUDED.account_id, run_id = EXCLUDED.run_id, finished_at = NULL,
        attempts = i.attempts + 1
    WHERE i.status <> 'loaded'
RETURNING id
"""

FINISH_SQL = """
UPDATE ingestions
SET rows = CAST(:rows AS jsonb), duration_ms = :duration_ms, finished_at = now(),
    schema_version = :schema_version, ignored_field_count = :ignored_field_count,
    ignored_fields = ARRAY(SELECT jsonb_array_elements_text(CAST(:ignored_fields AS jsonb)))
WHERE id = :ingestion_id
"""

# ingestions.ignored_fields keeps the first pointers only; ignored_field_count counts them all
MAX_IGNORED_FIELDS_KEPT = 100
# Tables whose rows `rowbuilder.build` makes lazily (built while they are written, see
# `rowbuilder.LazyRows`): every one it can, but those whose rows `_write` reads before writing
# them (the days a cost table covers, the months of the forecasts).
LAZY_TABLES = frozenset(
    t.name
    for t in TABLES
    if can_be_lazy(t)
    and t.replace_days is None
    and t.name not in ("cost_forecasts", "organization_cost_forecasts")
)

FAIL_SQL = """
INSERT INTO ingestions AS i (bucket, object_key, version_id, etag, size_bytes, account_id,
                             run_id, status, error, duration_ms, finished_at)
VALUES (:bucket, :object_key, :version_id, :etag, :size_bytes, :account_id,
        CAST(:run_id AS uuid), 'failed', :error, :duration_ms, now())
ON CONFLICT (bucket, object_key, version_id) DO UPDATE
    SET status = 'failed', error = EXCLUDED.error, etag = EXCLUDED.etag,
        size_bytes = EXCLUDED.size_bytes, account_id = EXCLUDED.account_id,
        run_id = EXCLUDED.run_id, rows = '{}'::jsonb, duration_ms = EXCLUDED.duration_ms,
        finished_at = now(), attempts = i.attempts + 1
    WHERE i.status <> 'loaded'
RETURNING id
"""

STATUS_SQL = """
SELECT id, status FROM ingestions
WHERE bucket = :bucket AND object_key = :object_key AND version_id = :version_id
"""

ENSURE_ACCOUNT_SQL = """
INSERT INTO accounts (account_id, ingestion_id)
VALUES (CAST(:account_id AS char(12)), :ingestion_id)
ON CONFLICT (account_id) DO NOTHING
"""

ENSURE_ACCOUNTS_SQL = """
INSERT INTO accounts (account_id, ingestion_id)
SELECT CAST(e.value AS char(12)), :ingestion_id
FROM jsonb_array_elements_text(CAST(:accounts AS jsonb)) AS e(value)
ON CONFLICT (account_id) DO NOTHING
"""

RUN_SQL = """
WITH written AS (
    INSERT INTO collection_runs AS t (run_id, account_id, schema_version, "interval",
                                      window_start, window_end, collected_at, sender_version,
                                      regions, ingestion_id)
    SELECT CAST(:run_id AS uuid), CAST(:account_id AS char(12)), :schema_version, :interval,
           CAST(:window_start AS date), CAST(:window_end AS date),
           CAST(:collected_at AS timestamptz), :sender_version,
           ARRAY(SELECT jsonb_array_elements_text(CAST(:regions AS jsonb))), :ingestion_id
    ON CONFLICT (account_id, run_id) DO UPDATE
        SET schema_version = EXCLUDED.schema_version, "interval" = EXCLUDED."interval",
            window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end,
            collected_at = EXCLUDED.collected_at, sender_version = EXCLUDED.sender_version,
            regions = EXCLUDED.regions, ingestion_id = EXCLUDED.ingestion_id,
            last_loaded_at = now()
    RETURNING 1
)
SELECT count(*) AS written FROM written
"""

DELETE_COLLECTORS_SQL = """
DELETE FROM collector_runs
WHERE account_id = CAST(:account_id AS char(12)) AND run_id = CAST(:run_id AS uuid)
"""

COLLECTORS_SQL = """
WITH written AS (
    INSERT INTO collector_runs (account_id, run_id, collector, region, status, error,
                                item_count, duration_ms, ingestion_id)
    SELECT CAST(:account_id AS char(12)), CAST(:run_id AS uuid), r.collector, r.region,
           r.status, r.error, r.item_count, r.duration_ms, :ingestion_id
    FROM json_to_recordset(CAST(:rows AS json))
         AS r(collector text, region text, status text, error text, item_count integer,
              duration_ms integer)
    RETURNING 1
)
SELECT count(*) AS written,
       EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = 'collection_runs'::regclass AND attname = 'collectors_ok'
                 AND NOT attisdropped) AS counted
FROM written
"""

# A run's collector_runs counted by status onto its collection_runs row (sql/029): the UPDATE
# with its SET; each use adds the runs it counts (a WHERE on ``r``).
RUN_COUNTS_UPDATE = """
UPDATE collection_runs r
SET (collectors_ok, collectors_partial, collectors_skipped, collectors_error) = (
    SELECT count(*) FILTER (WHERE c.status = 'ok'), count(*) FILTER (WHERE c.status = 'partial'),
           count(*) FILTER (WHERE c.status = 'skipped'), count(*) FILTER (WHERE c.status = 'error')
    FROM collector_runs c
    WHERE c.account_id = r.account_id AND c.run_id = r.run_id)
"""
# The file's run, after its collector rows are replaced.
RUN_COUNTS_SQL = (
    RUN_COUNTS_UPDATE
    + "WHERE r.account_id = CAST(:account_id AS char(12)) AND r.run_id = CAST(:run_id AS uuid)\n"
)

RUN_COUNTS_PRESENT_SQL = """
SELECT EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = 'collection_runs'::regclass AND attname = 'collectors_ok'
                 AND NOT attisdropped) AS counted
"""

RUN_COUNTS_ACCOUNT_SQL = f"""
WITH recounted AS ({RUN_COUNTS_UPDATE}
    WHERE r.account_id = CAST(:account_id AS char(12)) AND r.collectors_ok IS NOT NULL
    RETURNING 1
)
SELECT count(*) AS recounted FROM recounted
"""

# Slices of this snapshot date that a run collected later than this one already delivered.
NEWER_SLICES_SQL = """
SELECT DISTINCT c.collector, c.region
FROM collection_runs r
JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
WHERE r.account_id = CAST(:account_id AS char(12))
  AND r.window_end = CAST(:window_end AS date)
  AND r.run_id <> CAST(:run_id AS uuid)
  AND r.collected_at > CAST(:collected_at AS timestamptz)
  AND c.status IN ('ok', 'partial')
"""


# Current-state pointers (sql/021_snapshot_pointers.sql), kept in each file's transaction.
#
# Loads of one account are serialized here, after their rows are written and before the
# recompute, in a statement of its own: the recompute's READ COMMITTED snapshot then sees every
# run a concurrent load of the same account committed while this one waited. Without it, two
# files of one account loading at once would each recompute without the other's uncommitted run,
# and the later commit could leave a stale pointer. The two-key form keeps clear of the
# migrations' one-key lock (receiver.db.roles.LOCK_KEY).
POINTER_LOCK_CLASS = 0x534E5054  # "SNPT"
POINTERS_LOCK_SQL = """
SELECT pg_advisory_xact_lock(CAST(:lock_class AS integer), hashtext(:account_id)) IS NULL AS locked
"""

# The pointers this file can change, recomputed from the account's history. Only this file's
# run (its collectors, and the severity counts of its snapshot date) changed, so, the pointers
# being exact before it, no other run newer than a key's pointer is good for that key:
#   * a key that has a pointer is walked back from the pointer's date to the first good run
#     (the pointer's own run, unless this file made it worse: delivered again with ok -> error,
#     another window or fewer collectors, it moves back);
#   * any key can gain this file's snapshot date, and only it: those this file reports good, and
#     the Security Hub regions with counts on this date (they may complete another run of the
#     day) are checked on that date alone.
# A key's pointer is the latest date its walks found; none found: the pointer is deleted.
# Each walk reads collection_runs backwards by window_end (index) and probes collector_runs by
# its primary key: a few index reads per key however long the history. The conditions are the
# read-time definitions of sql/007, 014 and 015 (see sql/021).
POINTERS_SQL = """
WITH doc AS (
    SELECT d.collector, d.region, d.status, d.error
    FROM json_to_recordset(CAST(:collectors AS json))
         AS d(collector text, region text, status text, error text)
),
candidates AS (
    SELECT p.kind, p.collector, p.region, p.snapshot_date AS hi, CAST('-infinity' AS date) AS lo
    FROM snapshot_pointers p
    WHERE p.account_id = CAST(:account_id AS char(12))
    UNION ALL
    SELECT 'region', d.collector, d.region, CAST(:snapshot_date AS date),
           CAST(:snapshot_date AS date)
    FROM doc d WHERE d.status IN ('ok', 'partial')
    UNION ALL
    SELECT 'account', d.collector, '', CAST(:snapshot_date AS date), CAST(:snapshot_date AS date)
    FROM doc d GROUP BY d.collector HAVING bool_and(d.status IN ('ok', 'partial'))
    UNION ALL
    SELECT DISTINCT 'securityhub_counts', 'securityhub', t.region, CAST(:snapshot_date AS date),
           CAST(:snapshot_date AS date)
    FROM securityhub_severity_counts t
    WHERE t.account_id = CAST(:account_id AS char(12))
      AND t.snapshot_date = CAST(:snapshot_date AS date)
    UNION ALL
    SELECT 'config_rules', 'config', d.region, CAST(:snapshot_date AS date),
           CAST(:snapshot_date AS date)
    FROM doc d WHERE d.collector = 'config' AND d.status IN ('ok', 'partial')
),
keys AS (
    SELECT DISTINCT kind, collector, region, hi, lo FROM candidates
),
walked AS (
    SELECT k.kind, k.collector, k.region, w.snapshot_date
    FROM keys k
    LEFT JOIN LATERAL (
        SELECT r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        WHERE r.account_id = CAST(:account_id AS char(12))
          AND r.window_end <= k.hi + 1 AND r.window_end > k.lo
          AND EXISTS (
              SELECT 1 FROM collector_runs c
              WHERE c.account_id = r.account_id AND c.run_id = r.run_id
                AND c.collector = k.collector AND c.region = k.region
                AND c.status IN ('ok', 'partial'))
        ORDER BY r.window_end DESC
        LIMIT 1
    ) w ON true
    WHERE k.kind = 'region'
    UNION ALL
    SELECT k.kind, k.collector, k.region, w.snapshot_date
    FROM keys k
    LEFT JOIN LATERAL (
        SELECT r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        WHERE r.account_id = CAST(:account_id AS char(12))
          AND r.window_end <= k.hi + 1 AND r.window_end > k.lo
          AND EXISTS (
              SELECT 1 FROM collector_runs c
              WHERE c.account_id = r.account_id AND c.run_id = r.run_id
                AND c.collector = k.collector)
          AND NOT EXISTS (
              SELECT 1 FROM collector_runs c
              WHERE c.account_id = r.account_id AND c.run_id = r.run_id
                AND c.collector = k.collector AND c.status NOT IN ('ok', 'partial'))
        ORDER BY r.window_end DESC
        LIMIT 1
    ) w ON true
    WHERE k.kind = 'account'
    UNION ALL
    SELECT k.kind, k.collector, k.region, w.snapshot_date
    FROM keys k
    LEFT JOIN LATERAL (
        SELECT r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        WHERE r.account_id = CAST(:account_id AS char(12))
          AND r.window_end <= k.hi + 1 AND r.window_end > k.lo
          AND EXISTS (
              SELECT 1 FROM collector_runs c
              WHERE c.account_id = r.account_id AND c.run_id = r.run_id
                AND c.collector = 'securityhub' AND c.region = k.region
                AND c.status IN ('ok', 'partial'))
          AND EXISTS (
              SELECT 1 FROM securityhub_severity_counts t
              WHERE t.account_id = r.account_id AND t.snapshot_date = r.window_end - 1
                AND t.region = k.region)
        ORDER BY r.window_end DESC
        LIMIT 1
    ) w ON true
    WHERE k.kind = 'securityhub_counts'
    UNION ALL
    SELECT k.kind, k.collector, k.region, w.snapshot_date
    FROM keys k
    LEFT JOIN LATERAL (
        SELECT r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        WHERE r.account_id = CAST(:account_id AS char(12))
          AND r.window_end <= k.hi + 1 AND r.window_end > k.lo
          AND EXISTS (
              SELECT 1 FROM collector_runs c
              WHERE c.account_id = r.account_id AND c.run_id = r.run_id
                AND c.collector = 'config' AND c.region = k.region
                AND (c.status = 'ok'
                     OR (c.status = 'partial'
                         AND coalesce(c.error, '') NOT LIKE 'time budget exhausted%'
                         AND coalesce(c.error, '')
                             NOT LIKE '%did not finish within its time budget%')))
        ORDER BY r.window_end DESC
        LIMIT 1
    ) w ON true
    WHERE k.kind = 'config_rules'
),
computed AS (
    SELECT kind, collector, region, max(snapshot_date) AS snapshot_date
    FROM walked
    GROUP BY kind, collector, region
),
upserted AS (
    INSERT INTO snapshot_pointers AS p (account_id, kind, collector, region, snapshot_date)
    SELECT CAST(:account_id AS char(12)), c.kind, c.collector, c.region, c.snapshot_date
    FROM computed c
    WHERE c.snapshot_date IS NOT NULL
    ON CONFLICT (account_id, kind, collector, region) DO UPDATE
        SET snapshot_date = EXCLUDED.snapshot_date, updated_at = now()
        WHERE p.snapshot_date <> EXCLUDED.snapshot_date
    RETURNING 1
),
deleted AS (
    DELETE FROM snapshot_pointers p
    USING computed c
    WHERE p.account_id = CAST(:account_id AS char(12))
      AND p.kind = c.kind AND p.collector = c.collector AND p.region = c.region
      AND c.snapshot_date IS NULL
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed, (SELECT count(*) FROM deleted) AS deleted,
       to_regclass('public.security_posture_daily') IS NOT NULL AS posture
"""


def _rebuild_sql(account: str | None) -> str:
    """Pointers rebuilt from the whole history with the read-time definitions as aggregates:
    of one account (``account`` is its SQL expression) or, given None, of every account."""
    runs = "TRUE" if account is None else f"c.account_id = {account} AND r.account_id = {account}"
    mine = "TRUE" if account is None else f"p.account_id = {account}"
    return f"""
WITH history AS (
    SELECT c.account_id, c.collector, c.region, c.run_id, r.window_end - 1 AS snapshot_date,
           c.status IN ('ok', 'partial') AS good,
           c.collector = 'config'
           AND (c.status = 'ok'
                OR (c.status = 'partial'
                    AND coalesce(c.error, '') NOT LIKE 'time budget exhausted%'
                    AND coalesce(c.error, '') NOT LIKE '%did not finish within its time budget%'))
               AS rules_complete
    FROM collector_runs c
    JOIN collection_runs r ON r.account_id = c.account_id AND r.run_id = c.run_id
    WHERE {runs}
),
computed AS (
    SELECT h.account_id, 'region' AS kind, h.collector, h.region,
           max(h.snapshot_date) FILTER (WHERE h.good) AS snapshot_date
    FROM history h
    GROUP BY h.account_id, h.collector, h.region
    UNION ALL
    SELECT x.account_id, 'account', x.collector, '', max(x.snapshot_date) FILTER (WHERE x.good)
    FROM (
        SELECT h.account_id, h.collector, h.run_id, h.snapshot_date, bool_and(h.good) AS good
        FROM history h
        GROUP BY h.account_id, h.collector, h.run_id, h.snapshot_date
    ) x
    GROUP BY x.account_id, x.collector
    UNION ALL
    SELECT x.account_id, 'securityhub_counts', 'securityhub', x.region,
           max(x.snapshot_date) FILTER (WHERE x.counted)
    FROM (
        SELECT h.account_id, h.region, h.snapshot_date,
               h.good AND EXISTS (
                   SELECT 1 FROM securityhub_severity_counts t
                   WHERE t.account_id = h.account_id
                     AND t.snapshot_date = h.snapshot_date AND t.region = h.region) AS counted
        FROM history h
        WHERE h.collector = 'securityhub'
    ) x
    GROUP BY x.account_id, x.region
    UNION ALL
    SELECT h.account_id, 'config_rules', 'config', h.region,
           max(h.snapshot_date) FILTER (WHERE h.rules_complete)
    FROM history h
    WHERE h.collector = 'config'
    GROUP BY h.account_id, h.region
),
upserted AS (
    INSERT INTO snapshot_pointers AS p (account_id, kind, collector, region, snapshot_date)
    SELECT c.account_id, c.kind, c.collector, c.region, c.snapshot_date
    FROM computed c
    WHERE c.snapshot_date IS NOT NULL
    ON CONFLICT (account_id, kind, collector, region) DO UPDATE
        SET snapshot_date = EXCLUDED.snapshot_date, updated_at = now()
        WHERE p.snapshot_date <> EXCLUDED.snapshot_date
    RETURNING 1
),
deleted AS (
    DELETE FROM snapshot_pointers p
    WHERE {mine}
      AND NOT EXISTS (
          SELECT 1 FROM computed c
          WHERE c.account_id = p.account_id AND c.kind = p.kind AND c.collector = p.collector
            AND c.region = p.region AND c.snapshot_date IS NOT NULL)
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed, (SELECT count(*) FROM deleted) AS deleted
"""


# For history written without the loader (a bulk fill, a restore): every pointer of one account
# (``rebuild_pointers``), or of every account (no parameters; one statement, no account lock:
# run it while nothing loads).
POINTERS_REBUILD_ACCOUNT_SQL = _rebuild_sql("CAST(:account_id AS char(12))")
POINTERS_REBUILD_SQL = _rebuild_sql(None)


def status_of(executor: Executor, ref: FileRef) -> str | None:
    """The recorded status of this file version, or None if never seen."""
    found = executor.execute(STATUS_SQL, _identity(ref))
    return found[0]["status"] if found else None


def load(
    executor: Executor,
    ref: FileRef,
    doc: dict[str, Any],
    *,
    started: float | None = None,
    max_request_bytes: int = upsert.MAX_REQUEST_BYTES,
) -> LoadResult:
    """Write the document's rows and its ``ingestions`` row in one transaction.

    Raises ``PermanentLoadError`` (the document or the database refuses the data; nothing was
    written) or ``TransientLoadError`` (try again later; nothing was written).
    """
    plan = rowbuilder.build(doc)
    return load_plan(executor, ref, plan, started=started, max_request_bytes=max_request_bytes)


def load_plan(
    executor: Executor,
    ref: FileRef,
    plan: RowPlan,
    *,
    started: float | None = None,
    max_request_bytes: int = upsert.MAX_REQUEST_BYTES,
    before_commit: Callable[[], None] | None = None,
) -> LoadResult:
    """``load`` for rows already built (each table's rows are released once written).

    ``before_commit``: called last in the transaction; an error it raises rolls it back (the
    receiver's contract check, which runs while the rows are written).
    """
    started = time.monotonic() if started is None else started
    result = LoadResult(
        "loaded", ref, run_id=plan.run["run_id"], ignored_fields=plan.ignored_fields
    )
    try:
        with executor.transaction() as tx:
            claimed = tx.execute(CLAIM_SQL, {**_identity(ref), **_about(ref, plan.run["run_id"])})
            if not claimed:
                result.status = "skipped"
            else:
                result.ingestion_id = int(claimed[0]["id"])
                _write(tx, plan, result, max_request_bytes)
                result.duration_ms = _elapsed_ms(started)
                tx.execute(
                    FINISH_SQL,
                    {
                        "rows": json.dumps(result.rows, sort_keys=True),
                        "duration_ms": result.duration_ms,
                        "ingestion_id": result.ingestion_id,
                        "schema_version": plan.run["schema_version"],
                        "ignored_field_count": len(plan.ignored_fields),
                        "ignored_fields": json.dumps(plan.ignored_fields[:MAX_IGNORED_FIELDS_KEPT]),
                    },
                )
            if before_commit is not None:
                before_commit()
    except TransientDatabaseError as exc:
        raise TransientLoadError(f"database unavailable: {exc}") from exc
    except DatabaseError as exc:
        raise PermanentLoadError("database", f"the database refused the data: {exc}") from exc
    if result.status == "skipped":
        result.rows = {}
        result.ingestion_id = None
    result.duration_ms = _elapsed_ms(started)
    return result


def record_failure(
    executor: Executor,
    ref: FileRef,
    error: PermanentLoadError,
    *,
    run_id: str | None = None,
    started: float | None = None,
) -> LoadResult:
    """Record a failed file in ``ingestions`` (its own transaction); no data row is written."""
    started = time.monotonic() if started is None else started
    result = LoadResult("failed", ref, error=error, run_id=run_id)
    result.duration_ms = _elapsed_ms(started)
    values = {
        **_identity(ref),
        **_about(ref, run_id),
        "error": str(error)[:8192],
        "duration_ms": result.duration_ms,
    }
    try:
        found = executor.execute(FAIL_SQL, values)
    except TransientDatabaseError as exc:
        raise TransientLoadError(f"database unavailable: {exc}") from exc
    except DatabaseError as exc:  # nothing else to do with it: retry, then the DLQ keeps it
        raise TransientLoadError(f"cannot record the failure: {exc}") from exc
    result.ingestion_id = int(found[0]["id"]) if found else None
    return result


def _identity(ref: FileRef) -> dict[str, Any]:
    return {"bucket": ref.bucket, "object_key": ref.key, "version_id": ref.version_id}


def _about(ref: FileRef, run_id: str | None) -> dict[str, Any]:
    return {
        "etag": ref.etag,
        "size_bytes": ref.size,
        "account_id": ref.account_id,
        "run_id": run_id if run_id and _is_uuid(run_id) else None,
    }


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))


def _write(tx: Executor, plan: RowPlan, result: LoadResult, max_request_bytes: int) -> None:
    params = {
        "account_id": plan.account_id,
        "snapshot_date": plan.snapshot_date,
        "ingestion_id": result.ingestion_id,
    }
    limit = {"max_request_bytes": max_request_bytes}
    built_accounts = next((t for t in plan.tables if t.table.name == "accounts"), None)
    if built_accounts is None:
        tx.execute(ENSURE_ACCOUNT_SQL, params)
    else:
        result.rows["accounts"] = upsert.upsert(tx, ACCOUNTS, built_accounts.rows, params, **limit)
    if plan.other_accounts:
        tx.execute(
            ENSURE_ACCOUNTS_SQL,
            {"accounts": json.dumps(plan.other_accounts), "ingestion_id": result.ingestion_id},
        )
    _write_run(tx, plan, result)

    newer = _newer_slices(tx, plan)
    statuses = plan.collector_status()
    dropped: dict[str, list[dict[str, Any]]] = {}  # parent table -> rows not written
    cost_months: set[tuple[str, str]] = set()  # (account, month) whose cost changed
    forecast_months: set[str] = set()  # months of the forecasts written
    for built in plan.tables:
        table = built.table
        if table is ACCOUNTS:
            continue
        rows, pointers, parents = built.rows, built.pointers, built.parents
        lazy = isinstance(rows, LazyRows)
        if newer and table.snapshot and lazy:  # no children: what it leaves out is not needed
            rows.keep = functools.partial(_is_older, table, newer=newer, statuses=statuses)
        elif newer and table.snapshot:
            rows, pointers, parents, dropped[table.name] = _older_than_loaded(
                built, newer, statuses, dropped
            )
        if table.parent is not None:
            removed = upsert.delete_children(tx, table, parents, params, **limit)
            if removed:
                result.removed[table.name] = removed
        days = _covered_days(table, rows, plan, statuses)
        if table.name == "cost_daily":  # its months' totals are recomputed below (sql/026)
            cost_months.update(_cost_months(table, rows, days, plan.account_id))
        elif table.name == "cost_forecasts":  # so are the latest forecasts of its months
            forecast_months.update(cost_totals.month_of(r["period_start"]) for r in rows)
        written_rows = upsert.upsert(tx, table, rows, params, pointers=pointers, **limit)
        if days:
            removed = upsert.delete_days(tx, table, days, params, **limit)
            if removed:
                result.removed[table.name] = result.removed.get(table.name, 0) + removed
        # += : in organization cost mode a table may come twice (own rows, other accounts')
        result.rows[table.name] = result.rows.get(table.name, 0) + written_rows
        written = rows.read > 0 if lazy else bool(rows)
        built.rows, built.pointers = [], []  # written: let the memory go
        del rows, pointers
        if not written and not table.replace_when_empty:
            continue
        if table.snapshot and table.collector and table.parent is None:
            removed = _replace_slices(tx, table, params, statuses, newer)
            if removed:
                result.removed[table.name] = removed
    cost_totals.refresh(
        tx,
        plan.account_id,
        cost_months,
        lock_class=POINTER_LOCK_CLASS,
        forecast_months=forecast_months,
        snapshot_date=plan.snapshot_date,
    )
    pointers = refresh_pointers(tx, plan.account_id, plan.snapshot_date, plan.collectors)
    if pointers["posture"]:  # sql/027 applied: the account's daily security posture follows
        security_posture.refresh(tx, plan.account_id)


def refresh_pointers(
    tx: Executor, account_id: str, snapshot_date: str, collectors: list[dict[str, Any]]
) -> dict[str, int]:
    """Bring the account's ``snapshot_pointers`` up to date after one file's rows are written
    (inside its transaction ``tx``): serialize with other loads of the account, then recompute
    the pointers the file can change (``POINTERS_SQL``). ``collectors`` are the file's
    ``collector_runs`` rows (collector, region, status, error). Returns how many pointers were
    changed (inserted or moved) and deleted, and ``posture`` 1 if ``security_posture_daily``
    (sql/027) exists."""
    _lock_pointers(tx, account_id)
    found = tx.execute(
        POINTERS_SQL,
        {
            "account_id": account_id,
            "snapshot_date": snapshot_date,
            "collectors": json.dumps(
                [
                    {k: c.get(k) for k in ("collector", "region", "status", "error")}
                    for c in collectors
                ]
            ),
        },
    )
    return {
        "changed": int(found[0]["changed"]),
        "deleted": int(found[0]["deleted"]),
        "posture": int(bool(found[0]["posture"])),
    }


def rebuild_pointers(tx: Executor, account_id: str) -> dict[str, int]:
    """Rebuild every pointer of one account from its whole history, for history written without
    the loader (a bulk fill, a test's seed): ``POINTERS_REBUILD_ACCOUNT_SQL``. Returns how many
    pointers were changed and deleted."""
    _lock_pointers(tx, account_id)
    found = tx.execute(POINTERS_REBUILD_ACCOUNT_SQL, {"account_id": account_id})
    rebuild_run_counts(tx, account_id)
    return {"changed": int(found[0]["changed"]), "deleted": int(found[0]["deleted"])}


def rebuild_run_counts(tx: Executor, account_id: str) -> int:
    """Recount the collectors of one account's counted runs (sql/029: runs whose counts are not
    NULL) from ``collector_runs``, for collector rows written without the loader. Nothing on a
    database without 029. Returns how many runs were recounted."""
    found = tx.execute(RUN_COUNTS_PRESENT_SQL)
    if not found[0]["counted"]:
        return 0
    return int(tx.execute(RUN_COUNTS_ACCOUNT_SQL, {"account_id": account_id})[0]["recounted"])


def _cost_months(
    table: Table, rows: list[dict[str, Any]], days: list[dict[str, Any]], account_id: str
) -> set[tuple[str, str]]:
    """(account, month) of every cost_daily row written and every day replaced."""
    found = {(d["account_id"], cost_totals.month_of(d["day"])) for d in days}
    for row in rows:
        owner = row["account_id"] if table.account_per_row else account_id
        found.add((owner, cost_totals.month_of(row["usage_date"])))
    return found


def rebuild_cost_totals(tx: Executor, account_id: str) -> dict[str, int]:
    """Every month of one account's cost totals and latest forecasts (sql/026) recomputed from
    ``cost_daily`` and ``cost_forecasts``, for cost written without the loader
    (``cost_totals.rebuild``)."""
    return cost_totals.rebuild(tx, account_id, lock_class=POINTER_LOCK_CLASS)


def _lock_pointers(tx: Executor, account_id: str) -> None:
    tx.execute(POINTERS_LOCK_SQL, {"lock_class": POINTER_LOCK_CLASS, "account_id": account_id})


def _covered_days(
    table: Table,
    rows: list[dict[str, Any]],
    plan: RowPlan,
    statuses: dict[tuple[str, str], str],
) -> list[dict[str, Any]]:
    """(account, day) pairs whose rows this file replaces (`Table.replace_days`): only when its
    collector is ``ok``; the window's days for the sending account, and every day a row names
    for the row's account (a scheduled run re-collects days before its window)."""
    if table.replace_days is None or statuses.get((table.replace_days, "")) != "ok":
        return []
    day = table.key[1] if table.account_per_row else table.key[0]
    pairs = (
        {(plan.account_id, d) for d in _window_days(plan)} if not table.account_per_row else set()
    )
    for row in rows:
        pairs.add((row["account_id"] if table.account_per_row else plan.account_id, row[day]))
    return [{"account_id": a, "day": d} for a, d in sorted(pairs)]


def _window_days(plan: RowPlan) -> list[str]:
    start = date.fromisoformat(plan.run["window_start"])
    end = date.fromisoformat(plan.run["window_end"])
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days)]


def _write_run(tx: Executor, plan: RowPlan, result: LoadResult) -> None:
    run = plan.run
    values = {
        **run,
        "regions": json.dumps(run["regions"]),
        "account_id": plan.account_id,
        "ingestion_id": result.ingestion_id,
    }
    # (account_id, run_id) is the key: another account's run with the same id is another row
    result.rows["collection_runs"] = int(tx.execute(RUN_SQL, values)[0]["written"])
    scope = {"account_id": plan.account_id, "run_id": run["run_id"]}
    tx.execute(DELETE_COLLECTORS_SQL, scope)
    collectors = json.dumps(plan.collectors)
    found = tx.execute(
        COLLECTORS_SQL, {**scope, "rows": collectors, "ingestion_id": result.ingestion_id}
    )
    result.rows["collector_runs"] = int(found[0]["written"])
    if found[0]["counted"]:  # sql/029 applied: the run row carries its collectors' counts
        tx.execute(RUN_COUNTS_SQL, scope)


def _older_than_loaded(
    built: TableRows,
    newer: set[tuple[str, str]],
    statuses: dict[tuple[str, str], str],
    dropped: dict[str, list[dict[str, Any]]],
) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Split off rows of slices a later run of the same day already delivered."""
    table = built.table
    keep: list[int] = []
    lost: list[dict[str, Any]] = []
    if table.parent is None:
        for i, row in enumerate(built.rows):
            if _is_newer(table, row, newer, statuses):
                lost.append(row)
            else:
                keep.append(i)
        parents = built.parents
    else:
        fields = table.parent_fields
        gone = {tuple(p[f] for f in fields) for p in dropped.get(table.parent, [])}
        for i, row in enumerate(built.rows):
            if tuple(row[f] for f in fields) in gone:
                lost.append(row)
            else:
                keep.append(i)
        parents = [p for p in built.parents if tuple(p[f] for f in fields) not in gone]
    rows = [built.rows[i] for i in keep]
    pointers = [built.pointers[i] for i in keep]
    return rows, pointers, parents, lost


def _is_older(
    table: Table,
    row: dict[str, Any],
    *,
    newer: set[tuple[str, str]],
    statuses: dict[tuple[str, str], str],
) -> bool:
    """`LazyRows.keep` of a table: the row is not in a slice a later run already delivered."""
    return not _is_newer(table, row, newer, statuses)


def _is_newer(
    table: Table,
    row: dict[str, Any],
    newer: set[tuple[str, str]],
    statuses: dict[tuple[str, str], str],
) -> bool:
    if table.collector is None:
        return False
    if table.account_wide:
        return any(collector == table.collector for collector, _ in newer)
    region = ""
    if table.region_column:
        region = row.get(table.region_column) or _null_region(table, statuses)
    return (table.collector, region) in newer


def _null_region(table: Table, statuses: dict[tuple[str, str], str]) -> str:
    """The slice of a row without a region: the global one if reported, else the table's."""
    return "" if (table.collector or "", "") in statuses else table.null_region


def _replace_slices(
    tx: Executor,
    table: Table,
    params: dict[str, Any],
    statuses: dict[tuple[str, str], str],
    newer: set[tuple[str, str]],
) -> int:
    """Delete what earlier runs of this day wrote in the slices this file has complete."""
    mine = {r: s for (c, r), s in statuses.items() if c == table.collector}
    if table.account_wide:
        complete = bool(mine) and all(s == "ok" for s in mine.values())
        if not complete or any(c == table.collector for c, _ in newer):
            return 0
        return upsert.delete_stale(tx, table, params, None)
    regions = {r for r, s in mine.items() if s == "ok" and (table.collector, r) not in newer}
    if table.region_column is None:
        return upsert.delete_stale(tx, table, params, None) if "" in regions else 0
    if not regions:
        return 0
    return upsert.delete_stale(tx, table, params, regions, _null_region(table, statuses))


def _newer_slices(tx: Executor, plan: RowPlan) -> set[tuple[str, str]]:
    found = tx.execute(
        NEWER_SLICES_SQL,
        {
            "account_id": plan.account_id,
            "window_end": plan.run["window_end"],
            "run_id": plan.run["run_id"],
            "collected_at": plan.run["collected_at"],
        },
    )
    return {(r["collector"], r["region"]) for r in found}
