"""The receiver's configuration from the environment."""

from __future__ import annotations

import pytest

from receiver.settings import ConfigurationError, ReceiverSettings


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BUCKET", "analytics")
    monkeypatch.setenv("ANALYTICS_KMS_KEY", "arn:aws:kms:eu-west-1:111111111111:key/k")
    monkeypatch.setenv("AURORA_CLUSTER_ARN", "arn:aws:rds:eu-west-1:111111111111:cluster:c")
    monkeypatch.setenv(
        "AURORA_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:s"
    )
    monkeypatch.setenv("MAX_OBJECT_BYTES", "1000")
    settings = ReceiverSettings.from_env()
    assert (settings.bucket, settings.max_object_bytes) == ("analytics", 1000)
    assert settings.max_document_bytes == 256 * 1024 * 1024
    assert settings.database is not None and settings.database.database == "core"
    monkeypatch.setenv("MAX_OBJECT_BYTES", "lots")
    with pytest.raises(ConfigurationError, match="MAX_OBJECT_BYTES"):
        ReceiverSettings.from_env()
    monkeypatch.delenv("BUCKET")
    with pytest.raises(ConfigurationError, match="BUCKET"):
        ReceiverSettings.from_env()
