"""Bytes of a sender file -> a validated document, or a precise reason why not.

Decompression is bounded (a small gzip bomb cannot exhaust the Lambda's memory), and so is
parsing: ``json.loads`` runs under a `json_budget.Budget` of 2x ``max_document_bytes``, which
refuses, before any object is built, a text that is not an object, is nested deeper than
`json_budget.MAX_DEPTH` (so no recursion error can follow, here or in later walks) or is already
over budget, and during the parse the first object or number over it; numbers with
a fraction are parsed as ``Decimal`` so money keeps every digit; an object with a repeated key
is refused (which of the two values was meant is unknowable); then the contract is applied and
the envelope's account id is compared with the account the S3 key names.
"""

from __future__ import annotations

import itertools
import json
import threading
import zlib
from collections.abc import Callable
from typing import Any

from contract import SCHEMA_VERSION, ContractViolation, iter_violations, layout
from contract.evolution import drop_unknown_fields, is_newer_minor
from receiver import json_budget
from receiver.failures import PermanentLoadError

GZIP_MAGIC = b"\x1f\x8b"
MAX_VIOLATIONS_KEPT = 100
# A small file can break the contract millions of times (a list of empty findings: 18 missing
# fields each), and each violation is an object of about 1 KB: collect no more than this.
MAX_VIOLATIONS_COLLECTED = 1000
_CHUNK = 1024 * 1024


def parse(
    raw: bytes,
    *,
    name: str,
    max_document_bytes: int,
    expected_account: str | None,
    ignored_fields: list[str] | None = None,
) -> dict[str, Any]:
    """The validated document in ``raw`` (the bytes of the file called ``name``).

    A document of a newer minor contract version loses the fields this contract does not
    define (``contract.evolution``); their JSON pointers are appended to
    ``ignored_fields`` when given.
    """
    doc, plain_scalars = read(
        raw,
        name=name,
        max_document_bytes=max_document_bytes,
        expected_account=expected_account,
        ignored_fields=ignored_fields,
    )
    violations = _violations(doc, plain_scalars=plain_scalars)
    if violations:
        raise _contract_error(violations, _newer_version_hint(doc))
    return doc


def read(
    raw: bytes,
    *,
    name: str,
    max_document_bytes: int,
    expected_account: str | None,
    ignored_fields: list[str] | None = None,
) -> tuple[dict[str, Any], bool]:
    """`parse` without the contract check (see `ContractCheck`): the document, and whether its
    parser vouches for plain scalars (`contract.iter_violations`)."""
    doc, plain_scalars = _decode(raw, name=name, max_document_bytes=max_document_bytes)
    if isinstance(doc, dict) and expected_account is not None:
        account = doc.get("account_id")
        if isinstance(account, str) and account != expected_account:
            raise PermanentLoadError(
                "account_mismatch",
                f"the document is for account {account!r} but was written under"
                f" {layout.account_prefix(expected_account)}",
                field="/account_id",
            )
    dropped = drop_unknown_fields(doc)
    if ignored_fields is not None:
        ignored_fields.extend(dropped)
    return doc, plain_scalars


class ContractCheck:
    """The contract check of one document, in a thread of its own while the caller goes on
    (the receiver writes the rows meanwhile, in a transaction that commits only once `result`
    has passed). `refused` answers true as soon as the document is known to break the contract,
    before its violations are listed; `result` waits for the verdict.

    The document must not change until `result` returns: the check reads it.
    """

    def __init__(self, doc: dict[str, Any], *, plain_scalars: bool, start: bool = True) -> None:
        self._refused = threading.Event()
        self._violations: list[ContractViolation] = []
        self._hint = ""
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(doc, plain_scalars), name="contract-check", daemon=True
        )
        if start:
            self.start()

    def start(self) -> None:
        """Start the check (once; `result` starts it if nobody did)."""
        if self._thread.ident is None:
            self._thread.start()

    def _run(self, doc: dict[str, Any], plain_scalars: bool) -> None:
        try:
            self._violations = _violations(
                doc, plain_scalars=plain_scalars, on_refused=self._refused.set
            )
            if self._violations:
                self._hint = _newer_version_hint(doc)
        except BaseException as exc:  # raised by `result`, in the caller's thread
            self._error = exc
            self._refused.set()

    def refused(self) -> bool:
        """Whether the document is already known to break the contract (or the check failed)."""
        return self._refused.is_set()

    def result(self) -> None:
        """Wait for the verdict: `PermanentLoadError` (``contract``) when the document breaks
        the contract; the check's own error, if it had one."""
        self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._violations:
            raise _contract_error(self._violations, self._hint)


def _contract_error(violations: list[ContractViolation], hint: str) -> PermanentLoadError:
    """The error of a document that breaks the contract with ``violations`` (at least one)."""
    first = violations[0]
    return PermanentLoadError(
        "contract",
        first.message + _more(len(violations)) + hint,
        field=first.path,
        violations=[{"field": v.path, "reason": v.message} for v in violations][
            :MAX_VIOLATIONS_KEPT
        ],
    )


