"""Receiver configuration, read once from the environment and validated."""

from __future__ import annotations

import os
from dataclasses import dataclass


class ConfigurationError(Exception):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class DatabaseSettings:
    cluster_arn: str
    secret_arn: str
    database: str

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        """``AURORA_CLUSTER_ARN``, ``AURORA_SECRET_ARN`` and ``DB_NAME`` (default ``core``)."""
        cluster_arn = _required("AURORA_CLUSTER_ARN", prefix="arn:")
        secret_arn = _required("AURORA_SECRET_ARN", prefix="arn:")
        return cls(cluster_arn, secret_arn, os.environ.get("DB_NAME", "core"))


def _required(name: str, *, prefix: str = "") -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    if not value.startswith(prefix):
        raise ConfigurationError(f"environment variable {name} must start with {prefix!r}")
    return value
