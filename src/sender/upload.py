"""Encode, validate and upload one document.

The key is ``contract.layout.document_key``: ``data/<account-id>/<interval>/<window-start>/
<run-id>.json.gz`` (the receiver checks the account part against the envelope); the bucket policy
lets a sender write only under ``data/<its own account id>/``. The body is gzip-compressed JSON
(deterministic: no file name or time in the gzip header), encrypted with SSE-KMS under the
analytics key (with an S3 Bucket Key, fewer KMS calls), and sent with its SHA-256 checksum, which
S3 verifies before storing the object; the hex digest is also stored as ``x-amz-meta-sha256``. Any
failure raises, so Lambda's retries and its on-failure destination see it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from contract import layout, validate_document


@dataclass(frozen=True)
class Encoded:
    body: bytes
    sha256_hex: str
    sha256_b64: str
    raw_size: int


@dataclass(frozen=True)
class UploadResult:
    bucket: str
    key: str
    size: int
    sha256: str
    version_id: str | None = None


def encode(document: dict[str, Any]) -> Encoded:
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    body = gzip.compress(raw, compresslevel=6, mtime=0)
    digest = hashlib.sha256(body).digest()
    return Encoded(body, digest.hex(), base64.b64encode(digest).decode("ascii"), len(raw))


def decode(body: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(body))


def upload(
    s3: Any, bucket: str, kms_key: str, document: dict[str, Any], *, validated: bool = False
) -> UploadResult:
    """Validate against the contract (raises `ContractError`), then put the object.

    ``validated=True`` skips the check when the caller has just made it (`sender.collect.collect`
    does): the compiled contract takes about 10 to 20 us per finding here, with the walk for NaN
    and lone surrogates, so a document of 50 000 findings should not pay it twice."""
    if not validated:
        validate_document(document)
    encoded = encode(document)
    key = layout.document_key(document)
    response = s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=encoded.body,
        ContentType="application/json",
        ContentEncoding="gzip",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=kms_key,
        BucketKeyEnabled=True,
        ChecksumSHA256=encoded.sha256_b64,
        Metadata={
            "sha256": encoded.sha256_hex,
            "schema-version": str(document["schema_version"]),
            "run-id": str(document["run_id"]),
        },
    )
    return UploadResult(
        bucket, key, len(encoded.body), encoded.sha256_hex, response.get("VersionId")
    )
