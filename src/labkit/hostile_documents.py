"""Hostile JSON texts for the receiver: small inputs that parse into large objects.

Shared by tests/receiver/test_receiver_hostile_documents.py and the ``hostile`` section of
bench/receiver_bench.py. Each shape makes a text of about ``size`` bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from labkit import large_documents


def repeat(head: bytes, item: bytes, tail: bytes, size: int) -> bytes:
    count = max(1, (size - len(head) - len(tail)) // (len(item) + 1))
    return head + b",".join([item] * count) + tail


def numbered(head: bytes, pattern: bytes, tail: bytes, size: int) -> bytes:
    parts, used, i = [], len(head) + len(tail), 0
    while True:
        part = pattern % i
        if used + len(part) + 1 > size:
            break
        parts.append(part)
        used += len(part) + 1
        i += 1
    return head + b",".join(parts) + tail


def deep(size: int) -> bytes:
    depth = max(1, (size - 8) // 2)
    return b'{"a":' + b"[" * depth + b"]" * depth + b"}"


# name -> (a text of about ``size`` bytes, the refusal when ``size`` is max_document_bytes)
SHAPES: dict[str, tuple[Callable[[int], bytes], str]] = {
    "array of empty objects": (lambda n: repeat(b"[", b"{}", b"]", n), "not_an_object"),
    "empty objects in a list": (lambda n: repeat(b'{"a":[', b"{}", b"]}", n), "too_large"),
    "empty lists": (lambda n: repeat(b'{"a":[', b"[]", b"]}", n), "too_large"),
    "decimals": (lambda n: repeat(b'{"a":[', b"0.1", b"]}", n), "too_large"),
    "integers": (lambda n: repeat(b'{"a":[', b"1000", b"]}", n), "too_large"),
    "tiny objects": (lambda n: repeat(b'{"a":[', b'{"a":1}', b"]}", n), "too_large"),
    "nested tiny objects": (lambda n: repeat(b'{"a":[', b'{"a":{}}', b"]}", n), "too_large"),
    "distinct keys": (lambda n: numbered(b"{", b'"%x":0', b"}", n), "too_large"),
    "strings in a list": (lambda n: repeat(b'{"a":[', b'"x"', b"]}", n), "too_large"),
    "distinct strings": (lambda n: numbered(b'{"a":[', b'{"v":"%x"}', b"]}", n), "too_large"),
    "wide strings": (
        lambda n: repeat(b'{"a":[', b'"\\ud83d\\ude00' + b"a" * 60 + b'"', b"]}", n),
        "too_large",
    ),
    "emoji": (lambda n: repeat(b'{"a":[', '"😀"'.encode(), b"]}", n), "too_large"),
    "one long number": (lambda n: b'{"a":1.' + b"1" * (n - 8) + b"}", "too_large"),
    # each of these becomes a contract violation of its own, an object of its own
    "NaN": (lambda n: repeat(b'{"a":[', b"NaN", b"]}", n), "too_large"),
    "lone surrogates": (lambda n: repeat(b'{"a":[', b'"\\ud800"', b"]}", n), "too_large"),
    "deep nesting": (deep, "too_deep"),
}


def findings_document(count: int) -> bytes:
    """The text of the realistic fixture with ``count`` Security Hub findings."""
    doc = large_documents.findings_document(count)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
