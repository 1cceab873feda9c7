"""Executor over a direct PostgreSQL connection (CLI, demo, tests)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb
from psycopg.types.string import TextLoader

from receiver.db.base import (
    SCHEMA_BEHIND,
    SCHEMA_BEHIND_SQLSTATES,
    DatabaseError,
    Params,
    Row,
    TransientDatabaseError,
)
from receiver.sqltext import to_pyformat

# SQLSTATE classes that mean "try again later" rather than "this statement is wrong".
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "53", "57P")


class PsycopgExecutor:
    """Runs the Data API's SQL text (``:name`` placeholders) on a psycopg connection."""

    def __init__(self, dsn: str) -> None:
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.OperationalError as exc:
            raise TransientDatabaseError(f"cannot connect to PostgreSQL: {exc}") from exc
        except psycopg.ProgrammingError as exc:  # e.g. a malformed connection string
            raise DatabaseError(f"not a usable PostgreSQL URL or connection string: {exc}") from exc
        self._conn.execute("SET TIME ZONE 'UTC'")
        # uuid as str, like the Data API returns it.
        self._conn.adapters.register_loader("uuid", TextLoader)
        self._in_transaction = False

    def execute(self, sql: str, params: Params | None = None) -> list[Row]:
        query = to_pyformat(sql)
        try:
            with self._conn.cursor() as cur:
                cur.execute(query, _adapt(params or {}), prepare=False)
                if cur.description is None:
                    return []
                names = [column.name for column in cur.description]
                return [dict(zip(names, record, strict=True)) for record in cur.fetchall()]
        except psycopg.Error as exc:
            raise _translate(exc) from exc

    def execute_each(self, sql: str, params: Iterable[Params]) -> list[list[Row]]:
        """``execute`` once per parameter set, in order, each statement's rows in a list."""
        return [self.execute(sql, values) for values in params]

    @contextmanager
    def transaction(self) -> Iterator[PsycopgExecutor]:
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        self._in_transaction = True
        try:
            with self._conn.transaction():
                yield self
        except psycopg.Error as exc:
            raise _translate(exc) from exc
        finally:
            self._in_transaction = False

    def close(self) -> None:
        self._conn.close()


def _adapt(params: Mapping[str, Any]) -> dict[str, Any]:
    """Bind values as the Data API does: JSON as jsonb, datetimes as UTC ``timestamp``."""
    return {name: _adapt_value(value) for name, value in params.items()}


def _adapt_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return Jsonb(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _translate(exc: psycopg.Error) -> DatabaseError:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    message = f"{str(exc).strip()} (SQLSTATE {sqlstate})" if sqlstate else str(exc).strip()
    if isinstance(exc, pg_errors.ProgramLimitExceeded):  # an OperationalError, yet permanent
        return DatabaseError(message)
    if sqlstate in SCHEMA_BEHIND_SQLSTATES:
        return TransientDatabaseError(f"{message}: {SCHEMA_BEHIND}")
    if isinstance(exc, psycopg.OperationalError | pg_errors.SerializationFailure) or (
        sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    ):
        return TransientDatabaseError(message)
    return DatabaseError(message)
