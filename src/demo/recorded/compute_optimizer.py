"""Compute Optimizer recommendations for the instances, volumes, functions and Auto Scaling
groups that exist in moto for the account and region.

The finding of an instance follows from its type (``data/instance_types.json``: an m6i.xlarge
idling at 23 % CPU is over-provisioned, m6i.large is the recommendation); the utilisation
figures move a little from day to day. Savings are the on-demand price difference over a month
(``savingsOpportunity``) and, as Compute Optimizer also answers, the same after the account's
Savings Plans discount (``savingsOpportunityAfterDiscounts``: Compute Savings Plans cover EC2,
Auto Scaling groups and Lambda, not EBS).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, Call, at, load, page
from demo.recorded.cost import COMMITMENTS, instance_price

HOURS_PER_MONTH = 730
MISSING = "moto 5.2 has no Compute Optimizer service"
RISK = {"Overprovisioned": "VeryLow", "Optimized": "Low", "Underprovisioned": "High"}


def _refreshed(call: Call) -> Any:
    return at(call.today - timedelta(days=1), 21, 37, 12)


def _savings(current: float, recommended: float) -> dict[str, Any]:
    monthly = max(current - recommended, 0.0) * HOURS_PER_MONTH
    percentage = 100 * (current - recommended) / current if current and monthly else 0.0
    return {
        "savingsOpportunityPercentage": round(percentage, 2),
        "estimatedMonthlySavings": {"currency": "USD", "value": round(monthly, 2)},
    }


def _discount(call: Call) -> float:
    """The account's Compute Savings Plans discount (its largest), 0 without a plan."""
    plans = COMMITMENTS[call.profile.key].plans if call.profile.key in COMMITMENTS else ()
    return max((plan.discount for plan in plans), default=0.0)


def _after_discounts(call: Call, option: dict[str, Any], covered: bool = True) -> dict[str, Any]:
    """``option`` with ``savingsOpportunityAfterDiscounts``: its On-Demand savings less the
    Savings Plans discount the account already gets (unchanged where plans do not apply)."""
    on_demand = option["savingsOpportunity"]
    rate = 1 - (_discount(call) if covered else 0.0)
    value = on_demand["estimatedMonthlySavings"]["value"]
    return {
        **option,
        "savingsOpportunityAfterDiscounts": {
            "savingsOpportunityPercentage": on_demand["savingsOpportunityPercentage"],
            "estimatedMonthlySavings": {"currency": "USD", "value": round(value * rate, 2)},
        },
    }


def _accounts_match(call: Call) -> bool:
    wanted = call.params.get("accountIds")
    return not wanted or call.account_id in wanted


def _respond(
    call: Call, key: str, items: list[dict[str, Any]], errors: bool = True
) -> dict[str, Any]:
    filters = call.params.get("filters") or []
    for condition in filters:
        if condition.get("name") == "Finding":
            items = [i for i in items if i.get("finding") in condition.get("values", [])]
    chunk, token = page(items, call.params, "maxResults", "nextToken")
    response: dict[str, Any] = {key: chunk, **({"errors": []} if errors else {})}
    if token:
        response["nextToken"] = token
    return response


def _instance_type_info(kind: str) -> dict[str, Any]:
    types = load("instance_types.json")
    return types.get(kind) or {"price": 0.1, "finding": "Optimized", "cpu": 50.0}


def ec2(call: Call) -> dict[str, Any]:
    items = []
    if _accounts_match(call):
        for instance in _moto.instances(call):
            items.append(_ec2_item(call, instance))
    arns = call.params.get("instanceArns")
    if arns:
        items = [i for i in items if i["instanceArn"] in arns]
    return _respond(call, "instanceRecommendations", items)


