"""Compute Optimizer rightsizing recommendations for EC2, EBS, Lambda and Auto Scaling groups.

One paginated call per resource type, filtered server-side to this account. An account not
opted in answers ``OptInRequiredException`` (skipped); a type that fails on its own is a warning.
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_GetEC2InstanceRecommendations.html

Savings: ``savingsOpportunity`` is priced at On-Demand rates, so for a resource covered by
Savings Plans or Reserved Instances it overstates what rightsizing saves.
``savingsOpportunityAfterDiscounts`` (EC2, EBS, Lambda and Auto Scaling options) includes those
discounts; it is used where present, and ``savings_basis`` says which one each item carries
(``after_discounts`` or ``on_demand``).
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_InstanceSavingsOpportunityAfterDiscounts.html

Utilisation and risk (contract 1.2), as each recommendation type documents them:
``utilizationMetrics`` over ``lookBackPeriodInDays`` (Lambda: ``lookbackPeriodInDays``), one row
per metric name and statistic (EC2 and Auto Scaling groups: Cpu, Memory, EBS/disk/network rates
and GPU percentages; EBS: VolumeReadOpsPerSecond ...; Lambda: Duration in ms and Memory in MB);
``currentPerformanceRisk`` (VeryLow to High) of the current configuration; the top option's
``performanceRisk`` (0 to 4; EC2, EBS and Auto Scaling groups) and ``migrationEffort`` (VeryLow
to High; EC2 and Auto Scaling groups only); ``findingReasonCodes`` (EC2 and Lambda).
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_InstanceRecommendation.html
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_InstanceRecommendationOption.html
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_VolumeRecommendation.html
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_LambdaFunctionRecommendation.html
https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_AutoScalingGroupRecommendation.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors.base import Collector, Context
from sender.normalize import key_text, money, number, percent, text

TOKEN = ("nextToken", "nextToken")
EFFORTS = ("VeryLow", "Low", "Medium", "High")


def _best(options: list[dict[str, Any]] | None) -> dict[str, Any]:
    if not options:
        return {}
    return sorted(options, key=lambda o: o.get("rank", 99))[0]


def _volume(config: dict[str, Any] | None) -> str | None:
    if not config or not config.get("volumeType"):
        return None
    parts = [str(config["volumeType"])]
    if config.get("volumeSize") is not None:
        parts.append(f"{config['volumeSize']} GiB")
    if config.get("volumeBaselineIOPS"):
        parts.append(f"{config['volumeBaselineIOPS']} IOPS")
    if config.get("volumeBaselineThroughput"):
        parts.append(f"{config['volumeBaselineThroughput']} MiB/s")
    return " ".join(parts)


def _memory(size: Any) -> str | None:
    return f"{size} MB" if size is not None else None


def _ec2(rec: dict[str, Any]) -> tuple[Any, ...]:
    option = _best(rec.get("recommendationOptions"))
    return (
        rec.get("instanceArn"),
        rec.get("currentInstanceType"),
        option.get("instanceType"),
        option,
    )


def _ebs(rec: dict[str, Any]) -> tuple[Any, ...]:
    option = _best(rec.get("volumeRecommendationOptions"))
    current, recommended = (
        _volume(rec.get("currentConfiguration")),
        _volume(option.get("configuration")),
    )
    return rec.get("volumeArn"), current, recommended, option


def _lambda(rec: dict[str, Any]) -> tuple[Any, ...]:
    option = _best(rec.get("memorySizeRecommendationOptions"))
    current, recommended = _memory(rec.get("currentMemorySize")), _memory(option.get("memorySize"))
    return rec.get("functionArn"), current, recommended, option


def _asg(rec: dict[str, Any]) -> tuple[Any, ...]:
    option = _best(rec.get("recommendationOptions"))
    current = (rec.get("currentConfiguration") or {}).get("instanceType")
    recommended = (option.get("configuration") or {}).get("instanceType")
    return rec.get("autoScalingGroupArn"), current, recommended, option


KINDS: tuple[tuple[str, str, str, Callable[[dict[str, Any]], tuple[Any, ...]]], ...] = (
    ("EC2", "get_ec2_instance_recommendations", "instanceRecommendations", _ec2),
    ("EBS", "get_ebs_volume_recommendations", "volumeRecommendations", _ebs),
    ("LAMBDA", "get_lambda_function_recommendations", "lambdaFunctionRecommendations", _lambda),
    ("ASG", "get_auto_scaling_group_recommendations", "autoScalingGroupRecommendations", _asg),
)


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("compute-optimizer")
    denied: list[ClientError] = []
    for kind, operation, key, convert in KINDS:
        try:
            pages = ctx.pages(
                client, operation, token=TOKEN, accountIds=[ctx.account_id], maxResults=1000
            )
            for page in pages:
                for rec in page.get(key, []):
                    item = _item(ctx, kind, rec, convert)
                    if item is not None:
                        yield item
        except ClientError as exc:
            if error_code(exc) in SKIP_CODES:
                denied.append(exc)
            else:
                ctx.warn(f"{kind}: {error_message(exc)}")
    if denied and len(denied) == len(KINDS):
        raise denied[0]
    for exc in denied:
        ctx.warn(error_message(exc))


def _savings(option: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The option's savings after Savings Plans / RI discounts where Compute Optimizer gives
    them, else at On-Demand prices; with the basis used (None when there is neither)."""
    for field, basis in (
        ("savingsOpportunityAfterDiscounts", "after_discounts"),
        ("savingsOpportunity", "on_demand"),
    ):
        savings = option.get(field) or {}
        if (savings.get("estimatedMonthlySavings") or {}).get("value") is not None:
            return savings, basis
    return {}, None


