"""Cost anomalies detected by AWS Cost Anomaly Detection, with their root causes.

One ``GetAnomalies`` (paged by ``NextPageToken``) per run: a history window asks its own days
(the API selects anomalies by their dates; AWS keeps them 90 days, so the range starts no earlier
than 89 days ago, and a window older than that is not asked: no request, no row). A scheduled
run asks its window and the `LOOKBACK_DAYS` before it, in the same request: an anomaly's later
state (its end date, once AWS ends it, its feedback and final impact) reaches the receiver
although the anomaly's days lie before the window. Each anomaly is sent in the state AWS
reports now, keyed by ``AnomalyId``: the receiver keeps its latest state.
Open = ``AnomalyEndDate`` absent (the anomaly has not ended). Impacts (``MaxImpact``,
``TotalImpact`` = actual - expected spend, ``TotalActualSpend``, ``TotalExpectedSpend``,
``TotalImpactPercentage``, omitted by AWS when the expected spend is zero) are US dollars, as the
API reference describes them. Root causes keep AWS's order (``position``), with their
contribution when given.

Which anomalies: those of the cost monitors the account can see (its own monitors; in the
management account, monitors over linked accounts too, whose root causes name the linked
account). No ``LINKED_ACCOUNT`` filter exists for this API, so the cost mode changes nothing but
``off`` (no Cost Explorer request at all: skipped). One request (USD 0.01) per run.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetAnomalies.html
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sender.collectors import _costexplorer as ce
from sender.collectors.base import Collector, Context
from sender.normalize import day, money, text

RETENTION_DAYS = 90  # "Anomalies are available for up to 90 days" (API reference)
LOOKBACK_DAYS = 60  # days before a scheduled run's window whose anomalies are asked again
FEEDBACK = ("YES", "NO", "PLANNED_ACTIVITY")


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    ce.organization_mode(ctx)  # raises NotEnabled (skipped) when the cost mode is off
    start = ctx.window.start - timedelta(days=LOOKBACK_DAYS if ctx.current else 0)
    start = max(start, ctx.today - timedelta(days=RETENTION_DAYS - 1))
    last = ctx.window.end - timedelta(days=1)  # both dates are days of the range
    if last < start:
        return  # older than AWS keeps anomalies: nothing to ask
    interval = {"StartDate": start.isoformat(), "EndDate": last.isoformat()}
    client = ctx.global_client("ce")
    for page in ctx.pages(client, "get_anomalies", token=ce.TOKEN, DateInterval=interval):
        for anomaly in page.get("Anomalies", []):
            item = _anomaly(ctx, anomaly)
            if item is not None:
                yield item


def _anomaly(ctx: Context, anomaly: dict[str, Any]) -> dict[str, Any] | None:
    anomaly_id = ctx.identifier(anomaly.get("AnomalyId"), "AnomalyId", key=True)
    if anomaly_id is None:
        return None
    impact = anomaly.get("Impact") or {}
    score = anomaly.get("AnomalyScore") or {}
    feedback = anomaly.get("Feedback")
    return {
        "anomaly_id": anomaly_id,
        "monitor_arn": ctx.arn(anomaly.get("MonitorArn"), "MonitorArn"),
        "start_date": day(anomaly.get("AnomalyStartDate")),
        "end_date": day(anomaly.get("AnomalyEndDate")),
        "dimension_value": text(anomaly.get("DimensionValue")),
        "max_impact": money(impact.get("MaxImpact")),
        "total_impact": money(impact.get("TotalImpact")),
        "total_actual_spend": money(impact.get("TotalActualSpend")),
        "total_expected_spend": money(impact.get("TotalExpectedSpend")),
        "total_impact_percentage": money(impact.get("TotalImpactPercentage")),
        "max_score": money(score.get("MaxScore")),
        "current_score": money(score.get("CurrentScore")),
        "feedback": feedback if feedback in FEEDBACK else None,
        "root_causes": [
            _root_cause(n, cause)
            for n, cause in enumerate(anomaly.get("RootCauses") or [], start=1)
        ],
    }


def _root_cause(position: int, cause: dict[str, Any]) -> dict[str, Any]:
    account = cause.get("LinkedAccount")
    return {
        "position": position,
        "service": text(cause.get("Service")),
        "region": text(cause.get("Region")),
        "usage_type": text(cause.get("UsageType")),
        "linked_account": account if isinstance(account, str) and _account(account) else None,
        "linked_account_name": text(cause.get("LinkedAccountName")),
        "contribution": money((cause.get("Impact") or {}).get("Contribution")),
    }


def _account(value: str) -> bool:
    return len(value) == 12 and value.isdigit()


COLLECTOR = Collector(
    name="cost_anomalies",
    scope="global",
    fetch=fetch,
    keys=("anomaly_id",),
    supports_history=True,
    services=("ce",),
    iam_actions=("ce:GetAnomalies",),
    weight=1,
    description=(
        "Cost anomalies detected by Cost Anomaly Detection over the window (open while AWS has "
        "not ended them), with impact in USD and root causes, once per account. "
        "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_GetAnomalies.html"
    ),
)