def _more(found: int) -> str:
    if found >= MAX_VIOLATIONS_COLLECTED:  # counting stopped there
        return f" (and at least {found - 1} more violations; counting stopped at {found})"
    return f" (and {found - 1} more violation(s))" if found > 1 else ""


def _newer_version_hint(doc: dict[str, Any]) -> str:
    if not is_newer_minor(doc):
        return ""
    return (
        f"; the document is contract version {doc['schema_version']} and this receiver reads "
        f"up to {SCHEMA_VERSION}: upgrade the analytics side, then reload the file"
    )


def decode(raw: bytes, *, name: str, max_document_bytes: int) -> Any:
    """Decompress (when gzip) and parse JSON; no contract check."""
    return _decode(raw, name=name, max_document_bytes=max_document_bytes)[0]


def _decode(raw: bytes, *, name: str, max_document_bytes: int) -> tuple[Any, bool]:
    """`decode`, and whether the value holds only plain scalars: no NaN or Infinity, no lone
    surrogate (`json_budget.Budget.unusual_scalars`; contract validation then skips its walk)."""
    text: bytes | bytearray
    if raw[:2] == GZIP_MAGIC:
        text = gunzip(raw, max_document_bytes)
    elif name.endswith(".gz"):
        raise PermanentLoadError("gzip", "the file is named .gz but is not gzip-compressed")
    elif len(raw) > max_document_bytes:
        raise PermanentLoadError(
            "too_large", f"the document is {len(raw)} bytes; the limit is {max_document_bytes}"
        )
    else:
        text = raw
    # Every peak below stays within 2x max_document_bytes: the text and one scan buffer while
    # preparing, the text and its str while decoding, the str and the objects while parsing.
    text = json_budget.narrow(text)
    budget = json_budget.prepare(text, limit=2 * max_document_bytes)
    try:
        string = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PermanentLoadError(
            "encoding", f"the document is not UTF-8 (invalid byte at offset {exc.start})"
        ) from None
    del text
    try:
        value = json.loads(
            string,
            parse_float=budget.decimal,
            parse_int=budget.integer,
            parse_constant=budget.constant,
            object_pairs_hook=_objects(budget),
        )
    except json.JSONDecodeError as exc:
        raise PermanentLoadError(
            "json", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit conversion limit
        raise PermanentLoadError("json", f"not a usable JSON value: {exc}") from None
    except RecursionError:  # json_budget.prepare bounds the depth; this is a second line
        raise PermanentLoadError("too_deep", "the document nests too deep to parse") from None
    return value, not budget.unusual_scalars


def gunzip(raw: bytes, limit: int) -> bytearray:
    """Decompress every gzip member of ``raw``; refuse more than ``limit`` bytes of output."""
    out = bytearray()
    data = raw
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            while data:
                out += inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
                if len(out) > limit:
                    raise PermanentLoadError(
                        "too_large",
                        f"the document decompresses to more than {limit} bytes (the limit)",
                    )
                if inflater.eof:
                    break
        except zlib.error as exc:
            raise PermanentLoadError("gzip", f"corrupt gzip data: {exc}") from None
        if not inflater.eof:
            raise PermanentLoadError(
                "gzip", f"truncated gzip data (ends after {len(raw)} compressed bytes)"
            )
        data = inflater.unused_data
        if data.strip(b"\x00") == b"":
            break  # trailing zero padding, as some writers add
    return out


def _objects(
    budget: json_budget.Budget | None = None,
) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An object hook that refuses repeated keys, shares equal string values and charges
    ``budget`` with each dict and each distinct key and value it keeps.

    Findings of one control repeat their title, description, product and region thousands of
    times; one string object for each distinct value keeps a large document much smaller.
    """
    seen: dict[str, str] = {}  # distinct keys (the parser also keeps them) and string values
    new_key = json_budget.STR + 2 * json_budget.ENTRY  # in the parser's memo and in `seen`
    new_value = json_budget.STR + json_budget.ENTRY

    def make(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        cost = 0
        for key, value in pairs:
            if key not in seen:
                seen[key] = key
                cost += new_key
            if type(value) is str:
                shared = seen.setdefault(value, value)
                if shared is value:
                    cost += new_value
                value = shared
            obj[key] = value
        if budget is not None:
            budget.charge(cost + json_budget.dict_size(obj))
        if len(obj) != len(pairs):
            keys = [key for key, _ in pairs]
            repeated = next(key for key in keys if keys.count(key) > 1)
            raise PermanentLoadError(
                "json", f"an object has the key {repeated!r} twice (which value is meant?)"
            )
        return obj

    return make


def _violations(
    doc: Any, *, plain_scalars: bool, on_refused: Callable[[], None] | None = None
) -> list[ContractViolation]:
    """The contract's violations in ``doc``, at most `MAX_VIOLATIONS_COLLECTED`."""
    violations = iter_violations(doc, plain_scalars=plain_scalars, on_refused=on_refused)
    return list(itertools.islice(violations, MAX_VIOLATIONS_COLLECTED))
