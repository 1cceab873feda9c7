"""docs/data-model.md read as data: table name -> natural key, fields and contract section.

The schema tests hold sql/ to this document, and the loader tests hold the loaded rows to it.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"

# Item fields stored under another column name (the name the natural key uses).
RENAMED_FIELDS = {("*", "date"): "usage_date", ("waf_rules", "name"): "rule_name"}


def _cells(line: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [p.strip() for p in parts[1:-1]]


def _ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]*)`", text)


def parse_data_model(text: str) -> dict[str, dict]:
    """Map table name -> {"key": [...], "fields": [...] | None, "section": str | None}."""
    tables: dict[str, dict] = {}
    heading = None
    header_seen = False
    section_rows = []
    for line in text.splitlines():
        if line.startswith("## "):
            heading, header_seen = line[3:].strip(), False
            continue
        if not line.startswith("|") or re.match(r"^\|[-| :]+\|$", line.strip()):
            continue
        if not header_seen:
            header_seen = True
            continue
        cells = _cells(line)
        if heading == "Sections and tables":
            section_rows.append(cells)
        elif heading == "Bookkeeping tables":
            table = _ticked(cells[0])[0]
            key = [k.strip() for k in _ticked(cells[2])[0].split(",")]
            tables[table] = {"key": key, "fields": None, "section": None}

    child_suffixes = {
        _ticked(r[0])[0].rsplit(".", 1)[-1] for r in section_rows if "." in _ticked(r[0])[0]
    }
    for section_cell, fields_cell, table_cell, key_cell in section_rows:
        table = _ticked(table_cell)[0]
        key = [k.strip() for k in _ticked(key_cell)[0].split(",")]
        fields = []
        for name in _ticked(re.sub(r"\([^)]*\)", "", fields_cell)):
            if name.endswith("[]"):
                if name in child_suffixes:  # a nested list stored in its own table
                    continue
                name = name[:-2]  # a list stored as an array column
            name = RENAMED_FIELDS.get((table, name), RENAMED_FIELDS.get(("*", name), name))
            fields.append(name)
        tables[table] = {"key": key, "fields": fields, "section": _ticked(section_cell)[0]}
    return tables


DOC_TABLES = parse_data_model(DOC.read_text(encoding="utf-8"))
