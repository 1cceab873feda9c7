"""One file end to end: read, parse, validate, load, then move it to ``loaded/`` or ``failed/``.

The order is what keeps every file: the database commits first (the data and the file's
``ingestions`` row, or the failure record), and only then is the file copied to its new
prefix and its version in ``data/`` deleted. Any step that fails transiently raises
``TransientLoadError`` and leaves the file where it is; a redelivery repeats the steps, and a
file already loaded is only moved.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from contract import layout
from receiver import documents, loader, objects, rows, upsert
from receiver.db import DatabaseError, Executor, TransientDatabaseError
from receiver.failures import PermanentLoadError, TransientLoadError
from receiver.loader import FileRef, LoadResult

DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
# Items of a document built into rows at once while its contract check runs (rows of tables
# outside loader.LAZY_TABLES): above this, the check runs first and the document is consumed
# as its rows are built, as the rows and the document would otherwise both be in memory.
EAGER_ITEMS_WHILE_CHECKING = 20_000


@dataclass(frozen=True)
class Limits:
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES  # stored (compressed) size
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES  # decompressed size
    max_request_bytes: int = upsert.MAX_REQUEST_BYTES  # per database request
    # accounts allowed to send other accounts' Cost Explorer rows (ORGANIZATION_COST_ACCOUNTS)
    organization_cost_accounts: frozenset[str] = frozenset()


def receive_object(
    s3: Any,
    executor: Executor,
    bucket: str,
    key: str,
    version_id: str = "",
    *,
    kms_key: str | None,
    limits: Limits = Limits(),
) -> LoadResult:
    """Load the object version an S3 notification named; see the module docstring."""
    started = time.monotonic()
    rest = layout.rest_of(key)
    ref = FileRef(bucket, key, version_id or "")
    try:
        if not ref.version_id:  # the notification did not say which version: the current one
            found_version, etag, size = objects.head(s3, bucket, key)
            ref = replace(ref, version_id=found_version, etag=etag, size=size)
        if ref.version_id and _status(executor, ref) == "loaded":
            return _finish_move(s3, LoadResult("skipped", ref), rest, kms_key, started)
        where = _parse_key(key)
        ref = replace(ref, account_id=where.account_id)
        stored = objects.read(
            s3, bucket, key, ref.version_id, limits.max_object_bytes, analytics_key=kms_key
        )
    except objects.ObjectGone:
        status = "skipped" if _status(executor, ref) == "loaded" else "missing"
        return LoadResult(status, ref, duration_ms=_elapsed_ms(started))
    except PermanentLoadError as error:  # the key breaks the layout, or the file is too large
        result = _record_failure(executor, ref, error, None, started)
        _move_to_failed(s3, result, rest, kms_key)
        return result
    ref = replace(ref, etag=stored.etag, size=stored.size, version_id=stored.version_id)

    result = load_bytes(
        executor,
        ref,
        stored.body,
        expected_account=where.account_id,
        limits=limits,
        started=started,
    )
    del stored
    if result.status == "failed":
        _move_to_failed(s3, result, rest, kms_key)
        return result
    return _finish_move(s3, result, rest, kms_key, started)


def load_bytes(
    executor: Executor,
    ref: FileRef,
    raw: bytes,
    *,
    expected_account: str | None,
    limits: Limits = Limits(),
    started: float | None = None,
) -> LoadResult:
    """Parse, validate and load ``raw``; a permanent error is recorded and returned as failed.

    This is the whole database side of a file, shared by the Lambda and the CLI.

    The contract check runs in a thread while the rows are built and written (it starts once
    their keys are sorted), in a transaction that commits only once the check has passed: a
    document that breaks the contract writes nothing (the transaction rolls back, lazily built
    rows stop being read as soon as the check refuses) and fails with the contract's
    violations, whatever else went wrong meanwhile (rows built from it or refused by the
    database). Only a document whose rows outside `loader.LAZY_TABLES` are more than
    `EAGER_ITEMS_WHILE_CHECKING` waits for the check first: those rows and the document would
    otherwise both be in memory.
    """
    started = time.monotonic() if started is None else started
    run_id: str | None = None
    ignored: list[str] = []
    try:
        doc, plain_scalars = documents.read(
            raw,
            name=ref.key,
            max_document_bytes=limits.max_document_bytes,
            expected_account=expected_account,
            ignored_fields=ignored,
        )
        candidate_run_id = doc.get("run_id")
        with _short_switches():
            check = documents.ContractCheck(doc, plain_scalars=plain_scalars, start=False)
            try:
                concurrent = rows.eager_items(doc, loader.LAZY_TABLES) <= EAGER_ITEMS_WHILE_CHECKING
                if not concurrent:
                    check.result()
                row_plan = rows.build(
                    doc,
                    consume=not concurrent,
                    organization_cost_accounts=limits.organization_cost_accounts,
                    lazy=loader.LAZY_TABLES,
                    stop=check.refused,
                )
                # Started once the rows are keyed: until the writer sends its first request,
                # the database waits for this thread, which the check would slow down by
                # taking turns at the GIL.
                check.start()
                row_plan.ignored_fields = ignored
                del doc  # only the rows are needed from here on (lazy ones keep their items)
                return loader.load_plan(
                    executor,
                    ref,
                    row_plan,
                    started=started,
                    max_request_bytes=limits.max_request_bytes,
                    before_commit=check.result,
                )
            except Exception:
                check.result()  # a contract violation is the error to report, whatever came first
                # the document is valid: its run id is one
                run_id = candidate_run_id if isinstance(candidate_run_id, str) else None
                raise
    except PermanentLoadError as error:
        return _record_failure(executor, ref, error, run_id, started)


# While the contract check runs beside the writer, a thread back from the database (psycopg's
# socket, the Data API's HTTPS) waits for the GIL until the check's thread gives it up: at most
# the switch interval, 5 ms by default, many times per request (CPython's "convoy effect").
# 1 ms bounds that wait: the median end-to-end load of 100,000 findings went from 4.3 to 4.0 s
# (bench/receiver_bench.py, the load section). Set while any load runs, then restored.
SWITCH_INTERVAL_WHILE_CHECKING = 0.001
_switches_lock = threading.Lock()
_switches_users = 0
_switches_before = 0.0


@contextlib.contextmanager
def _short_switches() -> Iterator[None]:
    global _switches_users, _switches_before
    with _switches_lock:
        if _switches_users == 0:
            _switches_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switches_before, SWITCH_INTERVAL_WHILE_CHECKING))
        _switches_users += 1
    try:
        yield
    finally:
        with _switches_lock:
            _switches_users -= 1
            if _switches_users == 0:
                sys.setswitchinterval(_switches_before)


def reason_document(result: LoadResult) -> dict[str, Any]:
    """What ``failed/<rest>.reason.json`` holds."""
    ref, error = result.ref, result.error
    assert error is not None
    return {
        "file": f"s3://{ref.bucket}/{ref.key}" if ref.bucket else ref.key,
        "bucket": ref.bucket,
        "key": ref.key,
        "version_id": ref.version_id or None,
        "etag": ref.etag,
        "size_bytes": ref.size,
        "run_id": result.run_id,
        "ingestion_id": result.ingestion_id,
        "failed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **error.as_dict(),
    }


def _record_failure(
    executor: Executor,
    ref: FileRef,
    error: PermanentLoadError,
    run_id: str | None,
    started: float,
) -> LoadResult:
    return loader.record_failure(executor, ref, error, run_id=run_id, started=started)


def _move_to_failed(s3: Any, result: LoadResult, rest: str, kms_key: str | None) -> None:
    """The reason first, then the file: a retry after a crash redoes both."""
    ref = result.ref
    objects.put_reason(
        s3, ref.bucket, layout.reason_key(rest), reason_document(result), kms_key=kms_key
    )
    objects.move(
        s3,
        ref.bucket,
        ref.key,
        ref.version_id,
        layout.failed_key(rest),
        kms_key=kms_key,
        etag=ref.etag,
    )


def _finish_move(
    s3: Any, result: LoadResult, rest: str, kms_key: str | None, started: float
) -> LoadResult:
    ref = result.ref
    objects.move(
        s3,
        ref.bucket,
        ref.key,
        ref.version_id,
        layout.loaded_key(rest),
        kms_key=kms_key,
        etag=ref.etag,
    )
    if result.status == "skipped":
        result.duration_ms = _elapsed_ms(started)
    return result


def _parse_key(key: str) -> layout.DataKey:
    """Account and rest of a ``data/`` key; a key outside the layout is a permanent failure."""
    try:
        return layout.parse_data_key(key)
    except layout.LayoutError as error:
        raise PermanentLoadError("key", str(error)) from error


def _status(executor: Executor, ref: FileRef) -> str | None:
    try:
        return loader.status_of(executor, ref)
    except TransientDatabaseError as exc:
        raise TransientLoadError(f"database unavailable: {exc}") from exc
    except DatabaseError as exc:
        raise TransientLoadError(f"cannot read the ingestion status: {exc}") from exc


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))
