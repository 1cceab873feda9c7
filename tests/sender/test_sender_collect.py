"""Run requests from events, and the document assembled from outcomes (sections, dedupe,
sections that break the contract dropped)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from sender.collect import history_run_id, parse_request, sections_of, select
from sender.collectors import REGISTRY
from sender.collectors.base import Task
from sender.document import assemble_data, build_document, drop_invalid_sections
from sender.intervals import Interval, Window
from sender.runner import Outcome
from sender.settings import ConfigurationError, Settings
from support.sender_fixtures import ACCOUNT, NOW, WINDOW

SETTINGS = Settings(region="eu-west-1", regions=("eu-west-1", "us-east-1"))


def outcome(name, region, status, items, error=None):
    return Outcome(Task(REGISTRY[name], region), status, error, items, 5)


def trail(arn, region):
    return {
        "trail_arn": arn,
        "name": "t",
        "home_region": region,
        "is_multi_region": True,
        "is_organization_trail": False,
        "is_logging": True,
        "log_file_validation": True,
        "s3_bucket": "b",
        "kms_key_id": None,
        "latest_delivery_at": None,
        "latest_delivery_error": None,
    }


def test_scheduled_requests_cover_the_latest_window_with_every_collector():
    request = parse_request({"interval": "WEEKLY"}, SETTINGS, NOW)
    assert request.current and request.window == Window(
        datetime(2026, 11, 16).date(), datetime(2026, 11, 23).date()
    )
    assert len(request.collectors) == len(REGISTRY)
    assert request.regions == ("eu-west-1", "us-east-1")


def test_event_overrides_are_validated():
    request = parse_request(
        {"collectors": "kms_keys,cost", "regions": ["us-west-2"]}, SETTINGS, NOW
    )
    assert [c.name for c in request.collectors] == ["kms_keys", "cost"]
    assert request.regions == ("us-west-2",)
    with pytest.raises(ConfigurationError, match="not a region code"):
        parse_request({"regions": ["moon-1"]}, SETTINGS, NOW)


def test_a_past_window_keeps_only_history_collectors_and_a_stable_run_id():
    request = parse_request({"date": "2026-09-05", "interval": "MONTHLY"}, SETTINGS, NOW)
    assert not request.current and request.deterministic_run_id
    assert {c.name for c in request.collectors} == {
        "cost",
        "service_usage",
        "marketplace_usage",
        "commitments",
        "cost_anomalies",
        "cost_by_tag",
    }
    first = history_run_id(ACCOUNT, Interval.MONTHLY, request.window)
    assert first == history_run_id(ACCOUNT, Interval.MONTHLY, request.window)
    assert uuid.UUID(first).version == 5
    with pytest.raises(ConfigurationError, match="keeps history"):
        parse_request({"date": "2026-09-05", "collectors": ["securityhub"]}, SETTINGS, NOW)
    # the date of the latest window is simply a scheduled run
    assert parse_request({"date": "2026-11-24"}, SETTINGS, NOW).current


def test_sections_merge_regions_and_keep_each_natural_key_once():
    a = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org"
    outcomes = [
        outcome("cloudtrail_trails", "eu-west-1", "ok", [trail(a, "eu-west-1")]),
        outcome("cloudtrail_trails", "us-east-1", "ok", [trail(a, "eu-west-1")]),
        outcome("securityhub", "us-east-1", "skipped", [], "InvalidAccessException: ..."),
        outcome("secrets", "eu-west-1", "error", [], "boom"),
        outcome("secrets", "us-east-1", "ok", []),
    ]
    data = assemble_data(outcomes)
    assert len(data["cloudtrail_trails"]) == 1
    assert "securityhub" not in data  # skipped everywhere: unknown, so absent
    assert data["secrets"] == []  # delivered in one region: known to be empty there


def test_a_section_breaking_the_contract_is_dropped_not_the_run():
    good = outcome("secrets", "eu-west-1", "ok", [])
    bad = outcome(
        "acm_certificates", "eu-west-1", "ok", [{"certificate_arn": "nope", "region": "eu-west-1"}]
    )
    document = build_document(
        account_id=ACCOUNT,
        regions=["eu-west-1"],
        interval=Interval.DAILY,
        window=WINDOW,
        outcomes=[good, bad],
        run_id=str(uuid.uuid4()),
        collected_at=NOW,
    )
    dropped = drop_invalid_sections(document, sections_of(select([])))
    assert dropped == ["acm_certificates"]
    assert "acm_certificates" not in document["data"] and document["data"]["secrets"] == []
    entry = next(e for e in document["collectors"] if e["name"] == "acm_certificates")
    assert entry["status"] == "error"
    assert entry["error"].startswith("items broke the contract, section dropped: /data/acm_")


def test_a_broken_envelope_is_never_hidden():
    document = build_document(
        account_id="not-an-account",
        regions=["eu-west-1"],
        interval=Interval.DAILY,
        window=WINDOW,
        outcomes=[],
        collected_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="/account_id"):
        drop_invalid_sections(document, {})
