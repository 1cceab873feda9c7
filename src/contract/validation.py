"""Validate a sender document against sender-document.schema.json.

Both the sender (before upload) and the receiver (on load) call `validate_document`. Violations
carry a JSON pointer (RFC 6901) to the offending value; for a missing or an unexpected property the
pointer names that property, e.g. ``/data/kms_keys/0/colour``.

Two validators apply the same schema:

- ``fastjsonschema`` decides first: it turns the schema into Python code (once per process,
  about 0.1 s, or imported from the module the Lambda zips ship; `compiled_validator`), which
  checks a large document about 15x faster than the Python ``jsonschema`` walking it. When it
  accepts, the document is valid: only the cross-field rules remain. It knows drafts 4 to 7, so
  it is given the contract as a draft-07 schema with the same meaning: every keyword the
  contract uses means the same in draft 7 and Draft 2020-12 (`_DRAFT7_SAME_MEANING`; any other
  keyword stops the compilation), ``const`` becomes a one-value ``enum``, annotations are left
  out, every local ``$ref`` is inlined, and ``format: date`` is the Python checker's rule
  (`is_date`: ``0000-01-01`` is a valid RFC 3339 date, not a valid Python date). Its number and
  integer rules are the Python validator's (a ``Decimal`` is a number, never an integer; a bool
  neither). What JSON Schema cannot see (NaN and infinities, lone surrogates) no schema
  validator sees either: `_walk` looks for them first, unless the caller already knows there are
  none (``plain_scalars``: the receiver's parser saw no NaN or Infinity token and no lone
  surrogate, so it skips a walk that costs more than the validation itself, and the patterns
  that refuse U+0000 when it saw no such escape).
- the Python ``jsonschema`` runs only for a document the first one did not accept, and it alone
  decides and describes: its messages name the JSON path and the reason in the words the tests
  and the operators know, with the pattern's description, and it is lazily imported, so a valid
  document never pays its import.

So accept/reject decisions are the Python validator's, exactly (tests/contract/
test_contract_compiled.py runs both over every document the tests know and their mutations). A
document that breaks the contract costs the Python validator's time; counting stops at the
receiver's cap (``receiver.documents.MAX_VIOLATIONS_COLLECTED``) as before, since
`iter_violations` stays lazy.

Why fastjsonschema and not jsonschema-rs (issue 13): jsonschema-rs validated about 2.5x faster
still, but its native library is 5.6 MB compressed, which put the analytics zip at 8.7 MB (the
target is 6); its older, smaller releases were slower than this. fastjsonschema is pure Python
(about 50 KB), so both zips carry the same validator.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import importlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

SCHEMA_VERSION = "1.2"
SUPPORTED_MAJOR = 1

_SCHEMA_FILE = "sender-document.schema.json"
_MAX_MESSAGE = 300
_SHOWN_IN_STR = 10
_VERSION_RE = re.compile(r"([0-9]+)\.[0-9]+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_NUMERIC_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})


@dataclass(frozen=True, slots=True)
class ContractViolation:
    """One way in which a document breaks the contract."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


class ContractError(ValueError):
    """A document does not follow the contract; `errors` lists every violation, sorted by path."""

    def __init__(self, errors: list[ContractViolation]) -> None:
        self.errors = sorted(errors, key=_sort_key)
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [str(v) for v in self.errors[:_SHOWN_IN_STR]]
        hidden = len(self.errors) - _SHOWN_IN_STR
        if hidden > 0:
            lines.append(f"... and {hidden} more")
        head = f"document breaks the contract ({len(self.errors)} violation(s))"
        return "\n".join([head, *lines])


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def load_schema() -> dict[str, Any]:
    """The contract as a dict (a copy: the file is read once, callers may modify the result)."""
    return copy.deepcopy(_schema())


