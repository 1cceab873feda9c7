"""Secrets Manager secrets: rotation, last rotated / accessed / changed. Never their values.

``ListSecrets`` already returns every field, so there is no ``DescribeSecret`` per secret.
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sender.collectors.base import Collector, Context
from sender.normalize import boolean, count, region, text, timestamp

_RATE_DAYS = re.compile(r"rate\(\s*(\d+)\s+days?\s*\)")


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("secretsmanager")
    for page in ctx.pages(client, "list_secrets", MaxResults=100):
        for secret in page.get("SecretList", []):
            secret_arn = ctx.arn(secret.get("ARN"), "ARN", key=True)
            if not secret_arn:
                continue
            yield {
                "secret_arn": secret_arn,
                "name": text(secret.get("Name")),
                "region": ctx.region,
                "kms_key_id": ctx.identifier(secret.get("KmsKeyId"), "KmsKeyId"),
                "rotation_enabled": boolean(secret.get("RotationEnabled", False)),
                "rotation_days": _rotation_days(secret.get("RotationRules") or {}),
                "last_rotated_at": timestamp(secret.get("LastRotatedDate")),
                "last_accessed_at": timestamp(secret.get("LastAccessedDate")),
                "last_changed_at": timestamp(secret.get("LastChangedDate")),
                "created_at": timestamp(secret.get("CreatedDate")),
                "primary_region": region(secret.get("PrimaryRegion")),
            }


def _rotation_days(rules: dict[str, Any]) -> int | None:
    if rules.get("AutomaticallyAfterDays"):
        return count(rules["AutomaticallyAfterDays"])
    match = _RATE_DAYS.fullmatch(str(rules.get("ScheduleExpression", "")).strip())
    return int(match.group(1)) if match else None


COLLECTOR = Collector(
    name="secrets",
    scope="regional",
    fetch=fetch,
    keys=("secret_arn",),
    services=("secretsmanager",),
    iam_actions=("secretsmanager:ListSecrets",),
    description=(
        "Secrets Manager secrets (metadata only) with KMS key, rotation and last "
        "rotated/accessed/changed dates. "
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html"
    ),
)
