"""The S3 key layout both Lambdas share (contract.layout): what the sender writes, the receiver
parses, and where a file moves. tests/terraform/test_rendered_policies.py checks the Terraform
policies and bucket rules against the same prefixes."""

from __future__ import annotations

import json

import pytest

from contract import layout
from labkit.large_documents import DOCUMENTS

FIXTURE = DOCUMENTS / "full-daily.json"


@pytest.fixture
def document():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_the_sender_writes_under_its_own_account(document):
    key = layout.document_key(document)
    assert key == (
        "data/123456789012/DAILY/2026-11-24/3f6c2a9e-8b1d-4c7e-9a55-0d2e4b7f1c38.json.gz"
    )
    assert key.startswith(layout.account_prefix("123456789012"))
    assert key.endswith(layout.DOCUMENT_SUFFIX)
    assert layout.is_data_key(key)


def test_the_receiver_parses_what_the_sender_writes(document):
    key = layout.document_key(document)
    parsed = layout.parse_data_key(key)
    assert parsed == layout.DataKey(
        "123456789012", "123456789012/DAILY/2026-11-24/3f6c2a9e-8b1d-4c7e-9a55-0d2e4b7f1c38.json.gz"
    )
    assert layout.rest_of(key) == parsed.rest
    assert layout.DATA_PREFIX + parsed.rest == key


def test_any_json_file_under_an_account_is_accepted():
    assert layout.parse_data_key("data/123456789012/r.json").rest == "123456789012/r.json"
    assert layout.parse_data_key("data/123456789012/a b+ü.json.gz").account_id == "123456789012"


@pytest.mark.parametrize(
    "key",
    [
        "data/12345/r.json.gz",  # not a 12-digit account
        "data/1234567890123/r.json.gz",
        "data/not-an-account/r.json.gz",
        "data/123456789012/r.txt",  # not a document
        "data/123456789012/.json",
        "data/123456789012/",  # a folder marker
        "loaded/123456789012/r.json.gz",  # another prefix
        "123456789012/r.json.gz",
    ],
)
def test_a_key_outside_the_layout_is_refused(key):
    with pytest.raises(layout.LayoutError, match=r"does not follow data/<12-digit account id>/"):
        layout.parse_data_key(key)


def test_a_file_moves_with_the_same_rest():
    rest = "123456789012/DAILY/2026-11-24/r.json.gz"
    assert layout.loaded_key(rest) == "loaded/123456789012/DAILY/2026-11-24/r.json.gz"
    assert layout.failed_key(rest) == "failed/123456789012/DAILY/2026-11-24/r.json.gz"
    assert layout.reason_key(rest) == "failed/123456789012/DAILY/2026-11-24/r.json.gz.reason.json"
    assert layout.is_reason_key(layout.reason_key(rest))
    assert not layout.is_reason_key(layout.failed_key(rest))


def test_only_objects_under_data_are_notified_uploads():
    assert not layout.is_data_key("data/123456789012/")
    assert not layout.is_data_key("loaded/123456789012/r.json.gz")
    assert layout.rest_of("loaded/x.json.gz") == "loaded/x.json.gz"


def test_the_prefixes_are_distinct_top_level_folders():
    prefixes = [layout.DATA_PREFIX, layout.LOADED_PREFIX, layout.FAILED_PREFIX]
    prefixes.append(layout.REPORTS_PREFIX)  # the morning report's pages
    assert len(set(prefixes)) == 4
    assert all(p.endswith("/") and p.count("/") == 1 for p in prefixes)
