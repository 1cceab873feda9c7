"""Recorded responses for the AWS APIs moto cannot serve, answered inside botocore.

`install` hooks a member account's ``boto3.Session``: every client created from it afterwards
(the sender's `sender.aws.Clients` creates its clients from the session it is given) asks the
hook first. For an operation in `OPERATIONS` the hook builds the response from the request
parameters and the simulated ``today``, validates it against botocore's output shape (like
``botocore.stub.Stubber``), counts it and returns it, so botocore skips HTTP. Any other operation
goes to moto. Answers are deterministic (seeded from the profile key, the operation and the
date), consistent with each other and with what exists in moto (recommendations, findings and
compliance refer to the instances, functions, detectors and Config rules that moto holds).

Who answers each call of each sender collector (moto 5.2.5; ``recorded`` = this package):

========================  =========================================================  ========
collector                 operation                                                  answered
========================  =========================================================  ========
account                   organizations DescribeOrganization, DescribeAccount,       moto
                          ListParents, DescribeOrganizationalUnit
account                   iam ListAccountAliases; account GetAlternateContact        moto
account                   account GetAccountInformation, GetContactInformation       recorded
acm_certificates          acm ListCertificates                                       moto
application_signals       application-signals ListServices,                          recorded
                          ListServiceLevelObjectives,
                          BatchGetServiceLevelObjectiveBudgetReport
cloudtrail_trails         cloudtrail DescribeTrails, GetTrailStatus                  moto
commitment_inventory      ec2 DescribeReservedInstances; rds                         recorded
                          DescribeReservedDBInstances; elasticache
                          DescribeReservedCacheNodes; opensearch
                          DescribeReservedInstances; redshift DescribeReservedNodes
commitment_inventory      savingsplans DescribeSavingsPlans; ce                      recorded
                          GetReservationUtilization (SUBSCRIPTION_ID groups),
                          GetSavingsPlansUtilizationDetails
commitments               savingsplans DescribeSavingsPlans                          recorded
commitments               ce GetReservationUtilization, GetReservationCoverage,      recorded
                          GetSavingsPlansUtilization, GetSavingsPlansCoverage,
                          GetDimensionValues
commitments               ec2 DescribeReservedInstances (moto cannot purchase one);  recorded
                          rds DescribeReservedDBInstances: who owns reservations
compute_optimizer         compute-optimizer GetEC2InstanceRecommendations,           recorded
                          GetEBSVolumeRecommendations,
                          GetLambdaFunctionRecommendations,
                          GetAutoScalingGroupRecommendations
config                    config DescribeConfigRules,                                moto
                          DescribeConfigurationRecorderStatus
config                    config DescribeComplianceByConfigRule,                     recorded
                          GetComplianceDetailsByConfigRule, DescribeConformancePacks,
                          DescribeConformancePackCompliance
cost                      ce GetCostAndUsage, GetCostForecast                        recorded
cost_anomalies            ce GetAnomalies                                            recorded
cost_by_tag               ce GetCostAndUsage (TAG groups)                            recorded
guardduty_findings        guardduty ListDetectors                                    moto
guardduty_findings        guardduty ListFindings, GetFindings                        recorded
health_events             health DescribeEvents, DescribeEntityAggregates            recorded
iam                       iam GenerateCredentialReport, GetCredentialReport          moto
inspector_findings        inspector2 ListFindings                                    recorded
kms_keys                  kms ListAliases, ListKeys, DescribeKey,                    moto
                          GetKeyRotationStatus
marketplace_usage         ce GetCostAndUsage (BILLING_ENTITY filter)                 recorded
resilience_hub_apps       resiliencehub ListApps, ListResiliencyPolicies,            moto
                          DescribeApp
resilience_hub_apps       resiliencehub ListAppAssessments, DescribeAppAssessment    recorded
resources                 ec2 DescribeInstances, DescribeSubnets, DescribeVolumes;   moto
                          rds DescribeDBInstances; s3 ListBuckets; elbv2
                          DescribeLoadBalancers; autoscaling
                          DescribeAutoScalingGroups; lambda ListFunctions;
                          resourcegroupstaggingapi GetResources
secrets                   secretsmanager ListSecrets                                 moto
securityhub               securityhub GetFindings                                    moto
securityhub               securityhub GetFindingStatisticsV2                         recorded
securityhub_standards     securityhub GetFindings                                    moto
securityhub_standards     securityhub GetEnabledStandards, DescribeStandards,        recorded
                          ListSecurityControlDefinitions,
                          BatchGetStandardsControlAssociations
service_usage             ce GetCostAndUsage (shared with cost)                      recorded
ssm_instances             ssm DescribeInstanceInformation, DescribeInstancePatches,  recorded
                          GetInventory
support_cases             support DescribeCases                                      moto
trusted_advisor_checks    support DescribeTrustedAdvisorChecks                       moto
trusted_advisor_checks    support DescribeTrustedAdvisorCheckSummaries               recorded
waf_web_acls              wafv2 ListWebACLs, GetWebACL, GetLoggingConfiguration      moto
waf_web_acls              wafv2 ListResourcesForWebACL;                              recorded
                          cloudfront ListDistributionsByWebACLId
========================  =========================================================  ========

`OPERATIONS` gives the reason for each recorded one. The recorded answers look at moto through
clients of their own (same credentials and endpoint, never hooked), e.g. ``DescribeInstances``
for the instances a recommendation is about.
"""

from __future__ import annotations

from datetime import date

import boto3

from demo.profiles import AccountProfile
from demo.recorded import (
    account,
    application_signals,
    commitment_inventory,
    compute_optimizer,
    config,
    cost,
    guardduty,
    health,
    inspector,
    resiliencehub,
    securityhub,
    ssm,
    support,
    waf,
)
from demo.recorded._core import Answers, ApiError, InvalidRecordedResponse, RecordedApis

ANSWERS: Answers = {
    key: answer
    for module in (
        cost,
        commitment_inventory,  # after cost: its GetReservationUtilization adds groups
        compute_optimizer,
        health,
        application_signals,
        config,
        guardduty,
        inspector,
        ssm,
        support,
        account,
        waf,
        resiliencehub,
        securityhub,
    )
    for key, answer in module.ANSWERS.items()
}

OPERATIONS: dict[tuple[str, str], str] = {key: answer.reason for key, answer in ANSWERS.items()}


def install(
    session: boto3.Session,
    profile: AccountProfile,
    *,
    today: date | None = None,
    endpoint_url: str | None = None,
) -> RecordedApis:
    """Answer the operations of `OPERATIONS` for every client created from ``session`` from now.

    ``today`` is the simulated date (set ``.today`` before each simulated day; the first value
    also fixes the demo's anchor: production's data-transfer spike two days later, commitment
    start dates). ``endpoint_url`` is moto's, for the answers' own look-ups; by default the
    endpoint the intercepted call was going to (``AWS_ENDPOINT_URL``)."""
    apis = RecordedApis(session, profile, ANSWERS, today=today, endpoint_url=endpoint_url)
    events = session.events
    events.register("before-parameter-build.*.*", apis.remember_params)
    events.register("before-call.*.*", apis.before_call)
    return apis


__all__ = [
    "OPERATIONS",
    "ApiError",
    "InvalidRecordedResponse",
    "RecordedApis",
    "install",
]
