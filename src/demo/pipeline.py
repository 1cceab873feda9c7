"""The demo, end to end: emulated organization -> production sender -> S3/SQS -> production
receiver -> PostgreSQL -> HTML report.

Nothing here re-implements the platform: the sender runs `sender.handler.handle` (the Lambda's
own code path, with the member account's credentials), uploads go through S3 into the central
bucket, the bucket notifies the queue, and `demo.analytics.deliver` hands the queue's batches to
`receiver.handler.lambda_handler`. The schema comes from the migration code, the report from
`report`. Days are simulated: each scheduled day the accounts change a little
(`demo.seed.advance`), then every sender runs as its 02:00 schedule would; finally each account
runs the history backfill. Before the report, the roster code (`receiver.roster`, what the
scheduled roster function runs) reads the organization through the management account's roster
role, assumed from the analytics account, so the report knows which accounts are expected.
"""

from __future__ import annotations

import sys
import time as clock
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from demo import seed
from demo.analytics import Analytics, create_analytics, deliver
from demo.emulator import emulated_aws, environment, session
from demo.organization import Member, Organization, create_organization
from demo.profiles import HOME_REGION, PROFILES, REGIONS
from demo.summary import Summary, summarize

DATABASE = "observability_demo"


@dataclass
class Options:
    database_url: str
    out: Path
    days: int = 7  # simulated scheduled days
    history_days: int = 30
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    database: str = DATABASE  # created (dropped first if it exists) on database_url's server


class Progress:
    def __init__(self, stream: Any = None) -> None:
        self.started = clock.monotonic()
        self.stream = stream or sys.stdout

    def __call__(self, message: str) -> None:
        elapsed = clock.monotonic() - self.started
        print(f"[{elapsed:5.1f}s] {message}", file=self.stream, flush=True)


@dataclass
class Outcome:
    organization: Organization
    analytics: Analytics
    recorded_calls: dict[tuple[str, str], int]
    database_url: str
    report: Any
    summary: Summary


def run(options: Options, progress: Progress) -> Outcome:
    from demo.recorded import install

    database_url = prepare_database(options.database_url, progress, options.database)
    with emulated_aws() as endpoint:
        # imported once the environment is the demo's: the Lambda code configures its logger
        # and metrics from it at import time
        from receiver.handler import lambda_handler as receiver

        progress(f"moto server up at {endpoint} (every AWS call of this process goes there)")
        organization, analytics = build_organization(progress)
        first_day = options.today - timedelta(days=options.days - 1)
        seed_accounts(organization.members, first_day, progress)
        recorded = {m.account_id: install(m.session, m.profile) for m in organization.members}
        senders = Senders(organization.members, analytics, recorded)
        with receiver_environment(analytics, database_url):
            for offset in range(options.days):
                day = first_day + timedelta(days=offset)
                statuses = senders.scheduled_day(day, changes=offset > 0)
                loaded = deliver(analytics, receiver)
                progress(
                    f"day {day}: DAILY runs of {len(organization.members)} accounts "
                    f"({statuses}), {loaded} files delivered to the receiver"
                )
            start = options.today - timedelta(days=options.history_days)
            for member, windows in senders.backfill(start, options.today):
                progress(
                    f"history backfill for {member.profile.name}: {windows} days of cost, "
                    "commitments and usage uploaded"
                )
            loaded = deliver(analytics, receiver)
            progress(f"{loaded} backfill files delivered to the receiver")
        refresh_roster(organization, database_url, progress)
        report, summary = write_report(database_url, analytics, options, progress)
        calls: Counter[tuple[str, str]] = Counter()
        for apis in recorded.values():
            calls.update(apis.calls)
        return Outcome(organization, analytics, dict(calls), database_url, report, summary)


def prepare_database(server_url: str, progress: Progress, name: str = DATABASE) -> str:
    """A fresh database ``name`` (``observability_demo``) on the server, migrated; returns its
    URL."""
    from receiver.db import connect
    from receiver.migrations import migrate

    database_url = recreate_database(server_url, name)
    executor = connect(database_url=database_url)
    try:
        result = migrate(executor)
    finally:
        executor.close()
    progress(f"database {name} created, {len(result.applied)} migrations applied")
    return database_url


def build_organization(progress: Progress) -> tuple[Organization, Analytics]:
    organization = create_organization(session(region_name=HOME_REGION), PROFILES)
    names = ", ".join(f"{m.profile.name} ({m.account_id})" for m in organization.members)
    progress(
        f"organization {organization.id}: management {organization.management_account}, "
        f"analytics {organization.analytics_account}, members {names}"
    )
    analytics = create_analytics(organization.analytics, organization.analytics_account)
    progress(
        f"analytics side: bucket {analytics.bucket}, KMS key, queue observability-ingest "
        "with a dead-letter queue, bucket notification for data/"
    )
    return organization, analytics


def seed_accounts(members: tuple[Member, ...], first_day: date, progress: Progress) -> None:
    def seed_one(member: Member) -> str:
        seed.seed(member, first_day)
        return _seeded(member)

    for member, seeded in zip(members, _each(members, seed_one), strict=True):
        progress(f"seeded {member.profile.name} in {', '.join(REGIONS)}: {seeded}")


