"""The native validator (jsonschema-rs) decides exactly as the Python jsonschema path does.

`contract.iter_violations` lets ``jsonschema-rs`` accept a document and falls back to the Python
validator (`contract.validation.python_violations`) for everything else; these tests run both
over every document the tests know (the frozen fixtures, the lab's example documents, the
realistic findings document, the hostile shapes) and over mutations of each at every distinct
place of the schema, and require the same violations, message for message.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from contract import iter_violations, validation
from labkit import hostile_documents, large_documents
from receiver import documents

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT_FILES = sorted(
    [
        *(ROOT / "tests/fixtures/contract").rglob("*.json"),
        *(ROOT / "src/labkit/documents").glob("*.json"),
    ]
)

# Values a mutation puts in place of a value: each is something the two validators could judge
# differently (number kinds, non-finite values, invalid Unicode, regex anchors, formats, lengths).
ANY_VALUE: list[Any] = [None, True, float("nan"), "\ud800", Decimal("1.0"), {}, []]
FOR_STRINGS: list[Any] = [
    "",
    "0000-01-01",
    "2024-02-30",
    "2024-02-29",
    "١٢٣٤٥٦٧٨٩٠١٢",  # Arabic-Indic digits: \d would take them, [0-9] does not
    "x" * 1025,
]
STRING_SUFFIXES = ("\n", "\x00", "\ud83d")  # "$" before a final newline; NUL; a lone surrogate
FOR_NUMBERS: list[Any] = [
    float("inf"),
    Decimal("1E+3"),
    Decimal("-0.0"),
    Decimal("12345678901234567890.123456789"),
    -1,
    10**25,
]


def decoded(text: bytes) -> Any:
    """As the receiver parses it (Decimals, refused duplicates), under a generous budget."""
    return documents.decode(text, name="doc.json", max_document_bytes=2**30)


@functools.cache
def base_documents() -> dict[str, Any]:
    docs: dict[str, Any] = {}
    for path in DOCUMENT_FILES:
        text = path.read_bytes()
        docs[f"{path.parent.name}/{path.name}"] = decoded(text)
        docs[f"{path.parent.name}/{path.name} as floats"] = json.loads(text)
    findings = large_documents.findings_document(20, "123456789012")
    docs["findings"] = decoded(json.dumps(findings).encode())
    return docs


@functools.cache
def hostile_documents_small() -> dict[str, Any]:
    docs = {}
    for name, (make, _) in hostile_documents.SHAPES.items():
        text = make(400)
        if name == "deep nesting":
            text = hostile_documents.deep(60)
        try:
            docs[name] = json.loads(text, parse_float=Decimal)
        except (ValueError, RecursionError):
            continue
    return docs


def places(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """A path to every value, taking only the first item of each list (the schema says the
    same of every item) and the document itself."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from places(item, (*path, key))
    elif isinstance(value, list) and value:
        yield from places(value[0], (*path, 0))


