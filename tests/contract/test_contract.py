"""Tests of the sender document contract (schema + validation helpers)."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contract import (
    SCHEMA_VERSION,
    SUPPORTED_MAJOR,
    ContractError,
    ContractViolation,
    iter_violations,
    load_schema,
    validate_document,
    validator,
)
from labkit.large_documents import DOCUMENTS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = DOCUMENTS
DATA_MODEL = ROOT / "docs" / "data-model.md"
FIXTURE_NAMES = ["full-daily.json", "minimal.json", "monthly-partial.json"]
DELETE = object()


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def violations(doc: Any) -> list[ContractViolation]:
    with pytest.raises(ContractError) as caught:
        validate_document(doc)
    return caught.value.errors


def edit(doc: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """Return a copy of doc with the value at pointer replaced (or removed with DELETE)."""
    doc = copy.deepcopy(doc)
    *parents, last = (p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])
    target: Any = doc
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key: Any = int(last) if isinstance(target, list) else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return doc


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_is_valid(name: str) -> None:
    doc = load_fixture(name)
    validate_document(doc)
    assert list(iter_violations(doc)) == []


def test_full_fixture_populates_every_section_and_field() -> None:
    """full-daily.json exercises every property the schema names, so the schema has no dead ends."""
    doc = load_fixture("full-daily.json")
    schema = load_schema()
    assert set(doc["data"]) == set(schema["properties"]["data"]["properties"])
    for section, value in doc["data"].items():
        if isinstance(value, list):
            assert 2 <= len(value) <= 5, section
    seen: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            seen.update(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(doc)
    collect(load_fixture("organization-daily.json"))  # what only organization cost mode writes
    named = {
        name
        for sub in _subschemas(schema)
        if sub.get("type") == "object" and "properties" in sub
        for name in sub["properties"]
    }
    assert named - seen == set()


def test_full_fixture_holds_awkward_text() -> None:
    text = (FIXTURES / "full-daily.json").read_text(encoding="utf-8")
    for needle in ('\\"', "\\\\", "'; DROP TABLE x;--", "\\n", "Zürich", "💳"):
        assert needle in text, needle


# ---- rejections -------------------------------------------------------------------------------

REJECTIONS = [
    # (test id, JSON pointer to edit = the expected violation path, new value, message part)
    ("account_id_11_digits", "/account_id", "12345678901", "does not match"),
    ("item_account_id_11_digits", "/data/account/account_id", "12345678901", "does not match"),
    ("timestamp_without_offset", "/collected_at", "2026-11-25T02:03:17", "does not match"),
    ("item_timestamp_naive", "/data/kms_keys/1/created_at", "2021-03-14 09:40:02", "not match"),
    ("unknown_top_level_field", "/comment", "hello", "'comment' was unexpected"),
    ("unknown_item_field", "/data/kms_keys/0/colour", "blue", "'colour' was unexpected"),
    ("unknown_section", "/data/lightsail", [], "'lightsail' was unexpected"),
    ("bad_interval", "/interval", "HOURLY", "'HOURLY' is not one of"),
    ("money_with_comma", "/data/cost/daily/0/unblended_cost", "12,34", "does not match"),
    ("money_not_a_number", "/data/commitments/1/used", "abc", "'abc' does not match"),
    ("money_as_boolean", "/data/cost/daily/0/amortized_cost", True, "is not of type"),
    ("money_infinite", "/data/cost/totals/2/amortized_cost", float("inf"), "not a finite"),
    ("score_nan", "/data/guardduty_findings/0/severity", float("nan"), "not a finite number"),
    ("short_text_too_long", "/data/kms_keys/0/key_state", "x" * 1025, "is too long"),
    ("long_text_too_long", "/data/kms_keys/0/description", "y" * 8193, "is too long"),
    ("nul_in_name", "/data/secrets/0/name", "prod/\x00payments", "does not match"),
    ("nul_in_tag_value", "/data/resources/0/tags/Name", "a\x00b", "does not match"),
    ("missing_key_field", "/data/kms_keys/0/key_arn", DELETE, "'key_arn' is a required"),
    ("missing_region", "/data/secrets/1/region", DELETE, "'region' is a required property"),
    ("missing_envelope_field", "/run_id", DELETE, "'run_id' is a required property"),
    ("duplicate_region", "/regions", ["eu-west-1", "us-east-1", "eu-west-1"], "non-unique"),
    ("region_with_trailing_newline", "/regions/0", "eu-west-1\n", "does not match"),
    ("collector_status_not_in_enum", "/collectors/3/status", "failed", "is not one of"),
    ("collector_ok_with_error", "/collectors/0/error", "boom", "is not of type 'null'"),
    ("collector_skipped_no_reason", "/collectors/10/error", DELETE, "'error' is a required"),
    ("regional_waf_acl_no_region", "/data/waf_web_acls/0/region", None, "not of type 'string'"),
    ("impossible_date", "/window/end", "2026-02-30", "is not a 'date'"),
    ("bad_uuid", "/run_id", "not-a-uuid", "does not match"),
    ("arn_of_other_partition", "/data/secrets/0/secret_arn", "arn:azure:x", "does not match"),
    ("severity_out_of_range", "/data/guardduty_findings/1/severity", 11, "maximum of 10"),
    ("negative_count", "/data/securityhub/severity_counts/0/count", -1, "minimum of 0"),
    ("bad_resource_type", "/data/resources/2/resource_type", "s3:object", "is not one of"),
    ("too_many_tags", "/data/resources/1/tags", {f"k{i}": "v" for i in range(101)}, "too many"),
    ("tag_value_not_string", "/data/resources/1/tags/Tier", 3, "is not of type 'string'"),
    ("malformed_schema_version", "/schema_version", "1", "does not match"),
]


@pytest.mark.parametrize(
    ("pointer", "value", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in REJECTIONS],
)
def test_rejection(pointer: str, value: Any, message: str) -> None:
    doc = edit(load_fixture("full-daily.json"), pointer, value)
    found = violations(doc)
    assert [v.path for v in found] == [pointer], found
    assert message in found[0].message
    assert len(found[0].message) <= 300


def test_unsupported_major_version_gives_exactly_one_violation() -> None:
    doc = edit(load_fixture("full-daily.json"), "/schema_version", "2.0")
    doc["account_id"] = "bad"  # not reported: nothing else is read from an unknown major
    found = violations(doc)
    assert found == [
        ContractViolation(
            "/schema_version", "unsupported schema version '2.0' (this receiver reads 1.x)"
        )
    ]
    assert str(found[0]) == (
        "/schema_version: unsupported schema version '2.0' (this receiver reads 1.x)"
    )


def test_newer_minor_version_is_accepted() -> None:
    validate_document(edit(load_fixture("minimal.json"), "/schema_version", "1.7"))


def test_lone_surrogate_is_rejected() -> None:
    doc = edit(load_fixture("minimal.json"), "/data/account/name", "bad \ud800 text")
    assert [v.path for v in violations(doc)] == ["/data/account/name"]


def test_non_finite_decimal_is_rejected() -> None:
    doc = load_fixture("minimal.json")
    doc["data"]["commitments"] = [
        {"kind": "RI", "period_start": "2026-11-24", "period_end": "2026-11-25", "used": x}
        for x in (Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1.5"))
    ]
    found = violations(doc)
    assert [v.path for v in found] == [f"/data/commitments/{i}/used" for i in range(3)]
    assert all("not a finite number" in v.message for v in found)


def test_digit_like_keys_sort_without_error() -> None:
    error = ContractError([ContractViolation("/x/²", "m"), ContractViolation("/x/10", "m")])
    assert [v.path for v in error.errors] == ["/x/10", "/x/²"]


def test_non_object_document() -> None:
    found = violations(["not", "a", "document"])
    assert [(v.path, v.message) for v in found] == [
        ("", "['not', 'a', 'document'] is not of type 'object'")
    ]
    assert str(ContractError(found)).endswith(
        "(root): ['not', 'a', 'document'] is not of type 'object'"
    )


# ---- error reporting --------------------------------------------------------------------------


def test_error_lists_ten_violations_sorted_by_path() -> None:
    doc = load_fixture("full-daily.json")
    for index in range(12):
        doc["collectors"][index]["status"] = "nope"
    doc["account_id"] = "1"
    error = ContractError(list(iter_violations(doc)))
    paths = [v.path for v in error.errors]
    assert paths[0] == "/account_id"
    assert paths[1:] == [f"/collectors/{i}/status" for i in range(12)]  # numeric, not 1, 10, 11, 2
    lines = str(error).splitlines()
    assert lines[0] == "document breaks the contract (13 violation(s))"
    assert lines[1].startswith("/account_id: '1' does not match")
    assert lines[10].startswith("/collectors/8/status: 'nope' is not one of")
    assert lines[11] == "... and 3 more"
    assert len(lines) == 12


def test_several_unexpected_properties_are_reported_one_by_one() -> None:
    doc = edit(load_fixture("minimal.json"), "/data/account/a~1b", 1)
    doc["data"]["account"]["zz"] = 2
    assert [v.path for v in violations(doc)] == ["/data/account/a~1b", "/data/account/zz"]


def test_long_messages_are_shortened() -> None:
    doc = edit(load_fixture("minimal.json"), "/data/account/name", "n" * 5000)
    (violation,) = violations(doc)
    assert len(violation.message) <= 300
    assert violation.message.endswith("is too long")


# ---- the schema itself ------------------------------------------------------------------------


def _subschemas(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_subschemas(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_subschemas(value))
    return found


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://example.invalid/")
    assert schema["$id"].endswith("/" + SCHEMA_VERSION)
    assert SCHEMA_VERSION.split(".")[0] == str(SUPPORTED_MAJOR)


def test_schema_references_are_local_and_resolve() -> None:
    schema = load_schema()
    for sub in _subschemas(schema):
        if "$ref" in sub:
            assert sub["$ref"].startswith("#/$defs/"), sub["$ref"]
            assert sub["$ref"].removeprefix("#/$defs/") in schema["$defs"], sub["$ref"]


def test_every_object_is_closed() -> None:
    """Items reject unknown fields; only tag/attribute maps take free keys (of string values)."""
    schema = load_schema()
    for sub in _subschemas(schema):
        if sub.get("type") == "object" and sub is not schema["$defs"]["stringMap"]:
            assert sub.get("additionalProperties") is False, sub.get("title")
    assert schema["$defs"]["stringMap"]["additionalProperties"]["type"] == "string"


def test_validator_is_cached_and_checks_formats() -> None:
    assert validator() is validator()
    assert validator().format_checker is not None


def test_load_schema_returns_a_private_copy() -> None:
    load_schema()["properties"].clear()
    assert "data" in load_schema()["properties"]


# ---- docs/data-model.md and the schema agree --------------------------------------------------


def _md_table(heading: str) -> list[list[str]]:
    text = DATA_MODEL.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def _section_schema(schema: dict[str, Any], dotted: str) -> dict[str, Any]:
    """Item schema for a doc path such as `account`, `cost.daily[]`, `waf_web_acls[].rules[]`."""
    node = schema["properties"]["data"]
    for part in dotted.split("."):
        is_list = part.endswith("[]")
        node = _resolve(schema, _resolve(schema, node)["properties"][part.removesuffix("[]")])
        if is_list:
            assert node["type"] == "array", dotted
            node = node["items"]
    return _resolve(schema, node)


def _doc_fields(cell: str) -> tuple[set[str], dict[str, set[str]]]:
    """Field names of a table cell and the enums given in parentheses after some of them."""
    enums = {
        name: set(re.findall(r"`([^`]+)`", values))
        for name, values in re.findall(r"`(\w+)`(?:\[\])? \(((?:`[^`]+`\s*\\?\|?\s*)+)\)", cell)
    }
    without_notes = re.sub(r"\([^)]*\)", "", cell)
    return set(re.findall(r"`(\w+)(?:\[\])?`", without_notes)), enums


def _enum(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    return {v for v in _resolve(schema, node).get("enum", []) if v is not None}


SECTION_ROWS = _md_table("Sections and tables")


def test_doc_lists_sections() -> None:
    assert len(SECTION_ROWS) >= 30


@pytest.mark.parametrize("row", SECTION_ROWS, ids=[r[0].split("`")[1] for r in SECTION_ROWS])
def test_doc_section_matches_schema(row: list[str]) -> None:
    schema = load_schema()
    dotted = row[0].split("`")[1]
    item = _section_schema(schema, dotted)
    fields, enums = _doc_fields(row[1])
    assert set(item["properties"]) == fields
    for name, values in enums.items():
        assert _enum(schema, item["properties"][name]) == values, name


def test_every_schema_section_is_in_the_doc() -> None:
    documented = {row[0].split("`")[1].split(".")[0].removesuffix("[]") for row in SECTION_ROWS}
    assert set(load_schema()["properties"]["data"]["properties"]) == documented


def test_envelope_matches_doc() -> None:
    schema = load_schema()
    rows = {row[0].strip("`"): row for row in _md_table("Envelope")}
    assert set(schema["properties"]) == set(rows)
    optional = {name for name, row in rows.items() if row[1].strip().endswith(", optional")}
    assert set(schema["required"]) == set(rows) - optional
    interval = set(re.findall(r"`([A-Z]+)`", rows["interval"][1]))
    assert _enum(schema, schema["properties"]["interval"]) == interval
    collector_fields = re.search(r"\{([^}]*)\}", rows["collectors"][1]).group(1)  # type: ignore[union-attr]
    collector = _resolve(schema, schema["properties"]["collectors"]["items"])
    assert set(collector["properties"]) == {f.strip() for f in collector_fields.split(",")}
    statuses = set(
        re.findall(r"`(\w+)`", rows["collectors"][2].split("`status` is")[1].split(";")[0])
    )
    assert _enum(schema, collector["properties"]["status"]) == statuses


def test_pattern_violations_say_what_was_expected():
    doc = load_fixture("full-daily.json")
    doc["collected_at"] = "2026-11-25T02:00:00"
    with pytest.raises(ContractError) as info:
        validate_document(doc)
    (violation,) = info.value.errors
    assert violation.path == "/collected_at"
    assert "RFC 3339 date-time WITH an offset" in violation.message
    assert "'2026-11-25T02:00:00' does not match" in violation.message


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d["window"].update(end=d["window"]["start"]), "/window/end", "must be after"),
        (
            lambda d: d["data"]["account"].update(account_id="999999999999"),
            "/data/account/account_id",
            "differs from the envelope's account_id '123456789012'",
        ),
    ],
)
def test_cross_field_rules(change, path, message):
    doc = load_fixture("full-daily.json")
    change(doc)
    with pytest.raises(ContractError) as info:
        validate_document(doc)
    (violation,) = info.value.errors
    assert violation.path == path
    assert message in violation.message


# ---- identifiers: the real AWS maximums, never cut (issue 12 item 7) ---------------------------

IDENTIFIER_FIELDS = [
    "/data/securityhub/findings/0/finding_id",
    "/data/securityhub/findings/0/resource_id",
    "/data/securityhub/findings/0/generator_id",
    "/data/guardduty_findings/0/resource_id",
    "/data/kms_keys/0/key_id",
    "/data/resources/0/resource_id",
]


@pytest.mark.parametrize("pointer", IDENTIFIER_FIELDS)
def test_identifiers_up_to_2048_characters_are_accepted(pointer: str) -> None:
    """An S3 object's ARN (1,024-byte key) is ~1,060 characters; ARNs and KMS key ids reach 2048."""
    s3_object = "arn:aws-us-gov:s3:::audit-logs/" + "k" * 1024
    for value in (s3_object, "é" * 2048):
        validate_document(edit(load_fixture("full-daily.json"), pointer, value))
    found = violations(edit(load_fixture("full-daily.json"), pointer, "x" * 2049))
    assert [v.path for v in found] == [pointer]
    assert "is too long" in found[0].message


def test_free_text_keeps_its_documented_limit() -> None:
    found = violations(
        edit(load_fixture("full-daily.json"), "/data/securityhub/findings/0/title", "t" * 1025)
    )
    assert "is too long" in found[0].message


IDENTIFIER_TYPES = {
    "accountId",
    "accountIdOrNull",
    "uuid",
    "keyText",
    "identifierOrNull",
    "arn",
    "arnOrNull",
}


def test_every_identifier_field_is_an_identifier_type() -> None:
    """Fields named *_id, *_arn, arn or *_identifier never take a shortened text type."""
    schema = load_schema()
    checked = 0
    for sub in _subschemas(schema):
        for name, prop in (sub.get("properties") or {}).items():
            if name in ("arn",) or name.endswith(("_id", "_arn", "_identifier")):
                assert prop["$ref"].removeprefix("#/$defs/") in IDENTIFIER_TYPES, name
                checked += 1
    assert checked >= 40
