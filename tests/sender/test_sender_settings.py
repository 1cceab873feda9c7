"""Environment configuration: the seed's variables, the sender's own, and clear errors."""

from __future__ import annotations

import pytest

from sender.settings import ConfigurationError, Settings


def test_defaults_follow_the_seed():
    settings = Settings.from_env({})
    assert settings.region == "ap-southeast-1"
    assert settings.regions == ("ap-southeast-1",)
    assert settings.collectors == ()
    assert settings.bucket is None


def test_every_variable_is_read_and_validated():
    settings = Settings.from_env(
        {
            "REGION": "eu-west-1",
            "BUCKET": "analytics",
            "ANALYTICS_KMS_KEY": "arn:aws:kms:eu-west-1:111111111111:key/abc",
            "SENDER_REGIONS": " eu-west-1, us-east-1 ,eu-west-1,",
            "SENDER_COLLECTORS": "cost,securityhub",
            "SENDER_MAX_WORKERS": "4",
            "SENDER_COLLECTOR_TIMEOUT": "60",
            "SENDER_COST_HISTORY_MONTHS": "38",
            "SENDER_COLLECTOR_METRICS": "false",
        }
    )
    assert settings.regions == ("eu-west-1", "us-east-1")
    assert settings.collectors == ("cost", "securityhub")
    assert (settings.max_workers, settings.collector_timeout) == (4, 60.0)
    assert settings.cost_history_months == 38
    assert settings.collector_metrics is False
    assert settings.require_upload_target() == (
        "analytics",
        "arn:aws:kms:eu-west-1:111111111111:key/abc",
    )


def test_terraform_passes_an_empty_collector_list_meaning_all():
    assert Settings.from_env({"SENDER_COLLECTORS": ""}).collectors == ()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SENDER_REGIONS": "eu-west-1,mars-north-1x"}, "not a region code: mars-north-1x"),
        ({"SENDER_COLLECTORS": "cost,bitcoin"}, "unknown collector"),
        ({"SENDER_MAX_WORKERS": "lots"}, "must be an integer"),
        ({"SENDER_MAX_WORKERS": "0"}, "between 1 and 64"),
        ({"SENDER_COLLECTOR_METRICS": "maybe"}, "true or false"),
        ({"REGION": "eu-west-1,us-east-1"}, "exactly one region"),
    ],
)
def test_malformed_values_are_refused(env, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


def test_uploads_need_bucket_and_key_arn():
    with pytest.raises(ConfigurationError, match="BUCKET"):
        Settings.from_env({}).require_upload_target()
    with pytest.raises(ConfigurationError, match="ANALYTICS_KMS_KEY"):
        Settings.from_env({"BUCKET": "b"}).require_upload_target()
    with pytest.raises(ConfigurationError, match="must be the key ARN"):
        Settings.from_env({"BUCKET": "b", "ANALYTICS_KMS_KEY": "alias/x"}).require_upload_target()


def test_account_labels_are_read_sorted_and_checked_like_tags():
    env = {"SENDER_ACCOUNT_LABELS": '{"team": "Zahlungs-Team", "cost-center": "4711/a@b"}'}
    assert Settings.from_env(env).account_labels == (
        ("cost-center", "4711/a@b"),
        ("team", "Zahlungs-Team"),
    )
    assert Settings.from_env({}).account_labels == ()
    assert Settings.from_env({"SENDER_ACCOUNT_LABELS": "{}"}).account_labels == ()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("product=payments", "JSON object"),
        ('["product"]', "JSON object"),
        ('{"product": 7}', "not text"),
        ('{"": "x"}', "1-128"),
        ('{"' + "k" * 129 + '": "x"}', "1-128"),
        ('{"team": "' + "v" * 257 + '"}', "0-256"),
        ('{"team": "a;b"}', "0-256 letters"),
        ('{"aws:team": "x"}', "starts with aws:"),
        ("{" + ",".join(f'"k{i}": "v"' for i in range(51)) + "}", "at most 50"),
    ],
)
def test_malformed_account_labels_are_refused(raw, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({"SENDER_ACCOUNT_LABELS": raw})
