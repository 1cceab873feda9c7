"""S3 notifications in SQS messages -> the objects to load (the key layout: tests/contract)."""

from __future__ import annotations

import json

import pytest

from receiver import events


def _record(key: str, **obj: object) -> dict:
    return {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "analytics"}, "object": {"key": key, **obj}},
    }


def test_notifications_are_decoded():
    body = json.dumps(
        {
            "Records": [
                _record("data/123456789012/a+b%2Bc%C3%BC.json.gz", versionId="v1", size=3),
                _record("data%2F123456789012%2Fx.json.gz"),
                {"eventName": "ObjectRemoved:Delete", "s3": {}},
            ]
        }
    )
    found = events.object_created(body)
    assert [(n.key, n.version_id, n.size) for n in found] == [
        ("data/123456789012/a b+cü.json.gz", "v1", 3),
        ("data/123456789012/x.json.gz", "", None),
    ]


def test_the_s3_test_event_holds_no_object():
    body = '{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"analytics"}'
    assert events.object_created(body) == []


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"Records": 3}', '{"Records": [{"eventName": "ObjectCreated:Put"}]}'],
)
def test_a_message_that_is_no_notification_is_malformed(body):
    with pytest.raises(events.MalformedMessage):
        events.object_created(body)
