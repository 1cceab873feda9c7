"""The dashboard as code, offline: the request bodies `make dashboards` writes pass botocore's
own parameter validation against the real `quicksight` service model (types and required
members), plus the enumerations, lengths and patterns of the same model, which botocore leaves
to the service, every field a visual, filter or calculated field
names exists in its dataset with a fitting type, and every question of the reference's
dashboard is answered by a visual. Rendering in QuickSight itself cannot be checked here
(modules/dashboards/README.md says how to check it on first deployment).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, Shape, StructureShape
from botocore.validate import ParamValidator

from dashboards import command
from dashboards.datasets import DATASETS, QUICKSIGHT_TYPES
from dashboards.requests import Target, dashboard_request, dataset_request
from dashboards.sheets import CALCULATED_FIELDS

ROOT = Path(__file__).resolve().parents[2]
MODEL = botocore.session.get_session().get_service_model("quicksight")
DATASETS_BY_KEY = {d.key: d for d in DATASETS}

# The reference's dashboard (issue 11) and ours: each question, the visuals that answer it.
QUESTIONS = {
    "compliance score": ["ov-compliance"],
    "compliance trend": ["ov-compliance-trend"],
    "configuration drift": ["ov-drift"],
    "cost KPI": ["ov-cost"],
    "daily cost line": ["ov-cost-daily"],
    "counts of accounts and services": ["ov-accounts", "ov-services"],
    "accounts by category and type": ["ov-accounts-ou", "ov-accounts-status"],
    "cost per service per account": ["ov-cost-account-service"],
    "findings by severity": ["ov-findings-severity"],
    "findings by resource type": ["ov-findings-resource"],
    "cost per account over time": ["co-account-daily"],
    "account x service pivot": ["co-account-service"],
    "conformance packs": ["ct-packs"],
    "patch compliance": ["ct-patches"],
    "KMS keys": ["ct-kms"],
    "findings by product": ["fi-product"],
    "findings over time": ["fi-trend"],
    "finding summary": ["fi-summary"],
    "active critical/high/medium KPIs": ["fi-critical", "fi-high", "fi-medium"],
    "security spend": ["fi-spend"],
    "non-compliant resources": ["ct-noncompliant"],
    "WAF rules": ["ct-waf"],
    "secrets rotation": ["ct-secrets"],
    "ACM expiry": ["ct-acm", "ct-acm-list"],
    "SSM instances": ["ct-ssm", "ct-ssm-list"],
    "resources by Availability Zone and region": ["re-az", "re-region"],
    "resource breakdown": ["re-breakdown"],
    # beyond the reference
    "forecast against actual": ["co-forecast"],
    "savings": ["co-savings", "co-savings-items"],
    "commitments": ["co-commitments"],
    "estimated vs final cost": ["co-estimated"],
    "collection health": ["ch-health", "ch-issues", "ch-ingestion"],
    "silent accounts": ["ch-silent", "ch-accounts"],
    "GuardDuty": ["fi-guardduty", "fi-guardduty-list"],
    "Inspector": ["fi-inspector", "fi-inspector-list"],
    "Resilience Hub": ["re-apps"],
}
FILTERED_COLUMNS = {"account_name", "ou_path", "account_labels", "region", "day"}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dashboards")
    module = tmp_path_factory.mktemp("module")
    assert command.main(["--out", str(out), "--module", str(module)]) == 0
    return out


def strict_errors(value: Any, shape: Shape, path: str = "") -> list[str]:
    """What botocore's validator leaves to the service: enumerations, maximum lengths, patterns."""
    errors: list[str] = []
    meta = shape.metadata
    if shape.type_name == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} characters, at most {meta['max']}")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} items, at most {meta['max']}")
        for i, item in enumerate(value):
            errors += strict_errors(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, StructureShape) and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                errors += strict_errors(item, shape.members[key], f"{path}.{key}")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            errors += strict_errors(key, shape.key, f"{path}<key>")
            errors += strict_errors(item, shape.value, f"{path}.{key}")
    return errors


def validate(operation: str, body: dict[str, Any]) -> None:
    shape = MODEL.operation_model(operation).input_shape
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()
    assert strict_errors(body, shape) == []


def test_the_module_files_are_current():
    assert command.main(["--check"]) == 0


def test_a_stale_module_file_is_reported(tmp_path, capsys):
    assert command.main(["--module", str(tmp_path), "--check"]) == 1
    assert "stale, run `make dashboards`" in capsys.readouterr().err


