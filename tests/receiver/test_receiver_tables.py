"""The receiver's table declaration: columns derived from the contract, exceptions declared.

What a maintainer relies on: every field of a section lands in a column unless the declaration
says why not, an exception names a field and a column that exist, types follow the contract's
definitions, and importing the declaration reads no file.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from receiver.tables import (
    BY_NAME,
    NOT_COLUMNS,
    ORGANIZATION_COST,
    TABLES,
    Table,
    field_definitions,
    is_child_list,
    pg_type,
)


def test_importing_the_declaration_reads_no_schema():
    code = (
        "import sys, receiver.tables as t; "
        "print(sorted(m for m in sys.modules if m.startswith(('contract', 'jsonschema'))), "
        "[n for n in ('columns', 'section') if n in vars(t.KMS_KEYS)])"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "[] []"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_field_is_a_column_a_child_table_or_not_a_column_for_a_reason(table: Table):
    sources = {c.source for c in table.columns}
    for name, definition in field_definitions(table).items():
        if is_child_list(definition):
            children = [t for t in TABLES if t.parent == table.name and t.children_field == name]
            assert children, f"{table.name}.{name}: a list of objects without a child table"
        else:
            assert name in sources or name in NOT_COLUMNS, f"{table.name}.{name} is not stored"
    assert set(table.key) <= set(table.column_names), table.name


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_exceptions_name_a_real_field_and_column_and_change_something(table: Table):
    fields = field_definitions(table)
    columns = {c.name: c for c in table.columns}
    for column, source in table.renamed.items():
        assert source in fields and column not in fields and column in columns, column
    for column, kind in table.types.items():
        assert kind != pg_type(fields[columns[column].source]), f"{column}: no exception"
    for column, (other, _, _) in table.absent.items():
        assert columns[column].absent and other in fields, column
    for column in table.parent_fields:
        assert column in BY_NAME[table.parent or ""].column_names, column


def test_types_come_from_the_contracts_definitions():
    def types(table: Table) -> dict[str, str]:
        return {c.name: c.type for c in table.columns}

    assert types(BY_NAME["kms_keys"])["aliases"] == "text[]"
    assert types(BY_NAME["kms_keys"])["created_at"] == "timestamptz"
    assert types(BY_NAME["resources"])["tags"] == "jsonb"
    assert types(BY_NAME["cost_daily"])["usage_date"] == "date"
    assert types(BY_NAME["cost_daily"])["unblended_cost"] == "numeric"
    assert types(BY_NAME["cost_daily"])["estimated"] == "boolean"
    assert types(BY_NAME["securityhub_findings"])["severity_normalized"] == "numeric"
    assert types(BY_NAME["securityhub_severity_counts"])["count"] == "integer"
    assert types(BY_NAME["guardduty_findings"])["count"] == "bigint"  # declared
    assert types(BY_NAME["waf_rules"])["web_acl_arn"] == "text"  # from the parent item


def test_key_columns_come_first_parents_first_and_renamed_fields_keep_their_source():
    rules = BY_NAME["waf_rules"]
    assert rules.column_names[:2] == ("web_acl_arn", "rule_name")
    assert {c.name: c.source for c in rules.columns}["rule_name"] == "name"
    applications = BY_NAME["ssm_applications"]
    assert applications.column_names[:5] == applications.key
    assert "account_id" not in BY_NAME["accounts"].column_names  # bound once per file
    assert "contacts" not in BY_NAME["accounts"].column_names  # account_contacts


def test_a_key_field_that_may_be_null_is_stored_as_empty_text():
    service = {c.name: c for c in BY_NAME["commitment_utilization"].columns}["service"]
    assert service.empty_default
    assert service.absent == ("kind", "RI", "Amazon Elastic Compute Cloud - Compute")
    assert not any(c.empty_default for c in BY_NAME["kms_keys"].columns)


def test_organization_cost_tables_take_the_account_from_each_row():
    daily = ORGANIZATION_COST["cost_daily"]
    assert daily.columns[0].name == "account_id" and daily.columns[0].type == "char(12)"
    assert daily.natural_key == ("account_id", "usage_date", "service")
    assert daily.column_names[1:] == BY_NAME["cost_daily"].column_names
