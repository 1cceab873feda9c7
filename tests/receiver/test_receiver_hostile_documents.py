"""Hostile documents: parsing stays within 2x max_document_bytes, refusals are early and final.

Each shape turns a few bytes into a large object (a dict per ``{}``, a Decimal per ``0.1``, a
list per ``[]``, a dict entry per distinct key...). The memory model of ``receiver.json_budget``
must bound what the parser really allocates (tracemalloc), and a whole ``decode`` must stay
within 2x ``max_document_bytes`` plus a fixed overhead in a real process (peak RSS).
"""

from __future__ import annotations

import gc
import gzip
import inspect
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from contract import ContractError, validate_document, validator
from contract.validation import compiled_validator
from labkit.hostile_documents import SHAPES, deep, findings_document, repeat
from labkit.large_documents import DOCUMENTS
from receiver import documents, json_budget, rows
from receiver.failures import PermanentLoadError
from receiver.receive import Limits, receive_object
from support.receiver_fixtures import (
    Bucket,
    Db,
    bucket_fixture,  # noqa: F401 - fixture
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
)

MIB = 1024 * 1024
LIMIT = 8 * MIB  # max_document_bytes in these tests
TRACED_OVERHEAD = MIB  # small buffers the model leaves out (regex state, chunk copies)
RSS_OVERHEAD = 8 * MIB  # measured about 3 MiB: a 1 MiB gunzip chunk, regex and allocator slack
ROOT = Path(__file__).resolve().parents[2]


def _traced_peak(work: Callable[[], object]) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    try:
        try:
            result: object = work()
        except PermanentLoadError as error:
            result = error
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_hostile_document_is_refused_within_twice_the_limit(shape):
    make, kind = SHAPES[shape]
    text = make(LIMIT)
    assert LIMIT * 0.95 < len(text) <= LIMIT
    peak, result = _traced_peak(
        lambda: documents.decode(text, name="x.json", max_document_bytes=LIMIT)
    )
    assert isinstance(result, PermanentLoadError), f"{shape} was accepted"
    assert result.kind == kind, result
    assert peak <= 2 * LIMIT + TRACED_OVERHEAD, f"{shape}: {peak:,} bytes traced"


@pytest.mark.parametrize("shape", [s for s, (_, kind) in SHAPES.items() if kind == "too_large"])
def test_the_memory_model_bounds_what_the_parser_really_allocates(shape):
    """Below the limit each shape is accepted, and the charges exceed the real peak."""
    text = SHAPES[shape][0](256 * 1024)
    text = json_budget.narrow(text)
    budget = json_budget.prepare(text, limit=2**40)

    def parse() -> object:
        string = text.decode("utf-8")
        return json.loads(
            string,
            parse_float=budget.decimal,
            parse_int=budget.integer,
            object_pairs_hook=documents._objects(budget),
        )

    peak, doc = _traced_peak(parse)
    assert isinstance(doc, dict)
    assert peak <= budget.used, f"{shape}: real {peak:,} > charged {budget.used:,}"


@pytest.mark.parametrize("shape", ["NaN", "lone surrogates"])
def test_violations_the_parse_foresaw_stay_within_what_it_charged(shape):
    """NaN and lone surrogates each become a violation object: charged while parsing."""
    body = SHAPES[shape][0](16 * 1024)
    text = b'{"schema_version":"1.0","a":' + body[len(b'{"a":') :]
    budget = json_budget.prepare(text, limit=2**40)
    count = body.count(b"NaN") + body.count(b"ud800")
    assert budget.charged.get("lone surrogates", count * json_budget.VIOLATION) >= (
        count * json_budget.VIOLATION
    )
    validator(), compiled_validator(), compiled_validator(nul_free=True)  # once per process
    peak, result = _traced_peak(
        lambda: documents.parse(
            text, name="x.json", max_document_bytes=LIMIT, expected_account=None
        )
    )
    assert isinstance(result, PermanentLoadError) and result.kind == "contract"
    parse_only, _ = _traced_peak(
        lambda: documents.decode(text, name="x.json", max_document_bytes=LIMIT)
    )
    assert peak - parse_only <= count * json_budget.VIOLATION + MIB, (peak, parse_only, count)


def test_a_file_breaking_the_contract_millions_of_times_stops_counting():
    doc = fixture_doc("full-daily")
    doc["data"]["securityhub"]["findings"] = [{}] * 20_000  # 18 missing fields each
    text = json.dumps(doc, separators=(",", ":")).encode()
    peak, result = _traced_peak(
        lambda: documents.parse(
            text, name="x.json", max_document_bytes=LIMIT, expected_account=None
        )
    )
    assert isinstance(result, PermanentLoadError) and result.kind == "contract"
    assert "(and at least 999 more violations; counting stopped at 1000)" in result.reason
    assert len(result.violations) == documents.MAX_VIOLATIONS_KEPT
    assert peak <= 2 * LIMIT, peak  # its 360,000 violations would need about 400 MB


