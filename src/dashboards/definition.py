"""The dashboard's ``Definition``: datasets declared, sheets laid out, filters and controls.

Every sheet gets the same five controls, each a filter group scoped to that sheet and applied
to all datasets (``CrossDataset: ALL_DATASETS``), so one control narrows every visual whose
dataset has the column: account (``account_name``), OU (``ou_path``), account tag
(``account_labels`` contains the text typed, e.g. ``Environment=production``), region
(``region``) and date (``day``, the last 90 days by default). A control is added only where some
dataset of the sheet has the column.
"""

from __future__ import annotations

from typing import Any

from dashboards.datasets import DATASETS, Dataset
from dashboards.sheets import CALCULATED_FIELDS, Sheet, sheets
from dashboards.visuals import Visual

JSON = dict[str, Any]
GRID_COLUMNS = 36
SIZES = {"kpi": (9, 5), "half": (18, 12), "full": (36, 12)}
PLACEHOLDER_ARN = "arn:aws:quicksight:REGION:ACCOUNT_ID:dataset/{dataset_id}"
DEFAULT_DAYS = 90


def dataset_id(name: str, key: str) -> str:
    """The QuickSight DataSetId of a dataset (the Terraform module uses the same rule)."""
    return f"{name}-{key.replace('_', '-')}"


def _datasets_of(sheet: Sheet) -> list[str]:
    seen: list[str] = []
    for visual in sheet.visuals:
        for key in _visual_datasets(visual):
            if key not in seen:
                seen.append(key)
    return seen


def _visual_datasets(visual: Visual) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "DataSetIdentifier" in node and "ColumnName" in node:
                found.add(node["DataSetIdentifier"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(visual.definition())
    return found


def _dataset(key: str) -> Dataset:
    return next(d for d in DATASETS if d.key == key)


FILTERS = (
    # (suffix, column, control title, kind)
    ("account", "account_name", "Account", "dropdown"),
    ("ou", "ou_path", "OU", "dropdown"),
    ("tag", "account_labels", "Account tag (key=value)", "text"),
    ("region", "region", "Region", "dropdown"),
    ("date", "day", "Date", "date"),
)


def _filter(filter_id: str, column: JSON, kind: str) -> JSON:
    if kind == "date":
        today = "truncDate('DD', now())"
        return {
            "TimeRangeFilter": {
                "FilterId": filter_id,
                "Column": column,
                "IncludeMinimum": True,
                "IncludeMaximum": True,
                "RangeMinimumValue": {
                    "RollingDate": {"Expression": f"addDateTime(-{DEFAULT_DAYS}, 'DD', {today})"}
                },
                "RangeMaximumValue": {"RollingDate": {"Expression": today}},
                "NullOption": "ALL_VALUES",
                "TimeGranularity": "DAY",
            }
        }
    if kind == "text":
        configuration = {
            "CustomFilterConfiguration": {
                "MatchOperator": "CONTAINS",
                "SelectAllOptions": "FILTER_ALL_VALUES",
                "NullOption": "ALL_VALUES",
            }
        }
    else:
        configuration = {
            "FilterListConfiguration": {
                "MatchOperator": "CONTAINS",
                "SelectAllOptions": "FILTER_ALL_VALUES",
                "NullOption": "ALL_VALUES",
            }
        }
    return {
        "CategoryFilter": {"FilterId": filter_id, "Column": column, "Configuration": configuration}
    }


def _control(control_id: str, filter_id: str, title: str, kind: str) -> JSON:
    if kind == "date":
        return {
            "DateTimePicker": {
                "FilterControlId": control_id,
                "SourceFilterId": filter_id,
                "Title": title,
                "Type": "DATE_RANGE",
            }
        }
    if kind == "text":
        return {
            "TextField": {
                "FilterControlId": control_id,
                "SourceFilterId": filter_id,
                "Title": title,
            }
        }
    return {
        "Dropdown": {
            "FilterControlId": control_id,
            "SourceFilterId": filter_id,
            "Title": title,
            "Type": "MULTI_SELECT",
        }
    }


def _sheet_filters(sheet: Sheet) -> tuple[list[JSON], list[JSON]]:
    groups: list[JSON] = []
    controls: list[JSON] = []
    datasets = _datasets_of(sheet)
    for suffix, column, title, kind in FILTERS:
        holder = next((k for k in datasets if column in _dataset(k).column_names), None)
        if holder is None:
            continue
        filter_id = f"{sheet.sheet_id}-filter-{suffix}"
        groups.append(
            {
                "FilterGroupId": f"{sheet.sheet_id}-group-{suffix}",
                "Filters": [
                    _filter(filter_id, {"DataSetIdentifier": holder, "ColumnName": column}, kind)
                ],
                "ScopeConfiguration": {
                    "SelectedSheets": {
                        "SheetVisualScopingConfigurations": [
                            {"SheetId": sheet.sheet_id, "Scope": "ALL_VISUALS"}
                        ]
                    }
                },
                "Status": "ENABLED",
                "CrossDataset": "ALL_DATASETS",
            }
        )
        controls.append(_control(f"{sheet.sheet_id}-control-{suffix}", filter_id, title, kind))
    return groups, controls


def _layout(visuals: list[Visual]) -> JSON:
    elements = []
    column = row = row_height = 0
    for visual in visuals:
        width, height = SIZES[visual.size]
        if column + width > GRID_COLUMNS:
            column, row, row_height = 0, row + row_height, 0
        elements.append(
            {
                "ElementId": visual.visual_id,
                "ElementType": "VISUAL",
                "ColumnIndex": column,
                "ColumnSpan": width,
                "RowIndex": row,
                "RowSpan": height,
            }
        )
        column += width
        row_height = max(row_height, height)
    return {"Configuration": {"GridLayout": {"Elements": elements}}}


def build_definition(name: str = "observability") -> JSON:
    """The ``Definition`` of ``CreateDashboard``, with placeholder dataset ARNs."""
    all_sheets = sheets()
    used = {k for s in all_sheets for k in _datasets_of(s)}
    used |= {f.dataset for f in CALCULATED_FIELDS}
    declarations = [
        {
            "Identifier": d.key,
            "DataSetArn": PLACEHOLDER_ARN.format(dataset_id=dataset_id(name, d.key)),
        }
        for d in DATASETS
        if d.key in used
    ]
    filter_groups: list[JSON] = []
    sheet_definitions: list[JSON] = []
    for sheet in all_sheets:
        groups, controls = _sheet_filters(sheet)
        filter_groups.extend(groups)
        sheet_definitions.append(
            {
                "SheetId": sheet.sheet_id,
                "Name": sheet.name,
                "Title": sheet.name,
                "Description": sheet.description,
                "ContentType": "INTERACTIVE",
                "Visuals": [v.definition() for v in sheet.visuals],
                "FilterControls": controls,
                "Layouts": [_layout(sheet.visuals)],
            }
        )
    return {
        "DataSetIdentifierDeclarations": declarations,
        "Sheets": sheet_definitions,
        "CalculatedFields": [
            {"DataSetIdentifier": f.dataset, "Name": f.name, "Expression": f.expression}
            for f in CALCULATED_FIELDS
        ],
        "FilterGroups": filter_groups,
        "AnalysisDefaults": {
            "DefaultNewSheetConfiguration": {
                "InteractiveLayoutConfiguration": {
                    "Grid": {
                        "CanvasSizeOptions": {
                            "ScreenCanvasSizeOptions": {"ResizeOption": "RESPONSIVE"}
                        }
                    }
                },
                "SheetContentType": "INTERACTIVE",
            }
        },
    }
