"""What modules/dashboards sends, checked offline (issue 11 item 1).

One plan of ``tests/terraform/dashboards_template`` (the module with its generated
``datasets.json`` and ``dashboard-definition.json``) on the mocked provider, read from
``terraform test -json -verbose``: offline, a few seconds. Then:

- the CloudFormation template the stack receives (uploaded through S3: the generated dashboard
  is over CloudFormation's 51,200-byte inline limit) passes cfn-lint, whose schema for
  ``AWS::QuickSight::Dashboard`` covers the whole Definition; a broken copy does not;
- its Definition is the module's file with the data set declarations replaced, one per data set;
- the dashboard's properties, and the request each planned QuickSight resource becomes (data
  sets, their refresh properties, data source, VPC connection, refresh schedules), pass
  botocore's own parameter validation against the real ``quicksight`` service model (types,
  required members, minimum lengths and sizes; botocore does not check enumerations or maximum
  lengths, cfn-lint does for the dashboard); a missing member is caught;
- parliament finds nothing in the two identity policies;
- the module sends what ``make dashboards`` writes (src/dashboards/requests.py): same data set
  ids, names, import modes and SQL tables, same incremental refresh windows and refresh
  schedules (PutDataSetRefreshProperties, CreateRefreshSchedule), same dashboard id, name,
  options and Definition.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from support.terraform_cli import plan_of_test_run

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "tests" / "terraform" / "dashboards_template"
MODULE = ROOT / "modules" / "dashboards"
CFN_LINT = ROOT / ".venv-cfnlint" / "bin" / "cfn-lint"
ACCOUNT = "111111111111"  # the mocked account
DATASET_ARN = f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:dataset/obs-mocked"  # render.tftest.hcl
DATA_SOURCE_ARN = f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:datasource/obs-aurora"  # unknown at plan
PREFIX = "module.dashboards."

pytestmark = pytest.mark.terraform

if shutil.which("terraform") is None:  # pragma: no cover - CI and the README require it
    pytest.skip("terraform is not installed (see README prerequisites)", allow_module_level=True)


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Planned values by address (without the module prefix)."""
    plan = plan_of_test_run(DIRECTORY, tmp_path_factory.mktemp("dashboards") / ".terraform")
    return {
        rc["address"].removeprefix(PREFIX): rc["change"]["after"] for rc in plan["resource_changes"]
    }