class Senders:
    """The production sender of every member account, each with its own credentials and
    clients (kept across runs, like a warm Lambda container), all uploading to the central
    bucket."""

    def __init__(
        self, members: tuple[Member, ...], analytics: Analytics, recorded: dict[str, Any]
    ) -> None:
        from sender.aws import Clients
        from sender.settings import Settings

        self.members = members
        self.recorded = recorded
        self.settings = Settings(
            region=HOME_REGION,
            bucket=analytics.bucket,
            kms_key=analytics.kms_key_arn,
            regions=REGIONS,
            max_workers=16,
            collector_timeout=60.0,
            collector_metrics=False,
            cost_tag_keys=("CostCenter", "Environment"),  # cost_by_tag (demo.recorded.cost)
        )
        self.clients = {m.account_id: Clients(session=m.session) for m in members}

    def scheduled_day(self, day: date, *, changes: bool) -> str:
        """Every account's 02:00 DAILY run on ``day`` (after the day's changes); returns the
        collector statuses, e.g. ``113 ok 1 skipped``."""

        def scheduled(member: Member) -> dict[str, Any]:
            if changes:
                seed.advance(member, day)
            return self._handle(member, {"interval": "DAILY"}, day)

        return _statuses(_each(self.members, scheduled))

    def backfill(self, start: date, today: date) -> list[tuple[Member, int]]:
        """Every account's history run from ``start`` to yesterday; windows uploaded each."""
        event = {
            "history": True,
            "interval": "DAILY",
            "start": start.isoformat(),
            "end": (today - timedelta(days=1)).isoformat(),
        }
        summaries = _each(self.members, lambda member: self._handle(member, event, today))
        return [(m, len(s.get("runs", []))) for m, s in zip(self.members, summaries, strict=True)]

    def _handle(self, member: Member, event: dict[str, Any], day: date) -> dict[str, Any]:
        from demo.recorded.account import sender_labels
        from sender.handler import handle
        from sender.metrics import metrics

        self.recorded[member.account_id].today = day
        try:
            return handle(
                event,
                None,
                settings=replace(self.settings, account_labels=sender_labels(member.profile.key)),
                clients=self.clients[member.account_id],
                now=datetime.combine(day, time(2), UTC),
            )
        finally:
            metrics.clear_metrics()  # what the Lambda runtime's flush does after an invocation


def refresh_roster(organization: Organization, database_url: str, progress: Progress) -> Any:
    """The roster function's code, from the analytics account through the roster role."""
    from receiver.db import connect
    from receiver.roster import organizations_client, refresh

    client = organizations_client(
        organization.roster_role_arn, session=organization.analytics, region=HOME_REGION
    )
    executor = connect(database_url=database_url)
    try:
        result = refresh(executor, client)
    finally:
        executor.close()
    silent = ", ".join(f"{s.name} ({s.status.replace('_', ' ')})" for s in result.silent)
    progress(
        f"organization roster refreshed through {organization.roster_role_arn}: "
        f"{result.accounts} accounts, {result.expected} expected to report, "
        f"{result.reporting} reporting; not reporting: {silent or 'none'}"
    )
    return result


def write_report(
    database_url: str, analytics: Analytics, options: Options, progress: Progress
) -> tuple[Any, Summary]:
    from receiver.db import connect
    from report import build_report

    executor = connect(database_url=database_url)
    try:
        report = build_report(executor, days=options.history_days)
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(report.html, encoding="utf-8")
        progress(f"report written to {options.out}: {report.charts} charts")
        return report, summarize(executor, analytics)
    finally:
        executor.close()


def _each(members: tuple[Member, ...], work: Callable[[Member], Any]) -> list[Any]:
    """``work`` for every member account at once, as their schedules would run; results in
    member order. Each account has its own session and clients."""
    with ThreadPoolExecutor(max_workers=len(members), thread_name_prefix="account") as pool:
        return list(pool.map(work, members))


def recreate_database(url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``url``; return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def receiver_environment(analytics: Analytics, database_url: str) -> Any:
    """The receiver Lambda's configuration, with the analytics account's credentials."""
    credentials = analytics.session.get_credentials().get_frozen_credentials()
    return environment(
        {
            "BUCKET": analytics.bucket,
            "ANALYTICS_KMS_KEY": analytics.kms_key_arn,
            "REGION": HOME_REGION,
            "DATABASE_URL": database_url,
            "POWERTOOLS_SERVICE_NAME": "receiver",
            "AWS_ACCESS_KEY_ID": credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
            "AWS_SESSION_TOKEN": credentials.token or "",
        }
    )


def _seeded(member: Member) -> str:
    counts = {"instances": 0, "functions": 0, "findings": 0}
    for region in REGIONS:
        ec2 = member.session.client("ec2", region_name=region)
        counts["instances"] += sum(
            len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]
        )
        functions = member.session.client("lambda", region_name=region).list_functions()
        counts["functions"] += len(functions["Functions"])
        hub = member.session.client("securityhub", region_name=region)
        counts["findings"] += len(hub.get_findings(MaxResults=100)["Findings"])
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def _statuses(summaries: list[dict[str, Any]]) -> str:
    totals: dict[str, int] = {}
    for summary in summaries:
        for status, count in summary["collectors"].items():
            totals[status] = totals.get(status, 0) + count
    return " ".join(f"{count} {status}" for status, count in totals.items() if count)
