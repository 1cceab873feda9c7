"""The request bodies: one ``CreateDataSet`` per dataset, the refresh configuration of each
(``PutDataSetRefreshProperties`` for history datasets, ``CreateRefreshSchedule``; see
``dashboards.refresh``) and the ``CreateDashboard``.

They are what ``modules/dashboards`` sends (the data sets, with their ``refresh_properties``,
through ``aws_quicksight_data_set``, the schedules through ``aws_quicksight_refresh_schedule``,
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
from dashboards.refresh import Schedule, lookback

JSON = dict[str, Any]

# QuickSight's documented permission actions per resource type and access level, the same lists
# modules/dashboards grants (main.tf, local.actions): a reader sees the dashboard only, an author
# also uses the data sets and the data source in analyses of their own, an owner manages all.
ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "data_source": {
        "owner": (
            "quicksight:DeleteDataSource",
            "quicksight:DescribeDataSource",
            "quicksight:DescribeDataSourcePermissions",
            "quicksight:PassDataSource",
            "quicksight:UpdateDataSource",
            "quicksight:UpdateDataSourcePermissions",
        ),
        "author": (
            "quicksight:DescribeDataSource",
            "quicksight:DescribeDataSourcePermissions",
            "quicksight:PassDataSource",
        ),
    },
    "data_set": {
        "owner": (
            "quicksight:CancelIngestion",
            "quicksight:CreateIngestion",
            "quicksight:CreateRefreshSchedule",
            "quicksight:DeleteDataSet",
            "quicksight:DeleteDataSetRefreshProperties",
            "quicksight:DeleteRefreshSchedule",
            "quicksight:DescribeDataSet",
            "quicksight:DescribeDataSetPermissions",
            "quicksight:DescribeDataSetRefreshProperties",
            "quicksight:DescribeIngestion",
            "quicksight:DescribeRefreshSchedule",
            "quicksight:ListIngestions",
            "quicksight:ListRefreshSchedules",
            "quicksight:PassDataSet",
            "quicksight:PutDataSetRefreshProperties",
            "quicksight:UpdateDataSet",
            "quicksight:UpdateDataSetPermissions",
            "quicksight:UpdateRefreshSchedule",
        ),
        "author": (
            "quicksight:DescribeDataSet",
            "quicksight:DescribeDataSetPermissions",
            "quicksight:DescribeIngestion",
            "quicksight:ListIngestions",
            "quicksight:PassDataSet",
        ),
    },
    "dashboard": {
        "owner": (
            "quicksight:DeleteDashboard",
            "quicksight:DescribeDashboard",
            "quicksight:DescribeDashboardPermissions",
            "quicksight:ListDashboardVersions",
            "quicksight:QueryDashboard",
            "quicksight:UpdateDashboard",
            "quicksight:UpdateDashboardPermissions",
            "quicksight:UpdateDashboardPublishedVersion",
        ),
        "author": (
            "quicksight:DescribeDashboard",
            "quicksight:ListDashboardVersions",
            "quicksight:QueryDashboard",
        ),
        "reader": (
            "quicksight:DescribeDashboard",
            "quicksight:ListDashboardVersions",
            "quicksight:QueryDashboard",
        ),
    },
}
ACCESS_LEVELS = ("reader", "author", "owner")


@dataclass(frozen=True)
class Target:
    """Where the requests go; the defaults are placeholders for offline checks.

    ``principals`` are (QuickSight user or group ARN, access) pairs, access being reader, author
    or owner as in the module's ``principals`` input; without any, a placeholder owner group.
    """

    account_id: str = "111122223333"
    region: str = "eu-west-1"
    name: str = "observability"
    data_source_arn: str = ""
    principals: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    tags: tuple[tuple[str, str], ...] = (("Project", "aws-observability"),)

    def __post_init__(self) -> None:
        for arn, access in self.principals:
            if access not in ACCESS_LEVELS:
                raise ValueError(f"{arn}: access must be one of {ACCESS_LEVELS}, not {access!r}")

    def arn(self, resource: str) -> str:
        return f"arn:aws:quicksight:{self.region}:{self.account_id}:{resource}"

    @property
    def source_arn(self) -> str:
        return self.data_source_arn or self.arn(f"datasource/{self.name}-aurora")

    def permissions(self, kind: str) -> list[JSON]:
        """The Permissions of a resource of ``kind`` (data_source, data_set or dashboard)."""
        principals = self.principals or ((self.arn("group/default/observability-owners"), "owner"),)
        by_access = ACTIONS[kind]
        return [
            {"Principal": arn, "Actions": sorted(by_access[access])}
            for arn, access in principals
            if access in by_access
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
        "Permissions": target.permissions("data_set"),
        "Tags": _tags(target),
    }


def refresh_properties_request(dataset: Dataset, target: Target) -> JSON | None:
    """``PutDataSetRefreshProperties`` of a history dataset (its incremental refresh's lookback
    window); None for a dataset refreshed in full."""
    window = lookback(dataset)
    if window is None:
        return None
    return {
        "AwsAccountId": target.account_id,
        "DataSetId": dataset_id(target.name, dataset.key),
        "DataSetRefreshProperties": {
            "RefreshConfiguration": {
                "IncrementalRefresh": {
                    "LookbackWindow": {
                        "ColumnName": window.column,
                        "Size": window.size,
                        "SizeUnit": window.unit,
                    }
                }
            }
        },
    }


def refresh_schedule_requests(
    dataset: Dataset, target: Target, schedule: Schedule | None = None
) -> list[JSON]:
    """``CreateRefreshSchedule`` bodies of a SPICE dataset: ``<id>-daily`` (incremental for a
    history dataset, full otherwise) and, for history, ``<id>-weekly-full``; none for
    DIRECT_QUERY. ``schedule``: the times (default: the module's defaults)."""
    if dataset.import_mode != "SPICE":
        return []
    schedule = schedule or Schedule()
    data_set_id = dataset_id(target.name, dataset.key)
    incremental = lookback(dataset) is not None
    daily = {
        "ScheduleId": f"{data_set_id}-daily",
        "ScheduleFrequency": {
            "Interval": "DAILY",
            "TimeOfTheDay": schedule.time_of_day,
            "Timezone": schedule.timezone,
        },
        "RefreshType": "INCREMENTAL_REFRESH" if incremental else "FULL_REFRESH",
    }
    schedules = [daily]
    if incremental:
        schedules.append(
            {
                "ScheduleId": f"{data_set_id}-weekly-full",
                "ScheduleFrequency": {
                    "Interval": "WEEKLY",
                    "RefreshOnDay": {"DayOfWeek": schedule.full_refresh_day},
                    "TimeOfTheDay": schedule.full_refresh_time_of_day,
                    "Timezone": schedule.timezone,
                },
                "RefreshType": "FULL_REFRESH",
            }
        )
    return [
        {"AwsAccountId": target.account_id, "DataSetId": data_set_id, "Schedule": s}
        for s in schedules
    ]


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
        "Permissions": target.permissions("dashboard"),
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
                "refresh": _module_refresh(d),
            }
            for d in DATASETS
        ]
    }


def _module_refresh(dataset: Dataset) -> JSON | None:
    """The incremental refresh's lookback window, None for a dataset refreshed in full."""
    window = lookback(dataset)
    return None if window is None else window.as_json()


def module_definition() -> JSON:
    """``modules/dashboards/dashboard-definition.json`` (the module replaces its ARNs)."""
    return build_definition()