@functools.cache
def validator() -> Draft202012Validator:
    """The cached validator, with format checking (`format: date`) switched on.

    It validates against the schema with every local ``$ref`` inlined: the same rules, but
    without a reference lookup per item, which makes large documents about 2.7x faster.
    """
    from jsonschema import Draft202012Validator

    schema = _schema()
    Draft202012Validator.check_schema(schema)
    inlined = _inline_refs(schema, schema.get("$defs", {}))
    return Draft202012Validator(inlined, format_checker=Draft202012Validator.FORMAT_CHECKER)


# The keywords the contract may use: each means the same in draft 7 (what fastjsonschema
# compiles) as in Draft 2020-12 (what the contract declares and the Python validator applies).
# ``items`` must be a schema (an array of schemas is draft 7's tuple form, 2020-12's
# ``prefixItems``); ``$ref`` is inlined before compiling; ``const`` becomes a one-value ``enum``.
_DRAFT7_SAME_MEANING = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "pattern", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
        "maxProperties", "propertyNames", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    }
)  # fmt: skip
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "$id"})
_SCHEMA_MAPS = frozenset({"properties", "$defs"})  # whose keys are names, not keywords


@functools.cache
def compiled_validator(*, nul_free: bool = False) -> Callable[[Any], Any]:
    """The contract compiled by ``fastjsonschema`` (cached): a function that returns its
    argument when valid and raises ``fastjsonschema.JsonSchemaException`` otherwise.

    ``nul_free``: for documents known to hold no U+0000 in any string (the receiver's parser
    knows: `receiver.json_budget.Budget.unusual_scalars`). The contract refuses U+0000 (which
    PostgreSQL text cannot store) with patterns that then always match, and this variant leaves
    them out (`_without_nul_patterns`): every string of the findings no longer goes through a
    regular expression, a third of the validation time of a findings document.

    The Lambda zips ship the generated code as modules (`prebuilt_module`, written by
    ``scripts/package.py``): importing it skips the 0.1 s of CPU that compiling the source
    costs each cold process. A module whose digest is not this contract's is ignored.
    """
    definition = _compiled_definition(nul_free)
    prebuilt = _prebuilt(nul_free, definition)
    if prebuilt is not None:
        return functools.partial(prebuilt.validate, custom_formats=_FORMATS)
    import fastjsonschema

    return fastjsonschema.compile(definition, formats=_FORMATS, detailed_exceptions=False)


def prebuilt_module(nul_free: bool) -> str:
    """The name of the module that holds the generated code of `compiled_validator`."""
    return f"contract._compiled_{'nul_free' if nul_free else 'full'}"


def compiled_source(*, nul_free: bool = False) -> str:
    """The source of `prebuilt_module`: fastjsonschema's code for the contract, headed by the
    digest of the definition it was made from (the contract as `compiled_validator` compiles
    it, and the fastjsonschema version)."""
    import fastjsonschema

    definition = _compiled_definition(nul_free)
    # the formats as compile gets them: the code then calls custom_formats["date"] (is_date)
    code = fastjsonschema.compile_to_code(definition, formats=_FORMATS, detailed_exceptions=False)
    variant = ", for strings without U+0000" if nul_free else ""
    header = (
        '"""Generated by contract.validation.compiled_source (scripts/package.py): the '
        f"contract as fastjsonschema compiles it{variant}.\n\n"
        'Do not edit: a module whose digest is not the contract\'s is ignored."""\n'
    )
    return f"{header}\nCONTRACT_DIGEST = {_digest(definition)!r}\n{code}"


def _compiled_definition(nul_free: bool) -> dict[str, Any]:
    schema = _schema()
    draft7 = _as_draft7(_inline_refs(schema, schema.get("$defs", {})))
    if nul_free:
        draft7 = _without_nul_patterns(draft7)
    draft7["$schema"] = "http://json-schema.org/draft-07/schema#"
    return draft7


