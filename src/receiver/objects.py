"""S3 side of a file: reading it with a size guard, moving it when done.

The key layout (``data/<account-id>/...``, ``loaded/<rest>``, ``failed/<rest>`` and
``failed/<rest>.reason.json``) is ``contract.layout``, shared with the sender. Copies are
encrypted with the analytics KMS key.
A move copies first (the exact version that was read) and deletes that version of the source
only after the copy succeeded, and the caller moves only after the database committed.

An object S3 will not decrypt for the receiver (written with a customer-provided key, SSE-C, or
with a KMS key the receiver may not use) is a permanent failure, ``Undecryptable``: it is recorded
as failed with its reason in ``failed/<rest>.reason.json``; S3 cannot copy it either, so the
object itself stays in ``data/``. A missing object (404, which S3 answers because the
receiver holds ``s3:ListBucket`` on ``data/``) is ``ObjectGone``: a duplicate notification of a
file already moved, never a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from receiver.failures import PermanentLoadError, TransientLoadError

_GONE = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
_KMS_PERMANENT = frozenset(
    {"KMS.NotFoundException", "KMS.AccessDeniedException", "KMS.InvalidKeyUsageException"}
)


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    etag: str | None
    size: int
    version_id: str


class ObjectGone(Exception):
    """The object (version) no longer exists, e.g. an earlier delivery already moved it."""


class Undecryptable(PermanentLoadError):
    """S3 will not decrypt the object for the receiver: SSE-C, or a KMS key it may not use.

    The bucket policy refuses such uploads; this covers objects written before it did, or by the
    bucket owner's administrators. Retrying cannot help, and S3 cannot copy the object either.
    """

    def __init__(self, reason: str, *, customer_key: bool) -> None:
        super().__init__("encryption", reason)
        self.customer_key = customer_key  # SSE-C (True) or a KMS key the receiver may not use


def head(s3: Any, bucket: str, key: str) -> tuple[str, str | None, int]:
    """(version id or '', etag, size) of the current version of ``key``."""
    response = _call(s3.head_object, {"Bucket": bucket, "Key": key})
    version = response.get("VersionId") or ""
    return ("" if version == "null" else version), response.get("ETag"), response["ContentLength"]


def read(
    s3: Any,
    bucket: str,
    key: str,
    version_id: str,
    max_bytes: int,
    *,
    analytics_key: str | None = None,
) -> StoredObject:
    """The object's bytes; PermanentLoadError when larger than ``max_bytes``, Undecryptable when
    S3 will not decrypt it for the receiver.

    With ``analytics_key``, a KMS denial on an object encrypted with that very key is the
    receiver's own configuration (its IAM policy or the key policy), not the file's fault: it is
    TransientLoadError, so the file stays in ``data/`` and the message reaches the DLQ alarm."""
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    try:
        response = _call(s3.get_object, request)
    except Undecryptable as error:
        if analytics_key and not error.customer_key and _kms_key_of(s3, request) == analytics_key:
            raise TransientLoadError(
                f"S3 will not decrypt s3://{bucket}/{key} with the analytics key for the receiver:"
                f" check the receiver's IAM policy and the key policy ({error.reason})"
            ) from error
        raise
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

    Returns False when the source was already gone (an earlier delivery moved it), when S3
    cannot copy it because it will not decrypt it for the receiver (Undecryptable: it stays in
    ``data/``), or, in an unversioned bucket, was rewritten since it was read (it is then left
    for its own event).
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
    except (ObjectGone, Undecryptable):
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


def _encryption(kms_key: str | None) -> dict[str, str]:
    if not kms_key:
        return {}  # no headers: the analytics bucket's policy refuses such a copy (plain buckets)
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key}


def _kms_key_of(s3: Any, request: dict[str, Any]) -> str | None:
    """The KMS key ARN S3 reports for the object (HeadObject needs no kms:Decrypt); None if
    S3 does not say."""
    try:
        return s3.head_object(**request).get("SSEKMSKeyId")
    except (ClientError, BotoCoreError):
        return None


def _undecryptable(exc: ClientError, code: str, message: str) -> Undecryptable | None:
    """The S3 errors that mean "S3 will not decrypt this object for you", as S3 documents them:

    - SSE-C object read or copied without its key: 400 ``InvalidRequest`` "The object was stored
      using a form of Server Side Encryption. The correct parameters must be provided to
      retrieve the object."; HeadObject answers the same 400 without a body (code "400");
    - KMS denial: 403 ``AccessDenied`` whose message names KMS (``... is not authorized to
      perform: kms:Decrypt ...``, ``The ciphertext refers to a customer master key that does not
      exist ... or you are not allowed to access``), ``KMS.NotFoundException`` (the key was
      deleted or is in another region), ``KMS.AccessDeniedException``,
      ``KMS.InvalidKeyUsageException``.

    A disabled key or one pending deletion (``KMS.DisabledException``,
    ``KMS.KMSInvalidStateException``) and KMS throttling stay transient: an operator can undo them.
    """
    lowered = message.lower()
    if code == "InvalidRequest" and "server side encryption" in lowered:
        return Undecryptable(
            f"the object is encrypted with a customer-provided key (SSE-C), which the receiver "
            f"does not have: S3 answered {code}: {message}",
            customer_key=True,
        )
    if code in ("400", "BadRequest") and exc.operation_name == "HeadObject":
        return Undecryptable(
            "HeadObject answered 400 Bad Request: the object is encrypted with a customer-provided"
            " key (SSE-C), which the receiver does not have",
            customer_key=True,
        )
    kms_denied = code == "AccessDenied" and ("kms" in lowered or "ciphertext" in lowered)
    if kms_denied or code in _KMS_PERMANENT:
        return Undecryptable(
            "S3 cannot decrypt the object with its KMS key for the receiver (another key than the"
            " analytics key, the AWS managed key, or a deleted key):"
            f" S3 answered {code}: {message}",
            customer_key=False,
        )
    return None


def _call(method: Any, request: dict[str, Any]) -> Any:
    """Call S3; ObjectGone if the object is missing, Undecryptable if S3 will not decrypt it for
    the receiver, TransientLoadError for anything else.

    Every other S3 error is treated as transient (throttling, 5xx, timeouts, but also access
    denials that do not concern encryption): the file is not to blame, so it stays where it is and
    the message is retried until the dead-letter queue keeps it.
    """
    try:
        return method(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        if code in _GONE:
            raise ObjectGone(f"{request.get('Key')}: {code}") from exc
        if code == "PreconditionFailed":  # unversioned key rewritten since it was read
            raise ObjectGone(f"{request.get('Key')} changed since it was read") from exc
        undecryptable = _undecryptable(exc, code, message)
        if undecryptable is not None:
            raise undecryptable from exc
        raise TransientLoadError(f"S3 {code}: {message or exc}") from exc
    except BotoCoreError as exc:
        raise TransientLoadError(f"S3 unreachable: {exc}") from exc