def test_make_dashboards_writes_one_request_per_dataset_and_the_dashboard(written):
    names = sorted(p.stem for p in (written / "datasets").glob("*.json"))
    assert names == sorted(DATASETS_BY_KEY)
    assert (written / "dashboard.json").is_file()


@pytest.mark.parametrize("key", sorted(DATASETS_BY_KEY))
def test_every_create_data_set_request_is_valid(written, key):
    body = json.loads((written / "datasets" / f"{key}.json").read_text())
    validate("CreateDataSet", body)
    (table,) = body["PhysicalTableMap"].values()
    assert {c["Type"] for c in table["CustomSql"]["Columns"]} <= set(QUICKSIGHT_TYPES)


def test_the_create_dashboard_request_is_valid(written):
    body = json.loads((written / "dashboard.json").read_text())
    validate("CreateDashboard", body)
    assert len(body["Definition"]["Sheets"]) == 6


def test_a_broken_request_fails_validation():
    body = dataset_request(DATASETS[0], Target())
    del body["ImportMode"]
    body["PhysicalTableMap"]["cost-daily"]["CustomSql"]["Columns"][0]["Type"] = "TEXT"
    shape = MODEL.operation_model("CreateDataSet").input_shape
    assert "ImportMode" in ParamValidator().validate(body, shape).generate_report()
    (enum_error,) = strict_errors(body, shape)
    assert "'TEXT' is not one of" in enum_error and ".Columns[0].Type" in enum_error
    dashboard = dashboard_request(Target())
    dashboard["DashboardId"] = "has spaces"
    errors = strict_errors(dashboard, MODEL.operation_model("CreateDashboard").input_shape)
    assert errors and "DashboardId" in errors[0]


def test_the_target_is_applied_everywhere():
    owner = "arn:aws:quicksight:ap-southeast-2:444455556666:user/default/platform"
    author = "arn:aws:quicksight:ap-southeast-2:444455556666:group/default/analysts"
    reader = "arn:aws:quicksight:ap-southeast-2:444455556666:group/default/finops"
    target = Target(
        account_id="444455556666",
        region="ap-southeast-2",
        name="obs-prod",
        principals=((owner, "owner"), (author, "author"), (reader, "reader")),
    )
    body = dashboard_request(target)
    arns = [d["DataSetArn"] for d in body["Definition"]["DataSetIdentifierDeclarations"]]
    assert all(a.startswith("arn:aws:quicksight:ap-southeast-2:444455556666:dataset/obs-prod-")
               for a in arns)  # fmt: skip
    dashboard = {p["Principal"]: p["Actions"] for p in body["Permissions"]}
    assert "quicksight:UpdateDashboard" in dashboard[owner]
    assert "quicksight:UpdateDashboard" not in dashboard[reader]
    assert dashboard[author] == dashboard[reader]
    request = dataset_request(DATASETS[0], target)
    assert request["DataSetId"] == "obs-prod-cost-daily"
    data_set = {p["Principal"]: p["Actions"] for p in request["Permissions"]}
    assert set(data_set) == {owner, author}  # a reader sees the dashboard, not the data sets
    assert "quicksight:PassDataSet" in data_set[author]
    assert "quicksight:UpdateDataSet" not in data_set[author]
    (table,) = request["PhysicalTableMap"].values()
    assert table["CustomSql"]["DataSourceArn"].endswith(":datasource/obs-prod-aurora")
    with pytest.raises(ValueError, match="access must be one of"):
        Target(principals=((owner, "admin"),))


def _columns_named(node: Any) -> list[dict[str, str]]:
    found = []
    if isinstance(node, dict):
        if "DataSetIdentifier" in node and "ColumnName" in node:
            found.append(node)
        for value in node.values():
            found += _columns_named(value)
    elif isinstance(node, list):
        for value in node:
            found += _columns_named(value)
    return found


def _definition() -> dict[str, Any]:
    return dashboard_request(Target())["Definition"]


def test_every_column_named_exists_in_its_dataset():
    definition = _definition()
    calculated = {(f.dataset, f.name) for f in CALCULATED_FIELDS}
    declared = {d["Identifier"] for d in definition["DataSetIdentifierDeclarations"]}
    for column in _columns_named(definition):
        key, name = column["DataSetIdentifier"], column["ColumnName"]
        assert key in declared, column
        assert (key, name) in calculated or name in DATASETS_BY_KEY[key].column_names, column


