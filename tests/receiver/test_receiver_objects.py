"""receiver.objects: how S3's answers about a file's object become the receiver's decisions.

The S3 answers moto cannot give (moto 5.2 stores SSE-C objects without refusing reads, and
enforces no KMS permission) are given by a hook on the client's ``before-send`` event: an HTTP
response with S3's status and XML error body, parsed by botocore's real S3 parser. Their codes and
messages are S3's documented ones:

- an SSE-C object read or copied without its key: 400 ``InvalidRequest`` "The object was stored
  using a form of Server Side Encryption. The correct parameters must be provided to retrieve the
  object."; a HEAD of it: 400 with no body;
- a KMS key the caller may not use: 403 ``AccessDenied`` whose message is KMS's
  (``... is not authorized to perform: kms:Decrypt ...``); a deleted key: ``KMS.NotFoundException``;
- a missing object for a caller with ``s3:ListBucket``: 404 ``NoSuchKey``/``NoSuchVersion``.

Everything else is the moto server: a versioned bucket, real objects, real moves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from receiver import objects
from receiver.failures import TransientLoadError
from receiver.receive import Limits, receive_object
from support.receiver_fixtures import (
    Bucket,
    Db,
    bucket_fixture,  # noqa: F401 - fixture
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
)

SSE_C_MESSAGE = (
    "The object was stored using a form of Server Side Encryption. "
    "The correct parameters must be provided to retrieve the object."
)
OTHER_KEY = "arn:aws:kms:eu-west-1:222222222222:key/0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"
KMS_DENIED_MESSAGE = (
    "User: arn:aws:sts::123456789012:assumed-role/obs-receiver/obs-receiver is not authorized to "
    f"perform: kms:Decrypt on resource: {OTHER_KEY} because no resource-based policy allows the "
    "kms:Decrypt action"
)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def s3_answers(bucket: Bucket, operations: dict[str, tuple[int, str, str]], key: str) -> list[str]:
    """Make the bucket's client answer ``operations`` on ``key`` (and only on it) with
    ``(status, code, message)`` as S3 would; returns the operations it answered, in order."""
    answered: list[str] = []
    quoted = key.replace("/", "%2F")

    def answer(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation not in operations:
            return None
        source = request.headers.get("x-amz-copy-source", b"")
        source = source.decode() if isinstance(source, bytes) else source
        if not (request.url.split("?")[0].endswith(key) or key in source or quoted in source):
            return None
        status, code, message = operations[operation]
        answered.append(operation)
        body = b"" if operation == "HeadObject" else (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            "<RequestId>4442587FB7D0A2F9</RequestId>"
            "<HostId>nYfmqFqDkDpbPaHfvAHWWWVbj7WW2Hq3zsaz0vyzJwpR1V3=</HostId></Error>"
        ).encode()  # fmt: skip
        return AWSResponse(request.url, status, {"content-type": "application/xml"}, _Body(body))

    bucket.s3.meta.events.register_first("before-send.s3", answer)
    return answered


def receive(db: Db, bucket: Bucket, key: str, version: str = "") -> Any:
    return receive_object(
        bucket.s3, db.executor, bucket.name, key, version, kms_key=bucket.kms_key, limits=Limits()
    )


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("operation", "status", "code", "message", "customer_key"),
    [
        ("GetObject", 400, "InvalidRequest", SSE_C_MESSAGE, True),
        ("HeadObject", 400, "400", "Bad Request", True),
        ("GetObject", 403, "AccessDenied", KMS_DENIED_MESSAGE, False),
        (
            "GetObject", 403, "AccessDenied",
            "The ciphertext refers to a customer master key that does not exist, does not exist in"
            " this region, or you are not allowed to access.",
            False,
        ),
        ("GetObject", 400, "KMS.NotFoundException", "Invalid keyId 'alias/aws/s3'", False),
    ],
)  # fmt: skip
def test_what_s3_will_not_decrypt_is_permanent(
    bucket, operation, status, code, message, customer_key
):
    key = "data/123456789012/DAILY/2026-11-24/r.json.gz"
    version = bucket.put(key, gz(fixture_doc()))
    answered = s3_answers(bucket, {operation: (status, code, message)}, key)
    with pytest.raises(objects.Undecryptable) as raised:
        if operation == "HeadObject":
            objects.head(bucket.s3, bucket.name, key)
        else:
            objects.read(bucket.s3, bucket.name, key, version, 1 << 20)
    # (botocore's region redirector repeats a HEAD answered 400 once, after a HeadBucket)
    assert answered and set(answered) == {operation}
    assert raised.value.kind == "encryption" and raised.value.customer_key is customer_key
    assert ("SSE-C" in raised.value.reason) is customer_key


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (403, "AccessDenied", "Access Denied"),  # no kms: the receiver's S3 permissions
        (400, "KMS.DisabledException", f"{OTHER_KEY} is disabled."),  # can be re-enabled
        (400, "KMS.KMSInvalidStateException", f"{OTHER_KEY} is pending deletion."),
    ],
)
def test_other_denials_and_unusable_keys_stay_transient(bucket, status, code, message):
    key = "data/123456789012/DAILY/2026-11-24/r.json.gz"
    version = bucket.put(key, gz(fixture_doc()))
    s3_answers(bucket, {"GetObject": (status, code, message)}, key)
    with pytest.raises(TransientLoadError, match=re.escape(code)):
        objects.read(bucket.s3, bucket.name, key, version, 1 << 20)


def test_a_kms_denial_on_the_analytics_key_is_the_receivers_configuration(bucket):
    """The object really is encrypted with the analytics key: the receiver lost kms:Decrypt."""
    key = "data/123456789012/DAILY/2026-11-24/r.json.gz"
    version = bucket.s3.put_object(
        Bucket=bucket.name, Key=key, Body=gz(fixture_doc()),
        ServerSideEncryption="aws:kms", SSEKMSKeyId=bucket.kms_key,
    )["VersionId"]  # fmt: skip
    denied = KMS_DENIED_MESSAGE.replace(OTHER_KEY, bucket.kms_key)
    s3_answers(bucket, {"GetObject": (403, "AccessDenied", denied)}, key)
    with pytest.raises(TransientLoadError, match="check the receiver's IAM policy"):
        objects.read(bucket.s3, bucket.name, key, version, 1 << 20, analytics_key=bucket.kms_key)
    # without the analytics key to compare with, the file is blamed
    with pytest.raises(objects.Undecryptable):
        objects.read(bucket.s3, bucket.name, key, version, 1 << 20)


def test_a_copy_s3_will_not_decrypt_leaves_the_object_where_it_is(bucket):
    key = "data/123456789012/DAILY/2026-11-24/r.json.gz"
    version = bucket.put(key, gz(fixture_doc()))
    answered = s3_answers(bucket, {"CopyObject": (400, "InvalidRequest", SSE_C_MESSAGE)}, key)
    moved = objects.move(
        bucket.s3,
        bucket.name,
        key,
        version,
        "failed/123456789012/r.json.gz",
        kms_key=bucket.kms_key,
    )
    assert moved is False and answered == ["CopyObject"]
    assert bucket.keys() == [key], "not deleted: nothing was copied"


@pytest.mark.parametrize("code", ["NoSuchKey", "NoSuchVersion"])
def test_a_missing_object_is_gone_not_a_failure(bucket, code):
    key = "data/123456789012/DAILY/2026-11-24/r.json.gz"
    s3_answers(bucket, {"GetObject": (404, code, "The specified key does not exist.")}, key)
    with pytest.raises(objects.ObjectGone):
        objects.read(bucket.s3, bucket.name, key, "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY", 1 << 20)


# --------------------------------------------------------------------------- end to end


@pytest.mark.parametrize(
    ("code", "message", "status"),
    [("InvalidRequest", SSE_C_MESSAGE, 400), ("AccessDenied", KMS_DENIED_MESSAGE, 403)],
    ids=["sse-c", "another-kms-key"],
)
def test_an_undecryptable_upload_is_recorded_failed_and_acknowledged(
    db, bucket, code, message, status
):
    doc = fixture_doc("full-daily")
    key = data_key(doc)
    version = bucket.put(key, gz(doc))
    # S3 refuses the read and, for the same reason, the copy to failed/
    answered = s3_answers(
        bucket, {"GetObject": (status, code, message), "CopyObject": (status, code, message)}, key
    )

    result = receive(db, bucket, key, version)  # returns: the message is acknowledged

    assert result.status == "failed" and result.error.kind == "encryption"
    assert answered == ["GetObject", "CopyObject"]
    rest = key.removeprefix("data/")
    assert bucket.keys() == sorted([key, f"failed/{rest}.reason.json"])
    reason = json.loads(bucket.body(f"failed/{rest}.reason.json"))
    assert reason["error"] == "encryption" and code in reason["reason"]
    assert reason["version_id"] == version
    (row,) = db.query("SELECT status, error, version_id FROM ingestions")
    assert row["status"] == "failed" and "encryption" in row["error"]
    assert db.counts() == {}


def test_a_duplicate_notification_of_a_moved_file_is_not_a_failure(db, bucket):
    """With s3:ListBucket, S3 answers the already moved (deleted) version 404 NoSuchVersion."""
    doc = fixture_doc("full-daily")
    key = data_key(doc)
    version = bucket.put(key, gz(doc))
    assert receive(db, bucket, key, version).status == "loaded"

    again = receive(db, bucket, key, version)  # S3 delivers notifications at least once

    assert again.status == "skipped" and again.error is None
    (row,) = db.query("SELECT status FROM ingestions")
    assert row["status"] == "loaded"