RSS_CHILD = """
import ctypes, gc, gzip, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from receiver import documents
from receiver.failures import PermanentLoadError
from labkit.hostile_documents import SHAPES
limit = int(sys.argv[3])

def status(name):
    line = next(l for l in open("/proc/self/status") if l.startswith(name))
    return int(line.split()[1]) * 1024

out = {}
for shape, (make, kind) in SHAPES.items():
    raw = gzip.compress(make(limit), 1)
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # what earlier shapes freed leaves the RSS
    open("/proc/self/clear_refs", "w").write("5")  # resets the peak to the current RSS
    before = status("VmRSS:")
    try:
        documents.decode(raw, name="x.json.gz", max_document_bytes=limit)
        error = None
    except PermanentLoadError as exc:
        error = exc.kind
    out[shape] = {"grown": status("VmHWM:") - before, "error": error}
    del raw
print(json.dumps(out))
"""


def test_peak_rss_of_every_hostile_gzip_stays_within_twice_the_limit_plus_overhead():
    found = json.loads(
        subprocess.run(
            [sys.executable, "-c", RSS_CHILD, str(ROOT / "src"), str(ROOT / "tests"), str(LIMIT)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    for shape, (_, kind) in SHAPES.items():
        assert found[shape]["error"] == kind, (shape, found[shape])
        assert found[shape]["grown"] <= 2 * LIMIT + RSS_OVERHEAD, (shape, found[shape])


def test_a_document_of_100000_findings_passes_the_scan_under_the_default_limit():
    text = findings_document(100_000)
    limit = Limits().max_document_bytes
    budget = json_budget.prepare(json_budget.narrow(text), limit=2 * limit)
    # what the hooks charge while parsing (dicts, distinct values) needs less than what is left.
    # Since contract 1.2 a finding carries its remediation text and URL (about 170 characters):
    # the scan charges 49% (45% before); the whole parse of this 122 MB document, hooks
    # included, was measured accepted under the default limit (6.9 s)
    assert budget.used < 0.5 * budget.limit, budget.charged


def test_a_findings_document_is_parsed_within_its_budget():
    """10 000 findings against a tenth of the default limit: the whole parse, hooks included."""
    text = findings_document(10_000)
    doc = documents.decode(
        text, name="x.json", max_document_bytes=Limits().max_document_bytes // 10
    )
    assert len(doc["data"]["securityhub"]["findings"]) == 10_000


@pytest.mark.parametrize("name", ["full-daily", "minimal", "monthly-partial", "organization-daily"])
def test_every_fixture_is_accepted_with_its_real_depth(name):
    text = (DOCUMENTS / f"{name}.json").read_bytes()
    budget = json_budget.prepare(json_budget.narrow(text), limit=2 * LIMIT)
    assert budget.depth <= 7  # the contract's deepest path; MAX_DEPTH leaves 9x that
    assert documents.decode(text, name="x.json", max_document_bytes=LIMIT)


def _nested(depth: int) -> dict:
    doc = fixture_doc("full-daily")
    value: object = []
    for _ in range(depth - 4):  # the document, "data", "account" and the innermost list
        value = [value]
    doc["data"]["account"]["deep"] = value
    return doc


def test_nesting_up_to_the_limit_reaches_the_contract_and_one_more_is_refused():
    text = json.dumps(_nested(json_budget.MAX_DEPTH)).encode()
    doc = documents.decode(text, name="x.json", max_document_bytes=LIMIT)
    limit = sys.getrecursionlimit()
    # The later walks (contract validation, rows) need about 70 frames for any document; a
    # walk recursing per level would need 64 more and fail here.
    sys.setrecursionlimit(len(inspect.stack(0)) + 150)
    try:
        with pytest.raises(ContractError, match="'deep' was unexpected"):
            validate_document(doc)
        assert rows.build(doc).row_count > 0
    finally:
        sys.setrecursionlimit(limit)
    with pytest.raises(PermanentLoadError) as caught:
        documents.decode(
            json.dumps(_nested(json_budget.MAX_DEPTH + 1)).encode(),
            name="x.json",
            max_document_bytes=LIMIT,
        )
    assert caught.value.kind == "too_deep"
    assert "deeper than 64 levels" in caught.value.reason


def test_deep_nesting_is_refused_without_recursion_error_whatever_the_limit():
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(10_000_000)  # the check must not rely on the recursion limit
        for text in (deep(LIMIT), b'{"a":' + b'[0,{"b":' * 20_000 + b"}]" * 20_000 + b"}"):
            with pytest.raises(PermanentLoadError) as caught:
                documents.decode(text, name="x.json", max_document_bytes=LIMIT)
            assert caught.value.kind == "too_deep"
    finally:
        sys.setrecursionlimit(limit)


def test_brackets_inside_strings_do_not_count_and_exact_values_survive():
    text = b'{"a":"' + b"[{" * 1000 + b'","b":[0.10,12345678901234567890],"c":"\\u00e9\xc3\xa9"}'
    doc = documents.decode(text, name="x.json", max_document_bytes=LIMIT)
    assert doc["a"] == "[{" * 1000 and str(doc["b"][0]) == "0.10" and doc["c"] == "éé"
    assert doc["b"][1] == 12345678901234567890


def test_a_few_wide_characters_do_not_widen_the_whole_text():
    text = '{{"a":"{}","b":"\U0001f600\u2019"}}'.format("x" * 1000).encode()
    narrowed = json_budget.narrow(text)
    assert narrowed.isascii() and json.loads(narrowed) == json.loads(text)
    assert (
        documents.decode(text, name="x.json", max_document_bytes=LIMIT)["b"] == "\U0001f600\u2019"
    )


def test_an_integer_over_the_digit_limit_is_a_permanent_json_error():
    with pytest.raises(PermanentLoadError) as caught:
        documents.decode(b'{"a":' + b"9" * 5000 + b"}", name="x.json", max_document_bytes=LIMIT)
    assert caught.value.kind == "json"


def _receive(db: Db, bucket: Bucket, key: str) -> object:
    return receive_object(
        bucket.s3,
        db.executor,
        bucket.name,
        key,
        kms_key=bucket.kms_key,
        limits=Limits(max_document_bytes=LIMIT),
    )


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (gzip.compress(repeat(b'{"a":[', b"{}", b"]}", LIMIT), 9), "too_large", "memory"),
        (gzip.compress(deep(LIMIT), 9), "too_deep", "deeper than 64 levels"),
        (gzip.compress(repeat(b"[", b"{}", b"]", LIMIT), 9), "not_an_object", "JSON object"),
    ],
    ids=["bomb", "deep", "array"],
)
def test_a_hostile_file_ends_in_failed_with_its_reason(db, bucket, body, kind, reason):
    assert len(body) < 100 * 1024
    key = data_key(fixture_doc("full-daily"))
    bucket.put(key, body)
    result = _receive(db, bucket, key)
    assert result.status == "failed" and result.error.kind == kind
    rest = key.removeprefix("data/")
    assert bucket.keys() == sorted([f"failed/{rest}", f"failed/{rest}.reason.json"])
    stored = json.loads(bucket.body(f"failed/{rest}.reason.json"))
    assert stored["error"] == kind and reason in stored["reason"]
    (row,) = db.query("SELECT status, error FROM ingestions")
    assert row["status"] == "failed" and kind in row["error"]


@pytest.mark.parametrize(
    ("before", "character", "after"),
    [
        (json_budget._CHUNK - 9, "é", 3 * json_budget._CHUNK),  # split across the first edge
        (json_budget._CHUNK - 10, "\U0001f600", json_budget._CHUNK),  # 4 bytes over the edge
        (3 * json_budget._CHUNK + 5, "\u2019", 10),  # after three ASCII chunks, in the last
        (2 * json_budget._CHUNK - 8, "\u00ff" * 4, 2 * json_budget._CHUNK),
    ],
)
def test_narrow_decodes_across_ascii_chunks_it_skips(before, character, after):
    """narrow skips the UTF-8 decoding of whole ASCII chunks; a character cut by a chunk edge,
    and ASCII chunks after it, read as before."""
    text = ('{"a":"' + "x" * before + character + "y" * after + '"}').encode()
    narrowed = json_budget.narrow(text)
    assert json.loads(narrowed) == json.loads(text)
    assert narrowed.isascii() == (max(map(ord, character)) > 0xFF)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        (b'{"a":"' + b"x" * (2 * json_budget._CHUNK) + b'\xff"}', 2 * json_budget._CHUNK + 6),
        (b'{"a":"' + b"x" * (json_budget._CHUNK - 7) + b'\xe2\x80"}', json_budget._CHUNK - 1),
        (b'{"a":"\xc3\xa9' + b"x" * (2 * json_budget._CHUNK) + b"\xc3", None),  # cut short
    ],
    ids=["after-ascii-chunks", "cut-at-an-edge", "truncated-at-the-end"],
)
def test_narrow_refuses_invalid_utf8_after_ascii_chunks(text, offset):
    with pytest.raises(PermanentLoadError) as caught:
        json_budget.narrow(text)
    assert caught.value.kind == "encoding"
    if offset is not None:
        assert f"offset {offset})" in str(caught.value)
