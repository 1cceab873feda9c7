"""Resilience Hub assessments of the apps that exist in moto (moto creates apps and policies but
never runs an assessment).

Every app is assessed daily at 04:00 UTC by the scheduler; the score drifts around a seeded level
and an assessment breaches its policy when the score falls below 70. ``DescribeAppAssessment``
gives an assessment's policy (the app's, from moto) and its estimates per disruption type: the
current RPO and RTO within the policy's targets where it is met, above them for the AZ and
Region disruptions of a breaching assessment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from demo.recorded._core import Answer, Answers, ApiError, Call, at, digest, page, seeded

REASON = (
    "moto implements it as a FIFO of canned results that ignores appArn (it never runs an "
    "assessment)"
)
HISTORY = 30  # days of assessments kept


def _app(call: Call, app_arn: str) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        try:
            return dict(call.client("resiliencehub").describe_app(appArn=app_arn)["app"])
        except call.client("resiliencehub").exceptions.ResourceNotFoundException:
            return {}

    return call.cached("resiliencehub-app", app_arn, compute=compute)


def _summaries(call: Call, app_arn: str) -> list[dict[str, Any]]:
    level = seeded(call.profile.key, "resilience", app_arn).uniform(62, 88)
    summaries = []
    for offset in range(HISTORY, 0, -1):
        day = call.today - timedelta(days=offset)
        rng = seeded(call.profile.key, "resilience", app_arn, day)
        score = max(0.0, min(100.0, level + rng.gauss(0, 3)))
        start = at(day, 4, 0, rng.randrange(60))
        assessment_id = digest(app_arn, day, length=32)
        summaries.append(
            {
                "appArn": app_arn,
                "appVersion": "release",
                "assessmentArn": (
                    f"arn:aws:resiliencehub:{call.region}:{call.account_id}:app-assessment/"
                    f"{assessment_id[:8]}-{assessment_id[8:12]}-{assessment_id[12:16]}-"
                    f"{assessment_id[16:20]}-{assessment_id[20:32]}"
                ),
                "assessmentName": f"scheduled-assessment-{day:%Y%m%d}",
                "assessmentStatus": "Success",
                "complianceStatus": "PolicyMet" if score >= 70 else "PolicyBreached",
                "driftStatus": "NotDetected",
                "startTime": start,
                "endTime": start + timedelta(minutes=rng.randrange(3, 9)),
                "invoker": "System",
                "resiliencyScore": round(score, 1),
                "versionName": "release",
            }
        )
    return summaries


def describe_app_assessment(call: Call) -> dict[str, Any]:
    wanted = call.params["assessmentArn"]
    hub = call.client("resiliencehub")
    for app in hub.list_apps().get("appSummaries", []):
        summary = next(
            (s for s in _summaries(call, app["appArn"]) if s["assessmentArn"] == wanted), None
        )
        if summary is not None:
            break
    else:
        raise ApiError("ResourceNotFoundException", f"Assessment {wanted} not found")
    policy_arn = _app(call, summary["appArn"]).get("policyArn")
    policy = hub.describe_resiliency_policy(policyArn=policy_arn)["policy"] if policy_arn else {}
    rng = seeded(call.profile.key, "resilience-estimates", wanted)
    breached = summary["complianceStatus"] == "PolicyBreached"
    compliance = {}
    for kind, target in (policy.get("policy") or {}).items():
        over = breached and kind in ("AZ", "Region")
        factor = rng.uniform(1.5, 4) if over else rng.uniform(0.2, 0.9)
        compliance[kind] = {
            "complianceStatus": "PolicyBreached" if over else "PolicyMet",
            "currentRpoInSecs": int(target["rpoInSecs"] * factor),
            "currentRtoInSecs": int(target["rtoInSecs"] * factor),
            "achievableRpoInSecs": int(target["rpoInSecs"] * 0.5),
            "achievableRtoInSecs": int(target["rtoInSecs"] * 0.5),
        }
    score = summary["resiliencyScore"]
    assessment = {
        **{k: v for k, v in summary.items() if k not in ("versionName", "resiliencyScore")},
        "resiliencyScore": {"score": score, "disruptionScore": dict.fromkeys(compliance, score)},
        "compliance": compliance,
        **({"policy": policy} if policy else {}),
    }
    return {"assessment": assessment}


def list_app_assessments(call: Call) -> dict[str, Any]:
    app_arn = call.params.get("appArn")
    if not app_arn:
        raise ApiError("ValidationException", "the demo lists assessments per app (appArn)")
    app = _app(call, app_arn)
    if not app:
        raise ApiError("ResourceNotFoundException", f"App {app_arn} not found")
    summaries = _summaries(call, app_arn)
    statuses = call.params.get("assessmentStatus")
    if statuses:
        summaries = [s for s in summaries if s["assessmentStatus"] in statuses]
    if call.params.get("complianceStatus"):
        summaries = [
            s for s in summaries if s["complianceStatus"] == call.params["complianceStatus"]
        ]
    if call.params.get("reverseOrder"):
        summaries.reverse()
    chunk, token = page(summaries, call.params, "maxResults", "nextToken", default=100)
    response: dict[str, Any] = {"assessmentSummaries": chunk}
    if token:
        response["nextToken"] = token
    return response


ANSWERS: Answers = {
    ("resiliencehub", "ListAppAssessments"): Answer(REASON, list_app_assessments),
    ("resiliencehub", "DescribeAppAssessment"): Answer(REASON, describe_app_assessment),
}
