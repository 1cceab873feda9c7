"""AWS Resilience Hub applications with their latest assessment and resiliency policy.

``ListApps``; per app ``DescribeApp`` (its policy) and ``ListAppAssessments`` newest first with
one result (its latest assessment); ``ListResiliencyPolicies`` once for the policy names.
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_ListApps.html
https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_ListAppAssessments.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sender.collectors.base import Collector, Context
from sender.normalize import arn, percent, text, timestamp

TOKEN = ("nextToken", "nextToken")


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
        policy.get("policyArn"): policy.get("policyName")
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
        yield {
            "app_arn": arn(app_arn),
            "name": text(app.get("name")),
            "region": ctx.region,
            "compliance_status": text(app.get("complianceStatus")),
            "resiliency_score": percent(score) if assessment or score else None,
            "drift_status": text(app.get("driftStatus") or details.get("driftStatus")),
            "policy_name": text(policies.get(details.get("policyArn"))),
            "last_assessment_at": timestamp(
                assessment.get("endTime") or app.get("lastAppComplianceEvaluationTime")
            ),
            "assessment_status": text(assessment.get("assessmentStatus")),
        }


COLLECTOR = Collector(
    name="resilience_hub_apps",
    scope="regional",
    fetch=fetch,
    keys=("app_arn",),
    services=("resiliencehub",),
    iam_actions=(
        "resiliencehub:DescribeApp",
        "resiliencehub:ListAppAssessments",
        "resiliencehub:ListApps",
        "resiliencehub:ListResiliencyPolicies",
    ),
    weight=2,
    description=(
        "Resilience Hub applications with compliance, resiliency score, drift, policy and their "
        "latest assessment. "
        "https://docs.aws.amazon.com/resilience-hub/latest/APIReference/API_ListApps.html"
    ),
)
