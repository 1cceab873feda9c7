"""The Lambda zips: reproducible, complete, and importable by a clean interpreter.

Builds for this machine's architecture (so the compiled dependencies can load here) with the
wheels ``make test`` fetched beforehand; no download happens during the test.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from labkit.large_documents import DOCUMENTS
from support.lambda_zips import ARCH, ROOT, build, clean_import


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> Path:
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    hashes_first = build(first / "dist", first / "cache")
    hashes_second = build(second / "dist", second / "cache")  # separate cache: a clean rebuild
    assert set(hashes_first) == {"sender.zip", "analytics.zip"}
    assert hashes_first == hashes_second
    return first / "dist"


def test_manifest_lists_hashes_and_handlers(zips):
    manifest = json.loads((zips / "manifest.json").read_text())
    for name, entry in manifest.items():
        assert entry["sha256"] == hashlib.sha256((zips / name).read_bytes()).hexdigest()
        assert entry["architecture"] == ARCH
    assert manifest["analytics.zip"]["handlers"] == [
        "receiver.handler.lambda_handler",
        "receiver.migrate_handler.lambda_handler",
        "receiver.roster_handler.lambda_handler",
        "report.scheduled.lambda_handler",
    ]
    assert manifest["sender.zip"]["handlers"] == ["sender.handler.lambda_handler"]


@pytest.mark.parametrize("name", ["sender.zip", "analytics.zip"])
def test_entries_are_sorted_with_fixed_time_and_mode(zips, name):
    with zipfile.ZipFile(zips / name) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    unwanted = [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    unwanted += [n for n in names if n.startswith("bin/")]
    assert unwanted == []
    # Runtime dependencies are inside; development ones are not.
    top = {n.split("/")[0] for n in names}
    assert {"boto3", "botocore", "aws_lambda_powertools", "jsonschema"} <= top
    assert {"observability", "contract"} <= top  # the shared packages
    assert not top & {"psycopg", "moto", "pytest", "tests"}
    assert [n for n in names if n.startswith("labkit/")] == []  # the lab is never deployed


def test_analytics_zip_carries_every_sql_file(zips):
    with zipfile.ZipFile(zips / "analytics.zip") as archive:
        packaged = {n for n in archive.namelist() if n.startswith("sql/")}
    assert packaged == {f"sql/{p.name}" for p in (ROOT / "sql").glob("*.sql")}


def test_analytics_zip_carries_the_report_for_the_morning_function(zips):
    # The HTML report is its own package (src/report); the zip carries it whole for the morning
    # report function (report.scheduled), while the ingest handlers never import it (below).
    with zipfile.ZipFile(zips / "analytics.zip") as archive:
        names = archive.namelist()
    assert "receiver/handler.py" in names and "receiver/cli.py" in names
    packaged = {n for n in names if n.split("/")[0] == "report"}
    source = ROOT / "src"
    assert packaged == {p.relative_to(source).as_posix() for p in (source / "report").rglob("*.py")}


def test_analytics_handlers_import_from_the_zip_alone(zips, tmp_path):
    completed = clean_import(
        zips / "analytics.zip",
        tmp_path,
        "import receiver.handler\n"
        "assert callable(receiver.handler.lambda_handler)\n"
        "import receiver.migrate_handler as h\n"
        "from receiver.migrations import default_sql_dir, discover\n"
        "assert callable(h.lambda_handler)\n"
        "assert h.__file__.startswith(sys.path[0])\n"
        "import receiver.roster_handler as r\n"
        "assert callable(r.lambda_handler)\n"
        "print(len(discover(default_sql_dir())))\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('psycopg') is None\n"
        "import receiver.cli\n"  # the operator CLI too: it imports the report only when asked
        "assert not [m for m in sys.modules if m.split('.')[0] == 'report']\n"
        "import report.scheduled as s\n"  # the morning report: no psycopg, no client at import
        "assert callable(s.lambda_handler) and s._client.cache_info().currsize == 0\n"
        "assert importlib.util.find_spec('psycopg') is None\n"
        "import orjson, receiver.upsert as u\n"  # the row encoder, compiled for this platform
        "assert orjson.__file__.startswith(sys.path[0])\n"
        "assert u._encoded([1, 'é', None]) == '[1,\"é\",null]'.encode()\n",
    )
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) == len(list((ROOT / "sql").glob("*.sql")))


def test_sender_handler_imports_and_validates_from_the_zip_alone(zips, tmp_path):
    fixture = json.dumps(json.loads((DOCUMENTS / "minimal.json").read_text()))
    completed = clean_import(
        zips / "sender.zip",
        tmp_path,
        "import json, rpds\n"
        "from contract.validation import validate_document\n"
        f"validate_document(json.loads({fixture!r}))\n"
        "import sender.handler as h\n"
        "assert callable(h.lambda_handler)\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('orjson') is None\n"  # the receiver's alone
        "print('ok')\n",
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
