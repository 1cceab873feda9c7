"""Every table of the data model: table name -> natural key, columns and contract section.

Data tables come from the receiver's declaration (``receiver.tables``, derived from the
contract; docs/data-model.md's "Sections and tables" is generated from it by
scripts/datamodel.py). Bookkeeping tables, which no section feeds, are read from the
document's "Bookkeeping tables". The schema tests hold sql/ to this map, and the loader tests
hold the loaded rows to it.
"""

from __future__ import annotations

import re
from pathlib import Path

from receiver.tables import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def _ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]*)`", text)


def bookkeeping_tables(text: str) -> dict[str, dict]:
    """The "Bookkeeping tables" of the document: table name -> {"key": [...]}."""
    section = text.split("\n## Bookkeeping tables\n", 1)[1].split("\n## ", 1)[0]
    tables = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            key = [k.strip() for k in _ticked(cells[2])[0].split(",")]
            tables[_ticked(cells[0])[0]] = {"key": key, "fields": None, "section": None}
    return tables


def data_model() -> dict[str, dict]:
    """Map table name -> {"key": [...], "fields": [...] | None, "section": str | None}."""
    tables = {
        t.name: {"key": list(t.natural_key), "fields": list(t.column_names), "section": t.section}
        for t in TABLES
    }
    return tables | bookkeeping_tables(DOC.read_text(encoding="utf-8"))


DOC_TABLES = data_model()
