"""S3 side of a file: its key layout, reading it with a size guard, moving it when done.

Senders write ``data/<account-id>/<anything>.json.gz`` (``.json`` is accepted too). A loaded
file moves to ``loaded/<same rest of key>``; a failed one to ``failed/<same rest>`` with
``failed/<same rest>.reason.json`` beside it. Copies are encrypted with the analytics KMS key.
A move copies first (the exact version that was read) and deletes that version of the source
only after the copy succeeded, and the caller moves only after the database committed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from receiver.failures import PermanentLoadError, TransientLoadError

DATA_PREFIX = "data/"
LOADED_PREFIX = "loaded/"
FAILED_PREFIX = "failed/"
REASON_SUFFIX = ".reason.json"
_KEY = re.compile(r"^data/(?P<account>[0-9]{12})/(?P<rest>.+\.json(\.gz)?)$")
_GONE = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})


@dataclass(frozen=True)
class KeyLayout:
    account_id: str
    rest: str  # the key after "data/"


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    etag: str | None
    size: int
    version_id: str


class ObjectGone(Exception):
    """The object (version) no longer exists, e.g. an earlier delivery already moved it."""


def layout(key: str) -> KeyLayout:
    """Account and rest of a ``data/`` key; PermanentLoadError if the key breaks the layout."""
    match = _KEY.match(key)
    if not match:
        raise PermanentLoadError(
            "key",
            f"{key!r} does not follow data/<12-digit account id>/...(.json.gz|.json)",
        )
    return KeyLayout(match["account"], key[len(DATA_PREFIX) :])


def is_data_key(key: str) -> bool:
    return key.startswith(DATA_PREFIX) and not key.endswith("/")


def head(s3: Any, bucket: str, key: str) -> tuple[str, str | None, int]:
    """(version id or '', etag, size) of the current version of ``key``."""
    response = _call(s3.head_object, {"Bucket": bucket, "Key": key})
    version = response.get("VersionId") or ""
    return ("" if version == "null" else version), response.get("ETag"), response["ContentLength"]


def read(s3: Any, bucket: str, key: str, version_id: str, max_bytes: int) -> StoredObject:
    """The object's bytes; PermanentLoadError when larger than ``max_bytes``."""
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    response = _call(s3.get_object, request)
    size = int(response.get("ContentLength", 0))
    body = response["Body"]
    try:
        if size > max_bytes:
            raise PermanentLoadError(
                "too_large", f"the object is {size} bytes; the limit is {max_bytes} bytes"
            )
        data = body.read(max_bytes + 1)
    except (BotoCoreError, OSError) as exc:
        raise TransientLoadError(f"reading s3://{bucket}/{key} failed: {exc}") from exc
    finally:
        body.close()
    if len(data) > max_bytes:
        raise PermanentLoadError("too_large", f"the object is over {max_bytes} bytes (the limit)")
    return StoredObject(
        data, response.get("ETag"), len(data), response.get("VersionId") or version_id
    )


def move(
    s3: Any,
    bucket: str,
    key: str,
    version_id: str,
    destination: str,
    *,
    kms_key: str | None,
    etag: str | None = None,
) -> bool:
    """Copy ``key`` (that version) to ``destination``, then delete the source version.

    Returns False when the source was already gone (an earlier delivery moved it) or, in an
    unversioned bucket, was rewritten since it was read (it is then left for its own event).
    """
    source: dict[str, str] = {"Bucket": bucket, "Key": key}
    if version_id:
        source["VersionId"] = version_id
    request: dict[str, Any] = {"Bucket": bucket, "Key": destination, "CopySource": source}
    request.update(_encryption(kms_key))
    if etag and not version_id:
        request["CopySourceIfMatch"] = etag  # unversioned: copy only what was read
    try:
        _call(s3.copy_object, request)
    except ObjectGone:
        return False
    delete: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        delete["VersionId"] = version_id
    _call(s3.delete_object, delete)
    return True


def put_reason(
    s3: Any, bucket: str, key: str, reason: dict[str, Any], *, kms_key: str | None
) -> None:
    body = json.dumps(reason, indent=2, ensure_ascii=False, sort_keys=True).encode()
    _call(
        s3.put_object,
        {
            "Bucket": bucket,
            "Key": key,
            "Body": body,
            "ContentType": "application/json",
            **_encryption(kms_key),
        },
    )


def loaded_key(rest: str) -> str:
    return LOADED_PREFIX + rest


def failed_key(rest: str) -> str:
    return FAILED_PREFIX + rest


def reason_key(rest: str) -> str:
    return FAILED_PREFIX + rest + REASON_SUFFIX


def _encryption(kms_key: str | None) -> dict[str, str]:
    if not kms_key:
        return {}  # the bucket's default encryption applies
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key}


def _call(method: Any, request: dict[str, Any]) -> Any:
    """Call S3; ObjectGone if the object is missing, TransientLoadError for anything else.

    Every other S3 error is treated as transient (throttling, 5xx, timeouts, but also access
    or KMS denials): the file is not to blame, so it stays where it is and the message is
    retried until the dead-letter queue keeps it.
    """
    try:
        return method(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _GONE:
            raise ObjectGone(f"{request.get('Key')}: {code}") from exc
        if code == "PreconditionFailed":  # unversioned key rewritten since it was read
            raise ObjectGone(f"{request.get('Key')} changed since it was read") from exc
        raise TransientLoadError(f"S3 {code}: {error.get('Message', exc)}") from exc
    except BotoCoreError as exc:
        raise TransientLoadError(f"S3 unreachable: {exc}") from exc
