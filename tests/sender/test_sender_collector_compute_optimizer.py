"""compute_optimizer: EC2, EBS, Lambda and Auto Scaling recommendations, not opted in -> skipped."""

from __future__ import annotations

from sender.collectors.compute_optimizer import COLLECTOR
from support.sender_fixtures import (
    ACCOUNT,
    REGION,
    WireStub,
    make_context,
    run_collector,
    section,
    stubbed,
    validate_outcome,
)

LAMBDA = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function"
ASG = f"arn:aws:autoscaling:eu-west-1:{ACCOUNT}:autoScalingGroup"
REQUEST = {"accountIds": [ACCOUNT], "maxResults": 1000}


def savings(value, pct):
    return {
        "savingsOpportunityPercentage": pct,
        "estimatedMonthlySavings": {"currency": "USD", "value": value},
    }


def test_all_four_resource_types_over_pages(clients):
    arn = f"arn:aws:ec2:eu-west-1:{ACCOUNT}"
    with stubbed(clients, "compute-optimizer") as co:
        co.add_response(
            "get_ec2_instance_recommendations",
            {
                "instanceRecommendations": [
                    {
                        "instanceArn": f"{arn}:instance/i-0123456789abcdef0",
                        "currentInstanceType": "m6i.xlarge",
                        "finding": "Overprovisioned",
                        "currentPerformanceRisk": "Low",
                        "recommendationOptions": [
                            {
                                "instanceType": "m6i.large",
                                "rank": 1,
                                "savingsOpportunity": savings(70.08, 50.0),
                            },
                            {
                                "instanceType": "t3.large",
                                "rank": 2,
                                "savingsOpportunity": savings(80, 60),
                            },
                        ],
                    }
                ],
                "nextToken": "e",
            },
            REQUEST,
        )
        co.add_response(
            "get_ec2_instance_recommendations",
            {"instanceRecommendations": []},
            {**REQUEST, "nextToken": "e"},
        )
        co.add_response(
            "get_ebs_volume_recommendations",
            {
                "volumeRecommendations": [
                    {
                        "volumeArn": f"{arn}:volume/vol-0a1b2c3d4e5f60718",
                        "finding": "NotOptimized",
                        "currentConfiguration": {"volumeType": "gp2", "volumeSize": 500},
                        "currentPerformanceRisk": "VeryLow",
                        "volumeRecommendationOptions": [
                            {
                                "rank": 1,
                                "configuration": {
                                    "volumeType": "gp3",
                                    "volumeSize": 500,
                                    "volumeBaselineIOPS": 3000,
                                    "volumeBaselineThroughput": 125,
                                },
                                "savingsOpportunity": savings(10, 20),
                            }
                        ],
                    }
                ]
            },
            REQUEST,
        )
        co.add_response(
            "get_lambda_function_recommendations",
            {
                "lambdaFunctionRecommendations": [
                    {
                        "functionArn": f"{LAMBDA}:resizer:$LATEST",
                        "currentMemorySize": 1024,
                        "finding": "NotOptimized",
                        "memorySizeRecommendationOptions": [
                            {"rank": 1, "memorySize": 512, "savingsOpportunity": savings(1.5, 45)}
                        ],
                    }
                ]
            },
            REQUEST,
        )
        co.add_response(
            "get_auto_scaling_group_recommendations",
            {
                "autoScalingGroupRecommendations": [
                    {
                        "autoScalingGroupArn": f"{ASG}:1a2b:autoScalingGroupName/workers",
                        "finding": "Optimized",
                        "currentConfiguration": {"instanceType": "c6g.large"},
                        "recommendationOptions": [],
                    }
                ]
            },
            REQUEST,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = {i["resource_type"]: i for i in section(outcome)}
    assert items["EC2"] == {
        "resource_arn": f"{arn}:instance/i-0123456789abcdef0",
        "resource_type": "EC2",
        "region": REGION,
        "finding": "Overprovisioned",
        "current_configuration": "m6i.xlarge",
        "recommended_configuration": "m6i.large",
        "estimated_monthly_savings": "70.08",
        "savings_percentage": 50,
        "savings_basis": "on_demand",  # Compute Optimizer gave no after-discount figure
        "performance_risk": "Low",
        "currency": "USD",
        "finding_reasons": [],  # absent fields: nothing invented
        "migration_effort": None,
        "recommended_performance_risk": None,
        "lookback_days": None,
        "utilization": [],
    }
    assert items["EBS"]["current_configuration"] == "gp2 500 GiB"
    assert items["EBS"]["recommended_configuration"] == "gp3 500 GiB 3000 IOPS 125 MiB/s"
    assert (
        items["LAMBDA"]["current_configuration"],
        items["LAMBDA"]["recommended_configuration"],
    ) == ("1024 MB", "512 MB")
    assert items["ASG"]["recommended_configuration"] is None


def test_savings_after_discounts_are_preferred_and_named(clients):
    """Issue 17, item 7: ``savingsOpportunity`` is priced at On-Demand; for resources covered by
    Savings Plans or RIs ``savingsOpportunityAfterDiscounts`` is what rightsizing saves."""
    arn = f"arn:aws:ec2:eu-west-1:{ACCOUNT}"
    with stubbed(clients, "compute-optimizer") as co:
        co.add_response(
            "get_ec2_instance_recommendations",
            {
                "instanceRecommendations": [
                    {
                        "instanceArn": f"{arn}:instance/i-0fedcba9876543210",
                        "currentInstanceType": "m5.2xlarge",
                        "finding": "Overprovisioned",
                        "recommendationOptions": [
                            {
                                "instanceType": "m5.xlarge",
                                "rank": 1,
                                "savingsOpportunity": savings(140.16, 50.0),
                                "savingsOpportunityAfterDiscounts": savings(84.10, 30.0),
                            }
                        ],
                    }
                ]
            },
            REQUEST,
        )
        co.add_response(
            "get_ebs_volume_recommendations",
            {
                "volumeRecommendations": [
                    {
                        "volumeArn": f"{arn}:volume/vol-0123456789abcdef0",
                        "finding": "NotOptimized",
                        "currentConfiguration": {"volumeType": "io1", "volumeSize": 200},
                        "volumeRecommendationOptions": [
                            {
                                "rank": 1,
                                "configuration": {"volumeType": "gp3", "volumeSize": 200},
                                "savingsOpportunity": savings(26.0, 65.0),
                                "savingsOpportunityAfterDiscounts": savings(26.0, 65.0),
                            }
                        ],
                    }
                ]
            },
            REQUEST,
        )
        co.add_response(
            "get_lambda_function_recommendations",
            {
                "lambdaFunctionRecommendations": [
                    {
                        "functionArn": f"{LAMBDA}:thumbnailer:$LATEST",
                        "currentMemorySize": 2048,
                        "finding": "NotOptimized",
                        "memorySizeRecommendationOptions": [
                            {
                                "rank": 1,
                                "memorySize": 1024,
                                "savingsOpportunity": savings(3.2, 48.0),
                                "savingsOpportunityAfterDiscounts": savings(2.5, 37.5),
                            }
                        ],
                    }
                ]
            },
            REQUEST,
        )
        co.add_response(
            "get_auto_scaling_group_recommendations",
            {
                "autoScalingGroupRecommendations": [
                    {
                        "autoScalingGroupArn": f"{ASG}:9f8e:autoScalingGroupName/web",
                        "finding": "NotOptimized",
                        "currentConfiguration": {"instanceType": "c5.2xlarge"},
                        "recommendationOptions": [
                            {
                                "configuration": {"instanceType": "c5.xlarge"},
                                "rank": 1,
                                "savingsOpportunity": savings(244.0, 50.0),
                                "savingsOpportunityAfterDiscounts": savings(0, 0),  # all RI
                            }
                        ],
                    }
                ]
            },
            REQUEST,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = {i["resource_type"]: i for i in section(outcome)}
    got = {
        kind: (i["estimated_monthly_savings"], i["savings_percentage"], i["savings_basis"])
        for kind, i in items.items()
    }
    assert got == {
        "EC2": ("84.1", 30, "after_discounts"),
        "EBS": ("26", 65, "after_discounts"),
        "LAMBDA": ("2.5", 37.5, "after_discounts"),
        "ASG": ("0", 0, "after_discounts"),  # covered by discounts: nothing left to save
    }


def test_not_opted_in_is_skipped(clients):
    with stubbed(clients, "compute-optimizer") as co:
        for operation in (
            "get_ec2_instance_recommendations",
            "get_ebs_volume_recommendations",
            "get_lambda_function_recommendations",
            "get_auto_scaling_group_recommendations",
        ):
            co.add_client_error(
                operation,
                service_error_code="OptInRequiredException",
                service_message="The account is not opted in",
            )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert outcome.error.startswith("OptInRequiredException")


def test_one_type_failing_makes_it_partial(clients):
    with stubbed(clients, "compute-optimizer") as co:
        co.add_response("get_ec2_instance_recommendations", {"instanceRecommendations": []})
        co.add_client_error(
            "get_ebs_volume_recommendations",
            service_error_code="InternalServerException",
            http_status_code=400,
        )
        co.add_response(
            "get_lambda_function_recommendations", {"lambdaFunctionRecommendations": []}
        )
        co.add_client_error(
            "get_auto_scaling_group_recommendations",
            service_error_code="AccessDeniedException",
            http_status_code=403,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "partial"
    assert "EBS: InternalServerException" in outcome.error and "AccessDenied" in outcome.error


def test_throttling_is_retried(clients):
    wire = WireStub(clients.client("compute-optimizer", REGION))
    wire.add_error("GetEC2InstanceRecommendations", "ThrottlingException")
    wire.add("GetEC2InstanceRecommendations", {"instanceRecommendations": []})
    wire.add("GetEBSVolumeRecommendations", {"volumeRecommendations": []})
    wire.add("GetLambdaFunctionRecommendations", {"lambdaFunctionRecommendations": []})
    wire.add("GetAutoScalingGroupRecommendations", {"autoScalingGroupRecommendations": []})
    assert run_collector(COLLECTOR, make_context(clients)).status == "ok"
    wire.assert_done()


GOV = "arn:aws-us-gov:ec2:us-gov-west-1:123456789012"
GOV_LAMBDA = "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function"


def test_utilization_performance_risk_and_migration_effort(clients):
    """Fields shaped like the API reference's InstanceRecommendation, VolumeRecommendation and
    LambdaFunctionRecommendation: utilisation per metric and statistic, the top option's risk
    and effort, finding reasons; aws-us-gov ARNs; a non-ASCII instance name (ignored)."""
    request = {"accountIds": ["123456789012"], "maxResults": 1000}
    with stubbed(clients, "compute-optimizer", "us-gov-west-1") as co:
        co.add_response(
            "get_ec2_instance_recommendations",
            {
                "instanceRecommendations": [
                    {
                        "instanceArn": f"{GOV}:instance/i-0a1b2c3d4e5f60789",
                        "accountId": "123456789012",
                        "instanceName": "Überwachung-01",
                        "currentInstanceType": "r5.2xlarge",
                        "finding": "Overprovisioned",
                        "findingReasonCodes": ["MemoryOverprovisioned", "CPUOverprovisioned"],
                        "lookBackPeriodInDays": 14.0,
                        "currentPerformanceRisk": "VeryLow",
                        "utilizationMetrics": [
                            {"name": "Cpu", "statistic": "Maximum", "value": 23.5},
                            {"name": "Memory", "statistic": "Maximum", "value": 31.0},
                            {"name": "Cpu", "statistic": "Average", "value": 4.25},
                            {
                                "name": "NETWORK_IN_BYTES_PER_SECOND",
                                "statistic": "Maximum",
                                "value": 1048576.0,
                            },
                        ],
                        "recommendationOptions": [
                            {
                                "instanceType": "r6i.large",
                                "rank": 1,
                                "performanceRisk": 1.0,
                                "migrationEffort": "Low",
                                "savingsOpportunityAfterDiscounts": savings(210.5, 60),
                            },
                            {
                                "instanceType": "m6i.xlarge",
                                "rank": 2,
                                "performanceRisk": 0.5,
                                "migrationEffort": "VeryLow",
                            },
                        ],
                    }
                ]
            },
            request,
        )
        co.add_response(
            "get_ebs_volume_recommendations",
            {
                "volumeRecommendations": [
                    {
                        "volumeArn": f"{GOV}:volume/vol-0f1e2d3c4b5a69788",
                        "finding": "NotOptimized",
                        "lookBackPeriodInDays": 14.0,
                        "currentConfiguration": {"volumeType": "io1", "volumeSize": 200},
                        "currentPerformanceRisk": "Medium",
                        "utilizationMetrics": [
                            {
                                "name": "VolumeReadOpsPerSecond",
                                "statistic": "Maximum",
                                "value": 950,
                            },
                            {"name": "VolumeIOPSExceeded", "statistic": "Maximum", "value": 0},
                        ],
                        "volumeRecommendationOptions": [
                            {
                                "rank": 1,
                                "performanceRisk": 3.0,
                                "configuration": {"volumeType": "gp3", "volumeSize": 200},
                            }
                        ],
                    }
                ]
            },
            request,
        )
        co.add_response(
            "get_lambda_function_recommendations",
            {
                "lambdaFunctionRecommendations": [
                    {
                        "functionArn": f"{GOV_LAMBDA}:thumbnails:7",
                        "functionVersion": "7",
                        "currentMemorySize": 256,
                        "lookbackPeriodInDays": 14.0,
                        "finding": "Unavailable",
                        "findingReasonCodes": ["InsufficientData"],
                        "currentPerformanceRisk": "High",
                        "utilizationMetrics": [
                            {"name": "Duration", "statistic": "Average", "value": 812.4},
                            {"name": "Memory", "statistic": "Maximum", "value": 250},
                        ],
                        "memorySizeRecommendationOptions": [],
                    }
                ]
            },
            request,
        )
        co.add_response("get_auto_scaling_group_recommendations", {}, request)
        outcome = run_collector(COLLECTOR, make_context(clients, "us-gov-west-1"))
    assert outcome.status == "ok", outcome.error
    validate_outcome(outcome, regions=("us-gov-west-1",))
    items = {i["resource_type"]: i for i in section(outcome)}
    ec2, ebs, function = items["EC2"], items["EBS"], items["LAMBDA"]
    assert ec2["finding_reasons"] == ["CPUOverprovisioned", "MemoryOverprovisioned"]
    assert (ec2["migration_effort"], ec2["recommended_performance_risk"]) == ("Low", 1)
    assert (ec2["performance_risk"], ec2["lookback_days"]) == ("VeryLow", 14)
    assert ec2["utilization"] == [
        {"metric": "Cpu", "statistic": "Maximum", "value": 23.5},
        {"metric": "Memory", "statistic": "Maximum", "value": 31},
        {"metric": "Cpu", "statistic": "Average", "value": 4.25},
        {"metric": "NETWORK_IN_BYTES_PER_SECOND", "statistic": "Maximum", "value": 1048576},
    ]
    assert (ec2["estimated_monthly_savings"], ec2["savings_basis"]) == ("210.5", "after_discounts")
    # EBS options have a risk but no migration effort; the risk is the volume's own
    assert (ebs["migration_effort"], ebs["recommended_performance_risk"]) == (None, 3)
    assert ebs["performance_risk"] == "Medium" and ebs["finding_reasons"] == []
    assert [u["metric"] for u in ebs["utilization"]] == [
        "VolumeReadOpsPerSecond",
        "VolumeIOPSExceeded",
    ]
    # Lambda: lookbackPeriodInDays (lower-case b), no option, Duration in milliseconds
    assert (function["lookback_days"], function["recommended_configuration"]) == (14, None)
    assert function["finding_reasons"] == ["InsufficientData"]
    assert function["utilization"][0] == {
        "metric": "Duration",
        "statistic": "Average",
        "value": 812.4,
    }
    assert function["recommended_performance_risk"] is None
