"""The database roles' secrets in Secrets Manager: read them, and fill an empty one once.

Terraform creates each role's secret without a value, so no password ever reaches Terraform's
state or plan. The migration function reads each secret; one that has no value yet (or names
another user) gets a generated password, stored with ``PutSecretValue`` in the shape the RDS Data
API reads (``{"username", "password", "engine", "dbname"}``), before the bootstrap applies it to
the role. Every later run only reads: to change a password, put a new value in the secret (same
username) and invoke the migration function, which applies it to the role.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from receiver.db.roles import Credentials, check_role_name


def generate_password() -> str:
    """43 URL-safe characters (256 bits): nothing to escape in SQL, JSON or a libpq URL."""
    return secrets.token_urlsafe(32)


def role_credentials(
    client: Any,
    secret_arn: str,
    username: str,
    database: str,
    *,
    generate: Callable[[], str] = generate_password,
) -> Credentials:
    """The role's credentials from its secret; an empty secret is filled first."""
    check_role_name(username)
    current = _stored_password(client, secret_arn, username)
    if current is not None:
        return Credentials(username, current)
    value = {"username": username, "password": generate(), "engine": "postgres", "dbname": database}
    client.put_secret_value(SecretId=secret_arn, SecretString=json.dumps(value))
    # Read it back: should two runs fill the secret at once, both use the version that won.
    stored = _stored_password(client, secret_arn, username)
    return Credentials(username, stored if stored is not None else value["password"])


def _stored_password(client: Any, secret_arn: str, username: str) -> str | None:
    """The secret's password if it holds one for ``username``; None if empty or another user."""
    try:
        text = client.get_secret_value(SecretId=secret_arn).get("SecretString") or ""
    except ClientError as exc:
        # A secret created without a value has no AWSCURRENT version yet.
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        return None
    try:
        secret = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return None
    if isinstance(secret, dict) and secret.get("username") == username and secret.get("password"):
        return str(secret["password"])
    return None


def all_role_credentials(
    client: Any, roles: Mapping[str, tuple[str, str]], database: str
) -> dict[str, Credentials]:
    """``{kind: Credentials}`` for ``roles`` given as ``{kind: (username, secret_arn)}``."""
    return {
        kind: role_credentials(client, secret_arn, username, database)
        for kind, (username, secret_arn) in roles.items()
    }
