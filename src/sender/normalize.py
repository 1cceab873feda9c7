"""Turn AWS values into what the contract accepts: strict, bounded, never raising.

Every helper returns ``None`` for a value it cannot represent, so one odd field never costs a
whole item: timestamps always carry an offset (naive ones are UTC), money is a decimal string
with at most 10 fractional digits, text loses NUL characters.

Free text (titles, descriptions, statuses) is shortened to the contract's length. Identifiers
(ids, ARNs, anything used as a key) are never shortened: a cut id matches nothing. `identifier`,
`key_text` and `arn` return ``None`` for one longer than `ID_MAX` characters (or UTF-8 bytes),
and `oversized` tells the caller why, so it can drop or flag that item and say so
(`sender.collectors.base.Context.identifier`). `ID_MAX` is the largest identifier AWS documents
for the fields we collect: an ARN (2048), a KMS key id (2048); an S3 object's ARN is at most
~1,110 (a 1,024-byte key).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from email.utils import parsedate_to_datetime
from typing import Any

SHORT = 1024  # free text: names, titles, statuses (shortened)
LONG = 8192  # free text: descriptions (shortened)
ID_MAX = 2048  # identifiers and keys: never shortened; longer ones are refused (None)
# A natural key's variable parts together: the tables' primary keys are btree indexes, whose
# entries PostgreSQL caps at 2704 bytes (account id, dates and region take the rest).
KEY_BYTES = 2048
_MONEY_RE = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,10})?")
_REGION_RE = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]")
_ARN_RE = re.compile(r"arn:aws(-cn|-us-gov)?:.*", re.DOTALL)
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 / ISO 8601 extended format only: a date, optionally a time and an offset
_ISO_RE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2})?)(?P<fraction>[.,][0-9]+)?"
    r"(?P<offset>Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
# RFC 1123 / RFC 2822 (HTTP dates): "Tue, 03 Nov 2026 08:00:00 GMT"
_HTTP_DATE_RE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?[0-9]{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
    r"[0-9]{2}:[0-9]{2}(?::[0-9]{2})? (?:GMT|UTC|UT|[+-][0-9]{4})"
)
_TEN_PLACES = Decimal("1E-10")
_MISSING = {"", "N/A", "n/a", "not_supported", "no_information", "None", "null"}


def text(value: Any, limit: int = SHORT) -> str | None:
    if value is None:
        return None
    return _clean(value)[:limit]


def _clean(value: Any) -> str:
    result = str(value).replace("\x00", "")
    return result.encode("utf-8", "replace").decode("utf-8")  # drop lone surrogates


def long_text(value: Any) -> str | None:
    return text(value, LONG)


def oversized(value: Any) -> bool:
    """Whether ``value`` is an identifier too long to keep (more than `ID_MAX` characters or
    UTF-8 bytes); `identifier`, `key_text` and `arn` return ``None`` for it."""
    if value is None:
        return False
    raw = _clean(value)
    return len(raw) > ID_MAX or len(raw.encode("utf-8")) > ID_MAX


def identifier(value: Any) -> str | None:
    """An identifier exactly as AWS sent it (NUL removed), never shortened: ``None`` when
    absent, empty, or `oversized`."""
    if value is None:
        return None
    result = _clean(value)
    if not result or len(result) > ID_MAX or len(result.encode("utf-8")) > ID_MAX:
        return None
    return result


def key_bytes(*parts: str | None) -> int:
    """The UTF-8 size of a natural key's variable parts together (compare with `KEY_BYTES`)."""
    return sum(len(part.encode("utf-8")) for part in parts if part)


def key_text(value: Any) -> str | None:
    """Text for a natural-key field, never shortened: ``None`` when empty or `oversized` (the
    item is then skipped)."""
    return identifier(value)


def timestamp(value: Any) -> str | None:
    """RFC 3339 with an offset (``Z`` for UTC), milliseconds when the source had them.

    Never raises, and never reads a date into what is not one: strings must be ISO 8601
    extended dates / date-times or HTTP dates (RFC 1123); numbers are positive epoch seconds
    (or milliseconds, above 1e11). Anything out of range (offsets of a day or more, years
    outside 1-9999 once in UTC) is ``None``.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        moment = _moment(value)
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    if not 1 <= moment.year <= 9999:
        return None
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        if not math.isfinite(value) or value <= 0:  # 0 / negative: "never", not 1970
            return None
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        return None
    raw = value.strip()
    if raw in _MISSING or len(raw) > 64:
        return None
    match = _ISO_RE.fullmatch(raw)
    if match:
        return _iso(match)
    if _HTTP_DATE_RE.fullmatch(raw):
        return parsedate_to_datetime(raw)
    return None


def _iso(match: re.Match[str]) -> datetime:
    """An ISO 8601 match as a datetime; raises ValueError for impossible fields."""
    moment = datetime.fromisoformat(f"{match['date']}T{match['time'] or '00:00'}")
    fraction = match["fraction"]
    if fraction:  # any number of digits (AWS sends up to 9): microseconds, truncated
        moment = moment.replace(microsecond=int(fraction[1:7].ljust(6, "0")))
    offset = match["offset"]
    if offset and offset not in ("Z", "z"):
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"offset out of range: {offset}")
        sign = -1 if offset[0] == "-" else 1
        delta = timedelta(hours=hours, minutes=minutes) * sign
        moment = moment.replace(tzinfo=timezone(delta))
    elif offset:
        moment = moment.replace(tzinfo=UTC)
    return moment


def day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return None
    raw = str(value)[:10]
    if not _DAY_RE.fullmatch(raw):  # not ISO basic (20240101) or week (2024-W01-1) dates
        return None
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
    """An ARN of the aws, aws-cn or aws-us-gov partition, never shortened (``None`` when it is
    not an ARN or is `oversized`)."""
    if isinstance(value, str) and _ARN_RE.fullmatch(value):
        return identifier(value)
    return None


def string_map(pairs: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None) -> dict[str, str]:
    """At most 100 entries of non-empty text keys and text values (tags, attributes)."""
    if not pairs:
        return {}
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    result: dict[str, str] = {}
    for key, value in items:
        name = key_text(key)  # never shortened: a name longer than the contract's is skipped
        if name is None or len(name) > SHORT or value is None or name in result:
            continue
        result[name] = text(value) or ""
        if len(result) == 100:
            break
    return result


def tags(tag_list: Iterable[Mapping[str, Any]] | None, key: str = "Key", value: str = "Value"):
    """``[{"Key": k, "Value": v}, ...]`` as a string map."""
    return string_map((t.get(key), t.get(value)) for t in tag_list or ())
