"""The repository's promises to a new user: the commands the README names exist and CI runs them."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def phony_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    (line,) = [line for line in makefile.splitlines() if line.startswith(".PHONY:")]
    return set(line.removeprefix(".PHONY:").split())


def test_make_help_lists_every_target():
    shown = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    listed = set(re.findall(r"^\s+make (\S+)", shown.stdout, flags=re.MULTILINE))
    assert listed == phony_targets()


def test_readme_opens_with_demo_and_test_and_ci_runs_its_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, flags=re.DOTALL).group(1)
    assert [line.split()[:2] for line in first_block.strip().splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.findall(r"^make \S+$", ci, flags=re.MULTILINE) == ["make lint", "make test"]


def test_every_make_target_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"`make ([\w-]+)", readme))  # stackset-template too
    assert "stackset-template" in named
    assert named <= phony_targets()


def test_make_demo_runs_the_demo_under_a_throwaway_postgresql():
    """`make demo` itself is exercised end to end by tests/demo/test_demo.py; here: what it runs."""
    shown = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "demo"], cwd=ROOT, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "-m labkit.pgcluster run -- .venv/bin/python -m demo --out report.html" in shown.stdout


# A path into tests/ in code: ROOT / "tests", "tests/support/...", or a child script's import.
INTO_TESTS = re.compile(r"(^|[\s\"'/:=(])tests/\w|(^|/)tests/?$|\b(from|import) (support|tests)\b")
# The one known reach, named so that no other can hide behind it: the contract's example
# document, which the lab's large documents are built from, is still a test fixture.
KNOWN: set[tuple[str, str]] = set()  # (file, string) allowed to name tests/: none


def _docstrings(tree: ast.AST) -> set[int]:
    owners = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))]
    return {
        id(owner.body[0].value)
        for owner in owners
        if owner.body
        and isinstance(owner.body[0], ast.Expr)
        and isinstance(owner.body[0].value, ast.Constant)
    }


def reaches_into_tests(text: str, name: str) -> list[str]:
    """Where Python code imports from tests/ or names a path in it (comments and docstrings may
    mention tests freely)."""
    tree = ast.parse(text)
    docstrings = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for module in modules:
                if module.split(".")[0] in ("support", "tests", "conftest"):
                    found.append((node.lineno, f"import {module}"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and INTO_TESTS.search(node.value)
            and (name, node.value) not in KNOWN
        ):
            found.append((node.lineno, repr(node.value[:60])))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_no_file_in_src_or_bench_or_the_makefile_reaches_into_tests():
    """The tools live in src/labkit; the product, the demo and the benches never use tests/."""
    offenders = []
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        found = reaches_into_tests(path.read_text(encoding="utf-8"), name)
        offenders += [f"{name} {where}" for where in found]
    for number, line in enumerate((ROOT / "Makefile").read_text().splitlines(), start=1):
        command = line.strip().removeprefix("@")
        if not command.startswith("#") and re.search(r"\btests/\S|PYTHONPATH=\S*tests", command):
            offenders.append(f"Makefile line {number}: {line.strip()}")
    assert offenders == []


def test_the_reach_check_finds_each_way_in_and_spares_comments_and_docstrings():
    sample = (
        '"""A docstring naming tests/support/pgcluster.py."""\n'
        "# a comment naming tests/support/pgcluster.py\n"
        "import sys\n"
        "from support import network_guard\n"
        'sys.path.insert(0, sys.path[0] + "/tests")\n'
        'CHILD = "import json\\nfrom support.x import y"\n'
        'FIXTURE = ("tests/fixtures/full-daily.json", "tests", "the tests pass")\n'
        'MESSAGE = "run the tests"\n'
    )
    found = reaches_into_tests(sample, "bench/sample.py")
    assert [where.split(":")[0] for where in found] == [
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 7",
    ]
    assert reaches_into_tests('FIXTURE = "tests"\n', "src/labkit/large_documents.py") != []


def test_no_test_module_imports_another():
    """Shared test code lives in tests/support (or the lab, src/labkit), never in a test module."""
    modules = {path.stem for path in (ROOT / "tests").rglob("test_*.py")}
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module.split(".")[0]]
            offenders += [
                f"{path.relative_to(ROOT)} line {node.lineno}: imports {name}"
                for name in names
                if name in modules
            ]
    assert offenders == []