def _item(ctx: Context, kind: str, rec: dict[str, Any], convert) -> dict[str, Any] | None:
    resource_arn, current, recommended, option = convert(rec)
    resource_arn = ctx.arn(resource_arn, f"{kind} resource ARN", key=True)
    if not resource_arn:
        return None
    savings, basis = _savings(option)
    estimated = savings.get("estimatedMonthlySavings") or {}
    currency = estimated.get("currency")
    effort = option.get("migrationEffort")
    risk = number(option.get("performanceRisk"))
    lookback = number(rec.get("lookBackPeriodInDays", rec.get("lookbackPeriodInDays")))
    return {
        "resource_arn": resource_arn,
        "resource_type": kind,
        "region": ctx.region,
        "finding": text(rec.get("finding")),
        "current_configuration": text(current),
        "recommended_configuration": text(recommended),
        "estimated_monthly_savings": money(estimated.get("value")),
        "savings_percentage": percent(savings.get("savingsOpportunityPercentage")),
        "savings_basis": basis,
        "performance_risk": text(rec.get("currentPerformanceRisk")),
        "currency": currency if isinstance(currency, str) and len(currency) == 3 else None,
        "finding_reasons": sorted({r for r in map(text, rec.get("findingReasonCodes") or []) if r}),
        "migration_effort": effort if effort in EFFORTS else None,
        "recommended_performance_risk": risk if risk is not None and 0 <= risk <= 4 else None,
        "lookback_days": lookback if lookback is not None and lookback >= 0 else None,
        "utilization": _utilization(rec.get("utilizationMetrics")),
    }


def _utilization(metrics: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """One row per metric name and statistic (the first one when AWS repeats a pair)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for metric in metrics or []:
        name, statistic = key_text(metric.get("name")), key_text(metric.get("statistic"))
        if name and statistic and (name, statistic) not in rows:
            rows[name, statistic] = {
                "metric": name,
                "statistic": statistic,
                "value": number(metric.get("value")),
            }
    return list(rows.values())


COLLECTOR = Collector(
    name="compute_optimizer",
    scope="regional",
    fetch=fetch,
    keys=("resource_arn",),
    services=("compute-optimizer",),
    iam_actions=(
        # Compute Optimizer checks these dependent actions on the caller as well.
        "autoscaling:DescribeAutoScalingGroups",
        "compute-optimizer:GetAutoScalingGroupRecommendations",
        "compute-optimizer:GetEBSVolumeRecommendations",
        "compute-optimizer:GetEC2InstanceRecommendations",
        "compute-optimizer:GetLambdaFunctionRecommendations",
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "lambda:ListFunctions",
    ),
    weight=3,
    description=(
        "Compute Optimizer findings and top recommendation with estimated monthly savings for "
        "EC2 instances, EBS volumes, Lambda functions and Auto Scaling groups, after Savings "
        "Plans and RI discounts where Compute Optimizer gives them (`savings_basis`: "
        "`after_discounts` or `on_demand`), utilisation metrics, performance risk and "
        "migration effort. "
        "https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/"
        "API_GetEC2InstanceRecommendations.html"
    ),
)
