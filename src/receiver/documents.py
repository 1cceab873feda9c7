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
import zlib
from collections.abc import Callable
from typing import Any

from contract import SCHEMA_VERSION, ContractError, iter_violations, layout
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
    try:
        _validate(doc, plain_scalars=plain_scalars)
    except ContractError as exc:
        first = exc.errors[0]
        violations = [{"field": v.path, "reason": v.message} for v in exc.errors]
        raise PermanentLoadError(
            "contract",
            first.message + _more(len(exc.errors)) + _newer_version_hint(doc),
            field=first.path,
            violations=violations[:MAX_VIOLATIONS_KEPT],
        ) from None
    return doc


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


def _validate(doc: Any, *, plain_scalars: bool) -> None:
    """`validate_document`, stopping after `MAX_VIOLATIONS_COLLECTED` violations."""
    violations = iter_violations(doc, plain_scalars=plain_scalars)
    found = list(itertools.islice(violations, MAX_VIOLATIONS_COLLECTED))
    if found:
        raise ContractError(found)