def _digest(definition: dict[str, Any]) -> str:
    from fastjsonschema import VERSION

    formats = ",".join(sorted(_FORMATS))  # the code calls each by name
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False) + VERSION + formats
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _prebuilt(nul_free: bool, definition: dict[str, Any]) -> Any:
    """The generated module, when the package holds one made from ``definition``."""
    try:
        module = importlib.import_module(prebuilt_module(nul_free))
    except ModuleNotFoundError:
        return None
    if getattr(module, "CONTRACT_DIGEST", None) != _digest(definition):
        return None
    return module


_NO_NUL = "^[^\\u0000]*$"  # the contract's pattern of a string without U+0000
_NO_NUL_TAIL = "[^\\u0000]*$(?!\\n)"  # the same rule after a prefix (an ARN's, say)


def _without_nul_patterns(node: Any) -> Any:
    """A copy of the (draft 7) schema ``node`` for strings without U+0000: the pattern
    `_NO_NUL` goes, and a pattern ``<prefix>`` + `_NO_NUL_TAIL` becomes ``<prefix>``. On such
    strings each accepts exactly what it accepted before: ``[^\\u0000]*`` then matches the
    whole rest of the string, newlines included, so only the prefix decides (``search`` with
    ``^``, as the compiled code calls it). Other patterns are kept as they are."""
    if isinstance(node, list):
        return [_without_nul_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied: dict[str, Any] = {}
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str):
            if value == _NO_NUL:
                continue
            if value.endswith(_NO_NUL_TAIL) and value.startswith("^"):
                value = value.removesuffix(_NO_NUL_TAIL)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):  # names, not keywords
            copied[key] = {name: _without_nul_patterns(sub) for name, sub in value.items()}
            continue
        copied[key] = _without_nul_patterns(value)
    return copied


