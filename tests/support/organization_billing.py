"""An organization's November 2026 bill as Cost Explorer answers it in the management account,
and a scheduled DAILY run of the Cost Explorer collectors against it (organization cost mode
tests on both sides: the sender's documents and what the receiver makes of them)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from labkit.cost_explorer import Commitment, Line, OrganizationBilling
from sender.aws import Clients
from sender.collect import RunRequest, collect, select
from sender.intervals import Interval
from support.sender_fixtures import NOW, WINDOW

PAYER, DEV, PROD = "111111111111", "222222222222", "333333333333"
COST_COLLECTORS = ("cost", "service_usage", "marketplace_usage", "commitments")
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3 = "Amazon Simple Storage Service"
DATADOG = "Datadog Pro (Pay-As-You-Go) – Überwachung"  # noqa: RUF001 - non-ASCII on purpose


def billing_lines() -> list[Line]:
    """November 2026 for three accounts: the window (24th), the day before and the month."""
    lines = []
    for offset in range(24):
        day = date(2026, 11, 1) + timedelta(days=offset)
        f = Decimal(100 + offset) / 100
        lines += [
            Line(PAYER, day, "AWS CloudTrail", "PaidEventsRecorded", f, f, Decimal(9000), "Events"),
            Line(DEV, day, EC2, "EUW1-BoxUsage:t3.large", 2 * f, 2 * f, Decimal(48), "Hrs"),
            Line(DEV, day, S3, "EUW1-TimedStorage-ByteHrs", f / 3, f / 3, Decimal(412), "GB-Mo"),
            Line(PROD, day, EC2, "EUW1-BoxUsage:m6i.xlarge", 18 * f, 17 * f, Decimal(96), "Hrs"),
            Line(PROD, day, EC2, "EUW1-EBS:VolumeUsage.gp3", f, f, Decimal(500), "GB-Mo"),
            Line(PROD, day, S3, "EUW1-Requests-Tier1", f / 7, f / 7, Decimal(10**6), "Requests"),
            Line(
                PROD,
                day,
                DATADOG,
                "hosts",
                Decimal("8.96"),
                Decimal("8.96"),
                Decimal(14),
                "Hosts",
                billing_entity="AWS Marketplace",
            ),
        ]
    return lines


COMMITMENTS = [Commitment(PAYER, "SP"), Commitment(DEV, "RI", utilization_pct="87.5")]


def run(account: str, mode: str, page_size: int = 2) -> tuple[dict[str, Any], OrganizationBilling]:
    """A scheduled DAILY run of the Cost Explorer collectors in ``account``."""
    clients = Clients()
    billing = OrganizationBilling(
        billing_lines(), page_size=page_size, commitments=COMMITMENTS, caller=account
    ).install(clients)
    request = RunRequest(
        Interval.DAILY, WINDOW, True, tuple(select(COST_COLLECTORS)), ("us-east-1",)
    )
    result = collect(
        request, clients, home_region="us-east-1", account_id=account, now=NOW, cost_mode=mode
    )
    return result.document, billing