def test_fields_fit_their_column_types():
    definition = json.dumps(_definition())
    for node in _walk(json.loads(definition)):
        if "DateDimensionField" in node:
            column = node["DateDimensionField"]["Column"]
            kind = DATASETS_BY_KEY[column["DataSetIdentifier"]].column(column["ColumnName"]).type
            assert kind == "DATETIME", column
        measure = node.get("NumericalMeasureField")
        if measure and "AggregationFunction" in measure:
            column = measure["Column"]
            kind = DATASETS_BY_KEY[column["DataSetIdentifier"]].column(column["ColumnName"]).type
            assert kind in ("INTEGER", "DECIMAL"), column


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_calculated_fields_name_existing_columns():
    for field in CALCULATED_FIELDS:
        names = set(re.findall(r"\{(\w+)\}", field.expression))
        assert names and names <= set(DATASETS_BY_KEY[field.dataset].column_names), field


def test_ids_are_unique():
    definition = _definition()
    for key in ("VisualId", "FilterId", "FilterControlId", "FilterGroupId"):
        ids = [n[key] for n in _walk(definition) if key in n]
        assert ids and len(ids) == len(set(ids)), key
    sheet_ids = [s["SheetId"] for s in definition["Sheets"]]
    assert len(sheet_ids) == len(set(sheet_ids))
    field_ids = [n["FieldId"] for n in _walk(definition) if "FieldId" in n and "Column" in n]
    assert len(field_ids) == len(set(field_ids))


def test_every_visual_says_what_it_shows_and_is_laid_out():
    for sheet in _definition()["Sheets"]:
        placed = {
            e["ElementId"] for e in sheet["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]
        }
        for visual in sheet["Visuals"]:
            (body,) = visual.values()
            assert body["Title"]["FormatText"]["PlainText"]
            assert len(body["Subtitle"]["FormatText"]["PlainText"]) > 20, body["VisualId"]
            assert body["VisualId"] in placed


def test_every_reference_question_has_its_visual():
    visuals = {n["VisualId"] for n in _walk(_definition()) if "VisualId" in n}
    missing = {q: ids for q, ids in QUESTIONS.items() if not set(ids) <= visuals}
    assert missing == {}


def test_every_dataset_is_read_by_the_dashboard():
    used = {c["DataSetIdentifier"] for c in _columns_named(_definition())}
    assert used == set(DATASETS_BY_KEY)


def test_every_sheet_filters_by_account_ou_tag_region_and_date_where_its_data_has_them():
    definition = _definition()
    groups = {g["FilterGroupId"]: g for g in definition["FilterGroups"]}
    for sheet in definition["Sheets"]:
        sources = {}
        for control in sheet["FilterControls"]:
            (body,) = control.values()
            sources[body["SourceFilterId"]] = body["Title"]
        columns = set()
        for group in groups.values():
            scope = group["ScopeConfiguration"]["SelectedSheets"]
            (sheet_scope,) = scope["SheetVisualScopingConfigurations"]
            if sheet_scope["SheetId"] != sheet["SheetId"]:
                continue
            assert group["CrossDataset"] == "ALL_DATASETS" and sheet_scope["Scope"] == "ALL_VISUALS"
            (flt,) = group["Filters"]
            (body,) = flt.values()
            assert body["FilterId"] in sources  # a control drives every filter
            columns.add(body["Column"]["ColumnName"])
        sheet_columns = {c["ColumnName"] for c in _columns_named(sheet)} | {
            name
            for key in {c["DataSetIdentifier"] for c in _columns_named(sheet)}
            for name in DATASETS_BY_KEY[key].column_names
        }
        assert columns == FILTERED_COLUMNS & sheet_columns, sheet["SheetId"]
        assert {"account_name", "ou_path", "account_labels"} <= columns, sheet["SheetId"]


def test_datasets_read_only_views():
    for dataset in DATASETS:
        relations = re.findall(r"\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)", dataset.sql)
        assert relations and all(r.startswith("v_") for r in relations), dataset.key


@pytest.mark.parametrize(
    "args, message",
    [
        (["--account-id", "12345"], "12 digits"),
        (["--name", "Has Caps"], "lower-case letters"),
    ],
)
def test_bad_arguments_are_refused(args, message, capsys):
    with pytest.raises(SystemExit):
        command.main(args)
    assert message in capsys.readouterr().err