def _as_draft7(node: Any, where: str = "#") -> Any:
    """A copy of the (inlined) schema ``node`` for draft 7: annotations out, ``const`` as a
    one-value ``enum``; a keyword outside `_DRAFT7_SAME_MEANING` raises ``ValueError``."""
    if isinstance(node, list):
        return [_as_draft7(item, f"{where}/{index}") for index, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    copied: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key in ("$schema", "$defs"):
            continue
        if key not in _DRAFT7_SAME_MEANING:
            raise ValueError(f"{where}: keyword {key!r} is not known to mean the same in draft 7")
        if key == "items" and not isinstance(value, dict):
            raise ValueError(f"{where}: 'items' must be one schema (an array is draft 7's tuples)")
        if key in _SCHEMA_MAPS:
            copied[key] = {
                name: _as_draft7(sub, f"{where}/{key}/{name}") for name, sub in value.items()
            }
        elif key == "const":
            copied["enum"] = [value]
        else:
            copied[key] = _as_draft7(value, f"{where}/{key}")
    return copied


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def is_date(value: str) -> bool:
    """``format: date`` as the Python validator checks it (jsonschema's ``is_date``: four, two
    and two ASCII digits that ``date.fromisoformat`` accepts), without importing it: so
    ``0000-01-01``, a valid RFC 3339 date, is refused by both validators."""
    if _DATE.fullmatch(value) is None:
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_FORMATS = {"date": is_date}  # the formats the contract uses that fastjsonschema is given


def _compiled_accepts(doc: Any, *, plain_scalars: bool = False) -> bool:
    """Whether the compiled validator accepts ``doc`` and nothing JSON Schema cannot see (NaN,
    infinities, lone surrogates: `_walk`, skipped when ``plain_scalars``) is in it."""
    if not plain_scalars and next(_walk(doc, []), None) is not None:
        return False
    from fastjsonschema import JsonSchemaException

    # a schema it cannot compile raises here, loudly
    validate = compiled_validator(nul_free=plain_scalars)
    try:
        validate(doc)
    except (JsonSchemaException, ArithmeticError, TypeError, ValueError):
        return False  # ArithmeticError: a NaN Decimal compared with a minimum, as in Python's
    return True


def _inline_refs(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """``node`` with each ``{"$ref": "#/$defs/x", ...}`` replaced by the definition itself
    (kept beside its sibling keywords through ``allOf``). The contract is not recursive."""
    if depth > 50:
        raise ValueError("the contract's $refs nest too deep (is a definition recursive?)")
    if isinstance(node, list):
        return [_inline_refs(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {
        key: _inline_refs(value, defs, depth + 1)
        for key, value in node.items()
        if key not in ("$ref", "$defs")
    }
    ref = node.get("$ref")
    if ref is None:
        return inlined
    target = _inline_refs(defs[ref.removeprefix("#/$defs/")], defs, depth + 1)
    return {"allOf": [target], **inlined} if inlined else target


def iter_violations(
    doc: Any, *, plain_scalars: bool = False, on_refused: Callable[[], None] | None = None
) -> Iterator[ContractViolation]:
    """Yield every violation of the contract in `doc` (a parsed JSON document), unsorted.

    A schema version with an unsupported major yields exactly one violation and nothing else.
    ``plain_scalars``: the caller knows ``doc`` holds no NaN, no infinity, no lone surrogate and
    no U+0000 in any string (the receiver's parser does), which saves a walk over every value
    and the patterns that refuse U+0000 (`compiled_validator`).
    ``on_refused``: called as soon as the document is known to break the contract, before the
    (slower) search for every violation and its message.
    """
    unsupported = _unsupported_version(doc)
    if unsupported is not None:
        if on_refused is not None:
            on_refused()
        yield unsupported
        return
    if _compiled_accepts(doc, plain_scalars=plain_scalars):  # only cross-field rules remain
        for violation, _ in _cross_field(doc):
            if on_refused is not None:
                on_refused()
            yield violation
        return
    if on_refused is not None:
        on_refused()
    yield from python_violations(doc)


def python_violations(doc: Any) -> Iterator[ContractViolation]:
    """`iter_violations` with the Python validator alone (no schema version check): what
    decides, and describes, a document that the compiled validator did not accept."""
    python_only = list(_walk(doc, []))
    yield from python_only
    non_finite = {v.path for v in python_only}
    reported = set(non_finite)
    for error in validator().iter_errors(doc):
        if error.validator in _NUMERIC_KEYWORDS and _pointer(error.absolute_path) in non_finite:
            continue  # already reported as non-finite
        for violation in _from_error(error):
            reported.add(violation.path)
            yield violation
    for violation, involved in _cross_field(doc):
        if not involved & reported:  # a field already wrong on its own is reported once
            yield violation


def validate_document(doc: Any) -> None:
    """Raise `ContractError` listing every violation if `doc` breaks the contract."""
    errors = list(iter_violations(doc))
    if errors:
        raise ContractError(errors)


def _unsupported_version(doc: Any) -> ContractViolation | None:
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    match = _VERSION_RE.fullmatch(version) if isinstance(version, str) else None
    if match is None or int(match.group(1)) == SUPPORTED_MAJOR:
        return None  # supported, or malformed: the schema's pattern reports the latter
    return ContractViolation(
        "/schema_version",
        f"unsupported schema version {version!r} (this receiver reads {SUPPORTED_MAJOR}.x)",
    )


def _walk(value: Any, parts: list[str | int]) -> Iterator[ContractViolation]:
    """What JSON Schema cannot see: non-finite numbers and lone surrogates (invalid Unicode)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _SURROGATE_RE.search(key):
                yield ContractViolation(
                    _pointer(parts), _shorten(f"key {key!r} is not valid Unicode")
                )
            yield from _walk(item, [*parts, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, [*parts, index])
    elif (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        yield ContractViolation(
            _pointer(parts), f"{value!r} is not a finite number (JSON has no NaN or Infinity)"
        )
    elif isinstance(value, str) and _SURROGATE_RE.search(value):
        yield ContractViolation(
            _pointer(parts), _shorten(f"{value!r} contains a lone surrogate (not valid Unicode)")
        )


def _cross_field(doc: Any) -> Iterator[tuple[ContractViolation, set[str]]]:
    """Rules between fields, which the schema cannot express, with the paths they involve."""
    if not isinstance(doc, dict):
        return
    window = doc.get("window")
    if isinstance(window, dict):
        start, end = window.get("start"), window.get("end")
        if isinstance(start, str) and isinstance(end, str) and start >= end:
            message = f"window end {end!r} must be after its start {start!r}"
            yield ContractViolation("/window/end", message), {"/window/start", "/window/end"}
    data = doc.get("data")
    account = data.get("account") if isinstance(data, dict) else None
    envelope_id = doc.get("account_id")
    if isinstance(account, dict) and account.get("account_id", envelope_id) != envelope_id:
        path = "/data/account/account_id"
        message = (
            f"{account['account_id']!r} differs from the envelope's account_id {envelope_id!r}"
        )
        yield ContractViolation(path, message), {path, "/account_id"}
    if isinstance(data, dict) and doc.get("cost_mode") != "organization":
        yield from _organization_rows(data)


# Cost Explorer parts whose rows may name another account, in organization cost mode only.
ORGANIZATION_COST_PARTS = (
    ("cost", "daily"),
    ("cost", "totals"),
    ("service_usage",),
    ("marketplace_usage",),
    ("commitments",),
)


def _organization_rows(data: dict[str, Any]) -> Iterator[tuple[ContractViolation, set[str]]]:
    """Without ``cost_mode: organization`` no row names an account, and there is no
    organization forecast: a member's sender never speaks for another account."""
    cost = data.get("cost")
    if isinstance(cost, dict) and "organization_forecast" in cost:
        path = "/data/cost/organization_forecast"
        message = "only allowed when the document declares cost_mode 'organization'"
        yield ContractViolation(path, message), {path, "/cost_mode"}
    for parts in ORGANIZATION_COST_PARTS:
        node: Any = data
        for part in parts:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, list):
            continue
        for index, item in enumerate(node):
            if isinstance(item, dict) and "account_id" in item:
                path = "/data/" + "/".join(parts) + f"/{index}/account_id"
                message = (
                    "a row may name its account only when the document declares cost_mode "
                    "'organization'"
                )
                yield ContractViolation(path, message), {path, "/cost_mode"}
                break  # one per part is enough to say what is wrong


@functools.cache
def _pattern_descriptions() -> dict[str, str]:
    """Pattern -> what it means, from the described ``$defs``, for readable messages."""
    return {
        definition["pattern"]: definition["description"].rstrip(".")
        for definition in _schema().get("$defs", {}).values()
        if "pattern" in definition and "description" in definition
    }


def _from_error(error: ValidationError) -> Iterator[ContractViolation]:
    parts = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for key in error.instance:
            if key not in known:
                yield ContractViolation(
                    _pointer([*parts, key]),
                    _shorten(f"Additional properties are not allowed ({key!r} was unexpected)"),
                )
        return
    if error.validator == "required" and isinstance(error.validator_value, list):
        for key in error.validator_value:
            if error.message == f"{key!r} is a required property":
                parts.append(key)
                break
    message = error.message
    if error.validator == "pattern":
        meaning = _pattern_descriptions().get(error.validator_value)
        if meaning:
            message = f"{error.instance!r} does not match the expected form: {meaning}"
    yield ContractViolation(_pointer(parts), _shorten(message))


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _shorten(message: str) -> str:
    if len(message) <= _MAX_MESSAGE:
        return message
    tail = _MAX_MESSAGE - 200 - 3
    return f"{message[:200]} … {message[-tail:]}"


def _sort_key(violation: ContractViolation) -> tuple[tuple[tuple[int, int, str], ...], str]:
    segments = violation.path.split("/")[1:] if violation.path else []
    key = tuple((0, int(s), "") if s.isascii() and s.isdigit() else (1, 0, s) for s in segments)
    return key, violation.message
