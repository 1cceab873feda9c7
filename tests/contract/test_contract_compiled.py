"""The compiled validator (fastjsonschema) decides exactly as the Python jsonschema path does.

`contract.iter_violations` lets the contract compiled by ``fastjsonschema`` accept a document
and falls back to the Python validator (`contract.validation.python_violations`) for
everything else; these tests run both over every document the tests know (the frozen fixtures,
the lab's example documents, the realistic findings document, the hostile shapes) and over
mutations of each at every distinct place of the schema, and require the same violations,
message for message: as given to `iter_violations`, and as the receiver parses them (which
skips the walk for NaN and lone surrogates, and the patterns that refuse U+0000, when its parser
saw none of them).
"""

from __future__ import annotations

import functools
import json
import math
import sys
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


def python_accepts(doc: Any) -> bool:
    try:
        return not list(validation._walk(doc, [])) and validation.validator().is_valid(doc)
    except ArithmeticError:  # see `outcome`
        return False


def same_decision(doc: Any) -> None:
    expected = outcome(validation.python_violations(doc))
    assert outcome(iter_violations(doc)) == expected
    if isinstance(expected, list):
        assert validation._compiled_accepts(doc) == python_accepts(doc)


def has_nul(value: Any) -> bool:
    """Whether a string (or key) anywhere in ``value`` holds U+0000."""
    if isinstance(value, dict):
        return any("\x00" in key or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(map(has_nul, value))
    return isinstance(value, str) and "\x00" in value


def nul_free_accepts(doc: Any) -> bool:
    """The decision of the compiled variant for strings without U+0000, the walk included."""
    from fastjsonschema import JsonSchemaException

    if next(validation._walk(doc, []), None) is not None:
        return False
    try:
        validation.compiled_validator(nul_free=True)(doc)
    except (JsonSchemaException, ArithmeticError, TypeError, ValueError):
        return False
    return True


def as_received(doc: Any) -> tuple[Any, bool]:
    """``doc`` written as JSON and parsed back as the receiver does, with its parser's word on
    plain scalars (a Decimal is written as a float: the text is what matters here)."""
    text = json.dumps(doc, default=float).encode()
    return documents._decode(text, name="doc.json", max_document_bytes=2**30)


def test_the_contract_compiles_for_draft_7_with_the_same_meaning():
    assert callable(validation.compiled_validator())
    schema = validation._schema()
    draft7 = validation._as_draft7(validation._inline_refs(schema, schema["$defs"]))
    assert "$ref" not in json.dumps(draft7)
    # A keyword whose meaning differs, or that draft 7 lacks, stops the compilation.
    for schema in (
        {"type": "array", "prefixItems": [{"type": "string"}]},
        {"type": "array", "items": [{"type": "string"}]},
        {"type": "object", "unevaluatedProperties": False},
        {"type": "object", "dependentRequired": {"a": ["b"]}},
    ):
        with pytest.raises(ValueError, match="draft 7"):
            validation._as_draft7(schema)
    # const is a one-value enum; annotations go; property names are never taken for keywords.
    assert validation._as_draft7(
        {"properties": {"title": {"const": 1, "description": "d"}}, "$comment": "c"}
    ) == {"properties": {"title": {"enum": [1]}}}


@pytest.mark.parametrize("name", [*base_documents(), *hostile_documents_small()])
def test_every_known_document_gets_the_same_decision(name):
    doc = {**base_documents(), **hostile_documents_small()}[name]
    same_decision(doc)


MUTATED = ["documents/full-daily.json", "documents/organization-daily.json", "findings"]


@pytest.mark.parametrize("name", MUTATED)
def test_every_mutation_of_every_known_document_gets_the_same_decision(name):
    """The compiled decision equals the Python one (the messages then follow: an accepted
    document gets only the cross-field rules, a refused one the Python path's messages)."""
    doc = truncated(base_documents()[name])
    seen = accepted = plain = with_nul = 0
    for label, mutated in mutations(doc):
        compiled = validation._compiled_accepts(mutated)
        python = python_accepts(mutated)
        assert compiled == python, f"{name}: {label}: compiled {compiled}, Python {python}"
        if has_nul(mutated):  # the variant without the U+0000 patterns never sees these
            with_nul += 1
        else:
            assert nul_free_accepts(mutated) == python, f"{name}: {label}: without NUL patterns"
        # The receiver's path: parsed from text, the walk skipped when the parser vouches.
        if isinstance(mutated, dict):  # the receiver refuses any other value before this
            received, plain_scalars = as_received(mutated)
            fast = validation._compiled_accepts(received, plain_scalars=plain_scalars)
            assert fast == python_accepts(received), f"{name}: {label}: as received"
            plain += plain_scalars
        seen += 1
        accepted += compiled
    assert seen > 500
    assert 0 < accepted < seen  # mutations on both sides of the line
    assert 0 < plain < seen  # the receiver's shortcut taken, and not taken
    assert 0 < with_nul < seen


def test_decimal_integers_floats_and_non_finite_numbers_are_judged_alike():
    doc = truncated(base_documents()["documents/full-daily.json"])
    counts = [path for path in places(doc) if isinstance(at(doc, path), int)]
    assert counts  # the contract's integer fields appear in the example
    for path in counts:
        for value in (Decimal("1.0"), Decimal("1"), 1.0, 2**63, float("nan"), math.inf):
            same_decision(replaced(doc, path, value))


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (b'{"a": 1.5, "b": "caf\xc3\xa9", "c": "\\u00e9"}', True),
        (b'{"a": NaN}', False),
        (b'{"a": -Infinity}', False),
        (b'{"a": "\\ud800"}', False),  # a lone high surrogate
        (b'{"a": "x\\udc00"}', False),  # a lone low one
        (b'{"a": "\\ude00\\ud83d"}', False),  # low before high: two lone ones
        (b'{"a": "\\ud83d", "b": "\\ude00"}', False),  # halves in two strings
        (b'{"a": "\\ud83d\\ude00"}', True),  # a pair: valid text
        (b'{"a": "\\\\ud800"}', True),  # an escaped backslash, then the letters "ud800"
        (b'{"a": "\\\\ud83d\\ude00"}', False),  # the text "\\ud83d", then a lone low one
        (b'{"a": "\\\\\\ud83d\\ude00"}', True),  # a backslash, then a real pair
        (b'{"a": "\xf0\x9f\x98\x80"}', True),  # an emoji, which the parser escapes first
        (b'{"a": "x\\u0000y"}', False),  # U+0000, which the contract refuses by patterns
        (b'{"a": "\\\\u0000"}', False),  # the text "\\u0000": not vouched for (conservative)
    ],
)
def test_the_receiver_vouches_for_plain_scalars_only_when_it_saw_none_other(text, plain):
    value, plain_scalars = documents._decode(text, name="x.json", max_document_bytes=2**20)
    assert plain_scalars is plain
    # Exact both ways, but for the text "\\u0000": the parser vouches for a case exactly when
    # it holds no NaN, no lone surrogate and no U+0000.
    clean = not list(validation._walk(value, [])) and not has_nul(value)
    assert plain is clean or text == b'{"a": "\\\\u0000"}'


