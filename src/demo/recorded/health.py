"""AWS Health: a calendar of events per account, seen as of the simulated ``today``.

Three recurring kinds, each on its own cycle and seeded per cycle: a public operational issue in
us-east-1 (the same event in every account, a few hours long, then closed), an EC2 scheduled
retirement of one of the account's real instances (announced two weeks ahead: upcoming, open,
closed), and RDS maintenance for accounts with databases; plus one Lambda runtime notice the
day before the first simulated day, so that every demo sees an event. An event exists from its
announcement; its status and ``lastUpdatedTime`` are those of the latest change before today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from demo.profiles import HOME_REGION, REGIONS
from demo.recorded._core import Answer, Answers, Call, at, digest, page, seeded

MISSING = "moto 5.2 has no AWS Health service"
LOOK_BACK = 120  # days of events kept
ISSUES = (
    ("EC2", "AWS_EC2_OPERATIONAL_ISSUE"),
    ("LAMBDA", "AWS_LAMBDA_OPERATIONAL_ISSUE"),
    ("S3", "AWS_S3_OPERATIONAL_ISSUE"),
    ("CLOUDFRONT", "AWS_CLOUDFRONT_OPERATIONAL_ISSUE"),
    ("DYNAMODB", "AWS_DYNAMODB_OPERATIONAL_ISSUE"),
)


@dataclass(frozen=True)
class Event:
    arn: str
    service: str
    type_code: str
    category: str
    region: str
    scope: str
    announced: datetime
    start: datetime
    end: datetime
    entities: int
    actionability: str

    def state(self, now: datetime) -> tuple[str, datetime]:
        """(status, last updated) as of ``now``."""
        if now >= self.end:
            return "closed", self.end + timedelta(minutes=17)
        if now >= self.start:
            return "open", self.start + timedelta(minutes=4)
        return "upcoming", self.announced


def _events(call: Call) -> list[Event]:
    return call.cached("health", call.today, compute=lambda: _calendar(call))


def _calendar(call: Call) -> list[Event]:
    now = at(call.today)
    first = call.today - timedelta(days=LOOK_BACK)
    events: list[Event] = []
    events.extend(_issues(first, call.today))
    events.extend(_retirements(call, first))
    events.extend(_maintenance(call, first))
    events.extend(_notices(call))
    return sorted((e for e in events if e.announced < now), key=lambda e: e.start, reverse=True)


def _cycles(first: date, last: date, length: int) -> range:
    return range(first.toordinal() // length, last.toordinal() // length + 1)


def _issues(first: date, last: date) -> list[Event]:
    """Public issues: every nine days or so, somewhere in us-east-1 (same ARN for everyone)."""
    events = []
    for cycle in _cycles(first, last, 9):
        rng = seeded("health", "issue", cycle)
        day = date.fromordinal(cycle * 9 + rng.randrange(9))
        service, code = rng.choice(ISSUES)
        start = at(day, rng.randrange(24), rng.randrange(60))
        end = start + timedelta(minutes=rng.randrange(50, 260))
        events.append(
            Event(
                arn=_arn("us-east-1", service, code, digest("issue", cycle, length=5).upper()),
                service=service,
                type_code=code,
                category="issue",
                region="us-east-1",
                scope="PUBLIC",
                announced=start,
                start=start,
                end=end,
                entities=0,
                actionability="INFORMATIONAL",
            )
        )
    return events


def _retirements(call: Call, first: date) -> list[Event]:
    """An instance retirement every three weeks or so, for a real instance of the account."""
    regions_with_instances = [r for r in REGIONS if _has_instances(call, r)]
    if not regions_with_instances:
        return []
    events = []
    for cycle in _cycles(first, call.today + timedelta(days=14), 23):
        rng = seeded(call.profile.key, "health", "retirement", cycle)
        announced = at(date.fromordinal(cycle * 23 + rng.randrange(23)), 9, rng.randrange(60))
        start = announced.replace(hour=0, minute=0) + timedelta(days=14)
        region = rng.choice(regions_with_instances)
        code = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"
        events.append(
            Event(
                arn=_arn(region, "EC2", code, digest(call.profile.key, "retire", cycle)),
                service="EC2",
                type_code=code,
                category="scheduledChange",
                region=region,
                scope="ACCOUNT_SPECIFIC",
                announced=announced,
                start=start,
                end=start + timedelta(days=1),
                entities=1,
                actionability="ACTION_REQUIRED",
            )
        )
    return events


def _maintenance(call: Call, first: date) -> list[Event]:
    """Monthly RDS maintenance for accounts with databases, announced ten days ahead."""
    databases = call.client("rds", HOME_REGION).describe_db_instances().get("DBInstances", [])
    if not databases:
        return []
    events = []
    for cycle in _cycles(first, call.today + timedelta(days=10), 30):
        rng = seeded(call.profile.key, "health", "maintenance", cycle)
        announced = at(date.fromordinal(cycle * 30 + rng.randrange(30)), 14, rng.randrange(60))
        start = announced.replace(hour=3, minute=0) + timedelta(days=10)
        code = "AWS_RDS_MAINTENANCE_SCHEDULED"
        events.append(
            Event(
                arn=_arn(HOME_REGION, "RDS", code, digest(call.profile.key, "rds", cycle)),
                service="RDS",
                type_code=code,
                category="scheduledChange",
                region=HOME_REGION,
                scope="ACCOUNT_SPECIFIC",
                announced=announced,
                start=start,
                end=start + timedelta(minutes=35),
                entities=len(databases),
                actionability="ACTION_MAY_BE_REQUIRED",
            )
        )
    return events


def _notices(call: Call) -> list[Event]:
    """A Lambda runtime end-of-support notice for accounts with functions, announced the day
    before the first simulated day, so that the first scheduled run always reports an event."""

    def compute() -> int:
        return len(call.client("lambda", HOME_REGION).list_functions().get("Functions", []))

    functions = int(call.cached("health-functions", call.today, compute=compute))
    if not functions:
        return []
    code = "AWS_LAMBDA_PLANNED_LIFECYCLE_EVENT"
    start = at(call.anchor + timedelta(days=75))
    return [
        Event(
            arn=_arn(HOME_REGION, "LAMBDA", code, digest(call.profile.key, "lifecycle")),
            service="LAMBDA",
            type_code=code,
            category="accountNotification",
            region=HOME_REGION,
            scope="ACCOUNT_SPECIFIC",
            announced=at(call.anchor - timedelta(days=1), 10, 30),
            start=start,
            end=start + timedelta(days=1),
            entities=functions,
            actionability="ACTION_REQUIRED",
        )
    ]


def _has_instances(call: Call, region: str) -> bool:
    def compute() -> bool:
        reservations = call.client("ec2", region).describe_instances().get("Reservations", [])
        return any(r.get("Instances") for r in reservations)

    return bool(call.cached("health-instances", region, call.today, compute=compute))


def _arn(region: str, service: str, code: str, suffix: str) -> str:
    return f"arn:aws:health:{region}::event/{service}/{code}/{code}_{suffix}"


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _in_ranges(moment: datetime, ranges: list[dict[str, Any]] | None) -> bool:
    if not ranges:
        return True
    for window in ranges:
        low = _moment(window["from"]) if window.get("from") is not None else None
        high = _moment(window["to"]) if window.get("to") is not None else None
        if (low is None or low <= moment) and (high is None or moment <= high):
            return True
    return False


def describe_events(call: Call) -> dict[str, Any]:
    now = at(call.today)
    wanted = call.params.get("filter") or {}
    found = []
    for event in _events(call):
        status, updated = event.state(now)
        checks = (
            _in_ranges(updated, wanted.get("lastUpdatedTimes")),
            _in_ranges(event.start, wanted.get("startTimes")),
            _in_ranges(event.end, wanted.get("endTimes")),
            not wanted.get("eventArns") or event.arn in wanted["eventArns"],
            not wanted.get("services") or event.service in wanted["services"],
            not wanted.get("regions") or event.region in wanted["regions"],
            not wanted.get("eventTypeCodes") or event.type_code in wanted["eventTypeCodes"],
            not wanted.get("eventStatusCodes") or status in wanted["eventStatusCodes"],
            not wanted.get("eventTypeCategories")
            or event.category in wanted["eventTypeCategories"],
        )
        if not all(checks):
            continue
        item: dict[str, Any] = {
            "arn": event.arn,
            "service": event.service,
            "eventTypeCode": event.type_code,
            "eventTypeCategory": event.category,
            "region": event.region,
            "startTime": event.start,
            "lastUpdatedTime": updated,
            "statusCode": status,
            "eventScopeCode": event.scope,
            "actionability": event.actionability,
            "personas": ["OPERATIONS"],
        }
        if status == "closed":
            item["endTime"] = event.end
        found.append(item)
    chunk, token = page(found, call.params, "maxResults", "nextToken", default=10)
    response: dict[str, Any] = {"events": chunk}
    if token:
        response["nextToken"] = token
    return response


def describe_entity_aggregates(call: Call) -> dict[str, Any]:
    now = at(call.today)
    by_arn = {event.arn: event for event in _events(call)}
    aggregates = []
    for event_arn in call.params.get("eventArns") or []:
        event = by_arn.get(event_arn)
        if event is None:
            continue
        status, _ = event.state(now)
        statuses = {}
        if event.entities:
            statuses = {"RESOLVED" if status == "closed" else "PENDING": event.entities}
        aggregates.append({"eventArn": event_arn, "count": event.entities, "statuses": statuses})
    return {"entityAggregates": aggregates}


ANSWERS: Answers = {
    ("health", "DescribeEvents"): Answer(MISSING, describe_events),
    ("health", "DescribeEntityAggregates"): Answer(MISSING, describe_entity_aggregates),
}