def replaced(doc: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copied = dict(doc) if isinstance(doc, dict) else list(doc)
    copied[head] = replaced(doc[head], tuple(rest), new)
    return copied


def removed(doc: Any, path: tuple) -> Any:
    head, *rest = path
    copied = dict(doc) if isinstance(doc, dict) else list(doc)
    if rest:
        copied[head] = removed(doc[head], tuple(rest))
    else:
        del copied[head]
    return copied


def at(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def mutations(doc: Any) -> Iterator[tuple[str, Any]]:
    for path in places(doc):
        value = at(doc, path)
        where = "/" + "/".join(map(str, path))
        if path:
            yield f"{where} removed", removed(doc, path)
        news: list[Any] = list(ANY_VALUE)
        if isinstance(value, dict):
            news += [{**value, "\udc00": "x"}, {**value, "zz": 1}]
        elif isinstance(value, list):
            news += [value + value, ["eu-west-1", "eu-west-1"]]
        elif isinstance(value, str):
            news += FOR_STRINGS + [value + suffix for suffix in STRING_SUFFIXES]
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            news += [*FOR_NUMBERS, float(value), Decimal(str(value)) + Decimal("0.0")]
        for new in news:
            yield f"{where} = {new!r:.40}", replaced(doc, path, new)


def truncated(value: Any) -> Any:
    """``value`` with every list cut to its first item: the same places, quicker to check."""
    if isinstance(value, dict):
        return {key: truncated(item) for key, item in value.items()}
    if isinstance(value, list):
        return [truncated(item) for item in value[:1]]
    return value


def outcome(violations: Iterator[Any]) -> list[str] | str:
    """The sorted violations, or the exception raised (the Python validator cannot compare a
    NaN ``Decimal`` with a minimum; the receiver never makes one: NaN parses as a float)."""
    try:
        return sorted(map(str, violations))
    except ArithmeticError as exc:
        return type(exc).__name__


def same_decision(doc: Any) -> None:
    expected = outcome(validation.python_violations(doc))
    assert outcome(iter_violations(doc)) == expected
    if isinstance(expected, list):
        native = validation._natively_accepted(doc)
        python = not list(validation._walk(doc, [])) and validation.validator().is_valid(doc)
        assert native == python


def test_the_native_validator_is_installed():
    # Without it everything works, slowly; the Lambda zips and the dev install carry it.
    assert validation.native_validator() is not None


@pytest.mark.parametrize("name", [*base_documents(), *hostile_documents_small()])
def test_every_known_document_gets_the_same_decision(name):
    doc = {**base_documents(), **hostile_documents_small()}[name]
    same_decision(doc)


MUTATED = ["documents/full-daily.json", "documents/organization-daily.json", "findings"]


@pytest.mark.parametrize("name", MUTATED)
def test_every_mutation_of_every_known_document_gets_the_same_decision(name):
    """The native decision equals the Python one (the messages then follow: an accepted
    document gets only the cross-field rules, a refused one the Python path's messages)."""
    doc = truncated(base_documents()[name])
    seen = accepted = 0
    for label, mutated in mutations(doc):
        native = validation._natively_accepted(mutated)
        try:
            python = not list(validation._walk(mutated, [])) and validation.validator().is_valid(
                mutated
            )
        except ArithmeticError:  # see `outcome`
            python = False
        assert native == python, f"{name}: {label}: native {native}, Python {python}"
        seen += 1
        accepted += native
    assert seen > 500
    assert 0 < accepted < seen  # mutations on both sides of the line


def test_decimal_integers_floats_and_non_finite_numbers_are_judged_alike():
    doc = truncated(base_documents()["documents/full-daily.json"])
    counts = [path for path in places(doc) if isinstance(at(doc, path), int)]
    assert counts  # the contract's integer fields appear in the example
    for path in counts:
        for value in (Decimal("1.0"), Decimal("1"), 1.0, 2**63, float("nan"), math.inf):
            same_decision(replaced(doc, path, value))


def test_every_value_the_contract_admits_is_typed():
    """A value under no type is one jsonschema-rs never looks at: a NaN or a lone surrogate
    there would pass it and not the Python walk."""
    schema = validation._schema()
    defs = schema["$defs"]

    def typed(node: Any) -> bool:
        if not isinstance(node, dict):
            return False
        if "$ref" in node:
            return typed(defs[node["$ref"].removeprefix("#/$defs/")])
        return bool({"type", "const", "enum"} & set(node)) or any(
            typed(sub) for sub in node.get("allOf", [])
        )

    untyped = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}/{index}")
            return
        if not isinstance(node, dict):
            return
        for key, sub in node.get("properties", {}).items():
            if not typed(sub):
                untyped.append(f"{where}/properties/{key}")
        for keyword in ("items", "additionalProperties"):
            sub = node.get(keyword)
            if isinstance(sub, dict) and not typed(sub):
                untyped.append(f"{where}/{keyword}")
        if node.get("type") == "array" and "items" not in node:
            untyped.append(f"{where} (array without items)")
        extra = node.get("additionalProperties")
        if node.get("type") == "object" and extra is not False and not isinstance(extra, dict):
            untyped.append(f"{where} (open object)")
        for key, sub in node.items():
            walk(sub, f"{where}/{key}")

    walk(schema, "#")
    assert untyped == []


FULLWIDTH_DATE = "\uff12\uff10\uff12\uff14-\uff10\uff12-\uff12\uff19"
DATES = ["2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-13-01", "2024-1-01"]
DATES += ["2024-02-29\n", FULLWIDTH_DATE, "20240229", "2024-W09-4", ""]


@pytest.mark.parametrize("value", DATES)
def test_the_date_format_is_the_python_validators(value):
    from jsonschema import Draft202012Validator

    assert validation.is_date(value) == Draft202012Validator.FORMAT_CHECKER.conforms(value, "date")
