"""A validated document -> rows per table, sorted by key, duplicates refused."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from receiver import rows
from receiver.failures import PermanentLoadError
from support.receiver_fixtures import fixture_doc


def test_rows_follow_the_document_with_explicit_columns():
    doc = fixture_doc("full-daily")
    doc["data"]["kms_keys"][0]["description"] = None
    plan = rows.build(json.loads(json.dumps(doc), parse_float=Decimal))
    by_table = {t.table.name: t for t in plan.tables}
    assert plan.snapshot_date == "2026-11-24"
    kms = by_table["kms_keys"]
    assert [r["key_arn"] for r in kms.rows] == sorted(k["key_arn"] for k in doc["data"]["kms_keys"])
    assert set(kms.rows[0]) == set(kms.table.column_names)
    apps = by_table["ssm_applications"]
    assert {p["instance_id"] for p in apps.parents} == {
        i["instance_id"] for i in doc["data"]["ssm_instances"]
    }
    assert all(
        isinstance(r["severity_normalized"], (int, str))
        for r in by_table["securityhub_findings"].rows
    )
    assert {(c["collector"], c["region"]) for c in plan.collectors} >= {
        ("account", ""),
        ("kms_keys", "eu-west-1"),
    }


def test_a_collector_listed_twice_is_a_duplicate():
    doc = fixture_doc("minimal")
    doc["collectors"].append(dict(doc["collectors"][0]))
    with pytest.raises(PermanentLoadError) as caught:
        rows.build(doc)
    assert caught.value.field == f"/collectors/{len(doc['collectors']) - 1}"
    assert "the first is /collectors/0" in caught.value.reason
