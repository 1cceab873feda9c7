"""AWS Marketplace usage and cost per day, product and usage type (Cost Explorer).

Account mode, no request of its own: the cost collectors' usage query (the window, grouped by
SERVICE and usage type, `_costexplorer.usage_rows`) holds Marketplace products too, under their
product name as SERVICE; the comparison totals query, grouped by SERVICE and ``BILLING_ENTITY``,
says which of those services ``AWS Marketplace`` bills (`_costexplorer.marketplace_services`).
The rows are the usage query's rows of those services. Trade-off (to save one request, USD 0.01
a day): a SERVICE value billed by both AWS and AWS Marketplace in the totals query's span would
bring its AWS-billed usage types along; Marketplace products carry their own product names, so
this is not expected. When the totals query does not run (a history window older than Cost
Explorer's comparison periods) or fails, one ``GetCostAndUsage`` filtered server-side on the
``AWS Marketplace`` billing entity and the own account (``And``), grouped by product and usage
type, answers as before.
Organization mode: one query lists the window's Marketplace products, then one query per product
(billing entity and product) is grouped by linked account and usage type; rows name their account.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code
from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import money, text

MARKETPLACE = ce.dimension("BILLING_ENTITY", ce.MARKETPLACE)
METRICS = ["UnblendedCost", "UsageQuantity"]


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    if not ce.organization_mode(ctx):  # raises NotEnabled (skipped) when off
        try:
            products = ce.marketplace_services(ctx)
        except ClientError as exc:
            if error_code(exc) in SKIP_CODES:
                raise
            products = None  # the totals query failed (cost reports it): ask on our own
        if products is not None:
            rows = (row for row in ce.usage_rows(ctx) if row.service in products)
            yield from _items(rows, None)
            return
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
