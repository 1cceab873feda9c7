"""Turn AWS values into what the contract accepts: strict, bounded, never raising.

Every helper returns ``None`` for a value it cannot represent, so one odd field never costs a
whole item: timestamps always carry an offset (naive ones are UTC), money is a decimal string
with at most 10 fractional digits, text loses NUL characters and is cut to the contract's length.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

from dateutil import parser as dateparser

SHORT = 1024
LONG = 8192
_MONEY_RE = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,10})?")
_REGION_RE = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]")
_ARN_RE = re.compile(r"arn:aws(-cn|-us-gov)?:.*", re.DOTALL)
_TEN_PLACES = Decimal("1E-10")
_MISSING = {"", "N/A", "n/a", "not_supported", "no_information", "None", "null"}


def text(value: Any, limit: int = SHORT) -> str | None:
    if value is None:
        return None
    result = str(value).replace("\x00", "")
    result = result.encode("utf-8", "replace").decode("utf-8")  # drop lone surrogates
    return result[:limit]


def long_text(value: Any) -> str | None:
    return text(value, LONG)


def key_text(value: Any) -> str | None:
    """Text for a natural-key field: ``None`` when empty (the item is then skipped)."""
    result = text(value)
    return result or None


def timestamp(value: Any) -> str | None:
    """RFC 3339 with an offset (``Z`` for UTC), milliseconds when the source had them."""
    if value is None or isinstance(value, bool):
        return None
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        raw = str(value).strip()
        if raw in _MISSING:
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = dateparser.parse(raw)
            except (ValueError, OverflowError, TypeError):
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if not 1 <= moment.year <= 9999:
        return None
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return None
    raw = str(value)[:10]
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


def decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any) -> str | None:
    """A decimal string the contract accepts (``-?digits(.digits{1,10})?``), or ``None``."""
    if isinstance(value, str) and _MONEY_RE.fullmatch(value):
        return value
    number = decimal(value)
    if number is None:
        return None
    return format_decimal(number)


def format_decimal(number: Decimal) -> str | None:
    with localcontext() as context:
        context.prec = 60
        try:
            quantized = number.quantize(_TEN_PLACES, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            return None
    result = format(quantized, "f")
    if "." in result:
        result = result.rstrip("0").rstrip(".")
    if result in {"-0", ""}:
        result = "0"
    return result if _MONEY_RE.fullmatch(result) else None


def number(value: Any) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(result):
        return None
    return int(result) if result.is_integer() and abs(result) < 2**53 else result


def percent(value: Any) -> float | int | None:
    result = number(value)
    if result is None:
        return None
    return min(max(result, 0), 100)


def count(value: Any) -> int | None:
    result = number(value)
    if result is None or result < 0:
        return None
    return int(result)


def boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    raw = str(value).strip().lower()
    if raw in {"true", "yes", "1"}:
        return True
    if raw in {"false", "no", "0"}:
        return False
    return None


def region(value: Any) -> str | None:
    return value if isinstance(value, str) and _REGION_RE.fullmatch(value) else None


def arn(value: Any) -> str | None:
    if isinstance(value, str) and _ARN_RE.fullmatch(value) and len(value) <= 2048:
        return text(value, 2048)
    return None


def string_map(pairs: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None) -> dict[str, str]:
    """At most 100 entries of non-empty text keys and text values (tags, attributes)."""
    if not pairs:
        return {}
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    result: dict[str, str] = {}
    for key, value in items:
        name = key_text(key)
        if name is None or value is None or name in result:
            continue
        result[name] = text(value) or ""
        if len(result) == 100:
            break
    return result


def tags(tag_list: Iterable[Mapping[str, Any]] | None, key: str = "Key", value: str = "Value"):
    """``[{"Key": k, "Value": v}, ...]`` as a string map."""
    return string_map((t.get(key), t.get(value)) for t in tag_list or ())
