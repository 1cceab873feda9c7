"""AWS Marketplace usage and cost per day, product and usage type (Cost Explorer).

Account mode: one ``GetCostAndUsage`` filtered server-side on the ``AWS Marketplace`` billing
entity and the own account (``And``), grouped by product (the SERVICE dimension) and usage type.
Organization mode: one query lists the window's Marketplace products, then one query per product
(billing entity and product) is grouped by linked account and usage type; rows name their account.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import money, text

MARKETPLACE = ce.dimension("BILLING_ENTITY", "AWS Marketplace")
METRICS = ["UnblendedCost", "UsageQuantity"]


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    if not ce.organization_mode(ctx):  # raises NotEnabled (skipped) when off
        rows = ce.grouped_rows(
            ctx,
            ("SERVICE", "USAGE_TYPE"),
            METRICS,
            ce.account_filter(ctx.account_id, MARKETPLACE),
            lambda keys: (ctx.account_id, keys[0], keys[1]),
        )
        yield from _items(rows, None)
        return
    for product in ce.dimension_values(ctx, "SERVICE", MARKETPLACE):
        rows = ce.grouped_rows(
            ctx,
            ("LINKED_ACCOUNT", "USAGE_TYPE"),
            METRICS,
            {"And": [MARKETPLACE, ce.dimension("SERVICE", product)]},
            lambda keys, product=product: (keys[0], product, keys[1]),
        )
        yield from _items(rows, "account_id")


def _items(rows: Iterator[ce.UsageRow], account_field: str | None) -> Iterator[dict[str, Any]]:
    for row in rows:
        if not row.service or not row.usage_type:
            continue
        unit = row.currency
        item = {
            "date": row.date,
            "product": text(row.service),
            "usage_type": text(row.usage_type),
            "unit": text(row.unit),
            "quantity": money(row.quantity),
            "cost": money(row.unblended),
            "currency": unit if isinstance(unit, str) and len(unit) == 3 else None,
        }
        yield {account_field: row.account_id, **item} if account_field else item


COLLECTOR = Collector(
    name="marketplace_usage",
    scope="global",
    fetch=fetch,
    keys=("account_id", "date", "product", "usage_type"),
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
