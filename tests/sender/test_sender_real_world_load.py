"""Identifiers of the lengths the sender now keeps (issue 12 item 7) load into PostgreSQL: the
primary keys are btree indexes, whose entries PostgreSQL caps at 2704 bytes."""

from __future__ import annotations

import random
import string
from typing import Any

from contract import validate_document
from receiver.loader import FileRef
from receiver.receive import load_bytes
from sender.normalize import ID_MAX, KEY_BYTES, key_bytes
from support.receiver_fixtures import (
    Db,
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
    variant,
)


def incompressible(n: int, seed: int) -> str:
    """``n`` ASCII characters PostgreSQL cannot compress (index entries may be compressed)."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def load_doc(db: Db, doc: dict[str, Any]):
    ref = FileRef(
        "analytics", data_key(doc), "v1", account_id=doc["account_id"], size=1, etag='"e"'
    )
    return load_bytes(db.executor, ref, gz(doc), expected_account=None)


def test_keys_of_the_maximum_length_load(db):
    long_arn = "arn:aws-us-gov:s3:::" + incompressible(ID_MAX - 20, 1)

    def lengthen(doc: dict[str, Any]) -> None:
        data = doc["data"]
        data["securityhub"]["findings"][0]["finding_id"] = long_arn
        data["securityhub"]["findings"][0]["resource_id"] = long_arn
        data["resources"][0]["resource_id"] = incompressible(ID_MAX, 2)
        data["kms_keys"][0]["key_arn"] = "arn:aws:kms:" + incompressible(ID_MAX - 12, 3)
        data["config"]["noncompliant_resources"][0]["resource_id"] = incompressible(ID_MAX, 4)

    doc = variant(fixture_doc("full-daily"), lengthen)
    validate_document(doc)
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error
    stored = db.query("SELECT finding_id, resource_id FROM securityhub_findings")
    assert {"finding_id": long_arn, "resource_id": long_arn} in stored


def test_keys_of_several_parts_load_up_to_the_sender_limit(db):
    """The sender drops an item whose key parts exceed KEY_BYTES in all
    (tests/sender/test_sender_real_world.py); up to that limit, incompressible keys load."""

    def lengthen(doc: dict[str, Any]) -> None:
        instance = doc["data"]["ssm_instances"][0]
        app = instance["applications"][0]
        app["name"] = incompressible(1000, 5)
        used = key_bytes(instance["instance_id"], app["name"], app["architecture"])
        app["version"] = incompressible(KEY_BYTES - used, 6)
        resource = doc["data"]["config"]["noncompliant_resources"][0]
        used = key_bytes(resource["rule_name"], resource["resource_type"])
        resource["resource_id"] = incompressible(KEY_BYTES - used, 7)

    doc = variant(fixture_doc("full-daily"), lengthen)
    validate_document(doc)
    result = load_doc(db, doc)
    assert result.status == "loaded", result.error


def test_a_key_too_long_for_its_index_fails_the_file_permanently(db):
    """A document not from our sender (or from an older one) may carry a key PostgreSQL cannot
    index: the file fails with the reason (moved to failed/), it is not retried into the DLQ."""

    def lengthen(doc: dict[str, Any]) -> None:
        app = doc["data"]["ssm_instances"][0]["applications"][0]
        app["name"] = incompressible(ID_MAX, 8)
        app["version"] = incompressible(1024, 9)

    doc = variant(fixture_doc("full-daily"), lengthen)
    validate_document(doc)  # the contract alone cannot say it
    result = load_doc(db, doc)
    assert result.status == "failed"
    assert "index row size" in str(result.error)
