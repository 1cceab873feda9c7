"""Upload: contract first, then one gzip object under data/<account>/..., SSE-KMS, checksummed."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from contract import ContractError, layout
from labkit.large_documents import DOCUMENTS
from sender.upload import decode, encode, upload

FIXTURE = DOCUMENTS / "full-daily.json"


@pytest.fixture
def document():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def s3_and_key():
    with mock_aws():
        kms = boto3.client("kms", region_name="eu-west-1")
        key_arn = kms.create_key(Description="analytics")["KeyMetadata"]["Arn"]
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket="analytics", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield s3, key_arn


def test_the_key_is_the_contracts_layout(document):
    assert layout.document_key(document) == (
        "data/123456789012/DAILY/2026-11-24/3f6c2a9e-8b1d-4c7e-9a55-0d2e4b7f1c38.json.gz"
    )


def test_encoding_is_deterministic_gzip_json(document):
    first, second = encode(document), encode(copy.deepcopy(document))
    assert first.body == second.body  # no timestamp in the gzip header
    assert decode(first.body) == document
    assert first.sha256_hex == hashlib.sha256(first.body).hexdigest()
    assert base64.b64decode(first.sha256_b64).hex() == first.sha256_hex
    assert len(first.body) < first.raw_size


def test_upload_puts_an_encrypted_checksummed_object(document, s3_and_key):
    s3, key_arn = s3_and_key
    sent = []
    s3.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.append(request))
    result = upload(s3, "analytics", key_arn, document)
    assert result.key == layout.document_key(document)
    # S3 checks the body against this header and refuses a mismatch (moto stores it unchecked)
    assert base64.b64decode(sent[0].headers["x-amz-checksum-sha256"]).hex() == result.sha256
    head = s3.head_object(Bucket="analytics", Key=result.key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn
    assert head["ContentEncoding"] == "gzip"
    assert head["Metadata"]["sha256"] == result.sha256
    body = s3.get_object(Bucket="analytics", Key=result.key)["Body"].read()
    assert json.loads(gzip.decompress(body)) == document


def test_an_invalid_document_is_never_uploaded(document, s3_and_key):
    s3, key_arn = s3_and_key
    document["data"]["kms_keys"][0]["key_arn"] = "not-an-arn"
    with pytest.raises(ContractError, match="/data/kms_keys/0/key_arn"):
        upload(s3, "analytics", key_arn, document)
    assert s3.list_objects_v2(Bucket="analytics").get("KeyCount") == 0


def test_a_failed_upload_raises(document, s3_and_key):
    s3, key_arn = s3_and_key
    with pytest.raises(ClientError, match="NoSuchBucket"):
        upload(s3, "no-such-bucket", key_arn, document)
