"""The first-run backfill: claimed once through SSM (moto), started by async self-invocations.

SSM is moto's (it implements ``PutParameter(Overwrite=False)`` refusing an existing name with
``ParameterAlreadyExists``, as SSM does). The Lambda ``Invoke`` calls are checked with botocore's
``Stubber`` on the real ``lambda`` model: moto would need the function deployed to answer them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import boto3
import pytest
from botocore.stub import Stubber

from sender import first_run
from sender.aws import Clients
from sender.history import parse_history
from sender.settings import Settings
from support.sender_fixtures import FUNCTION_ARN, fast_retries

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_fourteen_months_are_complete_months_then_the_current_month_day_by_day():
    events = first_run.backfill_events(date(2026, 11, 25), 14, 14)
    assert [(e["interval"], e["start"], e["end"]) for e in events] == [
        ("MONTHLY", "2025-10-01", "2026-10-31"),
        ("DAILY", "2026-11-01", "2026-11-24"),
    ]
    settings = Settings()
    windows = [len(parse_history(e, settings, date(2026, 11, 25)).windows) for e in events]
    assert windows == [13, 24]  # every event is a valid history request, refused by nothing


@pytest.mark.parametrize(
    ("today", "months", "history_months", "expected"),
    [
        # on the 1st, yesterday closed a month: months only
        (date(2026, 12, 1), 14, 14, [("MONTHLY", "2025-11-01", "2026-11-30")]),
        # one month: the current month so far
        (date(2026, 11, 25), 1, 14, [("DAILY", "2026-11-01", "2026-11-24")]),
        # the 1st with one month: nothing complete yet
        (date(2026, 11, 1), 1, 14, []),
        (date(2026, 11, 25), 0, 14, []),
        # never further back than Cost Explorer keeps
        (date(2026, 11, 25), 38, 14,
         [("MONTHLY", "2025-10-01", "2026-10-31"), ("DAILY", "2026-11-01", "2026-11-24")]),
        (date(2026, 3, 10), 38, 38,
         [("MONTHLY", "2023-02-01", "2026-02-28"), ("DAILY", "2026-03-01", "2026-03-09")]),
    ],
)  # fmt: skip
def test_ranges(today, months, history_months, expected):
    events = first_run.backfill_events(today, months, history_months)
    assert [(e["interval"], e["start"], e["end"]) for e in events] == expected
    for event in events:
        assert event["history"] is True and event["first_run"] is True
        parse_history(event, Settings(cost_history_months=history_months), today)


# Not tests/sender/conftest.py's `clients`: these clients talk to the moto server, not to stubs.
@pytest.fixture
def clients(moto_server, monkeypatch):
    fast_retries(monkeypatch)
    return Clients(endpoint_url=moto_server)


@pytest.fixture
def settings():
    return Settings(region="eu-west-1", first_run_parameter=f"/sender-{uuid.uuid4().hex[:8]}/first")


def _expect_invokes(clients: Clients, events: list[dict], *, fail: bool = False) -> Stubber:
    stubber = Stubber(clients.client("lambda", "eu-west-1"))
    for event in events:
        params = {
            "FunctionName": FUNCTION_ARN,
            "InvocationType": "Event",
            "Payload": json.dumps(event).encode("utf-8"),
        }
        if fail:
            stubber.add_client_error(
                "invoke", "TooManyRequestsException", "Rate exceeded", 429, expected_params=params
            )
            break
        stubber.add_response("invoke", {"StatusCode": 202}, params)
    stubber.activate()
    return stubber


def test_the_first_run_claims_and_starts_the_backfill_and_later_runs_do_not(clients, settings):
    events = first_run.backfill_events(NOW.date(), 14, 14)
    stubber = _expect_invokes(clients, events)

    first = first_run.start_once(settings, clients, FUNCTION_ARN, NOW)

    assert first == {"status": "started", "events": events}
    stubber.assert_no_pending_responses()
    ssm = boto3.client("ssm", region_name="eu-west-1", endpoint_url=clients.endpoint_url)
    record = json.loads(ssm.get_parameter(Name=settings.first_run_parameter)["Parameter"]["Value"])
    assert record["events"] == events and record["claimed_at"] == "2026-11-25T02:00:00+00:00"
    # the next day: already claimed, nothing invoked (the stubber has no response left)
    assert first_run.start_once(settings, clients, FUNCTION_ARN, NOW) == {"status": "done"}


def test_a_failed_start_releases_the_claim_so_the_next_run_retries(clients, settings):
    events = first_run.backfill_events(NOW.date(), 14, 14)
    stubber = _expect_invokes(clients, events, fail=True)
    failed = first_run.start_once(settings, clients, FUNCTION_ARN, NOW)
    assert failed["status"] == "failed" and "TooManyRequests" in failed["reason"]
    stubber.deactivate()

    _expect_invokes(clients, events)
    assert first_run.start_once(settings, clients, FUNCTION_ARN, NOW)["status"] == "started"


def test_a_denied_claim_is_reported_and_does_not_raise(clients, settings):
    ssm = clients.client("ssm", "eu-west-1")
    stubber = Stubber(ssm)
    stubber.add_client_error(
        "put_parameter",
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/observability-sender/x is not authorized "
        "to perform: ssm:PutParameter",
        400,
    )
    stubber.activate()
    result = first_run.start_once(settings, clients, FUNCTION_ARN, NOW)
    assert result == {
        "status": "failed",
        "reason": f"claim {settings.first_run_parameter}: AccessDeniedException",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"first_run_parameter": None},
        {"first_run_backfill_months": 0},
        {"cost_mode": "off"},  # every history collector reads Cost Explorer
        {"collectors": ("secrets", "kms_keys")},  # none of them keeps history
    ],
)
def test_nothing_to_backfill_makes_no_call(clients, settings, change):
    import dataclasses

    quiet = dataclasses.replace(settings, **change)
    Stubber(clients.client("ssm", "eu-west-1")).activate()  # any call would fail
    assert first_run.start_once(quiet, clients, FUNCTION_ARN, NOW)["status"] == "off"


def test_outside_lambda_there_is_no_function_to_invoke(clients, settings):
    assert first_run.start_once(settings, clients, None, NOW)["status"] == "off"
