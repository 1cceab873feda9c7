"""Builders for the QuickSight visual definitions the dashboard uses.

Each builder returns one ``Visual`` member of the ``DashboardVersionDefinition`` exactly as the
QuickSight API and CloudFormation take it (PascalCase, botocore's ``quicksight`` model). Written
here rather than taken from a library: no maintained Python library builds QuickSight
definitions (the AWS CDK only passes them through), and the few shapes used fit in a page.
Every visual carries a subtitle saying what its figure is (which view, open or closed, current
or per day), as the report does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """A column of a dataset, used as a dimension or a measure."""

    dataset: str
    column: str
    kind: str = "category"  # category | date | number | calculated
    aggregation: str = "SUM"  # numbers: SUM, AVERAGE, MAX...; categories: COUNT, DISTINCT_COUNT
    granularity: str = "DAY"  # dates

    def identifier(self) -> JSON:
        return {"DataSetIdentifier": self.dataset, "ColumnName": self.column}


def category(dataset: str, column: str) -> Field:
    return Field(dataset, column, "category")


def day(dataset: str, column: str = "day", granularity: str = "DAY") -> Field:
    return Field(dataset, column, "date", granularity=granularity)


def total(dataset: str, column: str, aggregation: str = "SUM") -> Field:
    return Field(dataset, column, "number", aggregation)


def counted(dataset: str, column: str, aggregation: str = "COUNT") -> Field:
    return Field(dataset, column, "category", aggregation)


def calculated(dataset: str, name: str) -> Field:
    """A calculated field of the definition (already aggregated: no aggregation added)."""
    return Field(dataset, name, "calculated")


@dataclass
class Visual:
    """One visual: its id, kind, title, subtitle and body; ``size`` drives the grid layout."""

    visual_id: str
    kind: str
    title: str
    subtitle: str
    configuration: JSON = field(default_factory=dict)
    size: str = "half"  # kpi | half | full
    extra: JSON = field(default_factory=dict)

    def definition(self) -> JSON:
        return {
            self.kind: {
                "VisualId": self.visual_id,
                "Title": {"Visibility": "VISIBLE", "FormatText": {"PlainText": self.title}},
                "Subtitle": {"Visibility": "VISIBLE", "FormatText": {"PlainText": self.subtitle}},
                "ChartConfiguration": self.configuration,
                **self.extra,
            }
        }


def _field_id(visual_id: str, role: str, index: int, item: Field) -> str:
    return f"{visual_id}.{role}{index}.{item.column}"


def dimension(visual_id: str, role: str, index: int, item: Field) -> JSON:
    field_id = _field_id(visual_id, role, index, item)
    if item.kind == "date":
        return {
            "DateDimensionField": {
                "FieldId": field_id,
                "Column": item.identifier(),
                "DateGranularity": item.granularity,
            }
        }
    return {"CategoricalDimensionField": {"FieldId": field_id, "Column": item.identifier()}}


def measure(visual_id: str, role: str, index: int, item: Field) -> JSON:
    field_id = _field_id(visual_id, role, index, item)
    if item.kind == "calculated":
        return {"NumericalMeasureField": {"FieldId": field_id, "Column": item.identifier()}}
    if item.kind == "number":
        return {
            "NumericalMeasureField": {
                "FieldId": field_id,
                "Column": item.identifier(),
                "AggregationFunction": {"SimpleNumericalAggregation": item.aggregation},
            }
        }
    return {
        "CategoricalMeasureField": {
            "FieldId": field_id,
            "Column": item.identifier(),
            "AggregationFunction": item.aggregation,
        }
    }


def _dimensions(visual_id: str, role: str, items: list[Field]) -> list[JSON]:
    return [dimension(visual_id, role, i, item) for i, item in enumerate(items)]


def _measures(visual_id: str, role: str, items: list[Field]) -> list[JSON]:
    return [measure(visual_id, role, i, item) for i, item in enumerate(items)]


def kpi(visual_id: str, title: str, subtitle: str, value: Field) -> Visual:
    return Visual(
        visual_id,
        "KPIVisual",
        title,
        subtitle,
        {"FieldWells": {"Values": _measures(visual_id, "value", [value])}},
        size="kpi",
    )


def line(
    visual_id: str,
    title: str,
    subtitle: str,
    x: Field,
    values: list[Field],
    color: Field | None = None,
    size: str = "half",
) -> Visual:
    wells: JSON = {
        "Category": _dimensions(visual_id, "x", [x]),
        "Values": _measures(visual_id, "value", values),
    }
    if color is not None:
        wells["Colors"] = _dimensions(visual_id, "color", [color])
    return Visual(
        visual_id,
        "LineChartVisual",
        title,
        subtitle,
        {"FieldWells": {"LineChartAggregatedFieldWells": wells}, "Type": "LINE"},
        size=size,
    )


def bar(
    visual_id: str,
    title: str,
    subtitle: str,
    category_field: Field,
    values: list[Field],
    color: Field | None = None,
    *,
    horizontal: bool = True,
    arrangement: str = "STACKED",
    size: str = "half",
) -> Visual:
    wells: JSON = {
        "Category": _dimensions(visual_id, "category", [category_field]),
        "Values": _measures(visual_id, "value", values),
    }
    if color is not None:
        wells["Colors"] = _dimensions(visual_id, "color", [color])
    first_value = _field_id(visual_id, "value", 0, values[0])
    return Visual(
        visual_id,
        "BarChartVisual",
        title,
        subtitle,
        {
            "FieldWells": {"BarChartAggregatedFieldWells": wells},
            "Orientation": "HORIZONTAL" if horizontal else "VERTICAL",
            "BarsArrangement": arrangement,
            "SortConfiguration": {
                "CategorySort": [{"FieldSort": {"FieldId": first_value, "Direction": "DESC"}}]
            }
            if horizontal
            else {},
        },
        size=size,
    )


def pie(visual_id: str, title: str, subtitle: str, category_field: Field, value: Field) -> Visual:
    wells = {
        "Category": _dimensions(visual_id, "category", [category_field]),
        "Values": _measures(visual_id, "value", [value]),
    }
    return Visual(
        visual_id,
        "PieChartVisual",
        title,
        subtitle,
        {
            "FieldWells": {"PieChartAggregatedFieldWells": wells},
            "DonutOptions": {"ArcOptions": {"ArcThickness": "MEDIUM"}},
        },
    )


def table(
    visual_id: str,
    title: str,
    subtitle: str,
    columns: list[Field],
    sort: tuple[str, str] | None = None,
    size: str = "full",
) -> Visual:
    """A row-per-item table; ``sort`` is (column, ASC|DESC)."""
    values = [
        {"FieldId": _field_id(visual_id, "column", i, c), "Column": c.identifier()}
        for i, c in enumerate(columns)
    ]
    configuration: JSON = {"FieldWells": {"TableUnaggregatedFieldWells": {"Values": values}}}
    if sort is not None:
        column, direction = sort
        index = next(i for i, c in enumerate(columns) if c.column == column)
        configuration["SortConfiguration"] = {
            "RowSort": [
                {
                    "FieldSort": {
                        "FieldId": _field_id(visual_id, "column", index, columns[index]),
                        "Direction": direction,
                    }
                }
            ]
        }
    return Visual(visual_id, "TableVisual", title, subtitle, configuration, size=size)


def pivot(
    visual_id: str,
    title: str,
    subtitle: str,
    rows: list[Field],
    columns: list[Field],
    values: list[Field],
    size: str = "full",
) -> Visual:
    wells = {
        "Rows": _dimensions(visual_id, "row", rows),
        "Columns": _dimensions(visual_id, "column", columns),
        "Values": _measures(visual_id, "value", values),
    }
    return Visual(
        visual_id,
        "PivotTableVisual",
        title,
        subtitle,
        {
            "FieldWells": {"PivotTableAggregatedFieldWells": wells},
            "TotalOptions": {
                "RowTotalOptions": {"TotalsVisibility": "VISIBLE"},
                "ColumnTotalOptions": {"TotalsVisibility": "VISIBLE"},
            },
        },
        size=size,
    )
