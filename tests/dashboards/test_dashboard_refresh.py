"""How the SPICE datasets are refreshed (dashboards.refresh), offline.

Every history dataset (a ``day`` that grows with the history) is refreshed incrementally with a
lookback window on ``day`` and fully once a week; every current-state dataset fully every day.
The ``PutDataSetRefreshProperties`` and ``CreateRefreshSchedule`` bodies `make dashboards`
writes pass botocore's parameter validation against the real ``quicksight`` model, and its
enumerations (which botocore leaves to the service); the module's ``datasets.json`` carries the
same windows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, Shape, StructureShape
from botocore.validate import ParamValidator

from dashboards import command
from dashboards.datasets import DATASETS, Dataset
from dashboards.refresh import LOOKBACK_DAYS, Lookback, Schedule, is_history, lookback
from dashboards.requests import (
    Target,
    module_datasets,
    refresh_properties_request,
    refresh_schedule_requests,
)

MODEL = botocore.session.get_session().get_service_model("quicksight")
HISTORY = [d for d in DATASETS if is_history(d)]
CURRENT = [d for d in DATASETS if not is_history(d)]


def enum_errors(value: Any, shape: Shape, path: str = "") -> list[str]:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return [
            e
            for k, v in value.items()
            if k in shape.members
            for e in enum_errors(v, shape.members[k], f"{path}.{k}")
        ]
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [
            e for i, v in enumerate(value) for e in enum_errors(v, shape.member, f"{path}[{i}]")
        ]
    if getattr(shape, "enum", None) and value not in shape.enum:
        return [f"{path}: {value!r} is not one of {shape.enum}"]
    return []


def errors(operation: str, body: dict[str, Any]) -> list[str]:
    shape = MODEL.operation_model(operation).input_shape
    report = ParamValidator().validate(body, shape)
    found = [report.generate_report()] if report.has_errors() else []
    return found + enum_errors(body, shape)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dashboards")
    module = tmp_path_factory.mktemp("module")
    assert command.main(["--out", str(out), "--module", str(module)]) == 0
    return out


def test_history_and_current_state_are_told_apart():
    assert {d.key for d in HISTORY} == {
        "cost_daily",
        "cost_forecast",
        "commitments",
        "compliance_daily",
        "findings_daily",
        "collection_daily",
        "collector_issues",
        "ingestion_daily",
    }
    assert set(LOOKBACK_DAYS) == {d.key for d in HISTORY}


@pytest.mark.parametrize("dataset", HISTORY, ids=lambda d: d.key)
def test_every_history_dataset_has_a_lookback_on_its_day(dataset: Dataset):
    window = lookback(dataset)
    assert window is not None
    assert window.column == "day" and dataset.column("day").type == "DATETIME"
    assert window.unit == "DAY" and 3 <= window.size <= 42


def test_cost_windows_reach_back_to_the_previous_months_first_day_on_the_tenth():
    # On the 10th the sender still re-collects the previous month, from its 1st (<= 40 days back).
    from sender.collectors._costexplorer import PREVIOUS_MONTH_OPEN_DAYS

    oldest = 31 + PREVIOUS_MONTH_OPEN_DAYS - 1
    for key in ("cost_daily", "cost_forecast", "commitments"):
        window = lookback(next(d for d in DATASETS if d.key == key))
        assert window is not None and window.days >= oldest + 1, key


@pytest.mark.parametrize("dataset", CURRENT, ids=lambda d: d.key)
def test_current_state_datasets_are_refreshed_in_full(dataset: Dataset):
    assert lookback(dataset) is None
    assert refresh_properties_request(dataset, Target()) is None
    (daily,) = refresh_schedule_requests(dataset, Target())
    assert daily["Schedule"]["RefreshType"] == "FULL_REFRESH"
    assert daily["Schedule"]["ScheduleFrequency"]["Interval"] == "DAILY"


@pytest.mark.parametrize("dataset", HISTORY, ids=lambda d: d.key)
def test_history_is_incremental_daily_and_full_weekly(written: Path, dataset: Dataset):
    target = Target()
    properties = json.loads((written / "refresh" / f"{dataset.key}.properties.json").read_text())
    assert properties == refresh_properties_request(dataset, target)
    assert errors("PutDataSetRefreshProperties", properties) == []
    window = properties["DataSetRefreshProperties"]["RefreshConfiguration"]["IncrementalRefresh"]
    assert window["LookbackWindow"] == {
        "ColumnName": "day",
        "Size": LOOKBACK_DAYS[dataset.key],
        "SizeUnit": "DAY",
    }
    daily, weekly = refresh_schedule_requests(dataset, target)
    for body in (daily, weekly):
        assert errors("CreateRefreshSchedule", body) == []
        assert body["DataSetId"] == properties["DataSetId"]
        written_body = written / "refresh" / f"{body['Schedule']['ScheduleId']}.json"
        assert json.loads(written_body.read_text()) == body
    assert daily["Schedule"]["RefreshType"] == "INCREMENTAL_REFRESH"
    assert daily["Schedule"]["ScheduleFrequency"] == {
        "Interval": "DAILY",
        "TimeOfTheDay": "07:00",
        "Timezone": "UTC",
    }
    assert weekly["Schedule"]["RefreshType"] == "FULL_REFRESH"
    assert weekly["Schedule"]["ScheduleFrequency"] == {
        "Interval": "WEEKLY",
        "RefreshOnDay": {"DayOfWeek": "SUNDAY"},
        "TimeOfTheDay": "06:00",
        "Timezone": "UTC",
    }


def test_every_written_schedule_is_valid(written: Path):
    bodies = [json.loads(p.read_text()) for p in (written / "refresh").glob("*-daily.json")]
    assert len(bodies) == len([d for d in DATASETS if d.import_mode == "SPICE"])
    for body in bodies:
        assert errors("CreateRefreshSchedule", body) == []


def test_a_broken_refresh_request_fails_validation():
    body = refresh_properties_request(HISTORY[0], Target())
    assert body is not None
    window = body["DataSetRefreshProperties"]["RefreshConfiguration"]["IncrementalRefresh"]
    window["LookbackWindow"]["SizeUnit"] = "MONTH"
    assert any("'MONTH' is not one of" in e for e in errors("PutDataSetRefreshProperties", body))
    schedule = refresh_schedule_requests(HISTORY[0], Target(), Schedule(full_refresh_day="MONDAY"))
    schedule[1]["Schedule"]["RefreshType"] = "SOMETIMES"
    assert schedule[1]["Schedule"]["ScheduleFrequency"]["RefreshOnDay"] == {"DayOfWeek": "MONDAY"}
    assert any(
        "'SOMETIMES' is not one of" in e for e in errors("CreateRefreshSchedule", schedule[1])
    )
    with pytest.raises(ValueError):
        Lookback("day", 0)
    with pytest.raises(ValueError):
        Schedule(full_refresh_day="Sunday")


def test_the_module_file_carries_the_same_windows():
    entries = {d["key"]: d["refresh"] for d in module_datasets()["datasets"]}
    assert entries == {
        d.key: (
            None
            if lookback(d) is None
            else {"column": "day", "size": lookback(d).size, "unit": "DAY"}
        )
        for d in DATASETS
    }