def _ec2_item(call: Call, instance: dict[str, Any]) -> dict[str, Any]:
    instance_id, kind = instance["InstanceId"], instance["InstanceType"]
    info = _instance_type_info(kind)
    rng = call.rng("ec2", instance_id, call.today)
    cpu = min(info["cpu"] * rng.uniform(0.92, 1.08), 100.0)
    finding = info["finding"]
    if instance.get("State", {}).get("Name") == "stopped":
        finding = "Optimized"  # stopped: nothing to measure, nothing to change
    recommended = info.get("recommended") if finding != "Optimized" else None
    options = []
    price = instance_price(kind, call.region) if kind in load("instance_types.json") else 0.1
    for rank, option_type in enumerate([recommended or kind, kind] if recommended else [kind], 1):
        option_price = (
            instance_price(option_type, call.region)
            if option_type in load("instance_types.json")
            else price
        )
        ratio = price / option_price if option_price else 1.0
        option = {
            "instanceType": option_type,
            "projectedUtilizationMetrics": [
                {"name": "Cpu", "statistic": "Maximum", "value": round(min(cpu * ratio, 100), 2)}
            ],
            "platformDifferences": [],
            "performanceRisk": 1.0 if finding == "Overprovisioned" else 0.5,
            "rank": rank,
            "savingsOpportunity": _savings(price, option_price),
            "migrationEffort": "VeryLow",
        }
        options.append(_after_discounts(call, option))
    item: dict[str, Any] = {
        "instanceArn": f"arn:aws:ec2:{call.region}:{call.account_id}:instance/{instance_id}",
        "accountId": call.account_id,
        "currentInstanceType": kind,
        "finding": finding,
        "findingReasonCodes": list(info.get("reasons", [])) if recommended else [],
        "utilizationMetrics": [
            {"name": "Cpu", "statistic": "Maximum", "value": round(cpu, 2)},
            {"name": "Memory", "statistic": "Maximum", "value": round(cpu * 0.8 + 10, 2)},
        ],
        "lookBackPeriodInDays": 14.0,
        "recommendationOptions": options,
        "recommendationSources": [
            {
                "recommendationSourceArn": (
                    f"arn:aws:ec2:{call.region}:{call.account_id}:instance/{instance_id}"
                ),
                "recommendationSourceType": "Ec2Instance",
            }
        ],
        "lastRefreshTimestamp": _refreshed(call),
        "currentPerformanceRisk": RISK.get(finding, "Low"),
        "instanceState": instance.get("State", {}).get("Name", "running"),
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in instance.get("Tags") or []],
        "idle": "False",
    }
    name = _moto.name_tag(instance)
    if name:
        item["instanceName"] = name
    return item


def ebs(call: Call) -> dict[str, Any]:
    items = []
    if _accounts_match(call):
        for volume in _moto.volumes(call):
            items.append(_ebs_item(call, volume))
    arns = call.params.get("volumeArns")
    if arns:
        items = [i for i in items if i["volumeArn"] in arns]
    return _respond(call, "volumeRecommendations", items)


