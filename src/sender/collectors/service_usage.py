"""Usage quantity, unit and unblended cost per day, service and usage type (Cost Explorer).

Reuses the cost collector's query (`_costexplorer.usage_rows`): no extra Cost Explorer request.
In organization cost mode each row names its linked account (``account_id``).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import format_decimal, text


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    organization = ce.organization_mode(ctx)  # raises NotEnabled (skipped) when off
    for row in ce.usage_rows(ctx):
        if not row.service or not row.usage_type:
            continue
        item = {
            "date": row.date,
            "service": text(row.service),
            "usage_type": text(row.usage_type),
            "unit": text(row.unit) or "",
            "quantity": None if row.quantity is None else format_decimal(row.quantity),
            "unblended_cost": None if row.unblended is None else format_decimal(row.unblended),
            "currency": row.currency if row.currency and len(row.currency) == 3 else None,
        }
        yield {"account_id": row.account_id, **item} if organization else item


COLLECTOR = Collector(
    name="service_usage",
    scope="global",
    fetch=fetch,
    keys=("account_id", "date", "service", "usage_type", "unit"),
    supports_history=True,
    services=("ce",),
    iam_actions=("ce:GetCostAndUsage",),
    weight=3,
    description=(
        "Usage quantities and units with their cost by service and usage type, per day, from "
        "the same Cost Explorer query as cost. "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetCostAndUsage.html"
    ),
)
