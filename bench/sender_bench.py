"""Sender benchmark: a full collection run with 50 ms of latency on every AWS call.

    python bench/sender_bench.py [--latency-ms 50] [--regions eu-west-1,us-east-1] [--json]

Every API call of every client is answered, after sleeping ``--latency-ms``, by a canned response
from a realistic account (several pages of Security Hub, GuardDuty and Inspector findings, KMS
keys, WAF ACLs, Config rules, managed instances, Trusted Advisor checks, ...), through a
botocore ``before-call`` handler (like Stubber: the collectors' request code runs unchanged, each
canned response is checked against the service model once). No network is used.

Reports:
  * the wall time of the full run (all collectors, all regions, the production runner) against
    the sum of the collectors' serial times and the slowest single collector
    (target: wall <= 1.1 x the slowest collector, issue 13);
  * API calls per run, per service;
  * Cost Explorer calls per DAILY run (target <= 7 plus one per configured cost-allocation tag
    key, issue 14: each costs USD 0.01), in the default ``account`` cost mode (every request
    filtered on the sender's own account), for an account using two reservation services (EC2,
    RDS) without commitments of its own, counted without tag keys and with ``--tag-keys``
    (default two): the usage query (cost, service usage and the Marketplace rows), the totals
    query (comparison totals, the re-collected days of the open month, and which services AWS
    Marketplace bills: grouped by service and billing entity, 5 services x 24 days, one page),
    2 forecasts (unblended, amortized), 1 reservation coverage for EC2 and RDS together (two
    SERVICE values grouped by instance type), 1 Savings Plans coverage, 1 GetAnomalies, and 1
    GetCostAndUsage per tag key. Reservation utilization is asked only for services the account
    owns reservations of (free describe APIs; +1 per owned service) and Savings Plans
    utilization only for an owner of a plan (+1). Before issue 14: 10 (Marketplace had its own
    query, coverage and utilization were asked per service);
  * Cost Explorer requests per day in ``organization`` cost mode for 1,000 linked accounts
    (`organization_requests`): the management account's DAILY run of the four Cost Explorer
    collectors against `labkit.cost_explorer`, a fake Cost Explorer that groups,
    filters and pages like the real one, over a simulated organization. Cost Explorer does not
    document its page size; the bench assumes ``--ce-page-size`` groups per GetCostAndUsage page
    (default 1,000) and counts the requests the code really makes. ``--cost-explorer-only``
    prints just these counts (seconds instead of minutes).

The wall time is measured with warm clients, as in a warm Lambda container (the handler keeps its
clients); the cold-start figure, which also creates every boto3 client (CPU-bound, ~1.5 s), is
printed beside it. Exits 1 when a target is missed.

Cold start (issue 13; ``--only cold-run imports`` prints just these):
  * ``cold-run``: the sender's first run in a fresh process (median of 5 processes): the whole
    `collect` call, as the handler makes it, from its start (modules already imported: that is
    the next figure) to the validated document, so it includes importing boto3, making the
    session and every client the collectors use (target: 1.5 s). The target figure runs as
    the zip deploys the sender (`deployed_layout`: the contract's generated validator code,
    the stripped service models); the source tree's figure is printed beside it;
  * ``imports``: each Lambda handler's import in an isolated interpreter (``python -I -c
    "import X"``, bytecode cached, one unmeasured run first), the median of 5 fresh runs minus
    the median of 5 empty interpreters (``python -I -c pass``); the absolute figure is printed
    beside it (target: 0.25 s each).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_EC2_METADATA_DISABLED="true",
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

from contract import validate_document
from labkit.cost_explorer import Commitment, Line, OrganizationBilling
from sender.aws import Clients
from sender.collect import RunRequest, collect, select
from sender.collectors.base import Context, Shared
from sender.intervals import Interval, latest_complete_window
from sender.runner import plan_tasks, run_tasks
from sender.settings import parse_cost_tag_keys

ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WINDOW = latest_complete_window(Interval.DAILY, NOW.date())
DAY = datetime(2026, 11, 24, 12, tzinfo=UTC)
TOKEN_FIELDS = ("NextToken", "nextToken", "NextPageToken", "Marker", "NextMarker")


def _pages(items: list[Any], size: int, key: str, token: str) -> list[dict[str, Any]]:
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks):
        page: dict[str, Any] = {key: chunk}
        if n + 1 < len(chunks):
            page[token] = f"page-{n + 1}"
        pages.append(page)
    return pages


class Account:
    """Canned responses of one realistic member account."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.arn = f"arn:aws:{{}}:{region}:{ACCOUNT}"

    def respond(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, f"{service.replace('-', '_')}_{operation}", None)
        if handler is None:
            raise KeyError(f"no canned response for {service}.{operation}")
        result = handler(params)
        if isinstance(result, list):  # pages, chosen by the continuation token
            token = next((params[k] for k in TOKEN_FIELDS if params.get(k)), "page-0")
            return result[int(token.rsplit("-", 1)[1])]
        return result

    # --- Cost Explorer, Savings Plans (global) ---------------------------------------------
    def ce_GetCostAndUsage(self, params):
        period = params["TimePeriod"]
        if any(g["Type"] == "TAG" for g in params.get("GroupBy", [])):  # cost_by_tag, per key
            key = params["GroupBy"][0]["Key"]
            groups = [
                self._group([f"{key}$"], "41.20", "0", "N/A"),  # resources without the tag
                self._group([f"{key}$payments"], "260.35", "0", "N/A"),
            ]
        elif "GroupBy" in params and "BILLING_ENTITY" in json.dumps(params.get("Filter")):
            groups = [self._group(["Datadog Pro", "hosts"], "8.96", "14", "Hosts")]
        elif [g["Key"] for g in params.get("GroupBy", [])] == ["SERVICE", "BILLING_ENTITY"]:
            return self._by_service_daily(period)  # totals, re-collected days, Marketplace
        elif "GroupBy" in params:
            services = [
                "Amazon Elastic Compute Cloud - Compute",
                "Amazon Simple Storage Service",
                "Amazon Relational Database Service",
                "AWS Lambda",
                "Amazon CloudWatch",
            ]
            groups = [
                self._group([s, f"EUW1-Usage-{n}"], f"{n}.25", f"{n * 10}", "Hrs")
                for s in services
                for n in range(40)
            ] + [self._group(["Datadog Pro", "hosts"], "8.96", "14", "Hosts")]
        else:  # comparison totals
            start = datetime.fromisoformat(period["Start"])
            end = datetime.fromisoformat(period["End"])
            days = (end - start).days
            return {
                "ResultsByTime": [
                    {
                        "TimePeriod": {
                            "Start": (start + timedelta(d)).date().isoformat(),
                            "End": (start + timedelta(d + 1)).date().isoformat(),
                        },
                        "Total": {
                            "UnblendedCost": {"Amount": "301.55", "Unit": "USD"},
                            "AmortizedCost": {"Amount": "288.12", "Unit": "USD"},
                        },
                        "Groups": [],
                        "Estimated": False,
                    }
                    for d in range(days)
                ]
            }
        return {"ResultsByTime": [{"TimePeriod": period, "Groups": groups, "Estimated": True}]}

    def _by_service_daily(self, period):
        """The comparison totals query of a scheduled DAILY run: each day of the period (the
        open month to date) grouped by service, flagged Estimated for the last three days."""
        start = datetime.fromisoformat(period["Start"])
        end = datetime.fromisoformat(period["End"])
        services = [
            "Amazon Elastic Compute Cloud - Compute",
            "Amazon Simple Storage Service",
            "Amazon Relational Database Service",
            "AWS Lambda",
            "Amazon CloudWatch",
        ]
        results = []
        for d in range((end - start).days):
            day = start + timedelta(d)
            results.append(
                {
                    "TimePeriod": {
                        "Start": day.date().isoformat(),
                        "End": (day + timedelta(1)).date().isoformat(),
                    },
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": [s, entity],
                            "Metrics": {
                                "UnblendedCost": {"Amount": "810", "Unit": "USD"},
                                "AmortizedCost": {"Amount": "810", "Unit": "USD"},
                            },
                        }
                        for s, entity in [
                            *((s, "AWS") for s in services),
                            ("Datadog Pro", "AWS Marketplace"),
                        ]
                    ],
                    "Estimated": (end - day).days <= 3,
                }
            )
        return {"ResultsByTime": results}

    @staticmethod
    def _group(keys, cost, quantity, unit):
        return {
            "Keys": keys,
            "Metrics": {
                "UnblendedCost": {"Amount": cost, "Unit": "USD"},
                "AmortizedCost": {"Amount": cost, "Unit": "USD"},
                "UsageQuantity": {"Amount": quantity, "Unit": unit},
            },
        }

    def ce_GetCostForecast(self, params):
        return {
            "Total": {"Amount": "1790.33", "Unit": "USD"},
            "ForecastResultsByTime": [
                {
                    "TimePeriod": params["TimePeriod"],
                    "MeanValue": "1790.33",
                    "PredictionIntervalLowerBound": "1650.12",
                    "PredictionIntervalUpperBound": "1930.54",
                }
            ],
        }

    def ce_GetAnomalies(self, params):  # one open anomaly, shaped like the API reference's
        return {
            "Anomalies": [
                {
                    "AnomalyId": "0f6d1c2e-8f3b-4c5a-9e7d-1a2b3c4d5e6f",
                    "AnomalyStartDate": "2026-11-22",
                    "DimensionValue": "Amazon Elastic Compute Cloud - Compute",
                    "RootCauses": [
                        {
                            "Service": "Amazon Elastic Compute Cloud - Compute",
                            "Region": self.region,
                            "LinkedAccount": ACCOUNT,
                            "UsageType": "EUW1-BoxUsage:m6i.2xlarge",
                            "Impact": {"Contribution": 120.4},
                        }
                    ],
                    "AnomalyScore": {"MaxScore": 0.82, "CurrentScore": 0.74},
                    "Impact": {
                        "MaxImpact": 61.2,
                        "TotalImpact": 120.4,
                        "TotalActualSpend": 310.0,
                        "TotalExpectedSpend": 189.6,
                        "TotalImpactPercentage": 63.5,
                    },
                    "MonitorArn": f"arn:aws:ce::{ACCOUNT}:anomalymonitor/8c1b7e2a",
                }
            ]
        }

    def ce_GetReservationUtilization(self, params):
        return {"UtilizationsByTime": [], "Total": {"PurchasedHours": "0"}}

    def ce_GetReservationCoverage(self, params):  # covered by reservations bought elsewhere
        hours = {"ReservedHours": "48", "TotalRunningHours": "120", "OnDemandHours": "72"}
        if params.get("GroupBy"):  # two services (EC2 and RDS), by instance type
            groups = [
                {"Attributes": {"instanceType": t}, "Coverage": {"CoverageHours": hours}}
                for t in ("m6i.xlarge", "db.r6g.large")
            ]
            return {"CoveragesByTime": [{"TimePeriod": params["TimePeriod"], "Groups": groups}]}
        return {"CoveragesByTime": [], "Total": {"CoverageHours": hours}}

    def ce_GetSavingsPlansCoverage(self, params):
        coverage = {"SpendCoveredBySavingsPlans": "40.5", "TotalCost": "98.2"}
        return {"SavingsPlansCoverages": [{"Coverage": coverage}]}

    def savingsplans_DescribeSavingsPlans(self, params):
        return {"savingsPlans": []}

    # The account owns no reservation (commitment_inventory, with EC2 and RDS below): no Cost
    # Explorer request
    def elasticache_DescribeReservedCacheNodes(self, params):
        return {"ReservedCacheNodes": []}

    def opensearch_DescribeReservedInstances(self, params):
        return {"ReservedInstances": []}

    def redshift_DescribeReservedNodes(self, params):
        return {"ReservedNodes": []}

    # free describe APIs: which reservation services the account owns (none)
    def ec2_DescribeReservedInstances(self, params):
        return {"ReservedInstances": []}

    def rds_DescribeReservedDBInstances(self, params):
        return {"ReservedDBInstances": []}

    # --- account, IAM, support, health (global) ---------------------------------------------
    def organizations_DescribeOrganization(self, params):
        return {"Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "111122223333"}}

    def organizations_DescribeAccount(self, params):
        return {
            "Account": {
                "Id": ACCOUNT,
                "Name": "payments-prod",
                "Email": "aws@example.com",
                "Status": "ACTIVE",
                "JoinedTimestamp": DAY,
            }
        }

    def organizations_ListParents(self, params):
        parent = {"Id": "r-ab12", "Type": "ROOT"}
        if params["ChildId"] == ACCOUNT:
            parent = {"Id": "ou-ab12-cdef3456", "Type": "ORGANIZATIONAL_UNIT"}
        return {"Parents": [parent]}

    def organizations_DescribeOrganizationalUnit(self, params):
        return {"OrganizationalUnit": {"Id": params["OrganizationalUnitId"], "Name": "Prod"}}

    def account_GetContactInformation(self, params):
        return {
            "ContactInformation": {
                "FullName": "Ops",
                "AddressLine1": "1 Main St",
                "City": "Zürich",
                "PostalCode": "8001",
                "CountryCode": "CH",
                "PhoneNumber": "+41 44 000 00 00",
            }
        }

    def account_GetAlternateContact(self, params):
        kind = params["AlternateContactType"]
        return {
            "AlternateContact": {
                "Name": kind.title(),
                "EmailAddress": f"{kind}@example.com",
                "PhoneNumber": "+1 206 555 0100",
                "Title": "On call",
                "AlternateContactType": kind,
            }
        }

    def iam_GetCredentialReport(self, params):
        header = (
            "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,"
            "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
            "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date"
        )
        rows = [
            f"user{n},arn:aws:iam::{ACCOUNT}:user/user{n},2024-01-01T00:00:00+00:00,true,"
            f"2026-11-20T00:00:00+00:00,{str(n % 2 == 0).lower()},true,"
            "2026-01-01T00:00:00+00:00,N/A,false,N/A,N/A"
            for n in range(40)
        ]
        return {"Content": "\n".join([header, *rows]).encode(), "GeneratedTime": DAY}

    def support_DescribeTrustedAdvisorChecks(self, params):
        return {
            "checks": [
                {
                    "id": f"check{n:03d}",
                    "name": f"Check {n}",
                    "description": "",
                    "category": "cost_optimizing",
                    "metadata": [],
                }
                for n in range(150)
            ]
        }

    def support_DescribeTrustedAdvisorCheckSummaries(self, params):
        return {
            "summaries": [
                {
                    "checkId": c,
                    "timestamp": "2026-11-24T20:41:09Z",
                    "status": "warning",
                    "resourcesSummary": {
                        "resourcesProcessed": 12,
                        "resourcesFlagged": 2,
                        "resourcesIgnored": 0,
                        "resourcesSuppressed": 0,
                    },
                    "categorySpecificSummary": {
                        "costOptimizing": {
                            "estimatedMonthlySavings": 14.5,
                            "estimatedPercentMonthlySavings": 3.0,
                        }
                    },
                }
                for c in params["checkIds"]
            ]
        }

    def support_DescribeCases(self, params):
        return {
            "cases": [
                {
                    "caseId": f"case-{ACCOUNT}-2026-{n:016x}",
                    "status": "opened",
                    "subject": "Limit increase",
                    "timeCreated": "2026-11-24T21:37:05.123Z",
                }
                for n in range(5)
            ]
        }

    def health_DescribeEvents(self, params):
        return {
            "events": [
                {
                    "arn": f"arn:aws:health:eu-west-1::event/EC2/ISSUE/ISSUE_{n:04d}",
                    "service": "EC2",
                    "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE",
                    "region": "eu-west-1",
                    "statusCode": "closed",
                    "startTime": DAY,
                    "lastUpdatedTime": DAY,
                }
                for n in range(8)
            ]
        }

    def health_DescribeEntityAggregates(self, params):
        return {"entityAggregates": [{"eventArn": a, "count": 1} for a in params["eventArns"]]}

    # --- regional security services ----------------------------------------------------------
    def securityhub_GetFindings(self, params):
        if "ComplianceStatus" in params["Filters"]:
            return self._control_findings()
        archived = params["Filters"]["RecordState"][0]["Value"] == "ARCHIVED"
        count = 20 if archived else 350
        findings = [
            {
                "SchemaVersion": "2018-10-08",
                "Id": f"{self.arn.format('securityhub')}:finding/{'a' if archived else 'f'}{n:06d}",
                "ProductArn": f"arn:aws:securityhub:{self.region}::product/aws/securityhub",
                "GeneratorId": "aws-foundational-security-best-practices/v/1.0.0/S3.8",
                "AwsAccountId": ACCOUNT,
                "Region": self.region,
                "CreatedAt": "2026-10-02T11:15:42Z",
                "UpdatedAt": "2026-11-24T23:10:05Z",
                "Title": "S3 buckets should block public access",
                "Description": "The control fails if any setting is false.",
                "Severity": {"Label": ["LOW", "MEDIUM", "HIGH", "CRITICAL"][n % 4]},
                "Resources": [{"Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::bucket-{n}"}],
                "RecordState": "ARCHIVED" if archived else "ACTIVE",
                "Workflow": {"Status": "NEW"},
                "Remediation": {
                    "Recommendation": {
                        "Text": "For information on how to correct this issue, consult the AWS "
                        "Security Hub controls documentation.",
                        "Url": "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation",
                    }
                },
            }
            for n in range(count)
        ]
        return _pages(findings, 100, "Findings", "NextToken")

    # Security Hub standards: FSBP and CIS enabled, 60 controls each, a control finding per
    # control and bucket (20 buckets): 1,200 ACTIVE control findings, 12 pages
    STANDARDS = (
        "arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
        "arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0",
    )

    def _standards(self):
        return [arn.format(region=self.region) for arn in self.STANDARDS]

    def securityhub_GetEnabledStandards(self, params):
        return {
            "StandardsSubscriptions": [
                {
                    "StandardsSubscriptionArn": self.arn.format("securityhub")
                    + ":subscription/"
                    + arn.split("::standards/")[1],
                    "StandardsArn": arn,
                    "StandardsInput": {},
                    "StandardsStatus": "READY",
                }
                for arn in self._standards()
            ]
        }

    def securityhub_DescribeStandards(self, params):
        names = ("AWS Foundational Security Best Practices v1.0.0", "CIS AWS Foundations v1.4.0")
        return {
            "Standards": [
                {"StandardsArn": arn, "Name": name}
                for arn, name in zip(self._standards(), names, strict=True)
            ]
        }

    def securityhub_ListSecurityControlDefinitions(self, params):
        controls = [
            {
                "SecurityControlId": f"S3.{n}",
                "Title": f"S3 control {n}",
                "Description": "Checks S3 buckets.",
                "RemediationUrl": f"https://docs.aws.amazon.com/console/securityhub/S3.{n}/remediation",
                "SeverityRating": ["LOW", "MEDIUM", "HIGH", "CRITICAL"][n % 4],
                "CurrentRegionAvailability": "AVAILABLE",
            }
            for n in range(60)
        ]
        return _pages(controls, 100, "SecurityControlDefinitions", "NextToken")

    def securityhub_BatchGetStandardsControlAssociations(self, params):
        return {
            "StandardsControlAssociationDetails": [
                {
                    "StandardsArn": pair["StandardsArn"],
                    "SecurityControlId": pair["SecurityControlId"],
                    "SecurityControlArn": self.arn.format("securityhub")
                    + f":security-control/{pair['SecurityControlId']}",
                    "AssociationStatus": "ENABLED",
                }
                for pair in params["StandardsControlAssociationIds"]
            ]
        }

    def _control_findings(self):
        standards = [{"StandardsId": arn.split(":", 5)[-1]} for arn in self._standards()]
        findings = [
            {
                "SchemaVersion": "2018-10-08",
                "Id": f"{self.arn.format('securityhub')}:security-control/S3.{c}/finding/{b:06d}",
                "ProductArn": f"arn:aws:securityhub:{self.region}::product/aws/securityhub",
                "GeneratorId": f"security-control/S3.{c}",
                "AwsAccountId": ACCOUNT,
                "Region": self.region,
                "CreatedAt": "2026-10-02T11:15:42Z",
                "UpdatedAt": "2026-11-24T23:10:05Z",
                "Title": f"S3 control {c}",
                "Description": "Checks S3 buckets.",
                "Resources": [{"Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::bucket-{b}"}],
                "Compliance": {
                    "Status": "FAILED" if (c + b) % 7 == 0 else "PASSED",
                    "SecurityControlId": f"S3.{c}",
                    "AssociatedStandards": standards,
                },
                "RecordState": "ACTIVE",
            }
            for c in range(60)
            for b in range(20)
        ]
        return _pages(findings, 100, "Findings", "NextToken")

    def securityhub_GetFindingStatisticsV2(self, params):
        """The server-side counts of the 350 ACTIVE findings above (all New), one GroupByResult
        per rule (New, In Progress, Suppressed, Resolved)."""
        new = {"Low": 88, "Medium": 88, "High": 87, "Critical": 87}
        return {
            "GroupByResults": [
                {
                    "GroupByField": "severity",
                    "GroupByValues": [
                        {"FieldValue": k, "Count": v if n == 0 else 0} for k, v in new.items()
                    ],
                }
                for n in range(len(params["GroupByRules"]))
            ]
        }

    def guardduty_ListDetectors(self, params):
        return {"DetectorIds": ["12abc34d567e8fa901bc2d34e56789f0"]}

    def guardduty_ListFindings(self, params):
        archived = "updatedAt" in params["FindingCriteria"]["Criterion"]
        ids = [f"{'a' if archived else 'f'}{n:031x}" for n in range(10 if archived else 120)]
        return _pages(ids, 50, "FindingIds", "NextToken")

    def guardduty_GetFindings(self, params):
        return {
            "Findings": [
                {
                    "AccountId": ACCOUNT,
                    "Arn": f"{self.arn.format('guardduty')}:detector/d/finding/{i}",
                    "CreatedAt": "2026-11-21T03:44:10.512Z",
                    "Id": i,
                    "Partition": "aws",
                    "Region": self.region,
                    "SchemaVersion": "2.0",
                    "Severity": 5.0,
                    "Type": "Recon:EC2/PortProbeUnprotectedPort",
                    "UpdatedAt": "2026-11-24T22:19:48Z",
                    "Resource": {
                        "ResourceType": "Instance",
                        "InstanceDetails": {"InstanceId": "i-0123456789abcdef0"},
                    },
                    "Service": {"Archived": False, "Count": 3},
                    "Description": "EC2 instance has an unprotected port which is being probed by "
                    "a known malicious host.",
                    "Confidence": 5.0,
                }
                for i in params["FindingIds"]
            ]
        }

    def inspector2_ListFindings(self, params):
        closed = "updatedAt" in params["filterCriteria"]
        findings = [
            {
                "findingArn": f"{self.arn.format('inspector2')}:finding/"
                f"{'c' if closed else 'a'}{n:031x}",
                "awsAccountId": ACCOUNT,
                "type": "PACKAGE_VULNERABILITY",
                "description": "CVE",
                "severity": "HIGH",
                "firstObservedAt": DAY,
                "lastObservedAt": DAY,
                "updatedAt": DAY,
                "status": "CLOSED" if closed else "ACTIVE",
                "remediation": {},
                "resources": [
                    {"type": "AWS_EC2_INSTANCE", "id": "i-0123456789abcdef0", "region": self.region}
                ],
            }
            for n in range(15 if closed else 220)
        ]
        return _pages(findings, 100, "findings", "nextToken")

    # --- regional inventory ------------------------------------------------------------------
    def kms_ListAliases(self, params):
        return {
            "Aliases": [
                {"AliasName": f"alias/key-{n}", "TargetKeyId": f"key-{n}"} for n in range(8)
            ]
        }

    def kms_ListKeys(self, params):
        return {
            "Keys": [
                {"KeyId": f"key-{n}", "KeyArn": f"{self.arn.format('kms')}:key/key-{n}"}
                for n in range(8)
            ]
        }

    def kms_DescribeKey(self, params):
        return {
            "KeyMetadata": {
                "KeyId": params["KeyId"],
                "KeyState": "Enabled",
                "KeyManager": "CUSTOMER",
                "KeySpec": "SYMMETRIC_DEFAULT",
                "Origin": "AWS_KMS",
                "CreationDate": DAY,
            }
        }

    def kms_GetKeyRotationStatus(self, params):
        return {"KeyRotationEnabled": True}

    def wafv2_ListWebACLs(self, params):
        scope = "global" if params["Scope"] == "CLOUDFRONT" else "regional"
        return {
            "WebACLs": [
                {
                    "Name": f"acl-{n}",
                    "Id": f"id-{n}",
                    "ARN": f"{self.arn.format('wafv2')}:{scope}/webacl/acl-{n}/id-{n}",
                }
                for n in range(2)
            ]
        }

    def wafv2_GetWebACL(self, params):
        visibility = {
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": "m",
        }
        scope = "global" if params["Scope"] == "CLOUDFRONT" else "regional"
        return {
            "WebACL": {
                "Name": params["Name"],
                "Id": params["Id"],
                "DefaultAction": {"Allow": {}},
                "ARN": f"{self.arn.format('wafv2')}:{scope}/webacl/{params['Name']}/{params['Id']}",
                "VisibilityConfig": visibility,
                "Capacity": 700,
                "Rules": [
                    {
                        "Name": "rate",
                        "Priority": 1,
                        "Action": {"Block": {}},
                        "VisibilityConfig": visibility,
                        "Statement": {
                            "RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}
                        },
                    }
                ],
            },
            "LockToken": "t",
        }

    def wafv2_GetLoggingConfiguration(self, params):
        return {
            "LoggingConfiguration": {
                "ResourceArn": params["ResourceArn"],
                "LogDestinationConfigs": [self.arn.format("logs")],
            }
        }

    def wafv2_ListResourcesForWebACL(self, params):
        return {"ResourceArns": []}

    def cloudfront_ListDistributionsByWebACLId(self, params):
        return {
            "DistributionList": {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 0}
        }

    def cloudtrail_DescribeTrails(self, params):
        return {
            "trailList": [
                {
                    "Name": "org",
                    "HomeRegion": "eu-west-1",
                    "IsMultiRegionTrail": True,
                    "TrailARN": f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/org",
                }
            ]
        }

    def cloudtrail_GetTrailStatus(self, params):
        return {"IsLogging": True, "LatestDeliveryTime": DAY}

    def secretsmanager_ListSecrets(self, params):
        return {
            "SecretList": [
                {
                    "ARN": f"{self.arn.format('secretsmanager')}:secret:s{n}-AbCdEf",
                    "Name": f"s{n}",
                    "CreatedDate": DAY,
                }
                for n in range(12)
            ]
        }

    def acm_ListCertificates(self, params):
        return {
            "CertificateSummaryList": [
                {
                    "CertificateArn": f"{self.arn.format('acm')}:certificate/c-{n}",
                    "DomainName": f"app{n}.example.com",
                    "Status": "ISSUED",
                    "NotAfter": DAY,
                }
                for n in range(6)
            ]
        }

    def config_DescribeConfigRules(self, params):
        return {
            "ConfigRules": [
                {
                    "ConfigRuleName": f"rule-{n}",
                    "Source": {"Owner": "AWS", "SourceIdentifier": f"RULE_{n}"},
                }
                for n in range(25)
            ]
        }

    def config_DescribeComplianceByConfigRule(self, params):
        return {
            "ComplianceByConfigRules": [
                {
                    "ConfigRuleName": f"rule-{n}",
                    "Compliance": {"ComplianceType": "NON_COMPLIANT" if n < 4 else "COMPLIANT"},
                }
                for n in range(25)
            ]
        }

    def config_DescribeConformancePacks(self, params):
        return {
            "ConformancePackDetails": [
                {
                    "ConformancePackName": "baseline",
                    "ConformancePackArn": self.arn.format("config"),
                    "ConformancePackId": "c1",
                }
            ]
        }

    def config_GetComplianceDetailsByConfigRule(self, params):
        return {
            "EvaluationResults": [
                {
                    "EvaluationResultIdentifier": {
                        "EvaluationResultQualifier": {
                            "ConfigRuleName": params["ConfigRuleName"],
                            "ResourceType": "AWS::EC2::Volume",
                            "ResourceId": f"vol-{n:017x}",
                        }
                    },
                    "ComplianceType": "NON_COMPLIANT",
                    "ResultRecordedTime": DAY,
                }
                for n in range(5)
            ]
        }

    def config_DescribeConformancePackCompliance(self, params):
        return {
            "ConformancePackName": params["ConformancePackName"],
            "ConformancePackRuleComplianceList": [
                {"ConfigRuleName": f"rule-{n}", "ComplianceType": "COMPLIANT"} for n in range(10)
            ],
        }

    def ssm_DescribeInstanceInformation(self, params):
        return {
            "InstanceInformationList": [
                {
                    "InstanceId": f"i-{n:017x}",
                    "PingStatus": "Online",
                    "PlatformType": "Linux",
                    "LastPingDateTime": DAY,
                    "ResourceType": "EC2Instance",
                    "IsLatestVersion": n % 2 == 0,
                    "AssociationStatus": "Success",
                }
                for n in range(6)
            ]
        }

    def ssm_GetInventory(self, params):
        return {
            "Entities": [
                {
                    "Id": f"i-{n:017x}",
                    "Data": {
                        "AWS:Application": {
                            "TypeName": "AWS:Application",
                            "SchemaVersion": "1.1",
                            "CaptureTime": "2026-11-24",
                            "Content": [
                                {"Name": f"pkg{a}", "Version": "1.0", "Architecture": "x86_64"}
                                for a in range(30)
                            ],
                        }
                    },
                }
                for n in range(6)
            ]
        }

    def ssm_DescribeInstancePatches(self, params):
        return {
            "Patches": [
                {
                    "Title": f"patch {p}",
                    "KBId": f"ALAS-2026-{p}",
                    "Classification": "Security",
                    "Severity": "Important",
                    "State": "INSTALLED",
                    "InstalledTime": DAY,
                }
                for p in range(10)
            ]
        }

    def application_signals_ListServices(self, params):
        return {
            "StartTime": params["StartTime"],
            "EndTime": params["EndTime"],
            "ServiceSummaries": [
                {
                    "KeyAttributes": {
                        "Type": "Service",
                        "Name": f"svc{n}",
                        "Environment": "eks:prod/payments",
                    },
                    "AttributeMaps": [],
                    "MetricReferences": [],
                }
                for n in range(5)
            ],
        }

    def application_signals_ListServiceLevelObjectives(self, params):
        return {
            "SloSummaries": [
                {
                    "Arn": f"{self.arn.format('application-signals')}:slo/s{n}",
                    "Name": f"s{n}",
                    "CreatedTime": DAY,
                }
                for n in range(4)
            ]
        }

    def application_signals_BatchGetServiceLevelObjectiveBudgetReport(self, params):
        return {
            "Timestamp": params["Timestamp"],
            "Errors": [],
            "Reports": [
                {"Arn": a, "Name": "s", "BudgetStatus": "OK", "Attainment": 99.95}
                for a in params["SloIds"]
            ],
        }

    def resiliencehub_ListApps(self, params):
        return {
            "appSummaries": [
                {
                    "appArn": f"{self.arn.format('resiliencehub')}:app/a{n}",
                    "name": f"app{n}",
                    "creationTime": DAY,
                }
                for n in range(2)
            ]
        }

    def resiliencehub_ListResiliencyPolicies(self, params):
        return {"resiliencyPolicies": []}

    def resiliencehub_DescribeApp(self, params):
        return {"app": {"appArn": params["appArn"], "name": "app", "creationTime": DAY}}

    def resiliencehub_ListAppAssessments(self, params):
        return {
            "assessmentSummaries": [
                {
                    "appArn": params["appArn"],
                    "assessmentArn": f"{params['appArn']}/app-assessment/1",
                    "assessmentStatus": "Success",
                    "endTime": DAY,
                }
            ]
        }

    def resiliencehub_DescribeAppAssessment(self, params):
        targets = {"rpoInSecs": 300, "rtoInSecs": 3600}
        estimate = {
            "complianceStatus": "PolicyMet",
            "currentRpoInSecs": 60,
            "currentRtoInSecs": 600,
        }
        return {
            "assessment": {
                "assessmentArn": params["assessmentArn"],
                "assessmentStatus": "Success",
                "invoker": "System",
                "compliance": {k: estimate for k in ("Software", "Hardware", "AZ", "Region")},
                "policy": {
                    "policyName": "gold",
                    "policy": {k: targets for k in ("Software", "Hardware", "AZ", "Region")},
                },
            }
        }

    def compute_optimizer_GetEC2InstanceRecommendations(self, params):
        return {
            "instanceRecommendations": [
                {
                    "instanceArn": f"{self.arn.format('ec2')}:instance/i-{n}",
                    "finding": "Overprovisioned",
                    "currentInstanceType": "m6i.xlarge",
                    "lookBackPeriodInDays": 14.0,
                    "utilizationMetrics": [
                        {"name": "Cpu", "statistic": "Maximum", "value": 23.5},
                        {"name": "Memory", "statistic": "Maximum", "value": 31.0},
                    ],
                    "recommendationOptions": [
                        {
                            "instanceType": "m6i.large",
                            "rank": 1,
                            "performanceRisk": 1.0,
                            "migrationEffort": "Low",
                        }
                    ],
                }
                for n in range(5)
            ]
        }

    def compute_optimizer_GetEBSVolumeRecommendations(self, params):
        return {"volumeRecommendations": []}

    def compute_optimizer_GetLambdaFunctionRecommendations(self, params):
        return {"lambdaFunctionRecommendations": []}

    def compute_optimizer_GetAutoScalingGroupRecommendations(self, params):
        return {"autoScalingGroupRecommendations": []}

    def resourcegroupstaggingapi_GetResources(self, params):
        return {"ResourceTagMappingList": []}

    def ec2_DescribeInstances(self, params):
        return {
            "Reservations": [
                {
                    "Instances": [
                        {
                            "InstanceId": f"i-{n:017x}",
                            "State": {"Name": "running"},
                            "InstanceType": "m6i.large",
                        }
                        for n in range(20)
                    ]
                }
            ]
        }

    def ec2_DescribeSubnets(self, params):
        return {"Subnets": [{"SubnetId": f"subnet-{n}", "State": "available"} for n in range(6)]}

    def ec2_DescribeVolumes(self, params):
        return {
            "Volumes": [{"VolumeId": f"vol-{n}", "State": "in-use", "Size": 100} for n in range(20)]
        }

    def rds_DescribeDBInstances(self, params):
        return {
            "DBInstances": [{"DBInstanceIdentifier": "ledger", "DBInstanceStatus": "available"}]
        }

    def s3_ListBuckets(self, params):
        return {"Buckets": [{"Name": f"bucket-{self.region}-{n}"} for n in range(10)]}

    def elbv2_DescribeLoadBalancers(self, params):
        return {
            "LoadBalancers": [
                {
                    "LoadBalancerArn": f"{self.arn.format('elasticloadbalancing')}"
                    ":loadbalancer/app/api/50dc6c49",
                    "LoadBalancerName": "api",
                }
            ]
        }

    def autoscaling_DescribeAutoScalingGroups(self, params):
        return {"AutoScalingGroups": []}

    def lambda_ListFunctions(self, params):
        return {
            "Functions": [
                {
                    "FunctionName": f"fn{n}",
                    "FunctionArn": f"{self.arn.format('lambda')}:function:fn{n}",
                }
                for n in range(15)
            ]
        }


class BenchClients(Clients):
    """Every client answers from `Account` after sleeping ``latency`` seconds per call."""

    def __init__(self, latency: float) -> None:
        super().__init__(freeze_gc=True)  # as the Lambda's clients (sender.aws.container_clients)
        self.latency = latency
        self.validated: set[tuple[str, str]] = set()
        self.lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key in self._clients:
            return self._clients[key]
        client = super().client(service, region)
        account = Account(region)
        service_id = client.meta.service_model.service_name.replace("-", "_")

        def answer(model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict]:
            time.sleep(self.latency)
            response = account.respond(service_id, model.name, api_params.get())
            self._validate(model, response)
            return AWSResponse("https://bench", 200, {}, None), response

        api_params = _ApiParams()
        client.meta.events.register("before-parameter-build.*.*", api_params.record)
        client.meta.events.register("before-call.*.*", answer)
        return client

    def _validate(self, model: Any, response: dict[str, Any]) -> None:
        key = (model.service_model.service_name, model.name)
        with self.lock:
            if key in self.validated:
                return
            self.validated.add(key)
        report = ParamValidator().validate(response, model.output_shape)
        if report.has_errors():
            raise AssertionError(f"canned {key} response: {report.generate_report()}")


class _ApiParams(threading.local):
    """The API parameters of the call in flight on this thread (before-call sees them
    serialised)."""

    params: dict[str, Any] | None = None

    def record(self, params: dict[str, Any], **_: Any) -> None:
        self.params = dict(params)

    def get(self) -> dict[str, Any]:
        return self.params or {}


def run(latency: float, regions: tuple[str, ...], workers: int) -> dict[str, Any]:
    collectors = tuple(select([]))
    request = RunRequest(Interval.DAILY, WINDOW, True, collectors, regions)

    durations: dict[str, float] = {}  # the container's (sender.collect.CONTAINER_DURATIONS)

    def full_run(clients: BenchClients) -> tuple[float, float, Any]:
        started = time.monotonic()
        result = collect(
            request,
            clients,
            home_region=regions[0],
            account_id=ACCOUNT,
            now=NOW,
            max_workers=workers,
            freeze_gc=True,  # as the handler does
            durations=durations,  # as the handler does
            cost_tag_keys=TAG_KEYS,  # two tag keys configured: cost_by_tag runs
        )
        return result.collection_ms / 1000, time.monotonic() - started, result

    # cold: a fresh container, every boto3 client created during the run
    cold_wall, cold_total, _ = full_run(BenchClients(latency))
    # warm: clients already exist (the handler keeps them for the container's life)
    clients = BenchClients(latency)
    full_run(clients)
    calls_before = clients.api_calls()
    wall, total, result = full_run(clients)
    assert clients.api_calls() - calls_before == sum(result.api_calls.values())

    # the collectors one by one, with the same warm clients: each one's serial time
    serial: dict[str, float] = {}
    for task in plan_tasks(collectors, regions):
        ctx = Context(
            account_id=ACCOUNT,
            region=task.region,
            regions=regions,
            home_region=regions[0],
            interval=Interval.DAILY,
            window=WINDOW,
            now=NOW,
            current=True,
            clients=clients,
            shared=Shared(),
            cost_tag_keys=TAG_KEYS,  # as the full run: cost_by_tag runs, not skipped
        )
        started = time.monotonic()
        [outcome] = run_tasks([task], lambda _, ctx=ctx: ctx, max_workers=1)
        serial[task.label] = time.monotonic() - started
        if outcome.status != "ok":
            raise SystemExit(f"{task.label}: {outcome.status}: {outcome.error}")

    validate_document(result.document)
    validation = result.validation_ms / 1000
    statuses = Counter(e["status"] for e in result.document["collectors"])
    slowest_label = max(serial, key=serial.get)
    by_service = Counter()
    for (service, _), n in result.api_calls.items():
        by_service[service] += n
    return {
        "latency_ms": latency * 1000,
        "regions": list(regions),
        "workers": workers,
        "tasks": len(serial),
        "statuses": dict(statuses),
        "wall_s": round(wall, 3),
        "cold_wall_s": round(cold_wall, 3),
        "total_s": round(total, 3),
        "cold_total_s": round(cold_total, 3),
        "serial_sum_s": round(sum(serial.values()), 3),
        "slowest_collector": slowest_label,
        "slowest_collector_s": round(serial[slowest_label], 3),
        "wall_over_slowest": round(wall / serial[slowest_label], 2),
        "speedup_over_serial": round(sum(serial.values()) / wall, 1),
        "validation_s": round(validation, 3),
        "api_calls": sum(result.api_calls.values()),
        "api_calls_by_service": dict(by_service.most_common()),
        "cost_explorer_calls": result.cost_explorer_calls,
        "cost_explorer_by_operation": {
            op: n for (svc, op), n in result.api_calls.items() if svc == "ce"
        },
        "items": sum(e["item_count"] or 0 for e in result.document["collectors"]),
        "serial_s": {k: round(v, 3) for k, v in sorted(serial.items(), key=lambda kv: -kv[1])},
    }


COST_COLLECTORS = (
    "cost",
    "service_usage",
    "marketplace_usage",
    "commitments",
    "cost_anomalies",
    "cost_by_tag",
)
# Cost Explorer requests per DAILY run in account mode, plus one per tag key (see the docstring)
CE_TARGET = 7
TAG_KEYS = ("CostCenter", "team")  # the cost-allocation tag keys of the counted run
ORG_ACCOUNTS = 1000
ORG_SERVICES = 60  # distinct services in the organization's bill
COMMON_SERVICES = 8  # used by every account (EC2, S3, CloudWatch, KMS, ...)
TAIL_SERVICES_PER_ACCOUNT = 4  # plus a few of the others, different per account
USAGE_TYPES_PER_SERVICE = 4  # usage types per account and service on a day
MARKETPLACE_PRODUCTS = 3  # subscribed by 1 account in 50
# two of the common services sell reservations (asked one by one, see commitments.py)
SERVICE_NAMES = {
    0: "Amazon Elastic Compute Cloud - Compute",
    1: "Amazon Relational Database Service",
}


def organization_lines(accounts: int) -> list[Line]:
    """A simulated organization: the DAILY window in full detail; the earlier days of the month
    (which only the comparison totals query reads, grouped by account and service: it
    re-collects them) one line per account, service and day."""
    one = Decimal("1.25")
    lines = []
    ids = [f"{200000000000 + n:012d}" for n in range(accounts)]
    for n, account in enumerate(ids):
        services = list(range(COMMON_SERVICES)) + [
            COMMON_SERVICES + (n * 7 + k * 13) % (ORG_SERVICES - COMMON_SERVICES)
            for k in range(TAIL_SERVICES_PER_ACCOUNT)
        ]
        for s in services:
            for u in range(USAGE_TYPES_PER_SERVICE):
                lines.append(
                    Line(
                        account,
                        WINDOW.start,
                        SERVICE_NAMES.get(s, f"Service {s:02d}"),
                        f"USE1-Usage-{u}",
                        one,
                        one,
                        one,
                        "Hrs",
                    )
                )
        if n % 50 == 0:
            for p in range(MARKETPLACE_PRODUCTS):
                lines.append(
                    Line(
                        account,
                        WINDOW.start,
                        f"Marketplace product {p}",
                        "hosts",
                        one,
                        one,
                        one,
                        "Hosts",
                        billing_entity="AWS Marketplace",
                    )
                )
        day = WINDOW.start.replace(day=1)
        while day < WINDOW.start:
            for s in services:
                name = SERVICE_NAMES.get(s, f"Service {s:02d}")
                lines.append(Line(account, day, name, "USE1-Usage-0", one, one, one, "Hrs"))
            day += timedelta(days=1)
    return lines


def cost_explorer_requests(
    accounts: int, page_size: int, tag_keys: tuple[str, ...] = TAG_KEYS
) -> dict[str, Any]:
    """Cost Explorer requests of one DAILY run of the Cost Explorer collectors: account mode in
    the bench's member account (without, then with ``tag_keys``), organization mode in a
    management account."""
    request = RunRequest(
        Interval.DAILY, WINDOW, True, tuple(select(COST_COLLECTORS)), ("eu-west-1",)
    )
    member = BenchClients(0.0)
    account_run = collect(request, member, home_region="eu-west-1", account_id=ACCOUNT, now=NOW)
    validate_document(account_run.document)
    tagged_run = collect(
        request,
        BenchClients(0.0),
        home_region="eu-west-1",
        account_id=ACCOUNT,
        now=NOW,
        cost_tag_keys=tag_keys,
    )
    validate_document(tagged_run.document)
    assert len(tagged_run.document["data"]["cost_by_tag"]) == 2 * len(tag_keys)
    lines = organization_lines(accounts)
    ids = sorted({line.account for line in lines})
    holders = [Commitment(a, "RI") for a in ids[:3]] + [Commitment(a, "SP") for a in ids[:2]]
    clients = Clients()
    billing = OrganizationBilling(lines, page_size=page_size, commitments=holders).install(clients)
    started = time.monotonic()
    organization_run = collect(
        request,
        clients,
        home_region="eu-west-1",
        account_id=ids[0],
        now=NOW,
        cost_mode="organization",
    )
    elapsed = time.monotonic() - started
    validate_document(organization_run.document)
    reported = {row["account_id"] for row in organization_run.document["data"]["service_usage"]}
    assert len(reported) == accounts, "every linked account is reported"
    by_operation = Counter(op for op, _ in billing.requests)
    pages = sum(1 for op, r in billing.requests if op == "GetCostAndUsage" and "NextPageToken" in r)
    return {
        "account_mode_per_daily_run": account_run.cost_explorer_calls,
        "account_mode_by_operation": {
            op: n for (svc, op), n in account_run.api_calls.items() if svc == "ce"
        },
        "account_mode_target": CE_TARGET,
        "tag_keys": len(tag_keys),
        "account_mode_with_tag_keys": tagged_run.cost_explorer_calls,
        "account_mode_with_tag_keys_target": CE_TARGET + len(tag_keys),
        "organization_accounts": accounts,
        "organization_page_size": page_size,
        "organization_per_day": billing.count(),
        "organization_by_operation": dict(by_operation),
        "organization_follow_up_pages": pages,
        "organization_usage_rows": len(organization_run.document["data"]["service_usage"]),
        "organization_run_s": round(elapsed, 1),
    }


def cost_explorer_ok(counts: dict[str, Any]) -> bool:
    return (
        counts["account_mode_per_daily_run"] <= counts["account_mode_target"]
        and counts["account_mode_with_tag_keys"] <= counts["account_mode_with_tag_keys_target"]
    )


def print_cost_explorer(counts: dict[str, Any]) -> None:
    n = counts["organization_accounts"]
    account_day = counts["account_mode_per_daily_run"]
    base_ok = account_day <= counts["account_mode_target"]
    print(
        f"  Cost Explorer, account mode:      {account_day:6d} requests per DAILY run and account "
        f"without tag keys, target <= {counts['account_mode_target']} (7 + 0 tag keys) "
        f"{'PASS' if base_ok else 'FAIL'} {counts['account_mode_by_operation']}"
    )
    tagged, target = (
        counts["account_mode_with_tag_keys"],
        counts["account_mode_with_tag_keys_target"],
    )
    print(
        f"  Cost Explorer, account mode:      {tagged:6d} requests per DAILY run with "
        f"{counts['tag_keys']} tag keys, target <= {target} (7 + {counts['tag_keys']}) "
        f"{'PASS' if tagged <= target else 'FAIL'}"
    )
    print(
        f"  Cost Explorer, account mode:      {account_day * n:6d} requests per day for {n:,} "
        f"accounts (USD {account_day * n * 0.01:,.2f})"
    )
    print(
        f"  Cost Explorer, organization mode: {counts['organization_per_day']:6d} requests per day "
        f"for {n:,} linked accounts (USD {counts['organization_per_day'] * 0.01:,.2f}; "
        f"{counts['organization_page_size']:,} groups per page assumed, "
        f"{counts['organization_follow_up_pages']} follow-up pages) "
        f"{counts['organization_by_operation']}"
    )


WALL_TARGET = 1.1  # warm wall time / slowest collector (issue 13)
COLD_RUN_TARGET_S = 1.5  # the first run in a fresh process (issue 13)
COLD_RUNS = 5  # fresh processes per layout: the median of 5 (one run varies by +-0.1 s here)
ROOT = Path(__file__).resolve().parents[1]
IMPORT_TARGET_S = 0.25  # each handler's import in an isolated interpreter (issue 13)
HANDLER_MODULES = (
    "sender.handler",
    "receiver.handler",
    "receiver.migrate_handler",
    "receiver.roster_handler",
    "report.scheduled",
)


def cold_child(latency: float, regions: tuple[str, ...], workers: int) -> int:
    """In a fresh process (``--cold-child``): the first run, then a warm one, as JSON."""
    request = RunRequest(Interval.DAILY, WINDOW, True, tuple(select([])), regions)
    clients = BenchClients(latency)
    durations: dict[str, float] = {}
    times, cpu = [], []
    for _ in range(2):
        started, cpu_started = time.monotonic(), time.process_time()
        result = collect(
            request,
            clients,
            home_region=regions[0],
            account_id=ACCOUNT,
            now=NOW,
            max_workers=workers,
            freeze_gc=True,
            durations=durations,
            cost_tag_keys=TAG_KEYS,  # as the run section: cost_by_tag runs, not skipped
        )
        times.append(time.monotonic() - started)
        cpu.append(time.process_time() - cpu_started)
        failed = [o.task.label for o in result.outcomes if o.status != "ok"]
        if failed:
            raise SystemExit(f"not ok: {failed}")
    print(
        json.dumps(
            {"first_s": times[0], "first_cpu_s": cpu[0], "warm_s": times[1], "warm_cpu_s": cpu[1]}
            | {"clients": len(clients.created())}
        )
    )
    return 0


def deployed_layout(folder: Path) -> dict[str, str]:
    """What the sender's zip changes for a cold process, laid out in ``folder`` for this
    interpreter, as the environment of a child: the contract package with the generated code of
    its compiled validator (``contract/_compiled_*.py``, first on ``PYTHONPATH``), and the
    service models the zip ships, without documentation (``AWS_DATA_PATH``, which botocore's
    loader searches before its own data). Both are made by scripts/package.py's own code."""
    import shutil

    import botocore

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import package
    finally:
        sys.path.pop(0)
    from contract.validation import compiled_source, prebuilt_module

    contract = folder / "code" / "contract"
    shutil.copytree(
        ROOT / "src" / "contract", contract, ignore=shutil.ignore_patterns("__pycache__")
    )
    for nul_free in (False, True):
        name = prebuilt_module(nul_free).rsplit(".", 1)[1]
        (contract / f"{name}.py").write_text(compiled_source(nul_free=nul_free), "utf-8")
    data = Path(botocore.__file__).parent / "data"
    files = {f"{package.BOTOCORE_DATA}{p.relative_to(data)}": p for p in data.rglob("*.json*")}
    _, services = package.package_services("sender", package.botocore_services(files))
    kept, _ = package.trim_botocore(files, services, waiters=False)
    for name, content in kept.items():
        if name.startswith(package.BOTOCORE_DATA) and isinstance(content, bytes):
            target = folder / "models" / name.removeprefix(package.BOTOCORE_DATA)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)  # a stripped service model
    path = os.pathsep.join([str(folder / "code"), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "AWS_DATA_PATH": str(folder / "models")}


def section_cold_run(latency_ms: float, regions: str, workers: int) -> bool:
    """The first run in a fresh process, median of 5 processes, against the warm run: as the
    zip deploys it (the target), and from the source tree."""
    command = [sys.executable, __file__, "--cold-child", "--latency-ms", str(latency_ms)]
    command += ["--regions", regions, "--workers", str(workers)]
    with tempfile.TemporaryDirectory() as folder:
        deployed = deployed_layout(Path(folder))
        runs = {
            layout: [
                json.loads(
                    subprocess.run(
                        command, check=True, capture_output=True, text=True, env=env
                    ).stdout
                )
                for _ in range(COLD_RUNS)
            ]
            for layout, env in (("deployed", deployed), ("source", None))
        }
    source = statistics.median(f["first_s"] for f in runs["source"])
    found = runs["deployed"]
    first = statistics.median(f["first_s"] for f in found)
    warm = statistics.median(f["warm_s"] for f in found)
    cpu = statistics.median(f["first_cpu_s"] for f in found)  # CPU: less sensitive to load
    warm_cpu = statistics.median(f["warm_cpu_s"] for f in found)
    ok = first <= COLD_RUN_TARGET_S
    print(
        f"sender first run, cold (fresh process, median of {COLD_RUNS}), as the zip deploys "
        f"it (generated validator, stripped service models): {first:.2f} s "
        f"(baseline: warm run {warm:.2f} s, ratio {first / warm:.2f}; process CPU {cpu:.2f} s "
        f"cold, {warm_cpu:.2f} s warm; {found[0]['clients']} clients made; from the source "
        f"tree: {source:.2f} s) target <= {COLD_RUN_TARGET_S} s {'PASS' if ok else 'FAIL'}"
    )
    return ok


def section_imports() -> bool:
    """Each handler's import in an isolated interpreter: median of 5, minus an empty one."""

    def once(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", code], check=True)
        return time.perf_counter() - started

    once("pass")
    empty = statistics.median(once("pass") for _ in range(5))
    ok = True
    for module in HANDLER_MODULES:
        once(f"import {module}")  # unmeasured: fills the bytecode cache
        took = statistics.median(once(f"import {module}") for _ in range(5))
        passed = took - empty <= IMPORT_TARGET_S
        ok &= passed
        print(
            f"cold import {module}: {took - empty:.3f} s (baseline: empty interpreter "
            f"{empty:.3f} s, absolute {took:.3f} s) target <= {IMPORT_TARGET_S} s "
            f"{'PASS' if passed else 'FAIL'}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--regions", default="eu-west-1,us-east-1")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--ce-page-size", type=int, default=1000, help="groups per CE page")
    parser.add_argument("--organization-accounts", type=int, default=ORG_ACCOUNTS)
    parser.add_argument(
        "--tag-keys",
        default=",".join(TAG_KEYS),
        help="cost-allocation tag keys of the counted run (target: 7 + one per key)",
    )
    parser.add_argument(
        "--cost-explorer-only", action="store_true", help="only the Cost Explorer request counts"
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=["run", "cold-run", "imports"],
        help="sections: run (the full run and the Cost Explorer counts), cold-run, imports",
    )
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        return cold_child(args.latency_ms / 1000, tuple(args.regions.split(",")), args.workers)
    cold_ok = True
    if "cold-run" in args.only and not args.cost_explorer_only:
        cold_ok &= section_cold_run(args.latency_ms, args.regions, args.workers)
    if "imports" in args.only and not args.cost_explorer_only:
        cold_ok &= section_imports()
    if "run" not in args.only and not args.cost_explorer_only:
        return 0 if cold_ok else 1
    if args.cost_explorer_only:
        counts = cost_explorer_requests(
            args.organization_accounts, args.ce_page_size, parse_cost_tag_keys(args.tag_keys)
        )
        if args.json:
            print(json.dumps(counts, indent=2))
        print("sender bench: Cost Explorer requests (USD 0.01 each)")
        print_cost_explorer(counts)
        return 0 if cost_explorer_ok(counts) else 1
    # first: its cold figure is then this process's first run, not one after the CE counts' garbage
    report = run(args.latency_ms / 1000, tuple(args.regions.split(",")), args.workers)
    counts = cost_explorer_requests(
        args.organization_accounts, args.ce_page_size, parse_cost_tag_keys(args.tag_keys)
    )
    if args.json:
        print(json.dumps(report, indent=2))
    wall_ok = report["wall_over_slowest"] <= WALL_TARGET
    # the full run configures TAG_KEYS: one more GetCostAndUsage per key (issue 14)
    ce_target = CE_TARGET + len(TAG_KEYS)
    ce_ok = report["cost_explorer_calls"] <= ce_target and cost_explorer_ok(counts)
    print(
        f"sender bench: {report['tasks']} collector tasks over {len(report['regions'])} "
        f"regions, {args.latency_ms:.0f} ms per AWS call, {report['workers']} workers"
    )
    print(f"  full run wall time        {report['wall_s']:8.2f} s   (all collectors, concurrently)")
    print(
        f"  whole run, warm container {report['total_s']:8.2f} s   (+ contract validation); "
        f"cold start {report['cold_total_s']:.2f} s (this process's first run: + importing boto3, "
        "making the clients; in a fresh process: the cold-run section)"
    )
    print(
        f"  sum of serial times       {report['serial_sum_s']:8.2f} s "
        f"({report['speedup_over_serial']}x faster concurrently)"
    )
    print(
        f"  slowest single collector  {report['slowest_collector_s']:8.2f} s "
        f"({report['slowest_collector']})"
    )
    print(
        f"  wall / slowest            {report['wall_over_slowest']:8.2f}   "
        f"target <= {WALL_TARGET}  {'PASS' if wall_ok else 'FAIL'}"
    )
    print(
        f"  API calls per run         {report['api_calls']:8d}   "
        f"({', '.join(f'{s} {n}' for s, n in list(report['api_calls_by_service'].items())[:8])}"
        ", ...)"
    )
    print(
        f"  Cost Explorer calls/DAILY {report['cost_explorer_calls']:8d}   "
        f"target <= {ce_target} ({CE_TARGET} + {len(TAG_KEYS)} tag keys)   "
        f"{'PASS' if ce_ok else 'FAIL'}  "
        f"{report['cost_explorer_by_operation']}"
    )
    print_cost_explorer(counts)
    print(f"  items collected           {report['items']:8d}   statuses {report['statuses']}")
    print(
        f"  contract validation       {report['validation_s']:8.2f} s   "
        "(before upload; not in the wall time)"
    )
    return 0 if wall_ok and ce_ok and cold_ok else 1


if __name__ == "__main__":
    sys.exit(main())
