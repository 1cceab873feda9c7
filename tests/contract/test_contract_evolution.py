"""Contract evolution (issue 12 item 8): a receiver loads documents of its own version, of every
older minor of its major (senders not yet upgraded), and of a newer minor (senders upgraded
first) by ignoring and counting the fields it does not know; another major is refused.

The older documents are the fixtures as each older contract's tests held them (frozen copies in
``tests/fixtures/contract/<version>/``, taken from git), not documents rebuilt by today's code.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from contract import SCHEMA_VERSION, ContractError, validate_document
from contract.evolution import CURRENT, drop_unknown_fields, parse_version
from receiver.receive import load_bytes
from support.receiver_fixtures import (
    Db,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
    load_doc,
    ref_for,
)

FROZEN = Path(__file__).resolve().parents[1] / "fixtures" / "contract"
OLDER = sorted(FROZEN.glob("*/*.json"))
assert CURRENT is not None
NEXT_MINOR = f"{CURRENT[0]}.{CURRENT[1] + 1}"
NEXT_MAJOR = f"{CURRENT[0] + 1}.0"

# Where a newer minor version adds fields, and the pointer each is reported under.
ADDED = {
    "/build_host": ("envelope", None),
    "/window/timezone": ("window", None),
    "/collectors/0/attempts": ("collectors", 0),
    "/data/standards_scores": ("data section", None),
    "/data/account/parent_path": ("account", None),
    "/data/kms_keys/0/rotation_period_days": ("kms key", 0),
    "/data/ssm_instances/0/patches/0/cve_ids": ("ssm patch", 0),
    "/data/securityhub/findings/1/assignee": ("finding", 1),
}


def newer_minor(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as a sender of the next minor version could write it: new fields everywhere."""
    new = copy.deepcopy(doc)
    new["schema_version"] = NEXT_MINOR
    new["build_host"] = "builder-7"
    new["window"]["timezone"] = "UTC"
    new["collectors"][0]["attempts"] = 2
    new["data"]["standards_scores"] = [{"standard": "cis-aws-foundations", "score": 92.5}]
    new["data"]["account"]["parent_path"] = "Root/Workloads"
    new["data"]["kms_keys"][0]["rotation_period_days"] = 365
    new["data"]["ssm_instances"][0]["patches"][0]["cve_ids"] = ["CVE-2025-0001"]
    new["data"]["securityhub"]["findings"][1]["assignee"] = "secops"  # (remediation_url: 1.2)
    return new


def ingestion(db: Db, result: Any) -> dict[str, Any]:
    (row,) = db.query(
        "SELECT l.status, l.schema_version, l.ignored_field_count, i.ignored_fields, l.error, "
        "l.rows_written FROM logs l JOIN ingestions i USING (id) WHERE id = %(id)s",
        {"id": result.ingestion_id},
    )
    return row


def test_the_contract_version_is_semantic_and_the_schema_accepts_its_minors():
    assert parse_version(SCHEMA_VERSION) == CURRENT
    doc = fixture_doc("minimal")
    for version in (SCHEMA_VERSION, "1.0", NEXT_MINOR, "1.10"):
        validate_document({**doc, "schema_version": version})
    for bad in ("1", "1.1.0", "v1.1", "1.x", " 1.1"):
        with pytest.raises(ContractError):
            validate_document({**doc, "schema_version": bad})


@pytest.mark.parametrize("path", OLDER, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_documents_of_every_older_minor_still_validate_untouched(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    version = parse_version(doc["schema_version"])
    assert version is not None and version[0] == CURRENT[0] and version <= CURRENT
    assert drop_unknown_fields(doc) == []
    validate_document(doc)


def test_there_is_a_frozen_document_of_the_previous_minor():
    assert {p.parent.name for p in OLDER} >= {f"{CURRENT[0]}.{CURRENT[1] - 1}"}


@pytest.mark.parametrize("path", OLDER, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_receiver_loads_the_previous_senders_documents(db, path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    result = load_bytes(db.executor, ref_for(doc), gz(doc), expected_account=doc["account_id"])
    assert result.status == "loaded", result.error
    record = ingestion(db, result)
    assert record["schema_version"] == path.parent.name and record["ignored_field_count"] == 0
    assert record["rows_written"] == sum(result.rows.values()) > 0


def test_unknown_fields_of_a_newer_minor_are_dropped_and_reported_where_they_were():
    doc = newer_minor(fixture_doc("full-daily"))
    assert sorted(drop_unknown_fields(doc)) == sorted(ADDED)
    assert doc["schema_version"] == NEXT_MINOR and "build_host" not in doc
    assert "cve_ids" not in doc["data"]["ssm_instances"][0]["patches"][0]
    validate_document(doc)  # what is left is a valid document of this version


def test_open_maps_keep_their_keys():
    """``additionalProperties`` with a schema (tags, attributes) is not an unknown field."""
    doc = fixture_doc("full-daily")
    resource = next(r for r in doc["data"]["resources"] if r.get("tags"))
    resource["tags"]["brand-new-tag"] = "kept"
    doc["schema_version"] = NEXT_MINOR
    assert drop_unknown_fields(doc) == []
    assert resource["tags"]["brand-new-tag"] == "kept"


def test_the_receiver_loads_a_newer_minor_and_counts_what_it_ignored(db):
    base = fixture_doc("full-daily")
    current = load_doc(db, base)
    newer = newer_minor(base)
    result = load_doc(db, newer, "v2")

    assert result.status == "loaded", result.error
    assert result.rows == current.rows  # the same rows as the same data in this version
    record = ingestion(db, result)
    assert record["schema_version"] == NEXT_MINOR
    assert record["ignored_field_count"] == len(ADDED)
    assert sorted(record["ignored_fields"]) == sorted(ADDED)


def test_an_unknown_field_in_a_document_of_this_version_is_still_refused(db):
    doc = fixture_doc("full-daily")
    doc["schema_version"] = SCHEMA_VERSION
    doc["data"]["kms_keys"][0]["rotation_period_days"] = 365
    result = load_doc(db, doc)
    assert result.status == "failed"
    assert result.error.field == "/data/kms_keys/0/rotation_period_days"
    assert ingestion(db, result)["status"] == "failed"


def test_a_newer_minor_that_breaks_a_known_field_is_refused_with_the_way_out(db):
    doc = newer_minor(fixture_doc("full-daily"))
    doc["data"]["kms_keys"][0]["key_state"] = 42  # a string in every version
    result = load_doc(db, doc)
    assert result.status == "failed"
    assert result.error.field == "/data/kms_keys/0/key_state"
    assert f"contract version {NEXT_MINOR}" in result.error.reason
    assert "upgrade the analytics side, then reload the file" in result.error.reason


def test_another_major_version_is_refused_as_a_whole(db):
    doc = fixture_doc("full-daily")
    doc["schema_version"] = NEXT_MAJOR
    doc["brand_new_envelope"] = True
    result = load_doc(db, doc)
    assert result.status == "failed"
    assert result.error.field == "/schema_version"
    assert f"unsupported schema version '{NEXT_MAJOR}'" in result.error.reason
    assert [v["field"] for v in result.error.violations] == ["/schema_version"]
