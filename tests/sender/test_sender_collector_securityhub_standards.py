"""securityhub_standards: enabled standards, their controls' status by Security Hub's rules, the
counts the security score is computed from. moto has none of these calls: Stubber, with
responses shaped like the API reference's examples."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from sender.collectors.securityhub_standards import COLLECTOR, control_status, standards_id
from support.sender_fixtures import ACCOUNT, REGION, make_context, run_collector, section, stubbed

FSBP = "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/1.4.0"
PCI = "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/3.2.1"
GUIDE = "https://docs.aws.amazon.com/console/securityhub"


def subscription(standards_arn, status="READY"):
    name = standards_arn.split("::standards/")[1]
    return {
        "StandardsSubscriptionArn": f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:subscription/{name}",
        "StandardsArn": standards_arn,
        "StandardsInput": {},
        "StandardsStatus": status,
        "StandardsControlsUpdatable": "READY_FOR_UPDATES",
    }


def definition(control_id, title, severity="HIGH", availability="AVAILABLE", **extra):
    return {
        "SecurityControlId": control_id,
        "Title": title,
        "Description": f"This control checks {control_id}.",
        "RemediationUrl": f"{GUIDE}/{control_id}/remediation",
        "SeverityRating": severity,
        "CurrentRegionAvailability": availability,
        **extra,
    }


def association(standards_arn, control_id, status="ENABLED"):
    return {
        "StandardsArn": standards_arn,
        "SecurityControlId": control_id,
        "SecurityControlArn": (
            f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:security-control/{control_id}"
        ),
        "AssociationStatus": status,
        "RelatedRequirements": ["PCI DSS v3.2.1/7.2.1"],
        "UpdatedAt": "2026-10-01T09:00:00.000Z",
    }


def control_finding(n, control_id, status, standards, **extra):
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:security-control/{control_id}/finding/"
        f"{n:08d}-8b1c-4d3e-9f0a-1b2c3d4e5f60",
        "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
        "ProductName": "Security Hub",
        "GeneratorId": f"security-control/{control_id}",
        "AwsAccountId": ACCOUNT,
        "Region": REGION,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-10-02T11:15:42.108Z",
        "UpdatedAt": "2026-11-24T23:10:05.731Z",
        "Severity": {"Label": "HIGH", "Original": "HIGH"},
        "Title": f"{control_id} check",
        "Description": "Control check.",
        "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:{ACCOUNT}"}],
        "Compliance": {
            "Status": status,
            "SecurityControlId": control_id,
            "AssociatedStandards": [{"StandardsId": standards_id(s)} for s in standards],
        },
        "Workflow": {"Status": "RESOLVED" if status == "PASSED" else "NEW"},
        "RecordState": "ACTIVE",
        **extra,
    }


FINDING_FILTERS = {
    "AwsAccountId": [{"Value": ACCOUNT, "Comparison": "EQUALS"}],
    "Region": [{"Value": REGION, "Comparison": "EQUALS"}],
    "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    "WorkflowStatus": [{"Value": "SUPPRESSED", "Comparison": "NOT_EQUALS"}],
    "ComplianceStatus": [
        {"Value": s, "Comparison": "EQUALS"}
        for s in ("PASSED", "FAILED", "WARNING", "NOT_AVAILABLE")
    ],
}


def test_standards_scores_and_control_statuses(clients):
    both = (FSBP, CIS)
    with stubbed(clients, "securityhub") as hub:
        hub.add_response(
            "get_enabled_standards",
            {
                "StandardsSubscriptions": [
                    subscription(FSBP),
                    subscription(CIS),
                    subscription(PCI, "PENDING"),
                ]
            },
            {"MaxResults": 100},
        )
        hub.add_response(
            "describe_standards",
            {
                "Standards": [
                    {
                        "StandardsArn": FSBP,
                        "Name": "AWS Foundational Security Best Practices v1.0.0",
                        "Description": "The AWS Foundational Security Best Practices standard…",
                        "EnabledByDefault": True,
                        "StandardsManagedBy": {"Company": "AWS", "Product": "Security Hub"},
                    },
                    {"StandardsArn": CIS, "Name": "CIS AWS Foundations Benchmark v1.4.0"},
                    {"StandardsArn": PCI, "Name": "PCI DSS v3.2.1"},
                ]
            },
            {"MaxResults": 100},
        )
        hub.add_response(
            "list_security_control_definitions",
            {
                "SecurityControlDefinitions": [
                    definition(
                        "IAM.1", 'IAM policies should not allow full "*" administrative privileges'
                    ),
                    definition("S3.8", "S3 general purpose buckets should block public access"),
                ],
                "NextToken": "page-2",
            },
            {"StandardsArn": FSBP, "MaxResults": 100},
        )
        hub.add_response(
            "list_security_control_definitions",
            {
                "SecurityControlDefinitions": [
                    definition(
                        "EC2.2", "VPC default security groups should not allow traffic", "MEDIUM"
                    ),
                    definition(
                        "Lambda.1",
                        "Lambda function policies should prohibit public access",
                        "CRITICAL",
                    ),
                    definition(
                        "Config.1", "AWS Config should be enabled — und überwacht", "MEDIUM"
                    ),
                ]
            },
            {"StandardsArn": FSBP, "MaxResults": 100, "NextToken": "page-2"},
        )
        hub.add_response(
            "list_security_control_definitions",
            {
                "SecurityControlDefinitions": [
                    definition(
                        "IAM.1", 'IAM policies should not allow full "*" administrative privileges'
                    ),
                    definition(
                        "CloudTrail.1", "CloudTrail should be enabled", availability="UNAVAILABLE"
                    ),
                ]
            },
            {"StandardsArn": CIS, "MaxResults": 100},
        )
        pairs = [
            (FSBP, "IAM.1"),
            (FSBP, "S3.8"),
            (FSBP, "EC2.2"),
            (FSBP, "Lambda.1"),
            (FSBP, "Config.1"),
            (CIS, "IAM.1"),
            (CIS, "CloudTrail.1"),
        ]
        hub.add_response(
            "batch_get_standards_control_associations",
            {
                "StandardsControlAssociationDetails": [
                    association(s, c, "DISABLED" if c == "EC2.2" else "ENABLED") for s, c in pairs
                ],
                "UnprocessedAssociations": [],
            },
            {
                "StandardsControlAssociationIds": [
                    {"SecurityControlId": c, "StandardsArn": s} for s, c in pairs
                ]
            },
        )
        iam_failed = control_finding(1, "IAM.1", "FAILED", both)
        hub.add_response(
            "get_findings",
            {
                "Findings": [
                    iam_failed,
                    control_finding(2, "IAM.1", "PASSED", both),
                    control_finding(3, "S3.8", "PASSED", (FSBP,)),
                    control_finding(4, "S3.8", "PASSED", (FSBP,)),
                    control_finding(5, "Config.1", "WARNING", (FSBP,)),
                    control_finding(6, "EC2.2", "FAILED", (FSBP,)),  # disabled wins
                ],
                "NextToken": "findings-2",
            },
            {"Filters": FINDING_FILTERS, "MaxResults": 100},
        )
        third_party = control_finding(7, "x", "FAILED", (FSBP,))
        del third_party["Compliance"]["SecurityControlId"]  # not a Security Hub control
        hub.add_response(
            "get_findings",
            {"Findings": [iam_failed, third_party]},  # a finding met again is counted once
            {"Filters": FINDING_FILTERS, "MaxResults": 100, "NextToken": "findings-2"},
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    data = section(outcome)
    standards = {s["standards_arn"]: s for s in data["standards"]}
    fsbp = standards[FSBP]
    assert fsbp["name"] == "AWS Foundational Security Best Practices v1.0.0"
    assert fsbp["standards_status"] == "READY"
    assert fsbp["standards_subscription_arn"].endswith(
        ":subscription/aws-foundational-security-best-practices/v/1.0.0"
    )
    counts = ("passed", "failed", "unknown", "no_data", "disabled")
    assert [fsbp[f"controls_{c}"] for c in counts] == [1, 1, 1, 1, 1]
    assert [standards[CIS][f"controls_{c}"] for c in counts] == [0, 1, 0, 1, 0]
    # a standard not READY: listed, its controls not evaluated
    assert standards[PCI]["standards_status"] == "PENDING"
    assert [standards[PCI][f"controls_{c}"] for c in counts] == [None] * 5
    controls = {(c["standards_arn"], c["control_id"]): c for c in data["controls"]}
    assert {k: c["status"] for k, c in controls.items()} == {
        (FSBP, "IAM.1"): "FAILED",
        (FSBP, "S3.8"): "PASSED",
        (FSBP, "EC2.2"): "DISABLED",
        (FSBP, "Lambda.1"): "NO_DATA",
        (FSBP, "Config.1"): "UNKNOWN",
        (CIS, "IAM.1"): "FAILED",  # the consolidated finding counts for both standards
        (CIS, "CloudTrail.1"): "NO_DATA",  # unavailable in the region
    }
    iam = controls[FSBP, "IAM.1"]
    assert (iam["findings_passed"], iam["findings_failed"], iam["findings_unknown"]) == (1, 1, 0)
    assert iam["severity"] == "HIGH"
    assert iam["remediation_url"] == f"{GUIDE}/IAM.1/remediation"
    assert controls[FSBP, "Config.1"]["title"] == "AWS Config should be enabled — und überwacht"
    assert controls[FSBP, "S3.8"]["findings_passed"] == 2
    assert all(c["region"] == REGION for c in data["controls"])


def test_security_hub_not_enabled_is_skipped(clients):
    with stubbed(clients, "securityhub") as hub:
        hub.add_client_error(
            "get_enabled_standards",
            service_error_code="InvalidAccessException",
            service_message=f"Account {ACCOUNT} is not subscribed to AWS Security Hub",
            http_status_code=401,
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    assert "not subscribed" in outcome.error


def test_no_standard_enabled_is_an_empty_ok_snapshot(clients):
    with stubbed(clients, "securityhub") as hub:
        hub.add_response("get_enabled_standards", {"StandardsSubscriptions": []})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    assert outcome.items == []


def test_govcloud_standards_and_absent_fields(clients):
    """aws-us-gov ARNs; a standard without a name; a remediation URL too long to keep (never
    cut); a control whose enablement Security Hub did not return (status from its findings);
    both make the run partial."""
    region = "us-gov-west-1"
    nist = "arn:aws-us-gov:securityhub:us-gov-west-1::standards/nist-800-53/v/5.0.0"
    ctx = make_context(clients, region, home_region=region)
    with stubbed(clients, "securityhub", region) as hub:
        hub.add_response(
            "get_enabled_standards",
            {
                "StandardsSubscriptions": [
                    {
                        "StandardsSubscriptionArn": (
                            f"arn:aws-us-gov:securityhub:{region}:{ACCOUNT}:"
                            "subscription/nist-800-53/v/5.0.0"
                        ),
                        "StandardsArn": nist,
                        "StandardsInput": {},
                        "StandardsStatus": "INCOMPLETE",
                    }
                ]
            },
        )
        hub.add_response("describe_standards", {"Standards": []})  # name unknown
        hub.add_response(
            "list_security_control_definitions",
            {
                "SecurityControlDefinitions": [
                    definition("ACM.1", "Imported certificates should be renewed", "MEDIUM")
                    | {"RemediationUrl": f"{GUIDE}/{'x' * 2100}"},  # too long to keep: none
                    definition("KMS.4", "KMS key rotation should be enabled", "MEDIUM"),
                ]
            },
        )
        hub.add_response(
            "batch_get_standards_control_associations",
            {
                "StandardsControlAssociationDetails": [
                    {
                        "StandardsArn": nist,
                        "SecurityControlId": "ACM.1",
                        "SecurityControlArn": f"arn:aws-us-gov:securityhub:{region}:{ACCOUNT}:"
                        "security-control/ACM.1",
                        "AssociationStatus": "ENABLED",
                    }
                ],
                "UnprocessedAssociations": [
                    {
                        "StandardsControlAssociationId": {
                            "SecurityControlId": "KMS.4",
                            "StandardsArn": nist,
                        },
                        "ErrorCode": "RESOURCE_NOT_FOUND",
                        "ErrorReason": "Not found",
                    }
                ],
            },
        )
        finding = control_finding(9, "KMS.4", "PASSED", ())
        finding["Compliance"]["AssociatedStandards"] = [
            {"StandardsId": "standards/nist-800-53/v/5.0.0"}
        ]
        hub.add_response("get_findings", {"Findings": [finding]})
        outcome = run_collector(COLLECTOR, ctx)
    assert outcome.status == "partial"
    assert "UnprocessedAssociations" in outcome.error
    data = section_of(outcome, region)
    [standard] = data["standards"]
    assert standard["standards_arn"] == nist and standard["name"] is None
    assert (standard["controls_passed"], standard["controls_no_data"]) == (1, 1)
    controls = {c["control_id"]: c for c in data["controls"]}
    assert controls["KMS.4"]["status"] == "PASSED"
    assert controls["ACM.1"]["status"] == "NO_DATA"
    assert (controls["ACM.1"]["severity"], controls["ACM.1"]["remediation_url"]) == ("MEDIUM", None)
    assert "RemediationUrl longer than 2048" in outcome.error


def section_of(outcome, region):
    from support.sender_fixtures import validate_outcome

    return validate_outcome(outcome, regions=(region,))["data"]["securityhub_standards"]


def test_out_of_time_sends_no_partial_score(clients):
    """A score from part of the findings would look complete: nothing is sent (error)."""
    ctx = make_context(clients)
    start = time.monotonic()
    readings = iter([start] * 8)  # 3 listings (2 checks each), enablement, 1st findings page
    ctx.clock = lambda: next(readings, start + 10_000)
    with stubbed(clients, "securityhub") as hub:
        hub.add_response("get_enabled_standards", {"StandardsSubscriptions": [subscription(FSBP)]})
        hub.add_response("describe_standards", {"Standards": []})
        hub.add_response(
            "list_security_control_definitions",
            {"SecurityControlDefinitions": [definition("IAM.1", "IAM")]},
        )
        hub.add_response(
            "batch_get_standards_control_associations",
            {"StandardsControlAssociationDetails": [association(FSBP, "IAM.1")]},
        )
        hub.add_response(
            "get_findings",
            {"Findings": [control_finding(1, "IAM.1", "PASSED", (FSBP,))], "NextToken": "more"},
        )
        outcome = run_collector(COLLECTOR, ctx)
    assert outcome.status == "error"
    assert outcome.error.startswith("time budget exhausted after 0 item(s)")
    assert outcome.items == []


@pytest.mark.parametrize(
    ("association", "statuses", "expected"),
    [
        ("DISABLED", {"FAILED": 1}, "DISABLED"),
        ("ENABLED", {"FAILED": 1, "WARNING": 1, "PASSED": 3}, "FAILED"),
        ("ENABLED", {"NOT_AVAILABLE": 1, "PASSED": 3}, "UNKNOWN"),
        ("ENABLED", {"PASSED": 3}, "PASSED"),
        ("ENABLED", {}, "NO_DATA"),
        (None, {}, "NO_DATA"),
    ],
)
def test_control_status_rules(association, statuses, expected):
    assert control_status(association, Counter(statuses)) == expected


def test_standards_id_is_the_arn_resource_part():
    assert standards_id(FSBP) == "standards/aws-foundational-security-best-practices/v/1.0.0"
    assert (
        standards_id("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0")
        == "ruleset/cis-aws-foundations-benchmark/v/1.2.0"
    )
