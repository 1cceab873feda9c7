"""The pre-scan's C-speed shortcuts give exactly what its regular expressions give.

`json_budget` cuts the text into slices outside string literals and collapses every string to
``""``; where no quote can be escaped it counts and splits quotes instead of running a regex.
These tests compare both ways on texts made to trip them: escaped quotes and backslashes, a
backslash or a quote at a slice's edge, strings longer than a slice, invalid JSON.
"""

from __future__ import annotations

import functools
import json
import random
import re

import pytest

from labkit.hostile_documents import SHAPES, findings_document
from receiver import json_budget
from receiver.json_budget import _NARROW_STRINGS, _STRINGS, _UNTIL_UNFINISHED_STRING

PIECES = [b'"a"', b'"\\""', b'"\\\\"', b'"\\\\\\""', b'"x\\ny"', b"{", b"}", b"[", b"]", b":", b","]
PIECES += [b"1.5", b" ", b"\\", b'"', b'"' + b"z" * 300 + b'"', b'"\\u00e9"', b"\xc3\xa9", b"\x01"]
# surrogate escapes (a pair, a lone high, a lone low after an escaped backslash) and wide text
PIECES += [b'"\\ud83d\\ude00"', b'"\\ud83d"', b'"\\\\ud83d\\ude00"', b'"\\u4e2d"', '"中"'.encode()]


def reference_slices(text: bytes) -> list[tuple[bytes, bool]]:
    """The regex way of cutting, slice by slice as before the shortcuts: each slice, and
    whether it is one string longer than a slice."""
    out, position, size = [], 0, len(text)
    while position < size:
        end = min(position + json_budget._SCAN_CHUNK, size)
        cut = _UNTIL_UNFINISHED_STRING.match(text, position, end).end()
        if end == size or cut > position:
            cut = size if end == size else cut
            out.append((text[position:cut], False))
        else:
            string = _STRINGS.match(text, position)
            cut = size if string is None else string.end()
            out.append((text[position:cut], string is not None))
        position = cut
    return out


def reference_collapse(text: bytes, strings: re.Pattern[bytes] = _STRINGS) -> bytes:
    """Every string that ``strings`` matches as ``""``, by regular expressions only."""
    out = bytearray()
    for piece, whole_string in reference_slices(text):
        if whole_string:
            out += b'""' if strings.fullmatch(piece) else piece
        else:
            out += strings.sub(b'""', piece)
    return bytes(out)


def reference_lone_surrogates(text: bytes) -> int:
    """Surrogate escapes minus twice the high-low pairs, escaped backslashes set aside."""
    lone = 0
    for piece, _ in reference_slices(text):
        unescaped = piece.replace(b"\\\\", b"\x01\x01")
        escapes = len(re.findall(rb"\\u[dD][89a-fA-F]", unescaped))
        pairs = len(re.findall(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F]", unescaped))
        lone += escapes - 2 * pairs
    return lone


@functools.cache
def texts() -> list[bytes]:
    rng = random.Random(13)
    made = [findings_document(300)]
    made += [make(100_000) for make, _ in SHAPES.values()]
    plain = [piece for piece in PIECES if b"\\" not in piece]  # no escapes at all
    escaped = [piece for piece in PIECES if piece not in (b"\\", b"\x01")]  # escapes in strings
    for index in range(30):
        choices = (PIECES, plain, escaped)[index % 3]
        made.append(b"".join(rng.choice(choices) for _ in range(rng.randint(1, 30_000))))
    return made


@pytest.mark.parametrize("index", range(len(texts())))
def test_the_shortcuts_collapse_every_text_as_the_regular_expressions_do(index):
    text = texts()[index]
    scan = json_budget._scan(text, surrogates=True, wide=True)
    assert bytes(scan.collapsed) == reference_collapse(text)
    assert scan.narrow_collapsed == len(reference_collapse(text, _NARROW_STRINGS))
    assert scan.lone_surrogates == reference_lone_surrogates(text)


def test_the_cut_matches_the_regular_expression_at_every_position():
    rng = random.Random(7)
    text = b"".join(rng.choice(PIECES) for _ in range(3_000))
    for _ in range(3_000):
        position = rng.randrange(len(text))
        if _UNTIL_UNFINISHED_STRING.match(text, 0, position).end() != position:
            continue  # a slice starts outside strings only
        end = min(len(text), position + rng.randint(1, 500))
        expected = _UNTIL_UNFINISHED_STRING.match(text, position, end).end()
        cut, collapsed = json_budget._until_unfinished_string(text, position, end)
        assert cut == expected
        if collapsed is not None:  # the shortcut's collapsed piece, as the regex makes it
            assert collapsed == _STRINGS.sub(b'""', text[position:cut])


def test_a_findings_document_is_charged_as_before():
    text = json.dumps(json.loads(findings_document(200)), indent=1).encode()
    budget = json_budget.prepare(text, limit=2**40)
    assert budget.charged["characters of strings"] == len(text) - len(reference_collapse(text))


def test_runs_of_openers_are_found_as_the_regular_expression_finds_them():
    rng = random.Random(5)
    chunk = json_budget._CHUNK
    for _ in range(200):
        length = rng.choice([2, 3, 65])
        size = rng.choice([10, 1000, chunk - 3, chunk + 70])
        data = bytearray(rng.choice(b'[{]}:",a ') for _ in range(size))
        if rng.random() < 0.5:  # a run, often across the edge between two slices
            at = rng.choice([0, max(0, chunk - length // 2), rng.randrange(size)])
            data[at : at + length] = bytes(rng.choice(b"[{") for _ in range(length))
        expected = re.search(rb"[\[{]{%d}" % length, data) is not None
        assert json_budget._has_run_of_openers(data, length) is expected


def test_wide_characters_are_escaped_and_counted_as_the_regular_expressions_do():
    rng = random.Random(11)
    chunk = json_budget._CHUNK
    characters = ["a", "é", "ÿ", "Ā", "中", "😀", '"', "\\"]
    for _ in range(12):
        size = rng.choice([100, chunk - 2, chunk + 5, 3 * chunk])
        places = {rng.choice([rng.randrange(size), chunk - 1, chunk - 2, chunk - 3, 2 * chunk - 1])}
        places |= {rng.randrange(size) for _ in range(rng.randint(0, 7))}
        letters = list("a" * size)  # wide characters inserted, some across a slice's edge
        for at in sorted(places, reverse=True):
            letters.insert(at, rng.choice(characters))
        text = "".join(letters).encode()
        expected = json_budget._WIDE_CHARACTER.sub(json_budget._escape, text)
        wide_chunks = [  # the chunks narrow finds with a wide character's first byte
            start
            for start in range(0, len(text), chunk)
            if re.search(rb"[\xc4-\xff]", text[start : start + chunk])
        ]
        assert bytes(json_budget._escape_wide(text, wide_chunks)) == expected
        width = (
            4 if re.search(rb"[\xf0-\xff]", text) else 2 if re.search(rb"[\xc4-\xef]", text) else 1
        )
        assert json_budget._text_width(text) == (width, len(text.decode("utf-8")))
