"""Receiver configuration, read once from the environment and validated."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from receiver.db.roles import ROLE_KINDS, ROLE_NAME


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


@dataclass(frozen=True)
class RoleSecret:
    username: str
    secret_arn: str


@dataclass(frozen=True)
class DatabaseRoleSettings:
    """``DATABASE_ROLES``: each role's user name and secret (the migration function only)."""

    migrator: RoleSecret
    loader: RoleSecret
    reader: RoleSecret

    def as_mapping(self) -> dict[str, tuple[str, str]]:
        """``{kind: (username, secret_arn)}``."""
        return {
            kind: (getattr(self, kind).username, getattr(self, kind).secret_arn)
            for kind in ROLE_KINDS
        }

    @classmethod
    def parse(cls, text: str, source: str = "DATABASE_ROLES") -> DatabaseRoleSettings:
        """``{"migrator": {"username": ..., "secret_arn": "arn:..."}, "loader": ..., ...}``."""
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{source} is not JSON: {exc}") from exc
        if not isinstance(value, dict) or sorted(value) != sorted(ROLE_KINDS):
            raise ConfigurationError(f"{source} must have exactly the keys {', '.join(ROLE_KINDS)}")
        roles: dict[str, RoleSecret] = {}
        for kind in ROLE_KINDS:
            entry = value[kind]
            username = entry.get("username") if isinstance(entry, dict) else None
            secret_arn = entry.get("secret_arn") if isinstance(entry, dict) else None
            if not isinstance(username, str) or not ROLE_NAME.match(username):
                raise ConfigurationError(
                    f"{source}: {kind}.username must be 1-63 lower-case letters, digits or "
                    "underscores"
                )
            if not isinstance(secret_arn, str) or not secret_arn.startswith("arn:"):
                raise ConfigurationError(f"{source}: {kind}.secret_arn must be a secret ARN")
            roles[kind] = RoleSecret(username, secret_arn)
        if len({r.username for r in roles.values()}) != len(roles):
            raise ConfigurationError(f"{source}: the three roles need distinct user names")
        return cls(**roles)

    @classmethod
    def from_env(cls) -> DatabaseRoleSettings:
        return cls.parse(_required("DATABASE_ROLES"))


def _required(name: str, *, prefix: str = "") -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    if not value.startswith(prefix):
        raise ConfigurationError(f"environment variable {name} must start with {prefix!r}")
    return value


@dataclass(frozen=True)
class ReceiverSettings:
    """Configuration of the receiver Lambda (the README's configuration table lists each)."""

    bucket: str
    kms_key: str
    region: str | None
    max_object_bytes: int
    max_document_bytes: int
    database_url: str | None  # local runs only: psycopg instead of the Data API
    database: DatabaseSettings | None
    # ORGANIZATION_COST_ACCOUNTS: management accounts whose documents may carry other accounts'
    # Cost Explorer rows (organization cost mode); empty: none may
    organization_cost_accounts: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls) -> ReceiverSettings:
        database_url = os.environ.get("DATABASE_URL", "").strip() or None
        return cls(
            bucket=_required("BUCKET"),
            kms_key=_required("ANALYTICS_KMS_KEY"),
            region=os.environ.get("REGION", "").strip() or None,
            max_object_bytes=_positive_int("MAX_OBJECT_BYTES", 64 * 1024 * 1024),
            max_document_bytes=_positive_int("MAX_DOCUMENT_BYTES", 256 * 1024 * 1024),
            database_url=database_url,
            database=None if database_url else DatabaseSettings.from_env(),
            organization_cost_accounts=organization_cost_accounts(
                os.environ.get("ORGANIZATION_COST_ACCOUNTS", "")
            ),
        )


def organization_cost_accounts(value: str) -> frozenset[str]:
    """``ORGANIZATION_COST_ACCOUNTS``: comma-separated 12-digit account ids (empty: none)."""
    accounts = [part.strip() for part in value.split(",") if part.strip()]
    bad = [a for a in accounts if not (len(a) == 12 and a.isascii() and a.isdigit())]
    if bad:
        raise ConfigurationError(
            "environment variable ORGANIZATION_COST_ACCOUNTS must list 12-digit account ids, "
            f"got {', '.join(repr(b) for b in bad)}"
        )
    return frozenset(accounts)


def _positive_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ConfigurationError(f"environment variable {name} must be a positive integer")
    return number