def _ebs_item(call: Call, volume: dict[str, Any]) -> dict[str, Any]:
    kind, size = volume.get("VolumeType", "gp2"), int(volume.get("Size", 8))
    current = {
        "volumeType": kind,
        "volumeSize": size,
        "volumeBaselineIOPS": int(volume.get("Iops") or max(100, 3 * size)),
        "volumeBurstIOPS": 3000,
        "volumeBaselineThroughput": 125 if kind == "gp3" else 250,
        "volumeBurstThroughput": 250,
        "rootVolume": bool(volume.get("Attachments")),
    }
    per_gib = {
        "gp2": 0.11,
        "gp3": 0.088,
        "io1": 0.138,
        "st1": 0.05,
        "sc1": 0.0168,
        "standard": 0.055,
    }
    rng = call.rng("ebs", volume["VolumeId"], call.today)
    attached = bool(volume.get("Attachments"))
    if kind in ("gp2", "io1", "standard") or not attached:
        finding = "NotOptimized"
        target = {**current, "volumeType": "gp3", "volumeBaselineIOPS": 3000}
        target["volumeBaselineThroughput"] = 125
        if not attached:
            target["volumeSize"] = max(8, size // 2)
    else:
        finding, target = "Optimized", dict(current)
    price = per_gib.get(kind, 0.1) * size
    target_price = per_gib.get(str(target["volumeType"]), 0.1) * int(target["volumeSize"])
    savings = max(price - target_price, 0.0)
    return {
        "volumeArn": f"arn:aws:ec2:{call.region}:{call.account_id}:volume/{volume['VolumeId']}",
        "accountId": call.account_id,
        "currentConfiguration": current,
        "finding": finding,
        "utilizationMetrics": [
            {
                "name": "VolumeReadOpsPerSecond",
                "statistic": "Maximum",
                "value": round(rng.uniform(5, 180), 2) if attached else 0.0,
            },
            {
                "name": "VolumeWriteOpsPerSecond",
                "statistic": "Maximum",
                "value": round(rng.uniform(10, 320), 2) if attached else 0.0,
            },
        ],
        "lookBackPeriodInDays": 14.0,
        "volumeRecommendationOptions": [
            _after_discounts(
                call,
                {
                    "configuration": target,
                    "performanceRisk": 0.0 if finding == "NotOptimized" else 1.0,
                    "rank": 1,
                    "savingsOpportunity": {
                        "savingsOpportunityPercentage": round(100 * savings / price, 2)
                        if price
                        else 0.0,
                        "estimatedMonthlySavings": {"currency": "USD", "value": round(savings, 2)},
                    },
                },
                covered=False,  # Savings Plans do not cover EBS
            )
        ],
        "lastRefreshTimestamp": _refreshed(call),
        "currentPerformanceRisk": "VeryLow",
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in volume.get("Tags") or []],
    }


def lambda_functions(call: Call) -> dict[str, Any]:
    items = []
    if _accounts_match(call):
        for function in _moto.functions(call):
            items.append(_lambda_item(call, function))
    arns = call.params.get("functionArns")
    if arns:
        items = [i for i in items if i["functionArn"].rsplit(":", 1)[0] in arns]
    return _respond(call, "lambdaFunctionRecommendations", items, errors=False)


