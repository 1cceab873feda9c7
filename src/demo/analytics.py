"""The analytics side of the emulated organization, as `modules/analytics` deploys it.

A KMS key, the central bucket (versioned, SSE-KMS by default, public access blocked), the ingest
queue with its dead-letter queue, and the bucket notification for new ``data/`` objects; then
`deliver` plays the part of the SQS event source mapping: it receives batches from the queue,
hands them to the production receiver handler as Lambda would, and deletes what succeeded.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3

from contract import layout
from demo.profiles import HOME_REGION

BATCH_SIZE = 10  # the module's event source mapping batch size


@dataclass
class Analytics:
    session: boto3.Session
    account_id: str
    bucket: str
    kms_key_arn: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    messages: int = 0
    batch_failures: int = 0
    batches: int = 0
    seen: set[str] = field(default_factory=set)


def create_analytics(session: boto3.Session, account_id: str) -> Analytics:
    kms = session.client("kms", region_name=HOME_REGION)
    key = kms.create_key(
        Description="observability: central bucket, queues and database",
        Tags=[{"TagKey": "Project", "TagValue": "aws-observability"}],
    )["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName="alias/observability", TargetKeyId=key["KeyId"])

    sqs = session.client("sqs", region_name=HOME_REGION)
    dlq_url = sqs.create_queue(
        QueueName="observability-ingest-dlq",
        Attributes={"KmsMasterKeyId": key["Arn"], "MessageRetentionPeriod": "1209600"},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName="observability-ingest",
        Attributes={
            "KmsMasterKeyId": key["Arn"],
            "VisibilityTimeout": "960",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]

    bucket = f"observability-{account_id}-{HOME_REGION}"
    s3 = session.client("s3", region_name=HOME_REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": HOME_REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key["Arn"],
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {"FilterRules": [{"Name": "prefix", "Value": layout.DATA_PREFIX}]}
                    },
                }
            ]
        },
    )
    return Analytics(session, account_id, bucket, key["Arn"], queue_url, queue_arn, dlq_url)


def deliver(analytics: Analytics, handler: Any) -> int:
    """Receive until the queue is empty, calling ``handler(event, context)`` per batch like the
    event source mapping does (partial batch responses: failed messages stay on the queue and
    go to the dead-letter queue after 5 receives). Returns the number of messages handled."""
    sqs = analytics.session.client("sqs", region_name=HOME_REGION)
    handled = 0
    while True:
        received = sqs.receive_message(
            QueueUrl=analytics.queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return handled
        event = {"Records": [_record(analytics, message) for message in received]}
        response = handler(event, _context(analytics)) or {}
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=analytics.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        analytics.batches += 1
        analytics.messages += len(received)
        analytics.batch_failures += len(failed)
        handled += len(received)


def _record(analytics: Analytics, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": analytics.queue_arn,
        "awsRegion": HOME_REGION,
    }


def _context(analytics: Analytics) -> SimpleNamespace:
    """The attributes of a Lambda context the receiver and Powertools read."""
    return SimpleNamespace(
        function_name="observability-receiver",
        memory_limit_in_mb=2048,
        invoked_function_arn=(
            f"arn:aws:lambda:{HOME_REGION}:{analytics.account_id}:function:observability-receiver"
        ),
        aws_request_id=str(uuid.uuid4()),
        function_version="$LATEST",
        get_remaining_time_in_millis=lambda: 900_000,
    )
