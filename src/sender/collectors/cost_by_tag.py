"""Daily cost per cost-allocation tag key and value (Cost Explorer grouped by TAG).

The sender takes a list of tag keys (``SENDER_COST_TAG_KEYS``; `Context.cost_tag_keys`). Per key,
one ``GetCostAndUsage`` over the window, DAILY, grouped by ``TAG:<key>``, with the metrics of
``cost.daily`` (UnblendedCost and AmortizedCost) in the same request, filtered on the own
account (``LINKED_ACCOUNT``) like every account-mode cost request: one request (USD 0.01) per key
and run, none when no key is configured (the collector then reports ``skipped``).

Cost Explorer names each group ``<key>$<value>``; the cost of resources without the tag falls in
the group ``<key>$`` (empty value), sent as ``tag_value`` "" with ``untagged`` true. A key must
be activated as a cost-allocation tag in the payer account; cost before its activation is all
untagged. Each day carries Cost Explorer's ``Estimated`` flag. Days are the window's only (the
estimated days of the open month are not re-collected here, unlike ``cost.daily``).

Organization cost mode is not supported yet (per-account rows would need the receiver's
per-row account for this table): the collector reports ``skipped`` there.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context, NotEnabled
from sender.normalize import decimal, format_decimal, text

NO_KEYS = "no cost-allocation tag key configured (SENDER_COST_TAG_KEYS)"
ORGANIZATION_UNSUPPORTED = "cost by tag is collected in account cost mode only"


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    if ce.organization_mode(ctx):  # raises NotEnabled (skipped) when the cost mode is off
        raise NotEnabled(ORGANIZATION_UNSUPPORTED)
    if not ctx.cost_tag_keys:
        raise NotEnabled(NO_KEYS)
    for key in ctx.cost_tag_keys:
        yield from _key_rows(ctx, key)


def _key_rows(ctx: Context, key: str) -> Iterator[dict[str, Any]]:
    query = {
        "TimePeriod": ce.period(ctx.window),
        "Granularity": "DAILY",
        "Metrics": ce.COST_METRICS,
        "GroupBy": [{"Type": "TAG", "Key": key}],
    }
    sums: dict[tuple[str, str], list[Any]] = {}
    for page in ce.cost_and_usage_pages(ctx, query, ce.account_filter(ctx.account_id)):
        for result in page.get("ResultsByTime", []):
            day = result["TimePeriod"]["Start"]
            estimated = ce.estimated_flag(result)
            for group in result.get("Groups", []):
                value = tag_value(key, (group.get("Keys") or [""])[0])
                metrics = group.get("Metrics", {})
                unblended = metrics.get("UnblendedCost", {})
                acc = sums.setdefault(
                    (day, value), [Decimal(0), Decimal(0), unblended.get("Unit"), estimated]
                )
                acc[0] += decimal(unblended.get("Amount")) or 0
                acc[1] += decimal(metrics.get("AmortizedCost", {}).get("Amount")) or 0
    for (day, value), (unblended, amortized, unit, estimated) in sorted(sums.items()):
        item: dict[str, Any] = {
            "date": day,
            "tag_key": key,
            "tag_value": value,
            "untagged": value == "",
            "unblended_cost": format_decimal(unblended),
            "amortized_cost": format_decimal(amortized),
            "currency": unit
            if isinstance(unit, str) and len(unit) == 3 and unit.isalpha()
            else None,
        }
        if estimated is not None:
            item["estimated"] = estimated
        yield item


def tag_value(key: str, group_key: str) -> str:
    """The value in Cost Explorer's ``<key>$<value>`` group key ("" for ``<key>$``: untagged)."""
    prefix = f"{key}$"
    value = group_key[len(prefix) :] if group_key.startswith(prefix) else group_key
    return text(value) or ""


COLLECTOR = Collector(
    name="cost_by_tag",
    scope="global",
    fetch=fetch,
    keys=("date", "tag_key", "tag_value"),
    supports_history=True,
    services=("ce",),
    iam_actions=("ce:GetCostAndUsage",),
    weight=1,
    description=(
        "Daily unblended and amortized cost per value of each configured cost-allocation tag "
        "key (untagged cost included), from Cost Explorer, one request per key. "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetCostAndUsage.html"
    ),
)
