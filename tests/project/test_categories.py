"""Every data category is wired everywhere it must be: the checklist of docs/adding-a-category.md.

For each section of the contract (``data.<key>``) the test names every place the category is
missing from: its collector and IAM actions, its tables (declared, created by sql/ with the
natural key as primary or unique key, a ``v_<table>_current`` view for a snapshot), the
realistic fixture, the generated data model, the README's collector table, the demo and the
sender bench's canned answers, and a collector test. One failure lists them all, by category.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from contract import load_schema
from receiver.rows import build
from receiver.tables import TABLES, Table, field_definitions, is_child_list
from sender.collectors import REGISTRY
from support.receiver_fixtures import fixture_doc

FULL_DAILY = "src/labkit/documents/full-daily.json"

ROOT = Path(__file__).resolve().parents[2]

# Snapshot tables read through another table's current view, and why.
CURRENT_VIEW_EXCEPTIONS = {
    "guardduty_finding_snapshots": "v_guardduty_findings_current reads it (open findings)",
    "organization_cost_forecasts": "one row per management account and day: the report reads "
    "the latest generated_on itself",
}


@functools.cache
def _text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


@functools.cache
def _sql_keys() -> dict[str, list[tuple[str, ...]]]:
    """Table -> every column list sql/ declares a PRIMARY KEY or UNIQUE constraint on."""
    keys: dict[str, list[tuple[str, ...]]] = {}
    for path in sorted((ROOT / "sql").glob("*.sql")):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        text = re.sub(r"'(?:[^']|'')*'", "''", text)
        for statement in text.split(";"):
            table = re.match(r"\s*(?:CREATE|ALTER)\s+TABLE\s+(\w+)", statement, re.I)
            if not table:
                continue
            found = keys.setdefault(table.group(1), [])
            for columns in re.findall(r"(?:PRIMARY\s+KEY|UNIQUE)\s*\(([^)]*)\)", statement, re.I):
                found.append(tuple(c.strip() for c in columns.split(",")))
            for column in re.findall(
                r"^\s*(\w+)\s[^,\n]*\bPRIMARY\s+KEY\b(?!\s*\()", statement, re.M
            ):
                found.append((column,))
    return keys


@functools.cache
def _views() -> frozenset[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sql").glob("*.sql"))
    return frozenset(re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)", text, re.I))


@functools.cache
def _tables_with_rows() -> frozenset[str]:
    """Tables the realistic fixtures fill (organization mode's only table from its own)."""
    filled: set[str] = set()
    for name in ("full-daily", "organization-daily"):
        doc = fixture_doc(name)
        plan = build(doc, organization_cost_accounts={doc["account_id"]})
        filled |= {t.table.name for t in plan.tables if t.rows}
    return frozenset(filled)


@functools.cache
def _collector_tests() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests/sender").glob("*.py"))


def _section_item_lists(schema: dict[str, Any], section: str) -> list[tuple[str, ...]]:
    """The paths under ``data`` that hold items (a list, or one object) of a section."""
    defs = schema["$defs"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs[node["$ref"].removeprefix("#/$defs/")]
        return node

    node = resolve(schema["properties"]["data"]["properties"][section])
    if node.get("type") == "array":
        return [(section,)]
    parts = [
        (section, p) for p, d in node["properties"].items() if resolve(d).get("type") == "array"
    ]
    # an object of fields (account, iam) is one row; an object of lists (cost, config) is not
    return parts if len(parts) == len(node["properties"]) else [(section,)]


def missing_places(section: str) -> list[str]:
    """What a category lacks, one line per place; empty when it is wired everywhere."""
    schema = load_schema()
    missing: list[str] = []
    collector = next((c for c in REGISTRY.values() if c.section == section), None)
    if section not in schema["properties"]["data"]["properties"]:
        missing.append("contract: no data.<section> in src/contract/sender-document.schema.json")
        paths: list[tuple[str, ...]] = []
    else:
        paths = _section_item_lists(schema, section)
    if collector is None:
        missing.append(
            "collector: no module in src/sender/collectors/ with its COLLECTOR listed in "
            "_MODULES of src/sender/collectors/__init__.py"
        )
    else:
        actions = json.loads(_text("modules/sender/collector-actions.json"))["collectors"]
        if sorted(set(collector.iam_actions)) != actions.get(collector.name):
            missing.append(
                f"IAM actions: modules/sender/collector-actions.json has no entry "
                f"{collector.name!r} equal to its iam_actions (python -m sender iam-actions)"
            )
        readme = re.search(
            rf"^\| `{collector.name}` \| ([^|]*) \| ([^|]*) \|", _text("README.md"), re.M
        )
        runs_per = "account" if collector.scope == "global" else "region"
        history = "yes" if collector.supports_history else ""
        if not readme:
            missing.append(f"README.md: no row `{collector.name}` in the collector table")
        elif not readme.group(1).startswith(runs_per) or readme.group(2).strip() != history:
            missing.append(
                f"README.md: the collector table's row `{collector.name}` should say runs per "
                f"{runs_per!r}, history {history!r} (python -m sender collectors)"
            )
        if not re.search(rf"^{collector.name}\s", _text("src/demo/recorded/__init__.py"), re.M):
            missing.append(
                "demo: src/demo/recorded/__init__.py does not say who answers its calls "
                "(moto or a recorded module)"
            )
        bench = _text("bench/sender_bench.py")
        handlers = [
            a
            for a in collector.iam_actions
            if f"def {a.split(':')[0].replace('-', '_')}_{a.split(':')[1]}(" in bench
        ]
        if not handlers:
            missing.append("bench: bench/sender_bench.py has no canned response for its calls")
        module = collector.fetch.__module__
        if (
            f"{module} import" not in _collector_tests()
            and not (ROOT / f"tests/sender/test_sender_collector_{collector.name}.py").exists()
        ):
            missing.append(f"collector test: no test in tests/sender imports {module}")
    if section not in fixture_doc("full-daily")["data"]:
        missing.append("fixture: no data." + section + f" in {FULL_DAILY}")
    tables = [t for t in TABLES if t.path[0] == section]
    for path in paths:
        if not any(t.path == path and t.parent is None for t in tables):
            missing.append(f"table: no Table with path {path} in src/receiver/tables.py")
    for table in tables:
        missing += _table_places(table)
        if collector is not None and table.parent is None:
            missing += _sender_key(collector, table)
    return missing


def _sender_key(collector: Any, table: Table) -> list[str]:
    """The collector's key fields (its duplicate and over-long key checks) are the table's."""
    sources = {c.name: c.source for c in table.columns}
    key = tuple(sources.get(k, k) for k in table.key if k != "account_id")
    part = table.path[1] if len(table.path) > 1 else None
    declared = tuple(k for k in collector.key_fields(part) if k != "account_id")
    if declared == key:
        return []
    return [
        f"sender key: COLLECTOR keys{'[' + repr(part) + ']' if part else ''} {declared} are not "
        f"the natural key {key} of {table.name} (src/receiver/tables.py)"
    ]


def _table_places(table: Table) -> list[str]:
    missing = []
    for name, definition in field_definitions(table).items():
        if is_child_list(definition) and not any(
            t.parent == table.name and t.children_field == name for t in TABLES
        ):
            missing.append(f"table: no child Table of {table.name} for its list {name!r}")
    keys = _sql_keys().get(table.name)
    if keys is None:
        missing.append(f"SQL: no CREATE TABLE {table.name} in sql/")
    elif table.natural_key not in keys:
        missing.append(
            f"SQL: {table.name} has no PRIMARY KEY/UNIQUE ({', '.join(table.natural_key)})"
        )
    view = f"v_{table.name}_current"
    if table.snapshot and view not in _views() and table.name not in CURRENT_VIEW_EXCEPTIONS:
        missing.append(f"SQL: snapshot table {table.name} has no view {view}")
    if table.name not in _tables_with_rows():
        missing.append(
            f"fixture: src/labkit/documents/full-daily.json fills no row of {table.name}"
        )
    if not re.search(rf"^\| `[^|]*\| .* \| `{table.name}` \|", _text("docs/data-model.md"), re.M):
        missing.append(f"docs: {table.name} not in docs/data-model.md (scripts/datamodel.py)")
    return missing


def test_every_category_is_wired_everywhere():
    sections = load_schema()["properties"]["data"]["properties"]
    assert len(sections) >= 20
    report = {section: missing_places(section) for section in sections}
    collectors = {c.section for c in REGISTRY.values()}
    report |= {s: ["contract: no section in the schema"] for s in collectors - set(sections)}
    wrong = [f"{s}: {place}" for s, places in sorted(report.items()) for place in places]
    assert wrong == [], "\n".join(["categories missing from places:", *wrong])


def test_a_new_category_is_told_every_place_it_misses():
    """The check itself: a category that exists nowhere is missing from each place, by name."""
    missing = missing_places("quota_usage")
    assert [m.split(":")[0] for m in missing] == ["contract", "collector", "fixture"]
    assert "src/sender/collectors/__init__.py" in missing[1]


def test_a_category_missing_from_one_place_is_named(monkeypatch):
    """Each place of a wired category, taken away, is named for that category."""
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "_sql_keys", lambda: {"kms_keys": [("account_id", "key_arn")]})
    monkeypatch.setattr(this, "_views", frozenset)
    monkeypatch.setattr(this, "_tables_with_rows", frozenset)
    actions = json.loads(_text("modules/sender/collector-actions.json"))
    del actions["collectors"]["kms_keys"]
    text = _text
    monkeypatch.setattr(
        this,
        "_text",
        lambda path: json.dumps(actions) if path.endswith("collector-actions.json") else text(path),
    )
    assert missing_places("kms_keys") == [
        "IAM actions: modules/sender/collector-actions.json has no entry 'kms_keys' equal to "
        "its iam_actions (python -m sender iam-actions)",
        "SQL: kms_keys has no PRIMARY KEY/UNIQUE (account_id, snapshot_date, key_arn)",
        "SQL: snapshot table kms_keys has no view v_kms_keys_current",
        f"fixture: {FULL_DAILY} fills no row of kms_keys",
    ]
    monkeypatch.delitem(REGISTRY, "kms_keys")
    assert missing_places("kms_keys")[0].startswith("collector: no module in src/sender/")


def test_the_data_model_document_is_generated_from_the_declaration():
    completed = subprocess.run(
        [sys.executable, "scripts/datamodel.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_iam_actions_file_and_the_readme_table_are_generated_from_the_collectors():
    completed = subprocess.run(
        [sys.executable, "scripts/collectors.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
