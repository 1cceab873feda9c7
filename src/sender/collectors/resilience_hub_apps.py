"""AWS Resilience Hub applications with their latest assessment and resiliency policy.

``ListApps``; per app ``DescribeApp`` (its policy) and ``ListAppAssessments`` newest first with
one result (its latest assessment); ``ListResiliencyPolicies`` once for the policy names.
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_ListApps.html
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_ListAppAssessments.html

RPO and RTO per disruption type (Software, Hardware, AZ, Region; contract 1.2): when the latest
assessment succeeded, ``DescribeAppAssessment`` gives its estimates (``compliance``: current and
achievable RPO/RTO and whether the policy is met, per disruption type) and the policy it was
judged against (``policy.policy``: the target ``rpoInSecs``/``rtoInSecs``); otherwise the
targets are those of the app's current policy (``ListResiliencyPolicies``) and the estimates
stay null. All figures are seconds, as the API gives them.
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_DescribeAppAssessment.html
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_DisruptionCompliance.html
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_FailurePolicy.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_message
from sender.collectors.base import Collector, Context
from sender.normalize import arn, count, percent, text, timestamp

TOKEN = ("nextToken", "nextToken")
DISRUPTION_TYPES = ("Software", "Hardware", "AZ", "Region")


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("resiliencehub")
    apps = [
        app
        for page in ctx.pages(client, "list_apps", token=TOKEN, maxResults=100)
        for app in page.get("appSummaries", [])
        if ctx.arn(app.get("appArn"), "appArn", key=True)
    ]
    if not apps:
        return
    policies = {
        policy.get("policyArn"): policy
        for page in ctx.pages(client, "list_resiliency_policies", token=TOKEN, maxResults=100)
        for policy in page.get("resiliencyPolicies", [])
    }
    for app in apps:
        ctx.check_time()
        app_arn = app["appArn"]
        details = client.describe_app(appArn=app_arn).get("app", {})
        latest = client.list_app_assessments(appArn=app_arn, reverseOrder=True, maxResults=1)
        assessment = (latest.get("assessmentSummaries") or [{}])[0]
        score = app.get("resiliencyScore")
        policy = policies.get(details.get("policyArn")) or {}
        described = _assessment(ctx, client, assessment)
        yield {
            "app_arn": arn(app_arn),
            "name": text(app.get("name")),
            "region": ctx.region,
            "compliance_status": text(app.get("complianceStatus")),
            "resiliency_score": percent(score) if assessment or score else None,
            "drift_status": text(app.get("driftStatus") or details.get("driftStatus")),
            "policy_name": text(policy.get("policyName")),
            "last_assessment_at": timestamp(
                assessment.get("endTime") or app.get("lastAppComplianceEvaluationTime")
            ),
            "assessment_status": text(assessment.get("assessmentStatus")),
            "assessment_arn": arn(assessment.get("assessmentArn")),
            "disruptions": _disruptions(described, policy),
        }


def _assessment(ctx: Context, client: Any, summary: dict[str, Any]) -> dict[str, Any]:
    """The latest assessment in full when it succeeded (only then has it estimates)."""
    if summary.get("assessmentStatus") != "Success" or not summary.get("assessmentArn"):
        return {}
    try:
        described = client.describe_app_assessment(assessmentArn=summary["assessmentArn"])
    except ClientError as exc:
        ctx.warn(f"assessment {summary['assessmentArn']}: {error_message(exc)}")
        return {}
    return described.get("assessment") or {}


def _disruptions(assessment: dict[str, Any], policy: dict[str, Any]) -> list[dict[str, Any]]:
    targets = (assessment.get("policy") or policy).get("policy") or {}
    estimates = assessment.get("compliance") or {}
    rows = []
    for kind in DISRUPTION_TYPES:
        target, estimate = targets.get(kind) or {}, estimates.get(kind) or {}
        if not target and not estimate:
            continue
        rows.append(
            {
                "disruption_type": kind,
                "target_rpo_seconds": count(target.get("rpoInSecs")),
                "target_rto_seconds": count(target.get("rtoInSecs")),
                "current_rpo_seconds": count(estimate.get("currentRpoInSecs")),
                "current_rto_seconds": count(estimate.get("currentRtoInSecs")),
                "achievable_rpo_seconds": count(estimate.get("achievableRpoInSecs")),
                "achievable_rto_seconds": count(estimate.get("achievableRtoInSecs")),
                "compliance_status": text(estimate.get("complianceStatus")),
            }
        )
    return rows


COLLECTOR = Collector(
    name="resilience_hub_apps",
    scope="regional",
    fetch=fetch,
    keys=("app_arn",),
    services=("resiliencehub",),
    iam_actions=(
        "resiliencehub:DescribeApp",
        "resiliencehub:DescribeAppAssessment",
        "resiliencehub:ListAppAssessments",
        "resiliencehub:ListApps",
        "resiliencehub:ListResiliencyPolicies",
    ),
    weight=8,  # 3-4 requests per app after the listing, one after another
    description=(
        "Resilience Hub applications with compliance, resiliency score, drift, policy, their "
        "latest assessment, and RPO/RTO targets and estimates per disruption type. "
        "https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_ListApps.html"
    ),
)