@pytest.fixture(scope="module")
def template(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return json.loads(resources["aws_s3_object.dashboard_template[0]"]["content"])


@pytest.fixture(scope="module")
def quicksight() -> Any:
    return botocore.session.get_session().get_service_model("quicksight")


def validation_errors(model: Any, operation: str, body: dict[str, Any]) -> str:
    report = ParamValidator().validate(body, model.operation_model(operation).input_shape)
    return report.generate_report() if report.has_errors() else ""


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint from its own virtualenv (the Makefile's recipe builds it when missing)."""
    built = subprocess.run(
        ["make", "-s", ".venv-cfnlint/.installed"], cwd=ROOT, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", "--", str(path)], capture_output=True, text=True
    )


def by_kind(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {
        a: v for a, v in resources.items() if a.startswith(kind + ".") or a.startswith(kind + "[")
    }


# --------------------------------------------------------------------------- the template


def test_the_template_passes_cfn_lint(template, tmp_path):
    path = tmp_path / "dashboard.json"
    path.write_text(json.dumps(template))
    assert path.stat().st_size > 51_200, "the generated dashboard no longer needs S3: test inline"
    linted = cfn_lint(path)
    assert linted.returncode & 2 == 0, linted.stdout + linted.stderr  # bit 2: errors


def test_cfn_lint_finds_an_error_in_a_broken_dashboard(template, tmp_path):
    broken = json.loads(json.dumps(template))
    properties = broken["Resources"]["Dashboard"]["Properties"]
    properties["DashboardPublishOptions"]["AdHocFilteringOption"]["AvailabilityStatus"] = (
        "SOMETIMES"
    )
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    linted = cfn_lint(path)
    assert linted.returncode & 2, linted.stdout
    assert ":E" in linted.stdout and "SOMETIMES" in linted.stdout


def test_the_definition_is_the_file_with_the_real_data_sets(template):
    definition = template["Resources"]["Dashboard"]["Properties"]["Definition"]
    expected = json.loads((MODULE / "dashboard-definition.json").read_text())
    keys = [d["key"] for d in json.loads((MODULE / "datasets.json").read_text())["datasets"]]
    assert definition["DataSetIdentifierDeclarations"] == [
        {"Identifier": key, "DataSetArn": DATASET_ARN} for key in keys
    ]
    assert {k: v for k, v in definition.items() if k != "DataSetIdentifierDeclarations"} == {
        k: v for k, v in expected.items() if k != "DataSetIdentifierDeclarations"
    }
    assert list(template["Resources"]) == ["Dashboard"]


def test_the_dashboard_passes_botocore_validation(template, quicksight):
    properties = template["Resources"]["Dashboard"]["Properties"]
    assert properties["DashboardPublishOptions"]["ExportToCSVOption"] == {
        "AvailabilityStatus": "ENABLED"
    }
    assert validation_errors(quicksight, "CreateDashboard", properties) == ""


# --------------------------------------------------------------------------- the other requests


def dataset_body(planned: dict[str, Any]) -> dict[str, Any]:
    """The CreateDataSet request a planned aws_quicksight_data_set becomes."""
    physical = planned["physical_table_map"][0]
    sql = physical["custom_sql"][0]
    logical = planned["logical_table_map"][0]
    return {
        "AwsAccountId": ACCOUNT,
        "DataSetId": planned["data_set_id"],
        "Name": planned["name"],
        "ImportMode": planned["import_mode"],
        "PhysicalTableMap": {
            physical["physical_table_map_id"]: {
                "CustomSql": {
                    "DataSourceArn": DATA_SOURCE_ARN,
                    "Name": sql["name"],
                    "SqlQuery": sql["sql_query"],
                    "Columns": [{"Name": c["name"], "Type": c["type"]} for c in sql["columns"]],
                }
            }
        },
        "LogicalTableMap": {
            logical["logical_table_map_id"]: {
                "Alias": logical["alias"],
                "Source": {"PhysicalTableId": logical["source"][0]["physical_table_id"]},
            }
        },
        "Permissions": [
            {"Principal": p["principal"], "Actions": sorted(p["actions"])}
            for p in planned["permissions"]
        ],
        "Tags": [{"Key": k, "Value": v} for k, v in planned["tags"].items()],
    }


def test_every_data_set_request_passes_botocore_validation(resources, quicksight):
    datasets = by_kind(resources, "aws_quicksight_data_set")
    assert len(datasets) == len(json.loads((MODULE / "datasets.json").read_text())["datasets"])
    errors = {
        address: validation_errors(quicksight, "CreateDataSet", dataset_body(planned))
        for address, planned in datasets.items()
    }
    assert {a: e for a, e in errors.items() if e} == {}


def test_botocore_validation_catches_a_bad_data_set(resources, quicksight):
    planned = next(iter(by_kind(resources, "aws_quicksight_data_set").values()))
    body = dataset_body(planned)
    custom_sql = next(iter(body["PhysicalTableMap"].values()))["CustomSql"]
    del custom_sql["SqlQuery"]
    assert '"SqlQuery"' in validation_errors(quicksight, "CreateDataSet", body)


def test_the_data_source_vpc_connection_and_schedules_pass_botocore_validation(
    resources, quicksight
):
    source = resources["aws_quicksight_data_source.this"]
    aurora = source["parameters"][0]["aurora_postgresql"][0]
    data_source = {
        "AwsAccountId": ACCOUNT,
        "DataSourceId": source["data_source_id"],
        "Name": source["name"],
        "Type": source["type"],
        "DataSourceParameters": {
            "AuroraPostgreSqlParameters": {
                "Host": aurora["host"],
                "Port": aurora["port"],
                "Database": aurora["database"],
            }
        },
        "Credentials": {"SecretArn": source["credentials"][0]["secret_arn"]},
        "Permissions": [
            {"Principal": p["principal"], "Actions": sorted(p["actions"])}
            for p in source["permission"]
        ],
        "VpcConnectionProperties": {
            "VpcConnectionArn": f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:vpcConnection/obs-aurora"
        },
        "SslProperties": {"DisableSsl": source["ssl_properties"][0]["disable_ssl"]},
        "Tags": [{"Key": k, "Value": v} for k, v in source["tags"].items()],
    }
    assert validation_errors(quicksight, "CreateDataSource", data_source) == ""
    assert data_source["Credentials"]["SecretArn"].endswith("/database/reader-AbCdEf")

    connection = resources["aws_quicksight_vpc_connection.this"]
    vpc_connection = {
        "AwsAccountId": ACCOUNT,
        "VPCConnectionId": connection["vpc_connection_id"],
        "Name": connection["name"],
        "SubnetIds": sorted(connection["subnet_ids"]),
        "SecurityGroupIds": ["sg-0123456789abcdef0"],  # the module's own: unknown at plan time
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/obs-quicksight-vpc",
        "Tags": [{"Key": k, "Value": v} for k, v in connection["tags"].items()],
    }
    assert validation_errors(quicksight, "CreateVPCConnection", vpc_connection) == ""

    schedules = by_kind(resources, "aws_quicksight_refresh_schedule")
    assert {planned["schedule"][0]["refresh_type"] for planned in schedules.values()} == {
        "FULL_REFRESH",
        "INCREMENTAL_REFRESH",
    }
    for planned in schedules.values():
        assert validation_errors(quicksight, "CreateRefreshSchedule", schedule_body(planned)) == ""

    refreshed = [
        p
        for p in by_kind(resources, "aws_quicksight_data_set").values()
        if p.get("refresh_properties")
    ]
    assert refreshed
    for planned in refreshed:
        body = refresh_properties_body(planned)
        assert validation_errors(quicksight, "PutDataSetRefreshProperties", body) == ""


def schedule_body(planned: dict[str, Any]) -> dict[str, Any]:
    """The CreateRefreshSchedule request a planned aws_quicksight_refresh_schedule becomes."""
    frequency = planned["schedule"][0]["schedule_frequency"][0]
    body_frequency: dict[str, Any] = {
        "Interval": frequency["interval"],
        "TimeOfTheDay": frequency["time_of_the_day"],
        "Timezone": frequency["timezone"],
    }
    for day in frequency.get("refresh_on_day") or []:
        body_frequency["RefreshOnDay"] = {
            k: v
            for k, v in (("DayOfWeek", day["day_of_week"]), ("DayOfMonth", day["day_of_month"]))
            if v
        }
    return {
        "AwsAccountId": ACCOUNT,
        "DataSetId": planned["data_set_id"],
        "Schedule": {
            "ScheduleId": planned["schedule_id"],
            "ScheduleFrequency": body_frequency,
            "RefreshType": planned["schedule"][0]["refresh_type"],
        },
    }


def refresh_properties_body(planned: dict[str, Any]) -> dict[str, Any]:
    """The PutDataSetRefreshProperties request a planned data set's refresh_properties become."""
    (properties,) = planned["refresh_properties"]
    window = properties["refresh_configuration"][0]["incremental_refresh"][0]["lookback_window"][0]
    return {
        "AwsAccountId": ACCOUNT,
        "DataSetId": planned["data_set_id"],
        "DataSetRefreshProperties": {
            "RefreshConfiguration": {
                "IncrementalRefresh": {
                    "LookbackWindow": {
                        "ColumnName": window["column_name"],
                        "Size": window["size"],
                        "SizeUnit": window["size_unit"],
                    }
                }
            }
        },
    }


def test_botocore_validation_catches_a_bad_refresh(resources, quicksight):
    planned = next(
        p
        for p in by_kind(resources, "aws_quicksight_data_set").values()
        if p.get("refresh_properties")
    )
    body = refresh_properties_body(planned)
    del body["DataSetRefreshProperties"]["RefreshConfiguration"]["IncrementalRefresh"][
        "LookbackWindow"
    ]["ColumnName"]
    assert '"ColumnName"' in validation_errors(quicksight, "PutDataSetRefreshProperties", body)
    schedule = schedule_body(
        next(iter(by_kind(resources, "aws_quicksight_refresh_schedule").values()))
    )
    del schedule["Schedule"]["RefreshType"]
    assert '"RefreshType"' in validation_errors(quicksight, "CreateRefreshSchedule", schedule)


# --------------------------------------------------------------------------- identity policies


def test_parliament_finds_nothing_in_the_identity_policies(resources):
    """The VPC connection role's and the grant on QuickSight's Secrets Manager role: only the
    two EC2 Describe calls, which take no resource, are on "*"."""
    from parliament import analyze_policy_string

    policies = {
        a: v["policy"] for a, v in resources.items() if a.startswith("aws_iam_role_policy.")
    }
    assert set(policies) == {
        "aws_iam_role_policy.vpc_connection[0]",
        "aws_iam_role_policy.quicksight_secrets[0]",
    }
    for address, policy in policies.items():
        for finding in analyze_policy_string(policy).findings:
            assert finding.issue == "RESOURCE_STAR", f"{address}: {finding.issue} {finding.detail}"
            assert set(finding.detail) <= {"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets"}


# ------------------------------------------------------------------ against make dashboards


def test_the_module_sends_what_make_dashboards_writes(resources, template):
    """`make dashboards` writes the requests "the module sends" (src/dashboards/requests.py): the
    data sets' ids, names, import modes and SQL tables, and the dashboard's id, name, publish
    options and Definition, and every principal's actions on each, are the same."""
    from dashboards.datasets import DATASETS
    from dashboards.requests import (
        Target,
        dashboard_request,
        dataset_request,
        refresh_properties_request,
        refresh_schedule_requests,
    )

    target = Target(
        account_id=ACCOUNT,
        region="eu-west-1",
        name="obs",
        data_source_arn=DATA_SOURCE_ARN,
        principals=(
            (f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:group/default/observability-owners", "owner"),
            (
                f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:group/default/observability-readers",
                "reader",
            ),
        ),
    )
    planned = {
        v["data_set_id"]: dataset_body(v)
        for v in by_kind(resources, "aws_quicksight_data_set").values()
    }
    for dataset in DATASETS:
        expected = dataset_request(dataset, target)
        body = planned[expected["DataSetId"]]
        for member in ("AwsAccountId", "DataSetId", "Name", "ImportMode", "PhysicalTableMap"):
            assert body[member] == expected[member], (expected["DataSetId"], member)
        assert by_principal(body["Permissions"]) == by_principal(expected["Permissions"])

    # The refresh: each data set's incremental lookback window (or none) and its schedules.
    planned_properties = {
        v["data_set_id"]: refresh_properties_body(v)
        for v in by_kind(resources, "aws_quicksight_data_set").values()
        if v.get("refresh_properties")
    }
    expected_properties = {
        body["DataSetId"]: body
        for body in (refresh_properties_request(d, target) for d in DATASETS)
        if body is not None
    }
    assert planned_properties == expected_properties
    assert len(expected_properties) >= 5  # every history data set
    planned_schedules = sorted(
        (schedule_body(v) for v in by_kind(resources, "aws_quicksight_refresh_schedule").values()),
        key=lambda b: b["Schedule"]["ScheduleId"],
    )
    expected_schedules = sorted(
        (body for d in DATASETS for body in refresh_schedule_requests(d, target)),
        key=lambda b: b["Schedule"]["ScheduleId"],
    )
    assert planned_schedules == expected_schedules

    expected = dashboard_request(target)
    properties = template["Resources"]["Dashboard"]["Properties"]
    for member in ("AwsAccountId", "DashboardId", "Name", "DashboardPublishOptions"):
        assert properties[member] == expected[member], member
    assert by_principal(properties["Permissions"]) == by_principal(expected["Permissions"])
    declarations = "DataSetIdentifierDeclarations"
    assert {k: v for k, v in properties["Definition"].items() if k != declarations} == {
        k: v for k, v in expected["Definition"].items() if k != declarations
    }
    assert [d["Identifier"] for d in properties["Definition"][declarations]] == [
        d["Identifier"] for d in expected["Definition"][declarations]
    ]


def by_principal(permissions: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {p["Principal"]: sorted(p["Actions"]) for p in permissions}
