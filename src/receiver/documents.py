"""Bytes of a sender file -> a validated document, or a precise reason why not.

Decompression is bounded (a small gzip bomb cannot exhaust the Lambda's memory); numbers with
a fraction are parsed as ``Decimal`` so money keeps every digit; an object with a repeated key
is refused (which of the two values was meant is unknowable); then the contract is applied and
the envelope's account id is compared with the account the S3 key names.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from observability.contract import ContractError, validate_document
from receiver.failures import PermanentLoadError

GZIP_MAGIC = b"\x1f\x8b"
MAX_VIOLATIONS_KEPT = 100
_CHUNK = 1024 * 1024


def parse(
    raw: bytes, *, name: str, max_document_bytes: int, expected_account: str | None
) -> dict[str, Any]:
    """The validated document in ``raw`` (the bytes of the file called ``name``)."""
    doc = decode(raw, name=name, max_document_bytes=max_document_bytes)
    if isinstance(doc, dict) and expected_account is not None:
        account = doc.get("account_id")
        if isinstance(account, str) and account != expected_account:
            raise PermanentLoadError(
                "account_mismatch",
                f"the document is for account {account!r} but was written under "
                f"data/{expected_account}/",
                field="/account_id",
            )
    try:
        validate_document(doc)
    except ContractError as exc:
        first = exc.errors[0]
        violations = [{"field": v.path, "reason": v.message} for v in exc.errors]
        raise PermanentLoadError(
            "contract",
            first.message
            + (f" (and {len(exc.errors) - 1} more violation(s))" if len(exc.errors) > 1 else ""),
            field=first.path,
            violations=violations[:MAX_VIOLATIONS_KEPT],
        ) from None
    return doc


def decode(raw: bytes, *, name: str, max_document_bytes: int) -> Any:
    """Decompress (when gzip) and parse JSON; no contract check."""
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
    try:
        string = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PermanentLoadError(
            "encoding", f"the document is not UTF-8 (invalid byte at offset {exc.start})"
        ) from None
    del text
    try:
        return json.loads(string, parse_float=Decimal, object_pairs_hook=_objects())
    except json.JSONDecodeError as exc:
        raise PermanentLoadError(
            "json", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


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


def _objects() -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An object hook that refuses repeated keys and shares equal string values.

    Findings of one control repeat their title, description, product and region thousands of
    times; one string object for each distinct value keeps a large document much smaller.
    """
    seen_values: dict[str, str] = {}

    def make(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if type(value) is str:
                value = seen_values.setdefault(value, value)
            obj[key] = value
        if len(obj) != len(pairs):
            keys = [key for key, _ in pairs]
            repeated = next(key for key in keys if keys.count(key) > 1)
            raise PermanentLoadError(
                "json", f"an object has the key {repeated!r} twice (which value is meant?)"
            )
        return obj

    return make
