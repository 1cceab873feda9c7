"""Bytes of a sender file -> a document: gzip, limits, exact numbers, refused ambiguities."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest

from receiver import documents
from receiver.failures import PermanentLoadError
from support.receiver_fixtures import fixture_doc, gz

LIMIT = 10 * 1024 * 1024


def test_gzip_and_plain_json_are_read_and_numbers_stay_exact():
    text = '{"a": 12345678901234567890.1234567890, "b": [1, 0.1], "c": "Zürich 😀"}'
    for raw, name in ((gzip.compress(text.encode()), "x.json.gz"), (text.encode(), "x.json")):
        doc = documents.decode(raw, name=name, max_document_bytes=LIMIT)
        assert doc == {
            "a": Decimal("12345678901234567890.1234567890"),
            "b": [1, Decimal("0.1")],
            "c": "Zürich 😀",
        }


def test_concatenated_gzip_members_and_zero_padding_are_accepted():
    raw = gzip.compress(b'{"a": ') + gzip.compress(b'"b"}') + b"\x00" * 16
    assert documents.decode(raw, name="x.json.gz", max_document_bytes=LIMIT) == {"a": "b"}


def test_a_gzip_bomb_is_stopped_at_the_limit():
    bomb = gzip.compress(b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert len(bomb) < 100 * 1024
    with pytest.raises(PermanentLoadError, match="decompresses to more than 1048576 bytes"):
        documents.decode(bomb, name="x.json.gz", max_document_bytes=1024 * 1024)


def test_a_byte_order_mark_is_invalid_json():
    with pytest.raises(PermanentLoadError) as caught:
        documents.decode(b"\xef\xbb\xbf{}", name="x.json", max_document_bytes=LIMIT)
    assert caught.value.kind == "json"


def test_the_account_check_comes_before_the_contract():
    doc = fixture_doc("minimal")
    doc["interval"] = "HOURLY"
    with pytest.raises(PermanentLoadError) as caught:
        documents.parse(
            gz(doc), name="x.json.gz", max_document_bytes=LIMIT, expected_account="1" * 12
        )
    assert caught.value.kind == "account_mismatch"


def test_a_top_level_value_other_than_an_object_is_refused_before_parsing():
    for text, shown in ((b" [1, 2]", "'['"), (b'"text"', "'\"'"), (b"42", "'4'")):
        with pytest.raises(PermanentLoadError) as caught:
            documents.decode(text, name="x.json", max_document_bytes=LIMIT)
        assert caught.value.kind == "not_an_object"
        assert f"must be a JSON object; it starts with {shown}" in caught.value.reason


def test_an_empty_document_is_reported_by_the_parser():
    with pytest.raises(PermanentLoadError, match="Expecting value") as caught:
        documents.decode(b"  ", name="x.json", max_document_bytes=LIMIT)
    assert caught.value.kind == "json"


EXACT_NUMBERS = [
    ("0.1", Decimal("0.1")),
    ("1e-7", Decimal("1E-7")),
    ("12345678901234567890.123456789", Decimal("12345678901234567890.123456789")),
    ("-0.0", Decimal("-0.0")),
    ("1E+400", Decimal("1E+400")),  # beyond any float
    ("-2.5e-400", Decimal("-2.5E-400")),  # below any float
    ("1.10", Decimal("1.10")),  # the trailing zero stays (money keeps its scale)
    ("12345678901234567890123", 12345678901234567890123),  # an integer stays an int
    ("-0", 0),
]


@pytest.mark.parametrize(("text", "expected"), EXACT_NUMBERS)
def test_every_number_keeps_every_digit(text, expected):
    doc = documents.decode(f'{{"a": [{text}]}}'.encode(), name="x.json", max_document_bytes=LIMIT)
    value = doc["a"][0]
    assert type(value) is type(expected)
    assert value == expected
    assert str(value) == str(expected)  # same digits and exponent, not just an equal value
    if isinstance(expected, Decimal):
        assert value.as_tuple() == expected.as_tuple()  # the sign of -0.0 included


def _nested_with_repeated_key(depth: int) -> bytes:
    """``{"a": {"a": ... {"k": 1, "k": 2} ...}}`` with the repeated key ``depth`` objects deep,
    inside a list at odd depths."""
    text = b'{"k": 1, "x": [], "k": 2}'
    for level in range(depth):
        text = b'{"a": [' + text + b"]}" if level % 2 else b'{"a": ' + text + b', "b": 0}'
    return text


@pytest.mark.parametrize("depth", [0, 1, 2, 3, 6, 20, 41])  # 41: 62 levels with the lists
def test_a_repeated_key_is_refused_at_every_depth(depth):
    with pytest.raises(PermanentLoadError) as caught:
        documents.decode(_nested_with_repeated_key(depth), name="x.json", max_document_bytes=LIMIT)
    assert caught.value.kind == "json"
    assert "'k' twice" in caught.value.reason


def test_keys_repeated_in_different_objects_are_no_repetition():
    text = _nested_with_repeated_key(6).replace(b', "k": 2', b', "m": 2')
    doc = documents.decode(text, name="x.json", max_document_bytes=LIMIT)
    assert isinstance(doc, dict)


def test_a_repeated_key_whose_values_are_equal_is_still_refused():
    with pytest.raises(PermanentLoadError, match="'k' twice"):
        documents.decode(b'{"k": "v", "k": "v"}', name="x.json", max_document_bytes=LIMIT)
