"""The executor interface both implementations follow.

SQL text uses named ``:param`` placeholders (the Data API's syntax); each call runs exactly one
statement. Rows come back as dicts with Python values: ``int``, ``float``, ``bool``, ``str``,
``Decimal`` (numeric), ``datetime`` (timestamptz, aware, UTC), ``date``, parsed JSON for
json/jsonb, lists for arrays, ``str`` for uuid.

Both executors also have ``execute_each(sql, params_iterable)``: the same statement once per
parameter set, in order, a list of results; ``receiver.upsert`` uses it when present and falls
back to ``execute`` for an executor without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = dict[str, Any]
Params = Mapping[str, Any]


class DatabaseError(Exception):
    """A statement failed for a reason retrying will not fix (bad SQL, a constraint, a limit)."""


class TransientDatabaseError(DatabaseError):
    """The database could not run the statement now (resuming, unavailable, throttled)."""


# A table, column or function the code names does not exist: the schema is behind the code (an
# upgrade's new receiver ran before the migration function applied the new sql/ files). Never the
# file's fault, so the load is retried (and lands in the DLQ, alarmed, if it never catches up)
# instead of moving the file to failed/.
SCHEMA_BEHIND_SQLSTATES = ("42P01", "42703", "42883")  # undefined table, column, function
SCHEMA_BEHIND = "the database schema is behind the receiver (migrations not applied yet?)"


class Executor(Protocol):
    def execute(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run one statement; inside ``transaction()`` it joins that transaction."""
        ...

    def transaction(self) -> AbstractContextManager[Executor]:
        """Commit on normal exit, roll back on an exception. Transactions do not nest."""
        ...

    def close(self) -> None: ...
