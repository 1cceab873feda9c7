"""A validated document -> the rows of every table, with the explicit columns of ``tables``.

Rows are plain dicts keyed by column name, with values ready for the upsert's JSON
(`upsert.chunks`; decimals as strings, so no digit is lost); the large tables' rows
(`LazyRows`) reach the upsert as lists of values in column order. Within a table they are sorted by
natural key, so concurrent loads lock rows in the same order. A natural key that occurs twice in
one file is a permanent error naming both items: the file is ambiguous, and PostgreSQL would
refuse to update one row twice in one statement anyway.

The receiver builds rows while its contract check still runs (`receiver.receive.load_bytes`),
so a document given here may break the contract: building then fails in any way (a missing
field, an item that is not an object), and the caller reports the check's verdict instead;
lazy rows stop being read once ``stop`` says the check refused.

Organization cost mode: a management account's document may carry other accounts' Cost
Explorer rows (``account_id`` on the row, see ``tables.ORGANIZATION_COST``). They are accepted
only when the envelope's account is one of ``organization_cost_accounts``
(``ORGANIZATION_COST_ACCOUNTS``); otherwise the file fails permanently, naming the first such row.
Rows of the sending account itself (no ``account_id``, or its own) load as usual.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from receiver.failures import PermanentLoadError
from receiver.tables import BY_NAME, ORGANIZATION_COST, TABLES, Column, Table, TableRows

INT_RANGES = {"integer": 2**31 - 1, "bigint": 2**63 - 1}


@dataclass
class RowPlan:
    """Everything one document writes: its run, collectors and rows, table by table."""

    account_id: str
    snapshot_date: str  # window end - 1 day, ISO format
    run: dict[str, Any]
    collectors: list[dict[str, Any]]
    tables: list[TableRows] = field(default_factory=list)
    other_accounts: list[str] = field(default_factory=list)  # organization cost mode, sorted
    # JSON pointers of fields of a newer minor contract version that were ignored
    ignored_fields: list[str] = field(default_factory=list)

    def collector_status(self) -> dict[tuple[str, str], str]:
        """(collector, region or '') -> status."""
        return {(c["collector"], c["region"]): c["status"] for c in self.collectors}

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def build(
    doc: dict[str, Any],
    *,
    consume: bool = False,
    organization_cost_accounts: frozenset[str] | set[str] = frozenset(),
    lazy: Collection[str] = (),
    stop: Callable[[], bool] | None = None,
) -> RowPlan:
    """Rows for every table a (validated) document feeds.

    ``consume``: drop each section from the document once its rows are built, so that the
    document and all the rows never need memory at the same time (the caller is done with it).
    ``organization_cost_accounts``: the accounts allowed to send other accounts' cost rows.
    ``lazy``: names of tables (each fed by a list, with no parent and no children) whose rows are
    `LazyRows`: only the keys are read now (to sort and check them); each row is built when
    the writer reaches it, and its item stays in the document until then.
    ``stop``: asked now and then while lazy rows are keyed and read; `Stopped` is raised when
    it answers true (the receiver's contract check refused the document meanwhile).
    """
    end = date.fromisoformat(doc["window"]["end"])
    plan = RowPlan(
        account_id=doc["account_id"],
        snapshot_date=(end - timedelta(days=1)).isoformat(),
        run=_run(doc),
        collectors=_collectors(doc),
    )
    data = doc.get("data") or {}
    others: set[str] = set()
    kept = {t.path[0] for t in TABLES if t.name in lazy}  # sections read while writing
    for index, table in enumerate(TABLES):
        if table.name in lazy:
            lazy_rows = _lazy_rows(table, data, stop)
            if lazy_rows is not None:
                plan.tables.append(lazy_rows)
            continue
        # consume: a list no later table reads (a child table reads its parent's items) lets
        # each item go as soon as its row is built, so items and rows never add up
        release = (
            consume
            and table.path[0] not in kept
            and all(t.path != table.path for t in TABLES[index + 1 :])
        )
        built = _table_rows(table, data, release=release)
        if built is not None and table.name in ORGANIZATION_COST:
            built, theirs = _split_accounts(built, plan.account_id, organization_cost_accounts)
            if theirs is not None:
                others.update(row["account_id"] for row in theirs.rows)
                _sort_and_check(theirs)
                plan.tables.append(theirs)
        if built is not None:
            _sort_and_check(built)
            plan.tables.append(built)
        if (
            consume
            and table.path[0] not in kept
            and all(t.path[0] != table.path[0] for t in TABLES[index + 1 :])
        ):
            data.pop(table.path[0], None)
    plan.other_accounts = sorted(others)
    return plan


def _split_accounts(
    built: TableRows, sender: str, allowed: frozenset[str] | set[str]
) -> tuple[TableRows, TableRows | None]:
    """Split off the rows that name another account than the sender's, for the per-row table."""
    if not any(row.get("account_id") not in (None, sender) for row in built.rows):
        for row in built.rows:
            row.pop("account_id", None)
        return built, None
    if sender not in allowed:
        first = next(
            p
            for r, p in zip(built.rows, built.pointers, strict=True)
            if r.get("account_id") not in (None, sender)
        )
        listed = ", ".join(sorted(allowed)) or "none"
        raise PermanentLoadError(
            "organization_cost",
            f"account {sender} sent Cost Explorer rows of other accounts, but it is not an "
            f"organization cost account (ORGANIZATION_COST_ACCOUNTS: {listed})",
            field=f"{first}/account_id",
        )
    variant = ORGANIZATION_COST[built.table.name]
    own, theirs = TableRows(built.table), TableRows(variant)
    for row, pointer in zip(built.rows, built.pointers, strict=True):
        account = row.pop("account_id", None)
        if account in (None, sender):
            own.rows.append(row)
            own.pointers.append(pointer)
        else:
            theirs.rows.append({"account_id": account, **row})
            theirs.pointers.append(pointer)
    return own, theirs


def _run(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": doc["run_id"],
        "schema_version": doc["schema_version"],
        "interval": doc["interval"],
        "window_start": doc["window"]["start"],
        "window_end": doc["window"]["end"],
        "collected_at": doc["collected_at"],
        "sender_version": doc["sender_version"],
        "regions": list(doc["regions"]),
    }


def _collectors(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    first_index: dict[tuple[str, str], int] = {}
    for index, c in enumerate(doc["collectors"]):
        row = {
            "collector": c["name"],
            "region": c.get("region") or "",
            "status": c["status"],
            "error": c.get("error"),
            "item_count": c.get("item_count"),
            "duration_ms": c.get("duration_ms"),
        }
        slot = (row["collector"], row["region"])
        if slot in first_index:
            raise PermanentLoadError(
                "duplicate_key",
                f"collector {slot[0]!r} in region {slot[1] or '(global)'!r} is listed twice; "
                f"the first is /collectors/{first_index[slot]}",
                field=f"/collectors/{index}",
            )
        first_index[slot] = index
        for name in ("item_count", "duration_ms"):
            _check_int(
                row[name], "integer", f"collector_runs.{name}", f"/collectors/{index}/{name}"
            )
        rows.append(row)
    return rows


def _check_int(value: Any, kind: str, column: str, pointer: str) -> None:
    limit = INT_RANGES.get(kind)
    if limit is not None and isinstance(value, int) and abs(value) > limit:
        raise PermanentLoadError(
            "out_of_range",
            f"{value} does not fit column {column} ({kind}, at most {limit})",
            field=pointer,
        )


def _container(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or node.get(part) is None:
            return None
        node = node[part]
    return node


def _table_rows(table: Table, data: dict[str, Any], *, release: bool = False) -> TableRows | None:
    """The table's rows; ``release``: each list item is replaced by None once its row is built."""
    container = _container(data, table.path)
    if container is None:
        return None
    base = "/data/" + "/".join(table.path)
    parent_single = table.parent is not None and BY_NAME[table.parent].single
    built = TableRows(table)
    if table.parent is None and not table.single:
        for i, item in enumerate(container):
            pointer = f"{base}/{i}"
            built.rows.append(_row(table, item, _NOTHING, pointer))
            built.pointers.append(pointer)
            if release:
                container[i] = None
        return built
    if table.single or parent_single:
        items = [(base, container)]
    else:
        items = [(f"{base}/{i}", item) for i, item in enumerate(container)]
    if table.parent is None:
        for pointer, item in items:
            built.rows.append(_row(table, item, _NOTHING, pointer))
            built.pointers.append(pointer)
        return built
    assert table.children_field is not None
    for pointer, parent in items:
        children = parent.get(table.children_field)
        if children is None:
            continue  # not reported: the stored children of this parent stay as they are
        inherited = {name: parent.get(name) for name in table.parent_fields}
        built.parents.append(inherited)
        for j, child in enumerate(children):
            child_pointer = f"{pointer}/{table.children_field}/{j}"
            built.rows.append(_row(table, child, inherited, child_pointer))
            built.pointers.append(child_pointer)
    return built if built.parents else None


_NOTHING: dict[str, Any] = {}  # no inherited columns (never written to)
STOP_EVERY = 512  # rows between two questions to ``stop``


class Stopped(Exception):
    """Building rows stopped because ``stop`` said so."""


def eager_items(doc: dict[str, Any], lazy: Collection[str]) -> float:
    """How many items `build` turns into rows at once (outside ``lazy``): an upper bound, and
    infinite when a table's place in ``doc`` does not hold what the contract says (a list, or
    an object for a single item), so that nothing is built from it before it is checked."""
    data = doc.get("data")
    if not isinstance(data, dict):
        return 0 if data is None else math.inf
    total = 0
    for table in TABLES:
        if table.name in lazy:
            continue
        container = _container(data, table.path)
        if container is None:
            continue
        if table.single or (table.parent is not None and BY_NAME[table.parent].single):
            parents = [container]
        elif isinstance(container, list):
            parents = container
        else:
            return math.inf
        if table.parent is None:
            total += 1 if table.single else len(parents)
            continue
        for parent in parents:
            children = parent.get(table.children_field) if isinstance(parent, dict) else None
            if children is not None and not isinstance(children, list):
                return math.inf
            total += len(children or ())
    return total


def can_be_lazy(table: Table) -> bool:
    """Whether `build` can make ``table``'s rows lazily: rows of a list, no parent, no children,
    no rows of other accounts (organization cost mode)."""
    return (
        table.parent is None
        and not table.single
        and table.name not in ORGANIZATION_COST
        and all(t.parent != table.name for t in TABLES)
    )


class LazyRows:
    """The rows of one table, built from the document's items one by one as they are read, in
    natural-key order (computed, and checked for duplicates, by `build` from the keys alone).

    Read once, by the writer: ``keep`` (set before reading) leaves rows out; ``pointers[k]``
    is the JSON pointer of the k-th row read, for an error about it. A row that cannot be built
    (an integer out of its column's range) raises `PermanentLoadError` while reading.
    """

    def __init__(
        self,
        table: Table,
        items: list[Any],
        order: list[int],
        base: str,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.table = table
        self._stop = stop
        self._items = items
        self._order = order
        self._base = base
        self._read: list[int] = []  # item index of each row read
        self.keep: Callable[[dict[str, Any]], bool] | None = None
        self.pointers = _ReadPointers(self)

    def __len__(self) -> int:
        """Rows before ``keep``."""
        return len(self._order)

    @property
    def read(self) -> int:
        """Rows read so far (after ``keep``)."""
        return len(self._read)

    def pointer(self, index: int) -> str:
        return f"{self._base}/{index}"

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names = self.table.column_names
        return (dict(zip(names, values, strict=True)) for values in self.arrays())

    def arrays(self) -> Iterator[list[Any]]:
        """The rows as lists of their values in column order (``Table.column_names``), as the
        upsert sends them: no dict is built for a row, unless ``keep`` has to read it."""
        table, items, keep, read, stop = self.table, self._items, self.keep, self._read, self._stop
        names, columns = table.column_names, table.columns
        for count, index in enumerate(self._order):
            if stop is not None and count % STOP_EVERY == 0 and stop():
                raise Stopped(f"{table.name}: stopped after {count} rows")
            values = _values(table, items[index], _NOTHING, self._base, index, columns)
            if keep is None or keep(dict(zip(names, values, strict=True))):
                read.append(index)
                yield values


class _ReadPointers:
    """``LazyRows.pointers``: the pointer of each row read, by position."""

    def __init__(self, rows: LazyRows) -> None:
        self._rows = rows

    def __getitem__(self, k: int) -> str:
        return self._rows.pointer(self._rows._read[k])

    def __len__(self) -> int:
        return self._rows.read


def _lazy_rows(
    table: Table, data: dict[str, Any], stop: Callable[[], bool] | None
) -> TableRows | None:
    container = _container(data, table.path)
    if container is None:
        return None
    base = "/data/" + "/".join(table.path)
    key = table.key
    keys = []
    for index, item in enumerate(container):
        if stop is not None and index % STOP_EVERY == 0 and stop():
            raise Stopped(f"{table.name}: stopped after keying {index} items")
        keys.append(_sort_key(_key_row(table, item, base, index), key))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    for previous, current in itertools.pairwise(order):
        if keys[previous] == keys[current]:
            row = _key_row(table, container[previous], base, previous)
            _duplicate(table, row, f"{base}/{previous}", f"{base}/{current}")
    lazy = LazyRows(table, container, order, base, stop)
    return TableRows(table, rows=lazy, pointers=lazy.pointers)  # type: ignore[arg-type]


def _key_row(table: Table, item: Any, base: str, index: int) -> dict:
    """The row of ``item`` restricted to the key columns (what sorting needs)."""
    return _row(table, item, _NOTHING, base, index, keys_only=True)


def _row(
    table: Table,
    item: dict[str, Any],
    inherited: dict[str, Any],
    pointer: str,
    index: int | None = None,
    *,
    keys_only: bool = False,
) -> dict:
    """The row of ``item`` (at ``pointer``, or ``pointer/index`` when ``index`` is given);
    ``keys_only``: just the key columns."""
    if keys_only:
        columns, names = table.key_columns, table.key_column_names
    else:
        columns, names = table.columns, table.column_names
    row = dict(zip(names, _values(table, item, inherited, pointer, index, columns), strict=True))
    if table.name in ORGANIZATION_COST and item.get("account_id") is not None:
        row["account_id"] = item["account_id"]  # split off by _split_accounts
    return row


def _values(
    table: Table,
    item: dict[str, Any],
    inherited: dict[str, Any],
    pointer: str,
    index: int | None,
    columns: tuple[Column, ...],
) -> list[Any]:
    """The values of ``item``'s row for ``columns``, in their order (see `_row`)."""
    values: list[Any] = []
    append = values.append
    get = item.get
    for column in columns:
        if inherited and column.name in inherited:
            append(inherited[column.name])
            continue
        value = get(column.source)
        if value.__class__ is str:  # most values: nothing to convert or check
            append(value)
            continue
        if value is None and column.absent and column.source not in item:
            field, when, default = column.absent
            other = get(field)
            matches = other is not None if when is None else other == when
            value = default if matches else None
        if value is None:
            append("" if column.empty_default else None)
        elif isinstance(value, Decimal):
            append(str(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if column.type in INT_RANGES:
                where = pointer if index is None else f"{pointer}/{index}"
                column_name = f"{table.name}.{column.name}"
                _check_int(value, column.type, column_name, f"{where}/{column.source}")
            append(value)
        else:
            append(value)
    return values


def _sort_and_check(built: TableRows) -> None:
    key = built.table.key
    order = sorted(range(len(built.rows)), key=lambda i: _sort_key(built.rows[i], key))
    built.rows = [built.rows[i] for i in order]
    built.pointers = [built.pointers[i] for i in order]
    for i in range(1, len(built.rows)):
        previous = tuple(built.rows[i - 1][c] for c in key)
        if tuple(built.rows[i][c] for c in key) == previous:
            _duplicate(built.table, built.rows[i - 1], built.pointers[i - 1], built.pointers[i])
    built.parents.sort(key=lambda p: _sort_key(p, built.table.parent_fields))


def _duplicate(table: Table, row: dict[str, Any], one: str, other: str) -> None:
    """Raise the error of two items (at pointers ``one`` and ``other``) with the same key."""
    first, second = sorted((one, other), key=_pointer_order)
    shown = ", ".join(f"{c}={row[c]!r}" for c in table.key)
    raise PermanentLoadError(
        "duplicate_key",
        f"two items have the same natural key of {table.name} ({shown}); the first is {first}",
        field=second,
    )


def _sort_key(row: dict[str, Any], columns: tuple[str, ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((row[c] is None, "" if row[c] is None else row[c]) for c in columns)


def _pointer_order(pointer: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in pointer.split("/")[1:])
