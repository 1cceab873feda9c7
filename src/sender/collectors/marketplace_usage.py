"""AWS Marketplace usage and cost per day, product and usage type (Cost Explorer).

One ``GetCostAndUsage`` filtered server-side on the ``AWS Marketplace`` billing entity, grouped by
product (the SERVICE dimension) and usage type.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import money, text


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    pages = ctx.pages(
        ctx.global_client("ce"),
        "get_cost_and_usage",
        token=ce.TOKEN,
        TimePeriod=ce.period(ctx.window),
        Granularity="DAILY",
        Metrics=["UnblendedCost", "UsageQuantity"],
        Filter={"Dimensions": {"Key": "BILLING_ENTITY", "Values": ["AWS Marketplace"]}},
        GroupBy=[
            {"Type": "DIMENSION", "Key": "SERVICE"},
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        ],
    )
    for page in pages:
        for result in page.get("ResultsByTime", []):
            day = result["TimePeriod"]["Start"]
            for group in result.get("Groups", []):
                keys = [*group.get("Keys", []), "", ""]
                if not keys[0] or not keys[1]:
                    continue
                cost = group.get("Metrics", {}).get("UnblendedCost", {})
                usage = group.get("Metrics", {}).get("UsageQuantity", {})
                unit = cost.get("Unit")
                yield {
                    "date": day,
                    "product": text(keys[0]),
                    "usage_type": text(keys[1]),
                    "unit": text(usage.get("Unit")),
                    "quantity": money(usage.get("Amount")),
                    "cost": money(cost.get("Amount")),
                    "currency": unit if isinstance(unit, str) and len(unit) == 3 else None,
                }


COLLECTOR = Collector(
    name="marketplace_usage",
    scope="global",
    fetch=fetch,
    keys=("date", "product", "usage_type"),
    supports_history=True,
    services=("ce",),
    iam_actions=("ce:GetCostAndUsage",),
    weight=2,
    description=(
        "AWS Marketplace usage and cost per day and product, from Cost Explorer filtered on the "
        "AWS Marketplace billing entity. "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetCostAndUsage.html"
    ),
)
