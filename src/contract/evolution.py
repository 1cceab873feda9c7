"""Contract evolution: which documents a reader accepts, and how it reads a newer minor version.

``schema_version`` is ``MAJOR.MINOR`` (docs/upgrading.md states the policy):

- a minor version only adds: optional fields, sections and collectors, new values, looser limits;
  every document valid under ``1.k`` is valid under ``1.n`` for ``k <= n``, so a reader loads
  documents of its own and of every older minor of its major as they are;
- a reader given a *newer* minor of its major (a sender upgraded before the analytics account)
  removes the properties its contract does not define, returns where they were so the ingestion
  record can count them, and validates the rest as usual. A newer value or a looser limit it
  cannot know is still refused, naming the field, and the file waits in ``failed/`` until the
  receiver is upgraded and the file reloaded;
- a different major is refused as a whole (``validation.iter_violations``).

The walk follows the schema itself (``properties``, ``additionalProperties``, ``items``,
``allOf``/``if``/``then``/``else`` and local ``$ref``), so a new field of the contract is known here
without any list to maintain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from contract.validation import SCHEMA_VERSION, _pointer, _schema

_VERSION = re.compile(r"([0-9]+)\.([0-9]+)")


def parse_version(value: Any) -> tuple[int, int] | None:
    """``(major, minor)`` of a ``schema_version`` value, or None when it is not ``N.N``."""
    match = _VERSION.fullmatch(value) if isinstance(value, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


CURRENT = parse_version(SCHEMA_VERSION)


def is_newer_minor(doc: Any) -> bool:
    """Whether ``doc`` declares a later minor version of this reader's major."""
    version = parse_version(doc.get("schema_version")) if isinstance(doc, dict) else None
    assert CURRENT is not None
    return version is not None and version[0] == CURRENT[0] and version[1] > CURRENT[1]


def drop_unknown_fields(doc: Any) -> list[str]:
    """For a document of a newer minor version: remove, in place, every property this contract
    does not define and return the JSON pointers of what was removed (in document order).

    Any other document is left untouched (``[]``): for its own or an older minor version an
    unknown property is a sender bug and stays a contract violation.
    """
    if not is_newer_minor(doc):
        return []
    schema = _schema()
    return list(_drop(doc, schema, schema.get("$defs", {}), []))


def _drop(
    value: Any, node: dict[str, Any], defs: dict[str, Any], parts: list[str | int]
) -> Iterator[str]:
    schemas = list(_branches(node, defs))
    if isinstance(value, dict):
        known: dict[str, list[dict[str, Any]]] = {}
        extra: list[dict[str, Any]] = []
        closed = False
        for schema in schemas:
            for name, sub in schema.get("properties", {}).items():
                known.setdefault(name, []).append(sub)
            additional = schema.get("additionalProperties")
            if additional is False:
                closed = True
            elif isinstance(additional, dict):
                extra.append(additional)
        for key in list(value):
            if key in known:
                for sub in known[key]:
                    yield from _drop(value[key], sub, defs, [*parts, key])
            elif extra:
                for sub in extra:
                    yield from _drop(value[key], sub, defs, [*parts, key])
            elif closed:
                del value[key]
                yield _pointer([*parts, key])
    elif isinstance(value, list):
        for schema in schemas:
            items = schema.get("items")
            if isinstance(items, dict):
                for index, item in enumerate(value):
                    yield from _drop(item, items, defs, [*parts, index])


def _branches(node: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Iterator[dict]:
    """``node`` and every subschema that applies to the same value (refs, allOf, if/then/else)."""
    if depth > 50 or not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        yield from _branches(defs[ref.removeprefix("#/$defs/")], defs, depth + 1)
    yield node
    for sub in node.get("allOf", []):
        yield from _branches(sub, defs, depth + 1)
    for keyword in ("then", "else"):
        if isinstance(node.get(keyword), dict):
            yield from _branches(node[keyword], defs, depth + 1)
