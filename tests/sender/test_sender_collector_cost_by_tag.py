"""cost_by_tag: one GetCostAndUsage per configured tag key, DAILY, grouped by TAG:<key>.

Cost Explorer names the groups "<key>$<value>", and "<key>$" holds the cost of resources without
the tag (shaped like the API reference's GroupBy TAG answer; non-ASCII values; a missing unit).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sender.collectors.cost_by_tag import COLLECTOR, NO_KEYS, tag_value
from sender.settings import ConfigurationError, Settings, parse_cost_tag_keys
from support.sender_fixtures import (
    ACCOUNT,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
OWN = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}}
PERIOD = {"Start": "2026-11-24", "End": "2026-11-25"}


def request(key):
    return {
        "TimePeriod": PERIOD,
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost", "AmortizedCost"],
        "GroupBy": [{"Type": "TAG", "Key": key}],
        "Filter": OWN,
    }


def group(key, unblended, amortized, unit="USD"):
    return {
        "Keys": [key],
        "Metrics": {
            "UnblendedCost": {"Amount": unblended, "Unit": unit},
            "AmortizedCost": {"Amount": amortized, "Unit": unit},
        },
    }


def answer(*groups, estimated=True):
    return {
        "GroupDefinitions": [{"Type": "TAG", "Key": "CostCenter"}],
        "ResultsByTime": [
            {"TimePeriod": PERIOD, "Total": {}, "Groups": list(groups), "Estimated": estimated}
        ],
        "DimensionValueAttributes": [],
    }


def with_keys(clients, *keys):
    return replace(make_context(clients, None), cost_tag_keys=keys)


def test_one_request_per_key_and_untagged_cost_explicit(clients):
    with stubbed(clients, "ce", G) as ce:
        ce.add_response(
            "get_cost_and_usage",
            answer(
                group("CostCenter$", "41.2", "40.9"),
                group("CostCenter$cc-1042 Zahlungen", "260.35", "247.22"),
            ),
            request("CostCenter"),
        )
        ce.add_response(
            "get_cost_and_usage",
            {**answer(group("team$plattform-ö", "289.5", "289.5", unit="N/A"), estimated=False)},
            request("team"),
        )
        outcome = run_collector(COLLECTOR, with_keys(clients, "CostCenter", "team"))
    assert outcome.status == "ok", outcome.error
    assert section(outcome) == [
        {
            "date": "2026-11-24",
            "tag_key": "CostCenter",
            "tag_value": "",
            "untagged": True,
            "unblended_cost": "41.2",
            "amortized_cost": "40.9",
            "currency": "USD",
            "estimated": True,
        },
        {
            "date": "2026-11-24",
            "tag_key": "CostCenter",
            "tag_value": "cc-1042 Zahlungen",
            "untagged": False,
            "unblended_cost": "260.35",
            "amortized_cost": "247.22",
            "currency": "USD",
            "estimated": True,
        },
        {
            "date": "2026-11-24",
            "tag_key": "team",
            "tag_value": "plattform-ö",
            "untagged": False,
            "unblended_cost": "289.5",
            "amortized_cost": "289.5",
            "currency": None,
            "estimated": False,
        },
    ]
    assert clients.calls_for("ce") == 2


def test_no_key_configured_makes_no_request(clients):
    outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert (outcome.status, outcome.error) == ("skipped", NO_KEYS)
    assert clients.calls_for("ce") == 0


def test_access_denied_is_skipped(clients):
    with stubbed(clients, "ce", G) as ce:
        access_denied(ce, "get_cost_and_usage")
        assert run_collector(COLLECTOR, with_keys(clients, "team")).status == "skipped"


def test_tag_values_from_group_keys():
    assert tag_value("team", "team$") == ""
    assert tag_value("team", "team$a$b") == "a$b"
    assert tag_value("aws:createdBy", "aws:createdBy$Root:123") == "Root:123"


def test_the_setting_parses_and_validates_tag_keys():
    env = {"SENDER_COST_TAG_KEYS": " CostCenter, team ,CostCenter,aws:createdBy"}
    assert Settings.from_env(env).cost_tag_keys == ("CostCenter", "team", "aws:createdBy")
    assert Settings.from_env({}).cost_tag_keys == ()
    with pytest.raises(ConfigurationError, match="not a tag key"):
        parse_cost_tag_keys("team$x")
    with pytest.raises(ConfigurationError, match="at most 10"):
        parse_cost_tag_keys(",".join(f"k{n}" for n in range(11)))
