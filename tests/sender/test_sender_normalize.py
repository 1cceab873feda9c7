"""Value normalisation: whatever AWS returns, the contract's types come out (or null)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sender.normalize import (
    arn,
    boolean,
    count,
    day,
    money,
    percent,
    region,
    string_map,
    tags,
    text,
    timestamp,
)


def test_timestamps_always_carry_an_offset():
    assert timestamp(datetime(2026, 11, 24, 23, 10, 5, 731000, tzinfo=UTC)) == (
        "2026-11-24T23:10:05.731Z"
    )
    plus_one = timezone(timedelta(hours=1))
    assert timestamp(datetime(2026, 1, 1, 1, 0, tzinfo=plus_one)) == "2026-01-01T00:00:00Z"
    assert timestamp(datetime(2026, 1, 1)) == "2026-01-01T00:00:00Z"  # naive: UTC
    assert timestamp("2026-11-24T21:37:05.123Z") == "2026-11-24T21:37:05.123Z"
    assert timestamp("2026-11-03T08:00:00+01:00") == "2026-11-03T07:00:00Z"
    assert timestamp("Tue, 03 Nov 2026 08:00:00 GMT") == "2026-11-03T08:00:00Z"
    assert timestamp(1764000000) == "2025-11-24T16:00:00Z"
    assert timestamp(1764000000123) == "2025-11-24T16:00:00.123Z"
    assert timestamp(date(2026, 1, 2)) == "2026-01-02T00:00:00Z"
    for missing in (None, "N/A", "no_information", "not_supported", "", "garbage", True):
        assert timestamp(missing) is None


def test_money_is_an_exact_decimal_string_within_the_contract():
    assert money("184.2291360000") == "184.2291360000"
    assert money("1.2E-7") == "0.00000012"
    assert money("0.000000000049") == "0"
    assert money(Decimal("-0.00000000001")) == "0"
    assert money(12.5) == "12.5"
    assert money(3) == "3"
    for bad in (None, "", "NaN", "Infinity", "abc", True):
        assert money(bad) is None
    assert money("1" * 21) is None  # more than 20 integer digits


def test_text_is_bounded_and_has_no_nul():
    assert text("a\x00b") == "ab"
    assert len(text("x" * 5000)) == 1024
    assert text("Zürich 💳") == "Zürich 💳"
    assert text("\ud800lone") == "?lone"
    assert text(None) is None


def test_small_helpers():
    assert count("12") == 12 and count(-1) is None and count(None) is None
    assert percent(101) == 100 and percent(-3) == 0 and percent("99.5") == 99.5
    assert boolean("true") is True and boolean("false") is False and boolean("N/A") is None
    assert region("eu-west-1") == "eu-west-1" and region("global") is None
    assert arn("arn:aws-cn:s3:::b") == "arn:aws-cn:s3:::b" and arn("not-an-arn") is None
    assert day(datetime(2026, 1, 2, 3)) == "2026-01-02" and day("2026-01-02T00:00") == "2026-01-02"
    assert tags([{"Key": "Name", "Value": "web"}, {"Key": "", "Value": "x"}]) == {"Name": "web"}
    assert len(string_map({f"k{i}": "v" for i in range(150)})) == 100