FULLWIDTH_DATE = "\uff12\uff10\uff12\uff14-\uff10\uff12-\uff12\uff19"
DATES = ["2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-13-01", "2024-1-01"]
DATES += ["2024-02-29\n", FULLWIDTH_DATE, "20240229", "2024-W09-4", ""]


@pytest.mark.parametrize("value", DATES)
def test_the_date_format_is_the_python_validators(value):
    from jsonschema import Draft202012Validator

    assert validation.is_date(value) == Draft202012Validator.FORMAT_CHECKER.conforms(value, "date")


@pytest.fixture(name="prebuilt")
def prebuilt_fixture(tmp_path, monkeypatch):
    """A directory on ``contract``'s path for generated modules, with a fresh validator cache."""
    import contract

    folder = tmp_path / "contract"
    folder.mkdir()
    monkeypatch.setattr(contract, "__path__", [*contract.__path__, str(folder)])
    validation.compiled_validator.cache_clear()
    yield folder
    validation.compiled_validator.cache_clear()
    for variant in ("full", "nul_free"):
        sys.modules.pop(f"contract._compiled_{variant}", None)


@pytest.mark.parametrize("nul_free", [False, True])
def test_the_generated_module_is_used_and_decides_as_the_compiled_contract(prebuilt, nul_free):
    runtime = validation.compiled_validator(nul_free=nul_free)
    module = validation.prebuilt_module(nul_free)
    (prebuilt / f"{module.rsplit('.', 1)[1]}.py").write_text(
        validation.compiled_source(nul_free=nul_free), encoding="utf-8"
    )
    validation.compiled_validator.cache_clear()
    generated = validation.compiled_validator(nul_free=nul_free)
    assert generated.func.__module__ == module
    from fastjsonschema import JsonSchemaException

    def decision(validate, doc):
        try:
            validate(doc)
        except (JsonSchemaException, ArithmeticError, TypeError, ValueError):
            return False
        return True

    doc = truncated(base_documents()["documents/full-daily.json"])
    seen = 0
    for _, mutated in [("as given", doc), *mutations(doc)]:
        if nul_free and has_nul(mutated):
            continue
        assert decision(generated, mutated) == decision(runtime, mutated)
        seen += 1
    assert seen > 500


def test_a_generated_module_of_another_contract_is_ignored(prebuilt):
    source = validation.compiled_source()
    stale = source.replace("CONTRACT_DIGEST = '", "CONTRACT_DIGEST = 'stale", 1)
    (prebuilt / "_compiled_full.py").write_text(stale, encoding="utf-8")
    validate = validation.compiled_validator()
    assert getattr(validate, "func", validate).__module__ != "contract._compiled_full"
    assert validation._compiled_accepts(truncated(base_documents()["documents/full-daily.json"]))
