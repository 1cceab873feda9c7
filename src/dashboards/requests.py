"""The request bodies: one ``CreateDataSet`` per dataset and the ``CreateDashboard``.

They are what ``modules/dashboards`` sends (the data sets through ``aws_quicksight_data_set``,
the dashboard through a CloudFormation ``AWS::QuickSight::Dashboard``), written with the
account, region, name, data source and principals given, so everything can be checked offline
with botocore's own parameter validation against the real ``quicksight`` service model. The
module's two inputs, ``datasets.json`` and ``dashboard-definition.json``, come from the same
functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboards.datasets import DATASETS, Dataset
from dashboards.definition import build_definition, dataset_id

JSON = dict[str, Any]

# Documented QuickSight permission actions (the console's "viewer" and "owner" sets).
DASHBOARD_READER_ACTIONS = (
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
)
DASHBOARD_OWNER_ACTIONS = (
    *DASHBOARD_READER_ACTIONS,
    "quicksight:UpdateDashboard",
    "quicksight:DeleteDashboard",
    "quicksight:DescribeDashboardPermissions",
    "quicksight:UpdateDashboardPermissions",
    "quicksight:UpdateDashboardPublishedVersion",
)
DATASET_READER_ACTIONS = (
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
)
DATASET_OWNER_ACTIONS = (
    *DATASET_READER_ACTIONS,
    "quicksight:UpdateDataSet",
    "quicksight:DeleteDataSet",
    "quicksight:CreateIngestion",
    "quicksight:CancelIngestion",
    "quicksight:UpdateDataSetPermissions",
)


@dataclass(frozen=True)
class Target:
    """Where the requests go; the defaults are placeholders for offline checks."""

    account_id: str = "111122223333"
    region: str = "eu-west-1"
    name: str = "observability"
    data_source_arn: str = ""
    readers: tuple[str, ...] = field(default_factory=tuple)
    owners: tuple[str, ...] = field(default_factory=tuple)
    tags: tuple[tuple[str, str], ...] = (("Project", "aws-observability"),)

    def arn(self, resource: str) -> str:
        return f"arn:aws:quicksight:{self.region}:{self.account_id}:{resource}"

    @property
    def source_arn(self) -> str:
        return self.data_source_arn or self.arn(f"datasource/{self.name}-aurora")

    @property
    def principals(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        owners = self.owners or (self.arn("group/default/observability-owners"),)
        return self.readers, owners


def _permissions(
    target: Target, reader_actions: tuple[str, ...], owner_actions: tuple[str, ...]
) -> list[JSON]:
    readers, owners = target.principals
    return [{"Principal": p, "Actions": list(owner_actions)} for p in owners] + [
        {"Principal": p, "Actions": list(reader_actions)} for p in readers if p not in owners
    ]


def _tags(target: Target) -> list[JSON]:
    return [{"Key": k, "Value": v} for k, v in target.tags]


def dataset_request(dataset: Dataset, target: Target) -> JSON:
    physical_id = dataset.key.replace("_", "-")
    return {
        "AwsAccountId": target.account_id,
        "DataSetId": dataset_id(target.name, dataset.key),
        "Name": f"{target.name}: {dataset.name}",
        "ImportMode": dataset.import_mode,
        "PhysicalTableMap": {
            physical_id: {
                "CustomSql": {
                    "DataSourceArn": target.source_arn,
                    "Name": dataset.key,
                    "SqlQuery": dataset.sql,
                    "Columns": [{"Name": c.name, "Type": c.type} for c in dataset.columns],
                }
            }
        },
        "Permissions": _permissions(target, DATASET_READER_ACTIONS, DATASET_OWNER_ACTIONS),
        "Tags": _tags(target),
    }


def definition(target: Target) -> JSON:
    """The dashboard's Definition with the target's dataset ARNs."""
    body = build_definition(target.name)
    for declaration in body["DataSetIdentifierDeclarations"]:
        declaration["DataSetArn"] = target.arn(
            f"dataset/{dataset_id(target.name, declaration['Identifier'])}"
        )
    return body


def dashboard_request(target: Target) -> JSON:
    return {
        "AwsAccountId": target.account_id,
        "DashboardId": target.name,
        "Name": "AWS observability",
        "Definition": definition(target),
        "Permissions": _permissions(target, DASHBOARD_READER_ACTIONS, DASHBOARD_OWNER_ACTIONS),
        "DashboardPublishOptions": {
            "AdHocFilteringOption": {"AvailabilityStatus": "ENABLED"},
            "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
            "SheetControlsOption": {"VisibilityState": "EXPANDED"},
        },
        "Tags": _tags(target),
    }


def module_datasets() -> JSON:
    """``modules/dashboards/datasets.json``: what the module needs to create each data set."""
    return {
        "datasets": [
            {
                "key": d.key,
                "name": d.name,
                "import_mode": d.import_mode,
                "sql": d.sql,
                "columns": [{"name": c.name, "type": c.type} for c in d.columns],
            }
            for d in DATASETS
        ]
    }


def module_definition() -> JSON:
    """``modules/dashboards/dashboard-definition.json`` (the module replaces its ARNs)."""
    return build_definition()
