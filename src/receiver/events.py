"""S3 event notifications, as they arrive in the body of an SQS message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote_plus


class MalformedMessage(ValueError):
    """The SQS message is not an S3 notification; it goes back to SQS and then to the DLQ."""


@dataclass(frozen=True)
class ObjectCreated:
    bucket: str
    key: str  # URL-decoded
    version_id: str  # '' when the bucket is unversioned
    size: int | None
    etag: str | None
    event_name: str


def object_created(body: str) -> list[ObjectCreated]:
    """The ``ObjectCreated`` records of one message; [] for ``s3:TestEvent`` and other events."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError as exc:
        raise MalformedMessage(f"message body is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise MalformedMessage("message body is not a JSON object")
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list):
        raise MalformedMessage("message body has no S3 event Records")
    created = []
    for record in records:
        name = str(record.get("eventName", ""))
        if not name.startswith("ObjectCreated:"):
            continue
        try:
            s3 = record["s3"]
            obj = s3["object"]
            created.append(
                ObjectCreated(
                    bucket=s3["bucket"]["name"],
                    key=unquote_plus(obj["key"]),
                    version_id=obj.get("versionId") or "",
                    size=obj.get("size"),
                    etag=obj.get("eTag"),
                    event_name=name,
                )
            )
        except (KeyError, TypeError) as exc:
            raise MalformedMessage(f"S3 record without {exc}") from None
    return created
