"""AWS Health events updated during the window, with their affected entity counts.

``DescribeEvents`` filtered server-side on ``lastUpdatedTimes`` within the window (consecutive
runs cover every change exactly once); ``DescribeEntityAggregates`` counts affected entities for
ten events per call. The Health API needs a Business, Enterprise On-Ramp or Enterprise support
plan (``SubscriptionRequiredException`` otherwise: skipped).
https://docs.aws.amazon.com/health/latest/APIReference/API_DescribeEvents.html
https://docs.aws.amazon.com/health/latest/APIReference/API_DescribeEntityAggregates.html
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code
from sender.collectors.base import Collector, Context, NotEnabled, chunks
from sender.normalize import arn, count, region, text, timestamp

BATCH = 10


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.global_client("health")
    start = datetime.combine(ctx.window.start, datetime.min.time(), UTC)
    end = datetime.combine(ctx.window.end, datetime.min.time(), UTC)
    events = []
    try:
        pages = ctx.pages(
            client,
            "describe_events",
            filter={"lastUpdatedTimes": [{"from": start, "to": end}]},
            maxResults=100,
        )
        for page in pages:
            events.extend(
                e for e in page.get("events", []) if ctx.arn(e.get("arn"), "event arn", key=True)
            )
    except ClientError as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise NotEnabled(
                "the AWS Health API needs a Business, Enterprise On-Ramp or Enterprise support "
                "plan (SubscriptionRequiredException)"
            ) from exc
        raise
    counts: dict[str, int] = {}
    for batch in chunks([e["arn"] for e in events], BATCH):
        ctx.check_time()
        response = client.describe_entity_aggregates(eventArns=batch)
        for aggregate in response.get("entityAggregates", []):
            counts[aggregate.get("eventArn", "")] = aggregate.get("count", 0)
    for event in events:
        yield {
            "event_arn": arn(event["arn"]),
            "service": text(event.get("service")),
            "event_type_code": text(event.get("eventTypeCode")),
            "event_type_category": text(event.get("eventTypeCategory")),
            "region": region(event.get("region")),  # "global" events: null
            "status_code": text(event.get("statusCode")),
            "scope": text(event.get("eventScopeCode")),
            "start_time": timestamp(event.get("startTime")),
            "end_time": timestamp(event.get("endTime")),
            "last_updated_at": timestamp(event.get("lastUpdatedTime")),
            "affected_entity_count": count(counts.get(event["arn"])),
        }


COLLECTOR = Collector(
    name="health_events",
    scope="global",
    fetch=fetch,
    keys=("event_arn",),
    services=("health",),
    iam_actions=("health:DescribeEntityAggregates", "health:DescribeEvents"),
    weight=2,
    description=(
        "AWS Health events updated during the window with status, scope, times and affected "
        "entity counts (Business support or higher; skipped otherwise). "
        "https://docs.aws.amazon.com/health/latest/APIReference/API_DescribeEvents.html"
    ),
)
