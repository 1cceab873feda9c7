"""demo.recorded: the answers for the APIs moto lacks are valid, consistent with each other and
with moto's resources, move plausibly from day to day, feed the production collectors without a
warning, and the list of recorded operations stays exactly what moto cannot serve."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from moto import mock_aws
from moto.core.responses import BaseResponse
from moto.core.utils import camelcase_to_underscores

from demo.profiles import PROFILES, AccountProfile
from demo.recorded import OPERATIONS, RecordedApis, install
from demo.recorded.cost import COMMITMENTS, lines
from sender.aws import Clients
from sender.collectors import REGISTRY
from sender.intervals import Window
from support.sender_fixtures import (
    ACCOUNT,
    fast_retries,
    make_context,
    run_collector,
    validate_outcome,
)

TODAY = date(2026, 11, 25)
NOW = datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=2)
WINDOW = Window(TODAY - timedelta(days=1), TODAY)
EU, US = "eu-west-1", "us-east-1"
AMI = "ami-12c6146b"
PROFILE = {p.key: dataclasses.replace(p, account_id=ACCOUNT) for p in PROFILES}
RULES = (
    ("encrypted-volumes", "ENCRYPTED_VOLUMES"),
    ("restricted-ssh", "INCOMING_SSH_DISABLED"),
    ("iam-user-mfa-enabled", "IAM_USER_MFA_ENABLED"),
    ("root-account-mfa-enabled", "ROOT_ACCOUNT_MFA_ENABLED"),
    ("s3-bucket-public-read-prohibited", "S3_BUCKET_PUBLIC_READ_PROHIBITED"),
)
# moto implements these, but serves canned results that cannot follow the request
NOT_SEEDABLE = {
    ("ce", "GetCostAndUsage"),
    ("ec2", "DescribeReservedInstances"),  # a stub raising NotImplementedError
    ("inspector2", "ListFindings"),
    ("resiliencehub", "ListAppAssessments"),
}
# moto response methods not named after the operation (S3 dispatches on the HTTP verb)
MOTO_METHODS = {("s3", "ListBuckets"): "all_buckets"}
# IAM action prefixes that are not the boto3 service name, and actions not named as operations
IAM_SERVICES = {
    "tag": "resourcegroupstaggingapi",
    "elasticloadbalancing": "elbv2",
    "es": "opensearch",  # OpenSearch Service's IAM prefix
}
IAM_OPERATIONS = {
    ("s3", "ListAllMyBuckets"): "ListBuckets",
    # GetFindingStatisticsV2 is authorized by securityhub:GetAdhocInsightResults
    ("securityhub", "GetAdhocInsightResults"): "GetFindingStatisticsV2",
}


@dataclass
class World:
    """One seeded moto account with a profile's recorded answers installed."""

    session: boto3.Session
    apis: RecordedApis
    profile: AccountProfile

    def client(self, service: str, region: str = EU) -> Any:
        return self.session.client(service, region_name=region)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def seed(profile: AccountProfile) -> None:
    """What the recorded answers look at: instances, volumes, functions, a group, rules, a
    detector, a load balancer behind a web ACL, a Resilience Hub app, IAM users."""
    plain = boto3.Session()
    iam = plain.client("iam", region_name=US)
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for user in ("alice", "bob"):
        iam.create_user(UserName=user)
    for region, kinds in profile.instances.items():
        ec2 = plain.client("ec2", region_name=region)
        for kind in kinds:
            ec2.run_instances(ImageId=AMI, InstanceType=kind, MinCount=1, MaxCount=1)
        ec2.create_volume(AvailabilityZone=f"{region}a", Size=100, VolumeType="gp2")
        lam = plain.client("lambda", region_name=region)
        for index in range(profile.functions):
            lam.create_function(
                FunctionName=f"{profile.key}-fn-{index}",
                Runtime="python3.12",
                Role=role,
                Handler="index.handler",
                Code={"ZipFile": _zip()},
                MemorySize=[1024, 128, 512, 256][index % 4],
            )
        autoscaling = plain.client("autoscaling", region_name=region)
        autoscaling.create_launch_configuration(
            LaunchConfigurationName="web", ImageId=AMI, InstanceType="m6i.xlarge"
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="web",
            LaunchConfigurationName="web",
            MinSize=1,
            MaxSize=3,
            DesiredCapacity=2,
            AvailabilityZones=[f"{region}a"],
        )
        config = plain.client("config", region_name=region)
        for name, identifier in RULES:
            config.put_config_rule(
                ConfigRule={
                    "ConfigRuleName": name,
                    "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
                }
            )
        plain.client("guardduty", region_name=region).create_detector(Enable=True)
    vpc = plain.client("ec2", region_name=EU).describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = plain.client("ec2", region_name=EU).describe_subnets()["Subnets"]
    lb = plain.client("elbv2", region_name=EU).create_load_balancer(
        Name="web", Subnets=[s["SubnetId"] for s in subnets if s["VpcId"] == vpc][:2]
    )["LoadBalancers"][0]["LoadBalancerArn"]
    waf = plain.client("wafv2", region_name=EU)
    visibility = {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": "web",
    }
    acl = waf.create_web_acl(
        Name="web",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig=visibility,
    )["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb)
    plain.client("wafv2", region_name=US).create_web_acl(
        Name="edge", Scope="CLOUDFRONT", DefaultAction={"Allow": {}}, VisibilityConfig=visibility
    )
    hub = plain.client("resiliencehub", region_name=EU)
    policy = hub.create_resiliency_policy(
        policyName="critical",
        tier="MissionCritical",
        policy={k: {"rtoInSecs": 300, "rpoInSecs": 60} for k in ("Software", "Hardware", "AZ")},
    )["policy"]["policyArn"]
    hub.create_app(name="checkout", policyArn=policy)


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """One moto account for the module, seeded once with production's resources; each test
    installs its own answers on a new session (cheap), so ``today`` never leaks."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        fast_retries(patch)
        seed(PROFILE["prod"])
        yield


def world(key: str = "prod", today: date = TODAY) -> World:
    profile = PROFILE[key]
    session = boto3.Session(region_name=EU)
    return World(session, install(session, profile, today=today), profile)


@pytest.fixture
def prod(aws: None) -> World:
    return world("prod")


# -- every recorded operation, called with the sender's parameters --------------------------------
def _first(w: World, service: str, region: str, operation: str, key: str, **kw: Any) -> Any:
    return getattr(w.client(service, region), operation)(**kw)[key]


def _acl(w: World, scope: str = "REGIONAL") -> str:
    region = EU if scope == "REGIONAL" else US
    return _first(w, "wafv2", region, "list_web_acls", "WebACLs", Scope=scope)[0]["ARN"]


def _detector(w: World) -> str:
    return _first(w, "guardduty", EU, "list_detectors", "DetectorIds")[0]


def _event_arns(w: World) -> list[str]:
    since = datetime.combine(TODAY - timedelta(days=60), datetime.min.time(), UTC)
    events = w.client("health", US).describe_events(
        filter={"lastUpdatedTimes": [{"from": since, "to": NOW}]}, maxResults=100
    )["events"]
    return [e["arn"] for e in events][:10]


def _finding_ids(w: World) -> list[str]:
    return w.client("guardduty").list_findings(DetectorId=_detector(w), MaxResults=50)["FindingIds"]


def _slo_arns(w: World) -> list[str]:
    summaries = w.client("application-signals").list_service_level_objectives(MaxResults=50)
    return [s["Arn"] for s in summaries["SloSummaries"]]


def _instance(w: World) -> str:
    reservations = w.client("ec2").describe_instances()["Reservations"]
    return reservations[0]["Instances"][0]["InstanceId"]


def _app(w: World) -> str:
    return w.client("resiliencehub").list_apps()["appSummaries"][0]["appArn"]


def _latest_assessment(w: World) -> str:
    listed = w.client("resiliencehub").list_app_assessments(
        appArn=_app(w), reverseOrder=True, maxResults=1
    )
    return listed["assessmentSummaries"][0]["assessmentArn"]


def _checks(w: World) -> list[str]:
    checks = w.client("support", US).describe_trusted_advisor_checks(language="en")["checks"]
    return sorted(c["id"] for c in checks)[:100]


PERIOD = {"Start": WINDOW.start.isoformat(), "End": WINDOW.end.isoformat()}
MONTH = {"Start": "2026-10-01", "End": "2026-11-01"}


def _standard(w: World) -> str:
    """The first standard enabled in the account (Security Hub's StandardsArn)."""
    subscriptions = w.client("securityhub").get_enabled_standards()["StandardsSubscriptions"]
    return subscriptions[0]["StandardsArn"]


REQUESTS: dict[tuple[str, str], tuple[str, str, Callable[[World], dict[str, Any]]]] = {
    ("ce", "GetCostAndUsage"): (
        US,
        "get_cost_and_usage",
        lambda w: {
            "TimePeriod": PERIOD,
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost", "AmortizedCost", "UsageQuantity"],
            "GroupBy": [
                {"Type": "DIMENSION", "Key": "SERVICE"},
                {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
            ],
        },
    ),
    ("ce", "GetAnomalies"): (
        US,
        "get_anomalies",
        lambda w: {"DateInterval": {"StartDate": "2026-09-25", "EndDate": "2026-11-24"}},
    ),
    ("ce", "GetCostForecast"): (
        US,
        "get_cost_forecast",
        lambda w: {
            "TimePeriod": {"Start": TODAY.isoformat(), "End": "2026-12-01"},
            "Metric": "UNBLENDED_COST",
            "Granularity": "MONTHLY",
            "PredictionIntervalLevel": 80,
        },
    ),
    ("ce", "GetReservationUtilization"): (
        US,
        "get_reservation_utilization",
        lambda w: {"TimePeriod": MONTH, "Granularity": "MONTHLY"},
    ),
    ("ce", "GetDimensionValues"): (
        US,
        "get_dimension_values",
        lambda w: {"TimePeriod": PERIOD, "Dimension": "LINKED_ACCOUNT", "Context": "RESERVATIONS"},
    ),
    ("ce", "GetReservationCoverage"): (
        US,
        "get_reservation_coverage",
        lambda w: {"TimePeriod": PERIOD, "Granularity": "DAILY"},
    ),
    ("ce", "GetSavingsPlansUtilization"): (
        US,
        "get_savings_plans_utilization",
        lambda w: {"TimePeriod": PERIOD, "Granularity": "DAILY"},
    ),
    ("ce", "GetSavingsPlansCoverage"): (
        US,
        "get_savings_plans_coverage",
        lambda w: {"TimePeriod": MONTH, "Granularity": "MONTHLY"},
    ),
    ("savingsplans", "DescribeSavingsPlans"): (
        US,
        "describe_savings_plans",
        lambda w: {"states": ["active", "retired"], "maxResults": 100},
    ),
    ("ce", "GetSavingsPlansUtilizationDetails"): (
        US,
        "get_savings_plans_utilization_details",
        lambda w: {"TimePeriod": PERIOD},
    ),
    ("ec2", "DescribeReservedInstances"): (EU, "describe_reserved_instances", lambda w: {}),
    ("rds", "DescribeReservedDBInstances"): (EU, "describe_reserved_db_instances", lambda w: {}),
    ("elasticache", "DescribeReservedCacheNodes"): (
        EU,
        "describe_reserved_cache_nodes",
        lambda w: {},
    ),
    ("opensearch", "DescribeReservedInstances"): (EU, "describe_reserved_instances", lambda w: {}),
    ("redshift", "DescribeReservedNodes"): (EU, "describe_reserved_nodes", lambda w: {}),
    ("compute-optimizer", "GetEC2InstanceRecommendations"): (
        EU,
        "get_ec2_instance_recommendations",
        lambda w: {"accountIds": [ACCOUNT], "maxResults": 1000},
    ),
    ("compute-optimizer", "GetEBSVolumeRecommendations"): (
        EU,
        "get_ebs_volume_recommendations",
        lambda w: {"accountIds": [ACCOUNT], "maxResults": 1000},
    ),
    ("compute-optimizer", "GetLambdaFunctionRecommendations"): (
        EU,
        "get_lambda_function_recommendations",
        lambda w: {"accountIds": [ACCOUNT], "maxResults": 1000},
    ),
    ("compute-optimizer", "GetAutoScalingGroupRecommendations"): (
        EU,
        "get_auto_scaling_group_recommendations",
        lambda w: {"accountIds": [ACCOUNT], "maxResults": 1000},
    ),
    ("health", "DescribeEvents"): (
        US,
        "describe_events",
        lambda w: {
            "filter": {
                "lastUpdatedTimes": [{"from": NOW - timedelta(days=30), "to": NOW.replace(hour=0)}]
            },
            "maxResults": 100,
        },
    ),
    ("health", "DescribeEntityAggregates"): (
        US,
        "describe_entity_aggregates",
        lambda w: {"eventArns": _event_arns(w)},
    ),
    ("application-signals", "ListServices"): (
        EU,
        "list_services",
        lambda w: {"StartTime": NOW - timedelta(days=1), "EndTime": NOW, "MaxResults": 100},
    ),
    ("application-signals", "ListServiceLevelObjectives"): (
        EU,
        "list_service_level_objectives",
        lambda w: {"MaxResults": 50},
    ),
    ("application-signals", "BatchGetServiceLevelObjectiveBudgetReport"): (
        EU,
        "batch_get_service_level_objective_budget_report",
        lambda w: {"Timestamp": NOW, "SloIds": _slo_arns(w)},
    ),
    ("config", "DescribeComplianceByConfigRule"): (
        EU,
        "describe_compliance_by_config_rule",
        lambda w: {},
    ),
    ("config", "GetComplianceDetailsByConfigRule"): (
        EU,
        "get_compliance_details_by_config_rule",
        lambda w: {
            "ConfigRuleName": "encrypted-volumes",
            "ComplianceTypes": ["NON_COMPLIANT"],
            "Limit": 100,
        },
    ),
    ("config", "DescribeConformancePacks"): (EU, "describe_conformance_packs", lambda w: {}),
    ("config", "DescribeConformancePackCompliance"): (
        EU,
        "describe_conformance_pack_compliance",
        lambda w: {
            "ConformancePackName": w.client("config").describe_conformance_packs()[
                "ConformancePackDetails"
            ][0]["ConformancePackName"]
        },
    ),
    ("guardduty", "ListFindings"): (
        EU,
        "list_findings",
        lambda w: {
            "DetectorId": _detector(w),
            "FindingCriteria": {
                "Criterion": {
                    "accountId": {"Equals": [ACCOUNT]},
                    "service.archived": {"Equals": ["false"]},
                }
            },
            "MaxResults": 50,
        },
    ),
    ("guardduty", "GetFindings"): (
        EU,
        "get_findings",
        lambda w: {"DetectorId": _detector(w), "FindingIds": _finding_ids(w)},
    ),
    ("inspector2", "ListFindings"): (
        EU,
        "list_findings",
        lambda w: {
            "filterCriteria": {
                "awsAccountId": [{"comparison": "EQUALS", "value": ACCOUNT}],
                "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}],
            },
            "maxResults": 100,
        },
    ),
    ("ssm", "DescribeInstanceInformation"): (
        EU,
        "describe_instance_information",
        lambda w: {"MaxResults": 50},
    ),
    ("ssm", "DescribeInstancePatches"): (
        EU,
        "describe_instance_patches",
        lambda w: {"InstanceId": _instance(w), "MaxResults": 100},
    ),
    ("ssm", "GetInventory"): (
        EU,
        "get_inventory",
        lambda w: {"ResultAttributes": [{"TypeName": "AWS:Application"}], "MaxResults": 50},
    ),
    ("securityhub", "GetEnabledStandards"): (EU, "get_enabled_standards", lambda w: {}),
    ("securityhub", "DescribeStandards"): (EU, "describe_standards", lambda w: {}),
    ("securityhub", "ListSecurityControlDefinitions"): (
        EU,
        "list_security_control_definitions",
        lambda w: {"StandardsArn": _standard(w)},
    ),
    ("securityhub", "BatchGetStandardsControlAssociations"): (
        EU,
        "batch_get_standards_control_associations",
        lambda w: {
            "StandardsControlAssociationIds": [
                {"SecurityControlId": "IAM.6", "StandardsArn": _standard(w)}
            ]
        },
    ),
    ("securityhub", "GetFindingStatisticsV2"): (
        EU,
        "get_finding_statistics_v2",
        lambda w: {
            "GroupByRules": [
                {
                    "GroupByField": "severity",
                    "Filters": {
                        "CompositeFilters": [
                            {
                                "StringFilters": [
                                    {
                                        "FieldName": "status",
                                        "Filter": {"Value": "New", "Comparison": "EQUALS"},
                                    }
                                ]
                            }
                        ]
                    },
                }
            ]
        },
    ),
    ("support", "DescribeTrustedAdvisorCheckSummaries"): (
        US,
        "describe_trusted_advisor_check_summaries",
        lambda w: {"checkIds": _checks(w)},
    ),
    ("account", "GetAccountInformation"): (US, "get_account_information", lambda w: {}),
    ("account", "GetContactInformation"): (US, "get_contact_information", lambda w: {}),
    ("cloudfront", "ListDistributionsByWebACLId"): (
        US,
        "list_distributions_by_web_acl_id",
        lambda w: {"WebACLId": _acl(w, "CLOUDFRONT"), "MaxItems": "100"},
    ),
    ("wafv2", "ListResourcesForWebACL"): (
        EU,
        "list_resources_for_web_acl",
        lambda w: {"WebACLArn": _acl(w), "ResourceType": "APPLICATION_LOAD_BALANCER"},
    ),
    ("resiliencehub", "ListAppAssessments"): (
        EU,
        "list_app_assessments",
        lambda w: {"appArn": _app(w), "reverseOrder": True, "maxResults": 1},
    ),
    ("resiliencehub", "DescribeAppAssessment"): (
        EU,
        "describe_app_assessment",
        lambda w: {"assessmentArn": _latest_assessment(w)},
    ),
}


def test_every_recorded_operation_has_a_request_here():
    assert set(REQUESTS) == set(OPERATIONS)


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=lambda k: f"{k[0]}:{k[1]}")
def test_each_operation_answers_a_valid_response(prod: World, key: tuple[str, str]):
    region, method, build = REQUESTS[key]
    params = build(prod)
    before = prod.apis.calls[key]
    response = getattr(prod.client(key[0], region), method)(**params)
    assert prod.apis.calls[key] == before + 1
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert OPERATIONS[key]


# -- consistency ------------------------------------------------------------------------------
def _cost(w: World, start: date, end: date, granularity: str, **extra: Any) -> dict[str, Any]:
    return w.client("ce", US).get_cost_and_usage(
        TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
        Granularity=granularity,
        Metrics=["UnblendedCost", "AmortizedCost"],
        **extra,
    )


def _amount(metrics: dict[str, Any], name: str = "UnblendedCost") -> Decimal:
    return Decimal(metrics[name]["Amount"])


def test_daily_days_add_up_to_the_month_and_groups_to_the_total(prod: World):
    october = (date(2026, 10, 1), date(2026, 11, 1))
    monthly = _cost(prod, *october, "MONTHLY")["ResultsByTime"]
    daily = _cost(prod, *october, "DAILY")["ResultsByTime"]
    grouped = _cost(prod, *october, "DAILY", GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])
    assert len(monthly) == 1 and len(daily) == 31
    for metric in ("UnblendedCost", "AmortizedCost"):
        assert sum(_amount(d["Total"], metric) for d in daily) == _amount(
            monthly[0]["Total"], metric
        )
    for day, groups in zip(daily, grouped["ResultsByTime"], strict=True):
        assert sum(_amount(g["Metrics"]) for g in groups["Groups"]) == _amount(day["Total"])
        marketplace = {product.name for product in PROFILE["prod"].marketplace}
        assert {g["Keys"][0] for g in groups["Groups"]} == set(
            PROFILE["prod"].services
        ) | marketplace
    amount = monthly[0]["Total"]["UnblendedCost"]
    assert amount["Unit"] == "USD" and len(amount["Amount"].split(".")[1]) == 10
    # a month of about 31 x the daily spend (services plus Marketplace products)
    daily_spend = PROFILE["prod"].daily_spend + sum(
        p.daily_cost for p in PROFILE["prod"].marketplace
    )
    assert 0.8 < float(_amount(monthly[0]["Total"])) / (31 * float(daily_spend)) < 1.2


def test_nothing_after_today_and_the_last_days_are_estimated(prod: World):
    results = _cost(prod, date(2026, 11, 1), date(2026, 12, 1), "DAILY")["ResultsByTime"]
    assert results[-1]["TimePeriod"]["End"] == TODAY.isoformat()
    assert len(results) == 24
    # the last SETTLE_DAYS days are still estimated (some usage records missing: they read low)
    assert [r["Estimated"] for r in results] == [False] * 21 + [True] * 3
    monthly = _cost(prod, date(2026, 11, 1), date(2026, 12, 1), "MONTHLY")["ResultsByTime"]
    assert monthly[0]["TimePeriod"] == {"Start": "2026-11-01", "End": TODAY.isoformat()}
    assert monthly[0]["Estimated"] is True
    with pytest.raises(prod.client("ce", US).exceptions.ClientError, match="too old"):
        _cost(prod, date(2025, 1, 1), date(2025, 2, 1), "MONTHLY")


def test_an_estimated_day_settles_on_a_later_day(aws: None):
    day = (TODAY - timedelta(days=1), TODAY)
    early, later = world("prod"), world("prod", today=TODAY + timedelta(days=4))
    (before,) = _cost(early, *day, "DAILY")["ResultsByTime"]
    (after,) = _cost(later, *day, "DAILY")["ResultsByTime"]
    assert (before["Estimated"], after["Estimated"]) == (True, False)
    assert float(_amount(before["Total"])) < float(_amount(after["Total"]))


def test_weekends_are_quieter_and_production_has_one_spike(aws: None):
    staging = world("staging")
    days = _cost(staging, date(2026, 10, 1), date(2026, 11, 1), "DAILY")["ResultsByTime"]
    weekend = [
        _amount(d["Total"])
        for d in days
        if date.fromisoformat(d["TimePeriod"]["Start"]).weekday() >= 5
    ]
    weekday = [
        _amount(d["Total"])
        for d in days
        if date.fromisoformat(d["TimePeriod"]["Start"]).weekday() < 5
    ]
    assert sum(weekend) / len(weekend) < Decimal("0.9") * sum(weekday) / len(weekday)

    prod = world("prod", today=date(2026, 11, 10))
    prod.apis.today = TODAY
    cloudfront = _cost(
        prod,
        date(2026, 11, 1),
        TODAY,
        "DAILY",
        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon CloudFront"]}},
    )["ResultsByTime"]
    amounts = {r["TimePeriod"]["Start"]: _amount(r["Total"]) for r in cloudfront}
    median = sorted(amounts.values())[len(amounts) // 2]
    spikes = [day for day, value in amounts.items() if value > 3 * median]
    assert spikes == ["2026-11-12"]  # two days after the first simulated day


def test_marketplace_filter_is_honoured(prod: World):
    def services(entity: str) -> set[str]:
        response = _cost(
            prod,
            WINDOW.start,
            WINDOW.end,
            "DAILY",
            Filter={"Dimensions": {"Key": "BILLING_ENTITY", "Values": [entity]}},
            GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
        )
        return {g["Keys"][0] for r in response["ResultsByTime"] for g in r["Groups"]}

    assert services("AWS Marketplace") == {p.name for p in PROFILE["prod"].marketplace}
    assert services("AWS") == set(PROFILE["prod"].services)


def test_forecast_continues_the_trend(prod: World):
    ce = prod.client("ce", US)
    forecast = ce.get_cost_forecast(
        TimePeriod={"Start": TODAY.isoformat(), "End": "2026-12-01"},
        Metric="UNBLENDED_COST",
        Granularity="MONTHLY",
        PredictionIntervalLevel=80,
    )
    per_day = float(forecast["Total"]["Amount"]) / 6
    last_week = _cost(prod, TODAY - timedelta(days=7), TODAY, "DAILY")["ResultsByTime"]
    recent = sum(float(_amount(d["Total"])) for d in last_week) / 7
    assert 0.85 < per_day / recent < 1.15
    [result] = forecast["ForecastResultsByTime"]
    lower, mean, upper = (
        float(result[k])
        for k in ("PredictionIntervalLowerBound", "MeanValue", "PredictionIntervalUpperBound")
    )
    assert lower < mean < upper


def test_commitments_are_well_used_and_sandbox_has_none(aws: None):
    prod = world("prod")
    ce = prod.client("ce", US)
    query = {"TimePeriod": MONTH, "Granularity": "DAILY"}
    ri = ce.get_reservation_utilization(**query)["Total"]
    sp = ce.get_savings_plans_utilization(**query)["Total"]["Utilization"]
    for value in (ri["UtilizationPercentage"], sp["UtilizationPercentage"]):
        assert 70 <= float(value) <= 99
    coverage = ce.get_savings_plans_coverage(**query)["SavingsPlansCoverages"]
    assert len(coverage) == 31
    assert all(0 < float(c["Coverage"]["CoveragePercentage"]) < 100 for c in coverage)
    plans = prod.client("savingsplans", US).describe_savings_plans()["savingsPlans"]
    assert sorted(p["state"] for p in plans) == ["active", "retired"]
    # reservations are answered per SERVICE (EC2 when none is named, as Cost Explorer does)
    rds = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Relational Database Service"]}}
    ec2_only = ce.get_reservation_utilization(**query)["Total"]["PurchasedHours"]
    rds_only = ce.get_reservation_utilization(**query, Filter=rds)["Total"]["PurchasedHours"]
    assert float(ec2_only) == 8 * 24 * 31 and float(rds_only) == 4 * 24 * 31
    rds_coverage = ce.get_reservation_coverage(**query, Filter=rds)["Total"]["CoverageHours"]
    assert 0 < float(rds_coverage["CoverageHoursPercentage"]) <= 100
    # sandbox owns nothing, yet prod's Savings Plan covers part of its spend (shared)
    assert not COMMITMENTS["sandbox"].plans and not COMMITMENTS["sandbox"].reservations
    sandbox = world("sandbox")
    sandbox_ce = sandbox.client("ce", US)
    with pytest.raises(sandbox_ce.exceptions.DataUnavailableException):
        sandbox_ce.get_reservation_utilization(**query)
    shared = sandbox_ce.get_savings_plans_coverage(**query)["SavingsPlansCoverages"]
    assert all(30 < float(c["Coverage"]["CoveragePercentage"]) < 40 for c in shared)


def test_cost_lines_are_deterministic():
    profile = PROFILE["prod"]
    assert lines(profile, TODAY, None) == lines(dataclasses.replace(profile), TODAY, None)


def test_compute_optimizer_recommends_for_the_instances_that_exist(prod: World):
    instances = {
        i["InstanceId"]: i["InstanceType"]
        for r in prod.client("ec2").describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    recommendations = prod.client("compute-optimizer").get_ec2_instance_recommendations(
        accountIds=[ACCOUNT]
    )["instanceRecommendations"]
    assert {r["instanceArn"].rsplit("/", 1)[1] for r in recommendations} == set(instances)
    by_type = {r["currentInstanceType"]: r for r in recommendations}
    xlarge = by_type["m6i.xlarge"]
    assert xlarge["finding"] == "Overprovisioned"
    best = xlarge["recommendationOptions"][0]
    assert best["instanceType"] == "m6i.large"
    on_demand = best["savingsOpportunity"]["estimatedMonthlySavings"]["value"]
    assert on_demand > 50
    # prod's Compute Savings Plan (27 % off) already lowers what rightsizing saves
    after = best["savingsOpportunityAfterDiscounts"]["estimatedMonthlySavings"]["value"]
    assert after == round(on_demand * (1 - 0.27), 2)
    assert by_type["r6g.large"]["finding"] == "Optimized"
    refreshed = xlarge["lastRefreshTimestamp"]
    assert refreshed.date() < TODAY


def test_health_events_are_in_the_past_and_counted(prod: World):
    health = prod.client("health", US)
    since = NOW - timedelta(days=60)
    events = health.describe_events(
        filter={"lastUpdatedTimes": [{"from": since, "to": NOW}]}, maxResults=100
    )["events"]
    kinds = {e["eventTypeCode"] for e in events}
    assert "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED" in kinds
    assert any(e["eventTypeCategory"] == "issue" and e["statusCode"] == "closed" for e in events)
    assert all(e["lastUpdatedTime"] <= NOW for e in events)
    aggregates = health.describe_entity_aggregates(eventArns=[e["arn"] for e in events][:10])
    counts = {a["eventArn"]: a["count"] for a in aggregates["entityAggregates"]}
    assert "AWS_LAMBDA_PLANNED_LIFECYCLE_EVENT" in kinds  # the notice every demo shows
    for event in events[:10]:
        expected = 1 if event["eventTypeCode"].endswith("RETIREMENT_SCHEDULED") else 0
        if event["eventTypeCode"] == "AWS_LAMBDA_PLANNED_LIFECYCLE_EVENT":
            assert counts[event["arn"]] > 0  # the account's functions
        elif event["service"] != "RDS":
            assert counts[event["arn"]] == expected


def test_config_compliance_improves_and_production_beats_the_sandbox(aws: None):
    prod, sandbox = world("prod"), world("sandbox")  # the same resources, two profiles

    def failing(w: World, day: date) -> int:
        w.apis.today = day
        rules = w.client("config").describe_compliance_by_config_rule()["ComplianceByConfigRules"]
        return sum(
            (r["Compliance"].get("ComplianceContributorCount") or {}).get("CappedCount", 0)
            for r in rules
        )

    days = [TODAY - timedelta(days=n) for n in range(45, 0, -1)]
    prod_series = [failing(prod, d) for d in days]
    sandbox_series = [failing(sandbox, d) for d in days]
    assert sum(prod_series) < sum(sandbox_series)
    steps = list(itertools.pairwise(prod_series))
    assert sum(b < a for a, b in steps) > sum(b > a for a, b in steps)  # mostly improving
    assert len(set(prod_series)) > 1  # it moves
    prod.apis.today = TODAY
    details = prod.client("config").get_compliance_details_by_config_rule(
        ConfigRuleName="encrypted-volumes", ComplianceTypes=["COMPLIANT", "NON_COMPLIANT"]
    )["EvaluationResults"]
    volumes = {v["VolumeId"] for v in prod.client("ec2").describe_volumes()["Volumes"]}
    ids = {
        d["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for d in details
    }
    assert ids == volumes


def test_guardduty_findings_are_about_real_instances_and_honour_updated_at(prod: World):
    guardduty = prod.client("guardduty")
    detector = _detector(prod)
    every = guardduty.list_findings(DetectorId=detector)["FindingIds"]
    findings = guardduty.get_findings(DetectorId=detector, FindingIds=every)["Findings"]
    assert findings
    instances = {
        i["InstanceId"]
        for r in prod.client("ec2").describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    for finding in findings:
        details = finding["Resource"].get("InstanceDetails")
        if details:
            assert details["InstanceId"] in instances
        assert finding["UpdatedAt"] < NOW.isoformat()
    since = int((NOW - timedelta(days=5)).timestamp() * 1000)
    recent = guardduty.list_findings(
        DetectorId=detector,
        FindingCriteria={"Criterion": {"updatedAt": {"GreaterThanOrEqual": since}}},
    )["FindingIds"]
    updated = {f["Id"]: f["UpdatedAt"] for f in findings}
    cutoff = (NOW - timedelta(days=5)).isoformat()[:19]
    assert set(recent) == {i for i, u in updated.items() if u[:19] >= cutoff}
    with pytest.raises(guardduty.exceptions.BadRequestException):
        guardduty.list_findings(DetectorId="0" * 32)


def test_application_signals_sandbox_is_empty(aws: None):
    sandbox = world("sandbox")
    signals = sandbox.client("application-signals")
    assert (
        signals.list_services(StartTime=NOW - timedelta(days=1), EndTime=NOW)["ServiceSummaries"]
        == []
    )
    assert signals.list_service_level_objectives()["SloSummaries"] == []
    prod = world("prod")
    slos = _slo_arns(prod)
    reports = prod.client("application-signals").batch_get_service_level_objective_budget_report(
        Timestamp=NOW, SloIds=slos
    )["Reports"]
    assert sorted(r["BudgetStatus"] for r in reports) == ["BREACHED", "OK"]


def test_invalid_recorded_data_fails_loudly_naming_the_operation(prod: World, monkeypatch):
    from demo.recorded import InvalidRecordedResponse, account

    monkeypatch.setitem(
        prod.apis._answers,
        ("account", "GetAccountInformation"),
        account.ANSWERS[("account", "GetAccountInformation")]._replace(
            build=lambda call: {"AccountId": 42}
        ),
    )
    with pytest.raises(InvalidRecordedResponse, match="account:GetAccountInformation"):
        prod.client("account", US).get_account_information()


# -- the production collectors ----------------------------------------------------------------
RECORDED_COLLECTORS = (
    ("cost", None),
    ("service_usage", None),
    ("marketplace_usage", None),
    ("commitments", None),
    ("cost_anomalies", None),
    ("compute_optimizer", EU),
    ("health_events", None),
    ("application_signals", EU),
    ("config", EU),
    ("guardduty_findings", EU),
    ("inspector_findings", EU),
    ("ssm_instances", EU),
    ("trusted_advisor_checks", None),
    ("account", None),
    ("waf_web_acls", EU),
    ("waf_web_acls", None),
    ("resilience_hub_apps", EU),
    ("commitment_inventory", EU),
    ("commitment_inventory", None),
    ("securityhub_standards", EU),
)


def test_collectors_run_ok_on_recorded_answers(prod: World):
    clients = Clients(session=prod.session)
    outcomes = []
    for name, region in RECORDED_COLLECTORS:
        ctx = make_context(clients, region, window=WINDOW, now=NOW, regions=(EU, US))
        outcome = run_collector(REGISTRY[name], ctx)
        assert (name, outcome.status, outcome.error) == (name, "ok", None)
        outcomes.append(outcome)
    counts = {(o.collector.name, o.task.region): o.item_count for o in outcomes}
    for must_have_items in (
        "cost",
        "service_usage",
        "commitments",
        "commitment_inventory",
        "compute_optimizer",
        "config",
    ):
        assert any(n for (name, _), n in counts.items() if name == must_have_items)
    assert counts[("marketplace_usage", None)] == len(PROFILE["prod"].marketplace)
    (optimizer,) = [o for o in outcomes if o.collector.name == "compute_optimizer"]
    priced = {i["resource_type"]: i["savings_basis"] for i in optimizer.items}
    assert priced["EC2"] == "after_discounts"  # the figure the sender keeps
    (commitments,) = [o for o in outcomes if o.collector.name == "commitments"]
    reservations = {i["service"]: i for i in commitments.items if i["kind"] == "RI"}
    assert reservations["Amazon Relational Database Service"]["commitment"]  # prod's RDS RI
    assert reservations["Amazon Elastic Compute Cloud - Compute"]["commitment"]
    validate_outcome(*outcomes, regions=(EU, US))
    recorded = {key for key, n in prod.apis.calls.items() if n}
    unused = set() if counts[("health_events", None)] else {("health", "DescribeEntityAggregates")}
    unused.add(("ce", "GetDimensionValues"))  # SENDER_COST_MODE=organization only
    # prod's Security Hub is too large to page: see test_security_hub_too_large_to_page_...
    unused.add(("securityhub", "GetFindingStatisticsV2"))
    assert recorded == set(OPERATIONS) - unused  # every recorded operation fed a collector


def test_security_hub_too_large_to_page_still_reports_its_counts(prod: World):
    """Production's home region holds more findings than 240 s of GetFindings at 3 requests per
    second can list: the counts come from GetFindingStatisticsV2, no page is started."""
    clients = Clients(session=prod.session)
    ctx = make_context(clients, EU, window=WINDOW, now=NOW, regions=(EU, US))
    outcome = run_collector(REGISTRY["securityhub"], ctx, budget=240.0)
    assert outcome.status == "partial"
    assert "GetFindings pages" in outcome.error and "findings not listed" in outcome.error
    data = validate_outcome(outcome, regions=(EU, US))["data"]["securityhub"]
    assert data["findings"] == []
    counts = {c["severity_label"]: c for c in data["severity_counts"]}
    assert sum(c["count"] for c in counts.values()) > 240 * 3 * 100
    assert counts["INFORMATIONAL"]["workflow_resolved"] >= 84_000
    assert counts["LOW"]["workflow_new"] > 0 and counts["LOW"]["workflow_suppressed"] > 0
    # staging has no Security Hub V2: refused, so the sender counts while paging
    staging = world("staging")
    hub = staging.client("securityhub")
    with pytest.raises(hub.exceptions.ClientError, match="not enabled"):
        hub.get_finding_statistics_v2(GroupByRules=[{"GroupByField": "severity"}])


def test_sandbox_collectors_report_empty_not_errors(aws: None):
    sandbox = world("sandbox")
    clients = Clients(session=sandbox.session)
    ctx = make_context(clients, EU, window=WINDOW, now=NOW, regions=(EU, US))
    outcome = run_collector(REGISTRY["application_signals"], ctx)
    assert (outcome.status, outcome.items) == ("ok", [])
    # no commitment of its own: coverage only, part of it from prod's shared Savings Plan
    ctx = make_context(clients, None, window=WINDOW, now=NOW, regions=(EU, US))
    outcome = run_collector(REGISTRY["commitments"], ctx)
    assert outcome.status == "ok"
    assert all(item["commitment"] is None for item in outcome.items)
    (sp,) = [item for item in outcome.items if item["kind"] == "SP"]
    assert 30 < float(sp["coverage_pct"]) < 40


def test_patches_get_installed_day_by_day(prod: World):
    ssm = prod.client("ssm")
    instance = _instance(prod)
    states: dict[str, list[str]] = {}
    for offset in range(20, -1, -1):
        day = TODAY - timedelta(days=offset)
        prod.apis.today = day
        for patch in ssm.describe_instance_patches(InstanceId=instance)["Patches"]:
            states.setdefault(patch["KBId"], []).append(patch["State"])
            if patch["State"] == "INSTALLED":
                assert patch["InstalledTime"].date() < day
    transitions = [s for s in states.values() if "MISSING" in s and "INSTALLED" in s]
    assert transitions, "no patch went from missing to installed in three weeks"
    for history in transitions:  # once installed, it stays installed
        first = history.index("INSTALLED")
        assert set(history[first:]) == {"INSTALLED"}


# -- the label stays true -------------------------------------------------------------------------
def _collector_operations() -> set[tuple[str, str]]:
    """Every (boto3 service, operation) the collectors declare an IAM action for."""
    session = boto3.Session()
    found = set()
    for collector in REGISTRY.values():
        for action in collector.iam_actions:
            prefix, name = action.split(":")
            service = IAM_SERVICES.get(prefix, prefix)
            operation = IAM_OPERATIONS.get((service, name), name)
            model = session._session.get_service_model(service)
            assert operation in model.operation_names, action
            found.add((service, operation))
    return found


def _moto_implements(service: str, operation: str) -> bool:
    name = {"lambda": "awslambda"}.get(service, service.replace("-", ""))
    if not (Path(moto.__file__).parent / name).is_dir():
        return False
    module = importlib.import_module(f"moto.{name}.responses")
    method = MOTO_METHODS.get((service, operation), camelcase_to_underscores(operation))
    return any(
        callable(getattr(cls, method, None)) and not hasattr(BaseResponse, method)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseResponse) and cls.__module__.startswith(f"moto.{name}")
    )


def test_recorded_operations_are_exactly_what_moto_cannot_serve():
    called = _collector_operations()
    assert set(OPERATIONS) <= called, "a recorded operation no collector calls"
    for key in sorted(called):
        implemented = _moto_implements(*key)
        if key in NOT_SEEDABLE:
            assert implemented, f"moto no longer implements {key}: relabel it"
            assert "moto implements it" in OPERATIONS[key]
        elif key in OPERATIONS:
            assert not implemented, f"moto {moto.__version__} now implements {key}: drop it"
        else:
            assert implemented, f"moto {moto.__version__} does not implement {key}: record it"


def test_an_assessment_has_rpo_and_rto_per_disruption_type_against_the_apps_policy(prod: World):
    """DescribeAppAssessment: the policy of the app (from moto) and an estimate per disruption
    type, within the targets where met, above them for a breach."""
    assessment = prod.client("resiliencehub").describe_app_assessment(
        assessmentArn=_latest_assessment(prod)
    )["assessment"]
    targets = assessment["policy"]["policy"]
    assert set(assessment["compliance"]) == set(targets) >= {"Software", "Hardware", "AZ"}
    for kind, estimate in assessment["compliance"].items():
        within = estimate["currentRtoInSecs"] <= targets[kind]["rtoInSecs"]
        assert within == (estimate["complianceStatus"] == "PolicyMet"), kind
    with pytest.raises(prod.client("resiliencehub").exceptions.ClientError, match="NotFound"):
        prod.client("resiliencehub").describe_app_assessment(
            assessmentArn=f"arn:aws:resiliencehub:{EU}:{ACCOUNT}:app-assessment/nope"
        )
