"""History backfill: validated before any call, window by window, resumable by re-invocation."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, date, datetime

import boto3
import pytest

from sender import handler, invocation
from sender.history import parse_history, run_history
from sender.settings import ConfigurationError, Settings
from support.sender_fixtures import LambdaContext as Context
from support.sender_fixtures import fast_retries

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)
SETTINGS = Settings(region="eu-west-1", regions=("eu-west-1",))


def test_history_alone_means_january_first_to_yesterday():
    request = parse_history({"history": True}, SETTINGS, TODAY)
    assert (request.start, request.end) == (date(2026, 1, 1), date(2026, 11, 24))
    assert len(request.windows) == 328
    assert request.windows[0].start == date(2026, 1, 1)
    assert request.windows[-1].end == TODAY
    assert request.collectors == ()  # all history-capable collectors


def test_history_on_january_first_covers_last_year():
    request = parse_history({"history": True}, SETTINGS, date(2026, 1, 1))
    assert (request.start, request.end) == (date(2025, 1, 1), date(2025, 12, 31))


def test_only_complete_windows_are_collected():
    event = {"history": True, "interval": "WEEKLY", "start": "2026-11-01", "end": "2026-11-24"}
    request = parse_history(event, SETTINGS, TODAY)
    assert [w.start.isoformat() for w in request.windows] == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
    ]  # the week of 23 November is not over


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"start": "2024-06-01", "end": "2024-06-30"}, "beyond what Cost Explorer keeps"),
        ({"start": "2026-11-20", "end": "2026-11-10"}, "before its start"),
        ({"start": "2026-11-20", "end": "2026-11-25"}, "must be before today"),
        ({"start": "2026-13-01"}, "not a YYYY-MM-DD date"),
        ({"interval": "HOURLY"}, "unknown interval"),
        ({"collectors": ["securityhub"]}, "none of the selected collectors keeps history"),
        ({"start": "2026-11-01", "end": "2026-11-05", "cursor": "2026-11-09"}, "cursor"),
    ],
)
def test_bad_ranges_are_refused_before_any_call(event, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_history({"history": True, **event}, SETTINGS, TODAY)


def test_the_retention_limit_follows_the_setting():
    event = {"history": True, "start": "2025-10-01", "end": "2025-10-31"}
    assert parse_history(event, SETTINGS, TODAY).windows  # 14 months: from 2025-10-01
    with pytest.raises(ConfigurationError, match="data starts on 2025-10-01"):
        parse_history({**event, "start": "2025-09-30"}, SETTINGS, TODAY)
    longer = Settings(cost_history_months=38)
    assert parse_history({**event, "start": "2024-01-01"}, longer, TODAY).windows


def test_run_history_hands_over_with_a_cursor_when_time_runs_low():
    request = parse_history(
        {"history": True, "start": "2026-11-01", "end": "2026-11-10", "collectors": ["cost"]},
        SETTINGS,
        TODAY,
    )
    remaining = iter([600_000, 500_000, 100_000])  # the third window would not fit
    ran, continued = [], []
    summary = run_history(
        request,
        run_window=lambda window: ran.append(window) or {"key": f"k-{window.start}"},
        remaining_ms=lambda: next(remaining),
        continue_with=continued.append,
    )
    assert [w.start.day for w in ran] == [1, 2, 3]
    assert summary["history"] == "continued"
    assert summary["cursor"] == "2026-11-04"
    assert summary["windows_left"] == 7
    [event] = continued
    assert event == {
        "history": True,
        "interval": "DAILY",
        "start": "2026-11-01",
        "end": "2026-11-10",
        "cursor": "2026-11-04",
        "continuation": 1,
        "regions": ["eu-west-1"],
        "collectors": ["cost"],
    }
    resumed = parse_history(event, SETTINGS, TODAY)
    assert [w.start.day for w in resumed.windows] == [4, 5, 6, 7, 8, 9, 10]
    assert resumed.continuation == 1


def test_run_history_reserves_room_for_its_slowest_window():
    request = parse_history(
        {"history": True, "start": "2026-11-01", "end": "2026-11-03"}, SETTINGS, TODAY
    )
    clock = iter([0.0, 200.0, 200.0, 400.0])  # each window takes 200 s
    continued = []
    summary = run_history(
        request,
        run_window=lambda window: {},
        remaining_ms=lambda: 250_000,  # > the 120 s reserve, < 1.5 x 200 s
        continue_with=continued.append,
        clock=lambda: next(clock),
    )
    assert summary["windows_done"] == 1 and continued[0]["cursor"] == "2026-11-02"


def test_the_handler_backfills_uploads_and_reinvokes_itself(moto_server, monkeypatch):
    fast_retries(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    bucket = f"history-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    key = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    for name, value in {"REGION": "eu-west-1", "BUCKET": bucket, "ANALYTICS_KMS_KEY": key}.items():
        monkeypatch.setenv(name, value)
    invoked = []
    monkeypatch.setattr(
        invocation,
        "continue_in_new_invocation",
        lambda clients, context, event: invoked.append(event),
    )
    remaining = iter([800_000, 800_000, 800_000, 800_000, 60_000, 60_000])

    class ShortContext(Context):
        def get_remaining_time_in_millis(self):
            return next(remaining, 60_000)

    event = {"history": True, "start": "2026-11-01", "end": "2026-11-05", "collectors": ["cost"]}
    summary = handler.handle(event, ShortContext(), now=NOW)
    assert summary["history"] == "continued"
    keys = [run["key"] for run in summary["runs"]]
    assert len(keys) == summary["windows_done"] >= 1
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="data/123456789012/DAILY/")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(keys)
    [next_event] = invoked
    assert next_event["cursor"] == summary["cursor"]
    # the continuation picks up where the first stopped, and a re-run overwrites (same keys)
    resumed = handler.handle(next_event, Context(), now=NOW)
    assert resumed["history"] == "complete"
    rerun = handler.handle(event, Context(), now=NOW)
    all_keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert len(all_keys) == 5
    assert {run["key"] for run in rerun["runs"]} == all_keys
    body = s3.get_object(Bucket=bucket, Key=sorted(all_keys)[0])["Body"].read()
    document = json.loads(gzip.decompress(body))
    assert [c["name"] for c in document["collectors"]] == ["cost"]
    assert document["data"]["cost"]["forecast"] == []  # a past window has no forecast


def test_continuing_invokes_the_same_function_asynchronously(monkeypatch):
    calls = []

    class FakeLambda:
        def invoke(self, **kwargs):
            calls.append(kwargs)

    class FakeClients:
        def client(self, service, region):
            assert (service, region) == ("lambda", "eu-west-1")
            return FakeLambda()

    invocation.continue_in_new_invocation(
        FakeClients(), Context(), {"history": True, "cursor": "2026-11-04"}
    )
    [call] = calls
    assert call["InvocationType"] == "Event"
    assert (
        call["FunctionName"]
        == "arn:aws:lambda:eu-west-1:123456789012:function:observability-sender"
    )
    assert json.loads(call["Payload"]) == {"history": True, "cursor": "2026-11-04"}
