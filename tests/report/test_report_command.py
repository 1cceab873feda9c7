"""``python -m report``, the report's own command, and the line between report and receiver.

The report is its own package (``src/report``): ``python -m receiver report`` hands over to it
(same options, same page), the receiver's modules never import it at import time (the ingest
functions do not load it), and it reaches into the receiver only for the database executors
(``receiver.db``).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from receiver.cli import main as receiver_main
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.receive import load_bytes
from report.command import main as report_main
from support.receiver_fixtures import fixture_doc, gz, ref_for

ROOT = Path(__file__).resolve().parents[2]
GENERATED = re.compile(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def run_python(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter in an empty directory (no .env read), no AWS settings needed."""
    env = {**os.environ, "OBSERVABILITY_NO_DOTENV": "1", "AWS_DEFAULT_REGION": "eu-west-1"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=tmp_path, env=env
    )


def test_both_commands_write_the_same_report(migrated_dsn, tmp_path, capsys):
    doc = fixture_doc("full-daily")
    executor = PsycopgExecutor(migrated_dsn)
    try:
        loaded = load_bytes(executor, ref_for(doc), gz(doc), expected_account=None)
        assert loaded.status == "loaded"
    finally:
        executor.close()
    own, handed_over = tmp_path / "own" / "report.html", tmp_path / "receiver.html"
    options = ["--database-url", migrated_dsn, "--days", "7", "--group-by", "tag:Team"]
    assert report_main([*options, "--out", str(own)]) == 0
    first = capsys.readouterr().out.splitlines()
    assert receiver_main(["report", *options, "--out", str(handed_over)]) == 0
    second = capsys.readouterr().out.splitlines()
    assert first[0] == f"wrote {own}" and second[0] == f"wrote {handed_over}"
    assert re.match(r"23 sections, \d+ charts \([1-9]\d* with data", first[1]), first[1]
    assert first[1].rsplit(",", 1)[0] == second[1].rsplit(",", 1)[0]  # all but the seconds
    pages = [GENERATED.sub("", p.read_text(encoding="utf-8")) for p in (own, handed_over)]
    assert "By account tag Team" in pages[0] and doc["account_id"] in pages[0]
    assert pages[0] == pages[1]


def test_an_unreachable_database_fails_alike_through_both_commands(tmp_path, capsys):
    url = "postgresql://nobody:secret-password@127.0.0.1:1/none?connect_timeout=2"
    out = tmp_path / "report.html"
    assert report_main(["--database-url", url, "--out", str(out)]) == 1
    first = capsys.readouterr().err
    assert receiver_main(["report", "--database-url", url, "--out", str(out)]) == 1
    assert first.startswith("error: cannot connect to PostgreSQL") and first == (
        capsys.readouterr().err
    )
    assert "secret-password" not in first and not out.exists()


def test_errors_and_help_name_the_command_as_it_was_run(capsys):
    with pytest.raises(SystemExit) as info:
        report_main(["--out", "r.html", "--days", "0"])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("usage: python -m report ")
    with pytest.raises(SystemExit) as info:
        receiver_main(["report", "--help"])
    assert info.value.code == 0
    usage = capsys.readouterr().out
    assert usage.startswith("usage: python -m receiver report ")
    assert "--cost-basis" in usage and "reader_secret_arn" in usage
    with pytest.raises(SystemExit):
        receiver_main(["--help"])
    assert re.search(r"^\s+report\s+write one self-contained HTML", capsys.readouterr().out, re.M)


def test_python_dash_m_report_runs_the_package(tmp_path):
    completed = run_python(tmp_path, "-m", "report", "--help")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage: python -m report ")
    assert "--group-by ou|tag:KEY" in completed.stdout
    completed = run_python(tmp_path, "-m", "report")
    assert completed.returncode == 2 and "--out" in completed.stderr


def test_the_receiver_imports_the_report_only_when_its_command_is_run(tmp_path):
    code = (
        "import sys\n"
        "import receiver.cli, receiver.handler, receiver.migrate_handler, receiver.roster_handler\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.split('.')[0] == 'report')\n"
        "assert loaded() == [], loaded()\n"
        "try:\n"
        "    receiver.cli.main(['report', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'report.command' in loaded(), loaded()\n"
    )
    completed = run_python(tmp_path, "-c", code)
    assert completed.returncode == 0, completed.stderr


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at module level) for every import statement of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, id(node) in top))
    return found


def test_the_report_reaches_the_receiver_only_through_its_database_executors():
    sources = sorted((ROOT / "src" / "report").rglob("*.py"))
    assert len(sources) > 10  # the topic modules are found
    receiver_modules = {
        name for path in sources for name, _ in imports_of(path) if name.split(".")[0] == "receiver"
    }
    assert "receiver.db" in receiver_modules
    assert {m for m in receiver_modules if not m.startswith("receiver.db")} == set()


def test_only_the_receiver_command_line_imports_the_report_and_lazily():
    found = [
        (path.relative_to(ROOT / "src").as_posix(), name, top_level)
        for path in sorted((ROOT / "src" / "receiver").rglob("*.py"))
        for name, top_level in imports_of(path)
        if name.split(".")[0] == "report"
    ]
    assert found == [("receiver/cli.py", "report.command", False)]