def _lambda_item(call: Call, function: dict[str, Any]) -> dict[str, Any]:
    memory = int(function.get("MemorySize") or 128)
    rng = call.rng("lambda", function["FunctionName"])
    daily = call.rng("lambda", function["FunctionName"], call.today)
    invocations = int(rng.choice([40, 2_300, 18_000, 145_000]) * daily.uniform(0.9, 1.1))
    used = memory * rng.choice([0.22, 0.35, 0.78, 0.97])
    if invocations < 50:
        finding, reasons, options = "Unavailable", ["InsufficientData"], []
    elif used < memory * 0.4 and memory > 128:
        finding, reasons = "NotOptimized", ["MemoryOverprovisioned"]
        target = max(128, int(used * 1.6) // 64 * 64)
        gb_seconds = invocations * 30 * 0.35  # 350 ms average
        saving = (memory - target) / 1024 * gb_seconds * 0.0000166667
        options = [_lambda_option(target, saving, memory)]
    elif used > memory * 0.9:
        finding, reasons = "NotOptimized", ["MemoryUnderprovisioned"]
        options = [_lambda_option(memory * 2, 0.0, memory)]
    else:
        finding, reasons = "Optimized", []
        options = [_lambda_option(memory, 0.0, memory)]
    return {
        "functionArn": f"{function['FunctionArn']}:$LATEST",
        "functionVersion": "$LATEST",
        "accountId": call.account_id,
        "currentMemorySize": memory,
        "numberOfInvocations": invocations,
        "utilizationMetrics": [
            {
                "name": "Duration",
                "statistic": "Average",
                "value": round(daily.uniform(180, 420), 2),
            },
            {"name": "Memory", "statistic": "Maximum", "value": round(used, 2)},
        ],
        "lookbackPeriodInDays": 14.0,
        "lastRefreshTimestamp": _refreshed(call),
        "finding": finding,
        "findingReasonCodes": reasons,
        "memorySizeRecommendationOptions": [_after_discounts(call, o) for o in options],
        "currentPerformanceRisk": "High" if "MemoryUnderprovisioned" in reasons else "VeryLow",
    }


def _lambda_option(memory: int, saving: float, current: int) -> dict[str, Any]:
    return {
        "rank": 1,
        "memorySize": memory,
        "projectedUtilizationMetrics": [
            {"name": "Duration", "statistic": "Expected", "value": round(350 * current / memory, 2)}
        ],
        "savingsOpportunity": {
            "savingsOpportunityPercentage": round(100 * (current - memory) / current, 2)
            if memory < current
            else 0.0,
            "estimatedMonthlySavings": {"currency": "USD", "value": round(saving, 2)},
        },
    }


def auto_scaling_groups(call: Call) -> dict[str, Any]:
    items = []
    if _accounts_match(call):
        launch_types = _moto.launch_configuration_types(call)
        for group in _moto.auto_scaling_groups(call):
            kind = launch_types.get(group.get("LaunchConfigurationName", ""))
            instances = group.get("Instances") or []
            kind = kind or (instances[0].get("InstanceType") if instances else None) or "m6i.large"
            items.append(_asg_item(call, group, kind))
    arns = call.params.get("autoScalingGroupArns")
    if arns:
        items = [i for i in items if i["autoScalingGroupArn"] in arns]
    return _respond(call, "autoScalingGroupRecommendations", items)


def _asg_item(call: Call, group: dict[str, Any], kind: str) -> dict[str, Any]:
    info = _instance_type_info(kind)
    finding = info["finding"]
    recommended = info.get("recommended") if finding != "Optimized" else None
    size = {
        "desiredCapacity": int(group.get("DesiredCapacity", 1)),
        "minSize": int(group.get("MinSize", 1)),
        "maxSize": int(group.get("MaxSize", 1)),
    }
    current = {**size, "instanceType": kind, "type": "SingleInstanceType"}
    target = {**size, "instanceType": recommended or kind, "type": "SingleInstanceType"}
    known = load("instance_types.json")
    price = instance_price(kind, call.region) if kind in known else 0.1
    target_price = (
        instance_price(target["instanceType"], call.region)
        if target["instanceType"] in known
        else price
    )
    capacity = size["desiredCapacity"]
    cpu = info["cpu"] * call.rng("asg", group["AutoScalingGroupName"], call.today).uniform(0.9, 1.1)
    return {
        "accountId": call.account_id,
        "autoScalingGroupArn": group["AutoScalingGroupARN"],
        "autoScalingGroupName": group["AutoScalingGroupName"],
        "finding": finding,
        "utilizationMetrics": [{"name": "Cpu", "statistic": "Maximum", "value": round(cpu, 2)}],
        "lookBackPeriodInDays": 14.0,
        "currentConfiguration": current,
        "recommendationOptions": [
            _after_discounts(
                call,
                {
                    "configuration": target,
                    "projectedUtilizationMetrics": [
                        {
                            "name": "Cpu",
                            "statistic": "Maximum",
                            "value": round(min(cpu * price / target_price, 100), 2),
                        }
                    ],
                    "performanceRisk": 1.0,
                    "rank": 1,
                    "savingsOpportunity": _savings(price * capacity, target_price * capacity),
                    "migrationEffort": "Low",
                },
            )
        ],
        "lastRefreshTimestamp": _refreshed(call),
        "currentPerformanceRisk": RISK.get(finding, "Low"),
    }


ANSWERS: Answers = {
    ("compute-optimizer", "GetEC2InstanceRecommendations"): Answer(MISSING, ec2),
    ("compute-optimizer", "GetEBSVolumeRecommendations"): Answer(MISSING, ebs),
    ("compute-optimizer", "GetLambdaFunctionRecommendations"): Answer(MISSING, lambda_functions),
    ("compute-optimizer", "GetAutoScalingGroupRecommendations"): Answer(
        MISSING, auto_scaling_groups
    ),
}
