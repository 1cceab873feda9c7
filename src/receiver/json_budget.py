"""A memory budget for parsing one JSON text, and the checks that refuse a text before parsing.

``json.loads`` builds every object before any hook can refuse anything, and small inputs make
large objects: ``{}`` (2 bytes) becomes a 64-byte dict, ``0.1`` a 104-byte ``Decimal``, ``[]`` a
56-byte list. 100 MiB of ``[{},{},...]`` needs 2.7 GB. The receiver therefore parses under a
`Budget` (2x ``MAX_DOCUMENT_BYTES``), charged in two ways:

- before parsing, `prepare` scans the bytes with C-speed operations (a regex that collapses
  string literals to ``""``, slice by slice; ``bytes.count``; regex passes over the skeleton of
  brackets and colons) and charges what no hook of ``json.loads`` ever sees: the decoded text as one
  str, every string's characters, lists and their slots, strings inside lists, and the members of
  the objects still open at any moment (a pair tuple and a string each, until the object hook
  runs). It refuses early what the contract can never accept: a top-level value that is not an
  object (``not_an_object``), a text already over the budget (``too_large``), nesting deeper than
  `MAX_DEPTH` (``too_deep``, so no parser or later recursive walk can hit the recursion limit);
- while parsing, the hooks (``object_pairs_hook``, ``parse_float``, ``parse_int``) charge what
  they create: each dict, each distinct key and string value (equal ones are shared), each
  number; the first charge over the budget raises ``too_large``.

Every cost is an upper bound measured on CPython 3.11 (sizes include the GC header and the
16-byte rounding of the allocator); tests/receiver/test_receiver_hostile_documents.py checks,
for each hostile shape, that the real peak (tracemalloc and a child's peak RSS) stays below the
charge and below 2x ``MAX_DOCUMENT_BYTES`` plus a fixed overhead (about 3 MiB measured). The
same shapes stay below the charge on 3.13, the Lambda's runtime.

Why not a library: the streaming parsers on PyPI (ijson, json-stream, simdjson bindings) bound
the reader's memory, not that of the objects the caller keeps, and none refuses by a memory
budget or caps depth without a recursion error. The receiver needs the whole document as Python
objects (contract validation and the row builder walk it), so it keeps the standard parser and
bounds it instead.

Why not a faster parser (checked for issue 13, msgspec 0.23 and orjson 3.13): ``msgspec.json``
with ``float_hook=Decimal`` keeps every digit (0.1, 1e-7, -0.0, 1E+400 exactly) and parses about
2.5x faster than ``json.loads``, but its untyped decode keeps the last of repeated keys
(``{"a":1,"a":2}`` gives ``{"a": 2}``, no error), has no object hook (so nothing can charge each
dict or share equal strings while parsing: the budget's second half and the memory the sharing
saves are lost) and refuses NaN and lone surrogate escapes as malformed JSON, where the receiver
reports them as contract violations at their path. ``orjson`` makes floats only
(12345678901234567890.123456789 becomes 1.2345678901234567e+19) and also keeps the last of
repeated keys. Neither offers exact decimals, refused repeated keys and the budget together, so
the standard parser stays; the speed went into the pre-scan instead, which took about 80% of
the parse: where no quote or backslash escape lies outside strings (any valid JSON), it finds
strings by counting and splitting quotes at C speed (escapes first replaced by two placeholder
bytes) instead of the regular expressions it keeps for everything else, and it reads the text
once (`_scan`): lone surrogates and wide strings are looked for, by regular expression, only in
the slices that hold a ``\\u`` escape or a byte of a character beyond U+00FF. On 100,000
findings (118 MB) the pre-scan went from 2.05 s to 0.59 s in this issue, of which splitting at
quotes is now the largest part; tests/receiver/test_receiver_json_budget.py checks the
shortcuts give what the regular expressions give.

Memory of the scan itself: the collapsed text (at most the text's size) and, once the charges
have bounded the brackets, their skeleton; measured within 2x the text plus about 3 MiB.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from receiver.failures import PermanentLoadError

# The contract's deepest legitimate path is 7 containers (document > data > a collector's list
# > an item > a list inside it > its item > a list inside that: a WAF web ACL's rules' protections;
# the example document full-daily.json reaches it). 64 leaves about nine times that for newer
# minor versions whose unknown fields an older receiver drops, and
# stays far below the ~1000 frames where the parser or a recursive walk (contract validation)
# raises RecursionError.
MAX_DEPTH = 64

# Upper bounds in bytes (allocations rounded up to 16), measured with tracemalloc on 3.11.
LIST = 96  # a list with its first 4 slots (56 + 32)
SLOT = 16  # one more list slot: 8 bytes, 1.125x over-allocated, copied while the list grows
DICT = 64  # an empty dict; the object hook charges the rest of its real size
STR = 96  # a str's header with its terminator (at most 80 for 4-byte characters), rounded
ENTRY = 80  # one entry of a string-keyed dict (66 measured at most, resizes included)
PAIR = 64 + SLOT  # a (key, value) tuple and its slot in the parser's list of pairs
OPEN_OBJECT = LIST  # the parser's list of pairs of an object not yet finished
# A contract violation the parsed value will cause by itself (NaN, a lone surrogate): an object
# with its pointer and message (up to 300 characters), and its entry in the failure's reason.
VIOLATION = 1024
# `narrow` escapes wide characters only while the escaped copy grows by at most this (each adds
# up to 8 bytes), so the original and the copy stay within 2x the text plus this.
MAX_ESCAPE_GROWTH = 1024 * 1024

_WS_THEN_FIRST = re.compile(rb"[ \t\r\n]*+(.)", re.DOTALL)
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Strings of ASCII characters and escapes that stay within U+00FF.
_NARROW_STRINGS = re.compile(
    rb'"[^"\\\x80-\xff]*(?:\\(?:[^u]|u00[0-9a-fA-F]{2})[^"\\\x80-\xff]*)*"'
)
_WIDE_ESCAPE = re.compile(rb"\\u(?!00)")
_LEAVES = re.compile(rb"\{:*\}|\[\]")
_FOUR_BYTE_LEADERS = bytes(range(0xF0, 0x100))  # first bytes of characters from U+10000
_NOT_SKELETON = bytes(sorted(set(range(256)) - set(b"[]{}:")))
_CONTINUATION = bytes(range(0x80, 0xC0))
_WIDE_LEADERS = bytes(range(0xC4, 0x100))  # first bytes of characters beyond U+00FF
_WIDE_CHARACTER = re.compile(
    rb"[\xc4-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CHUNK = 1024 * 1024
_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_PAIR = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F]")
_SCAN_CHUNK = 64 * 1024  # a regex substitution holds ~100 bytes a match until it joins them
# Everything up to a string that does not end before the slice does (possessive: no backtracking).
_UNTIL_UNFINISHED_STRING = re.compile(rb'(?:[^"]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+', re.DOTALL)


@dataclass
class Budget:
    """Bytes a parse may hold (``limit``) and bytes charged so far (``used``)."""

    limit: int
    used: int = 0
    charged: dict[str, int] = field(default_factory=dict)  # what `prepare` charged, by item
    depth: int = 0  # deepest nesting of objects and arrays
    widest_object: int = 0  # most members in one object
    # Whether the text may hold what JSON Schema cannot see: a NaN or Infinity token, or a
    # surrogate escape outside a high-low pair; or a \u0000 escape (U+0000, which the contract
    # refuses by patterns). When False, every number parsed is finite and every string valid
    # Unicode without U+0000 (the text is strict UTF-8, whose strings cannot hold a raw NUL),
    # and contract validation skips its walk and those patterns.
    unusual_scalars: bool = False

    def charge(self, amount: int) -> None:
        self.used += amount
        if self.used > self.limit:
            raise PermanentLoadError(
                "too_large",
                f"parsing the document would need more than {self.limit:,} bytes of memory "
                "(2x MAX_DOCUMENT_BYTES): it holds too many small values",
            )

    def decimal(self, text: str) -> Decimal:
        """``parse_float``: an exact Decimal, charged."""
        value = Decimal(text)
        self.charge(_rounded(sys.getsizeof(value)))
        return value

    def constant(self, name: str) -> float:
        """``parse_constant``: NaN or Infinity, charged with the contract violation it becomes
        (the parser shares one float for each)."""
        self.unusual_scalars = True
        self.charge(VIOLATION)
        return _CONSTANTS[name]

    def integer(self, text: str) -> int:
        """``parse_int``: an int, charged."""
        value = int(text)
        self.charge(_rounded(sys.getsizeof(value)))
        return value


def narrow(text: bytes | bytearray) -> bytes | bytearray:
    """``text`` with its few characters beyond U+00FF written as ``\\u`` escapes, when that adds
    at most `MAX_ESCAPE_GROWTH` bytes; otherwise ``text`` unchanged. Also refuses invalid UTF-8.

    One such character makes the whole decoded text a str of 2 or 4 bytes per character (a 100
    MB document with one emoji: a 400 MB str); escaped, the text stays 1 byte per character and
    only the strings holding those characters are wide. The JSON value is the same.
    """
    if text.isascii():
        return text
    _refuse_byte_order_mark(text)
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(text)
    wide = 0
    wide_chunks = []  # where the chunks holding a wide character's first byte start
    for start in range(0, len(text), _CHUNK):
        chunk = bytes(view[start : start + _CHUNK])
        pending = len(decoder.getstate()[0])  # bytes of a character the last chunk cut
        if chunk.isascii() and not pending:
            continue  # valid, and nothing to escape: isascii is about 10x faster than decoding
        try:
            decoder.decode(chunk, final=start + _CHUNK >= len(text))
        except UnicodeDecodeError as exc:  # exc.start counts the pending bytes too
            raise PermanentLoadError(
                "encoding",
                f"the document is not UTF-8 (invalid byte at offset {start - pending + exc.start})",
            ) from None
        leaders = len(chunk) - len(chunk.translate(None, _WIDE_LEADERS))
        if leaders:
            wide += leaders
            wide_chunks.append(start)
    del view
    if wide == 0 or 8 * wide > MAX_ESCAPE_GROWTH:
        return text
    return _escape_wide(text, wide_chunks)


def _escape_wide(text: bytes | bytearray, wide_chunks: list[int]) -> bytearray:
    """``_WIDE_CHARACTER.sub(_escape, text)``, where ``wide_chunks`` are the starts of the
    `_CHUNK`-byte chunks that hold the first byte of a wide character (valid UTF-8): the
    regular expression (no literal to search for, so it tries every byte) runs only on those
    chunks, each widened to whole characters (a chunk's last character may end in the next); the
    text between them is copied once."""
    out = bytearray()
    view = memoryview(text)
    done = 0
    for start in wide_chunks:
        begin = _character_start(text, max(start, done))
        end = _character_end(text, min(start + _CHUNK, len(text)))
        out += view[done:begin]
        out += _WIDE_CHARACTER.sub(_escape, bytes(view[begin:end]))
        done = end
    out += view[done:]
    del view
    return out


def _character_start(text: bytes | bytearray, at: int) -> int:
    """``at``, or the first byte of the character whose continuation byte is at ``at``."""
    while at < len(text) and 0x80 <= text[at] < 0xC0:
        at -= 1
    return at


def _character_end(text: bytes | bytearray, at: int) -> int:
    """``at``, or just after the character whose continuation byte is at ``at``."""
    while at < len(text) and 0x80 <= text[at] < 0xC0:
        at += 1
    return at


def _escape(match: re.Match[bytes]) -> bytes:
    return json.dumps(match.group().decode("utf-8")).encode("ascii")[1:-1]


def prepare(text: bytes | bytearray, *, limit: int, max_depth: int = MAX_DEPTH) -> Budget:
    """The budget to parse ``text`` (UTF-8 JSON) with, charged with everything the parser's
    hooks cannot see; or a `PermanentLoadError` when the contract can never accept ``text``."""
    _refuse_byte_order_mark(text)
    first = _WS_THEN_FIRST.match(text)
    if first is None:  # empty: the parser says so
        return Budget(limit)
    if first.group(1) != b"{":
        shown = repr(first.group(1).decode("latin-1"))
        raise PermanentLoadError(
            "not_an_object",
            f"the document's top-level value must be a JSON object; it starts with {shown}",
        )
    budget = Budget(limit)
    text_width, chars = _text_width(text)
    text_str = 80 + (chars + 1) * text_width
    if len(text) + chars * text_width > limit:  # both exist while decoding
        raise PermanentLoadError(
            "too_large",
            f"the document's text would take {text_str:,} bytes as a str (it has characters "
            f"of {text_width} bytes), over what {limit:,} bytes (2x MAX_DOCUMENT_BYTES) allow",
        )
    # One pass over the text finds its strings (every string literal becomes ""), and in the
    # slices that hold them, lone surrogate escapes and strings of characters beyond U+00FF.
    scan = _scan(
        text,
        surrogates=_SURROGATE_ESCAPE.search(text) is not None,
        wide=not text.isascii() or _WIDE_ESCAPE.search(text) is not None,
    )
    collapsed = scan.collapsed
    in_strings = len(text) - len(collapsed)
    spaced = _has_whitespace(collapsed)
    if spaced and 2 * len(collapsed) <= len(text):
        collapsed = collapsed.translate(None, b" \t\r\n")  # indented: the copy is small
    count = collapsed.count
    strings = count(b'""')
    structure = sum(map(count, (b"{", b"}", b"[", b"]", b",", b":"))) + 2 * strings
    if spaced and _has_whitespace(collapsed):  # the neighbours below would miss "[ """
        in_lists = strings
    else:  # an element after "[" or ","; a key after "," is no element
        in_lists = count(b'[""') + count(b',""') - count(b',"":')
    charges = {
        "text as str": text_str,
        "characters of strings": in_strings,
        # a number's text is copied for parse_float/parse_int, copied again by Decimal, and
        # its digits are stored (measured: 2.4 bytes a digit for one long Decimal)
        "characters of numbers": 3 * (len(collapsed) - structure),
        "lists": LIST * count(b"["),
        "list slots": SLOT * count(b","),
        "strings in lists": STR * in_lists,
        "objects": DICT * count(b"{"),
    }
    members = count(b":")
    if _has_run_of_openers(collapsed, max_depth + 1):  # too deep: no need to count
        raise _deeper_than(max_depth)
    _charge_all(budget, charges)
    # Only brackets and colons from here on; the charges above bound its size.
    skeleton = collapsed.translate(None, _NOT_SKELETON)
    del collapsed, count
    budget.depth, budget.widest_object = _shape(skeleton, max_depth)
    del skeleton
    # The members of the objects still open at one moment: at most the widest object at
    # every level of the deepest path, and never more than all members.
    open_members = min(members, budget.widest_object * budget.depth)
    charges = {"open objects": OPEN_OBJECT * budget.depth + (PAIR + STR) * open_members}
    # pairs of surrogate escapes (an emoji `narrow` escaped) are valid text
    budget.unusual_scalars = scan.nul or scan.lone_surrogates > 0
    if scan.surrogates:
        # Each lone surrogate escape can make one string the contract refuses (a violation).
        charges["lone surrogates"] = VIOLATION * scan.lone_surrogates
    if scan.wide:
        # A string with a character beyond U+00FF holds 2 or 4 bytes per character: charge 4
        # for every character of such strings (3 more than above). Others become "" here.
        charges["wide characters"] = 3 * (scan.narrow_collapsed - (len(text) - in_strings))
    _charge_all(budget, charges)
    return budget


def _refuse_byte_order_mark(text: bytes | bytearray) -> None:
    if text.startswith(b"\xef\xbb\xbf"):
        raise PermanentLoadError("json", "not valid JSON: it starts with a byte order mark")


def _charge_all(budget: Budget, charges: dict[str, int]) -> None:
    budget.charged.update(charges)
    total = sum(charges.values())
    if budget.used + total > budget.limit:
        shown = ", ".join(f"{name} {amount:,}" for name, amount in budget.charged.items())
        raise PermanentLoadError(
            "too_large",
            f"parsing the document would need more than {budget.limit:,} bytes of memory "
            f"(2x MAX_DOCUMENT_BYTES) before counting its objects ({shown})",
        )
    budget.used += total


def _rounded(size: int) -> int:
    return (size + 15) // 16 * 16 + 16


def _text_width(text: bytes | bytearray) -> tuple[int, int]:
    """Bytes per character of ``text`` decoded as one str, and its number of characters."""
    if text.isascii():
        return 1, len(text)
    view = memoryview(text)
    continuation = 0
    four_bytes = two_bytes = False  # a first byte of 4 bytes (U+10000 up), or from U+0100
    for start in range(0, len(text), _CHUNK):
        chunk = bytes(view[start : start + _CHUNK])
        if chunk.isascii():
            continue
        continuation += len(chunk) - len(chunk.translate(None, _CONTINUATION))
        four_bytes = four_bytes or len(chunk.translate(None, _FOUR_BYTE_LEADERS)) < len(chunk)
        two_bytes = two_bytes or _has_wide_bytes(chunk)
    # 4 bytes a character in the str, 2, or 1 when only U+0080..U+00FF (a latin-1 str)
    width = 4 if four_bytes else 2 if two_bytes else 1
    return width, len(text) - continuation


@dataclass
class _Scan:
    """What one pass over a text's slices found (see `_scan`)."""

    collapsed: bytearray  # the text with each string literal as ""
    surrogates: bool  # whether lone surrogates were counted
    wide: bool  # whether narrow_collapsed was measured
    lone_surrogates: int = 0  # surrogate escapes outside a high-low pair
    narrow_collapsed: int = 0  # the text's size with only its narrow strings as ""
    nul: bool = False  # whether a \u0000 escape may be in it (an escaped backslash fools it)


def _scan(text: bytes | bytearray, *, surrogates: bool, wide: bool) -> _Scan:
    """The text with each string literal replaced by ``""``, slice by slice, each cut outside
    any string (``re.sub`` keeps a list of every piece before joining them, about 100 bytes a
    match, which over the whole text would be a bomb itself); when asked, also the lone
    surrogate escapes and the size of the text with only its narrow strings (ASCII and
    escapes within U+00FF) replaced, whose difference to the collapsed size is the characters
    of strings that decode wide.

    One pass: the regular expressions for surrogates and wide strings run only on the slices
    that hold a ``\\u`` escape or the first byte of a character beyond U+00FF.
    """
    scan = _Scan(bytearray(), surrogates, wide)
    ascii_text = wide and text.isascii()
    end = 0
    for piece, whole_string, quick in _slices(text):
        start, end = end, end + len(piece)
        escapes = text.find(b"\\u", start, end) >= 0  # a fast search: most slices have none
        if escapes and not scan.nul:
            scan.nul = text.find(b"\\u0000", start, end) >= 0
        if whole_string:  # one string longer than a slice
            part: bytes | memoryview = b'""' if _STRINGS.fullmatch(piece) else piece
        elif quick is not None:
            part = quick
        else:
            part = _STRINGS.sub(b'""', piece)
        scan.collapsed += part
        if surrogates and escapes and _SURROGATE_ESCAPE.search(piece):
            scan.lone_surrogates += _lone_surrogates(piece)
        if wide:
            narrow_only = not (escapes and _WIDE_ESCAPE.search(piece)) and (
                ascii_text or not _has_wide_bytes(bytes(piece))
            )
            if narrow_only:  # no character beyond U+00FF: every string is narrow
                scan.narrow_collapsed += len(part)
            elif whole_string:
                scan.narrow_collapsed += 2 if _NARROW_STRINGS.fullmatch(piece) else len(piece)
            else:
                scan.narrow_collapsed += len(_NARROW_STRINGS.sub(b'""', piece))
    return scan


def _has_wide_bytes(chunk: bytes) -> bool:
    """Whether ``chunk`` (UTF-8) holds a character beyond U+00FF: a lead byte from 0xC4 up."""
    return not chunk.isascii() and len(chunk.translate(None, _WIDE_LEADERS)) < len(chunk)


def _lone_surrogates(piece: memoryview) -> int:
    """The surrogate escapes not part of a high-low pair in ``piece`` (which starts and ends
    outside strings), exactly: every escaped backslash is first replaced by two other bytes,
    so that each backslash left starts an escape (``\\\\ud83d\\ude00`` is the text ``\\ud83d``
    and a lone low surrogate); a high escape directly followed by a low one is a pair, as the
    parser joins them."""
    unescaped = bytes(piece).replace(b"\\\\", _MARK)
    escapes = _SURROGATE_ESCAPE.subn(b"", unescaped)[1]
    pairs = _SURROGATE_PAIR.subn(b"", unescaped)[1]
    return escapes - 2 * pairs


# Stands for an escape that involves a quote or a backslash (``\\"``, ``\\\\``): two bytes
# for two, so positions stay; a control character, which valid JSON never holds unescaped.
_MARK = b"\x01\x01"


def _unescaped(chunk: bytes) -> bytes | None:
    """``chunk`` with each ``\\\\`` then each ``\\"`` replaced by `_MARK`, left to right as
    a string literal reads them, so that each quote left opens or closes a string; None when
    ``chunk`` holds the mark's byte itself."""
    if _MARK[:1] in chunk:
        return None
    if b"\\" not in chunk:  # no escape at all: nothing to replace (two passes saved)
        return chunk
    return chunk.replace(b"\\\\", _MARK).replace(b'\\"', _MARK)


def _outside(unescaped: bytes) -> bytes | None:
    """What lies outside string literals in ``unescaped`` (which starts and ends outside one),
    each string as ``""``: every other part between quotes. None when a mark lies outside
    (a backslash before a quote outside strings: invalid JSON, which the regex reads otherwise)."""
    collapsed = b'""'.join(unescaped.split(b'"')[::2])
    return None if _MARK[:1] in collapsed else collapsed


def _quick_collapse(chunk: bytes) -> bytes | None:
    """``_STRINGS.sub(b'""', chunk)`` at C speed, or None where only the regex can tell."""
    unescaped = _unescaped(chunk)
    if unescaped is None or unescaped.count(b'"') % 2:  # the text's last slice may end inside
        return None
    return _outside(unescaped)


def _slices(text: bytes | bytearray) -> Iterator[tuple[memoryview, bool, bytes | None]]:
    """Consecutive slices of about `_SCAN_CHUNK` bytes of ``text`` that start and end outside
    string literals, whether a slice is one string (longer than `_SCAN_CHUNK`), and the slice
    with each string as ``""`` when the shortcut found it (else None: ask the regex)."""
    view = memoryview(text)
    position, size = 0, len(text)
    while position < size:
        end = min(position + _SCAN_CHUNK, size)
        cut, quick = _until_unfinished_string(text, position, end)
        if end == size or cut > position:
            if end == size:
                cut, quick = size, _quick_collapse(bytes(view[position:size]))
            yield view[position:cut], False, quick
        else:  # a string starts here and goes on past the slice
            string = _STRINGS.match(text, position)
            cut = size if string is None else string.end()
            yield view[position:cut], string is not None, None
        position = cut


def _until_unfinished_string(
    text: bytes | bytearray, position: int, end: int
) -> tuple[int, bytes | None]:
    """Where the first string literal that does not end before ``end`` starts (``end`` when
    none), ``position`` being outside any string: `_UNTIL_UNFINISHED_STRING`'s answer, at C
    speed unless a quote or backslash escape lies outside strings (an odd count of quotes
    leaves the last one open); with the shortcut's collapsed text up to there, or None."""
    unescaped = _unescaped(bytes(text[position:end]))
    if unescaped is not None:
        cut = len(unescaped) if unescaped.count(b'"') % 2 == 0 else unescaped.rfind(b'"')
        collapsed = _outside(unescaped[:cut])
        if collapsed is not None:
            return position + cut, collapsed
    return _UNTIL_UNFINISHED_STRING.match(text, position, end).end(), None


def _without_leaves(skeleton: bytearray) -> bytearray:
    """``skeleton`` without its innermost containers, slice by slice (see `_scan`); a
    slice ends after a closing bracket, so no container is cut in two."""
    out = bytearray()
    position, size = 0, len(skeleton)
    while position < size:
        end = min(position + _SCAN_CHUNK, size)
        cut = max(skeleton.rfind(b"}", position, end), skeleton.rfind(b"]", position, end)) + 1
        if end == size:
            cut = size
        elif cut <= position:  # no closing bracket in the slice: go to the next one
            closers = [i for i in (skeleton.find(b"}", end), skeleton.find(b"]", end)) if i >= 0]
            cut = min(closers) + 1 if closers else size
        out += _LEAVES.sub(b"", skeleton[position:cut])
        position = cut
    return out


def _shape(skeleton: bytes, max_depth: int) -> tuple[int, int]:
    """The nesting depth and the most members of one object of a text whose ``skeleton`` (its
    brackets and colons outside strings) is given; ``too_deep`` past ``max_depth``.

    Each pass removes exactly the innermost containers (``{:::}`` and ``[]``; a match
    is innermost by construction and a regex substitution never rescans what it produced), so
    the passes to empty it are the depth; an object's colons form one run once its children are
    gone, so the longest run of colons seen is the widest object.
    """
    depth = widest = 0
    while skeleton:
        if depth == max_depth or _has_run_of_openers(skeleton, max_depth - depth + 1):
            raise _deeper_than(max_depth)
        widest = _longest_run(skeleton, b":", widest)
        shorter = _without_leaves(skeleton)
        if len(shorter) == len(skeleton):
            # Invalid JSON (unclosed or mismatched brackets): the parser will say where. It
            # cannot nest deeper than the levels removed plus the brackets left open.
            depth += skeleton.count(b"[") + skeleton.count(b"{")
            if depth > max_depth:
                raise _deeper_than(max_depth)
            return depth, widest
        skeleton = shorter
        depth += 1
    return depth, widest


def _has_whitespace(data: bytes | bytearray) -> bool:
    """Whether ``data`` holds a JSON whitespace byte (four searches at memchr speed)."""
    return any(byte in data for byte in (b" ", b"\n", b"\r", b"\t"))


_OPENERS_AS_BRACKETS = bytes.maketrans(b"{", b"[")


def _has_run_of_openers(data: bytes | bytearray, length: int) -> bool:
    """Whether ``data`` holds ``length`` opening brackets in a row (``[`` or ``{``): what the
    regular expression ``[\\[{]{length}`` finds, at C speed and a slice at a time (slices
    overlap by ``length`` bytes, so no run is cut)."""
    run = b"[" * length
    for start in range(0, len(data), _CHUNK):
        piece = bytes(data[start : start + _CHUNK + length])
        if run in piece.translate(_OPENERS_AS_BRACKETS):
            return True
    return False


def _deeper_than(max_depth: int) -> PermanentLoadError:
    return PermanentLoadError(
        "too_deep",
        f"the document nests deeper than {max_depth} levels of objects and arrays "
        "(the contract needs 7)",
    )


def _longest_run(data: bytes, byte: bytes, at_least: int) -> int:
    """The longest run of ``byte`` in ``data``, known to be at least ``at_least``."""
    low, high = at_least, at_least + 1
    while byte * high in data:
        low, high = high, high * 2
    while high - low > 1:  # low is present, high is not
        middle = (low + high) // 2
        if byte * middle in data:
            low = middle
        else:
            high = middle
    return low


def dict_size(obj: dict) -> int:
    """What the object hook charges for a dict it built (the prepared scan charged ``DICT``)."""
    return _rounded(sys.getsizeof(obj)) + 16 - DICT  # two allocations: the dict and its table
