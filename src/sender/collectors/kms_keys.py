"""KMS keys with aliases and rotation status.

``ListAliases`` once per region (not per key) maps aliases to keys; ``DescribeKey`` per key (KMS
has no batch describe); ``GetKeyRotationStatus`` only where rotation applies (enabled or disabled
symmetric customer-managed keys with KMS key material). A key whose policy denies this account
is reported with its ARN only, and the run is ``partial``.

The key spec is ``KeySpec``, or the deprecated ``CustomerMasterKeySpec`` (same value) that older
responses carry alone; with neither, the key predates asymmetric and HMAC keys (2019), so it is
``SYMMETRIC_DEFAULT`` for the rotation decision (``key_spec`` stays null: not reported).
https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors.base import Collector, Context
from sender.normalize import boolean, long_text, text, timestamp


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("kms")
    aliases: dict[str, list[str]] = {}
    for page in ctx.pages(client, "list_aliases"):
        for alias in page.get("Aliases", []):
            if alias.get("TargetKeyId") and alias.get("AliasName"):
                aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    denied = 0
    for page in ctx.pages(client, "list_keys"):
        for key in page.get("Keys", []):
            ctx.check_time()
            key_arn = ctx.arn(key.get("KeyArn"), "KeyArn", key=True)
            if not key_arn:
                continue
            try:
                meta = client.describe_key(KeyId=key.get("KeyId") or key_arn)["KeyMetadata"]
            except ClientError as exc:
                if error_code(exc) not in SKIP_CODES:
                    raise
                denied += 1
                meta = {"KeyId": key.get("KeyId")}
            yield _item(ctx, client, key_arn, meta, aliases.get(key.get("KeyId"), []))
    if denied:
        ctx.warn(f"{denied} key(s) could not be described (their key policy denies access)")


def _spec(meta: dict[str, Any]) -> Any:
    """``KeySpec``, else the deprecated ``CustomerMasterKeySpec`` AWS still returns."""
    return meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")


def _rotation(ctx: Context, client: Any, meta: dict[str, Any]) -> bool | None:
    applies = (
        meta.get("KeyManager") == "CUSTOMER"
        and (_spec(meta) or "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and meta.get("Origin") == "AWS_KMS"
        and meta.get("KeyState") in ("Enabled", "Disabled")
    )
    if not applies:
        return None
    try:
        return boolean(client.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"])
    except ClientError as exc:
        ctx.warn(f"rotation status of {meta['KeyId']}: {error_message(exc)}")
        return None


def _item(ctx: Context, client: Any, key_arn: str, meta: dict[str, Any], names: list[str]):
    return {
        "key_arn": key_arn,
        "key_id": ctx.identifier(meta.get("KeyId"), "KeyId"),
        "region": ctx.region,
        "aliases": sorted({text(n) or "" for n in names} - {""}),
        "description": long_text(meta.get("Description")),
        "key_state": text(meta.get("KeyState")),
        "key_manager": text(meta.get("KeyManager")),
        "key_spec": text(_spec(meta)),
        "key_usage": text(meta.get("KeyUsage")),
        "origin": text(meta.get("Origin")),
        "multi_region": boolean(meta.get("MultiRegion")),
        "rotation_enabled": _rotation(ctx, client, meta) if "KeyManager" in meta else None,
        "created_at": timestamp(meta.get("CreationDate")),
    }


COLLECTOR = Collector(
    name="kms_keys",
    scope="regional",
    fetch=fetch,
    keys=("key_arn",),
    services=("kms",),
    iam_actions=(
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:ListAliases",
        "kms:ListKeys",
    ),
    weight=8,  # 2 requests per key (DescribeKey, GetKeyRotationStatus): among the longest
    description=(
        "KMS keys with aliases, state, manager, spec, origin and rotation status. "
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html"
    ),
)
