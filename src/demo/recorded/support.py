"""Trusted Advisor check summaries for the checks moto lists (``DescribeTrustedAdvisorChecks``).

Each check's status comes from its category and the environment: security and fault tolerance
checks flag more in the sandbox than in production, service limits are mostly fine, cost
optimisation checks flag resources with an estimated monthly saving scaled to the account's
spend. Results are refreshed weekly, so they change a little from one week to the next.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, Call, at

# chance of warning and error per category and environment
ODDS = {
    "security": {"production": (0.15, 0.03), "staging": (0.3, 0.08), "sandbox": (0.4, 0.2)},
    "fault_tolerance": {"production": (0.2, 0.02), "staging": (0.4, 0.1), "sandbox": (0.5, 0.15)},
    "performance": {"production": (0.15, 0.0), "staging": (0.2, 0.05), "sandbox": (0.25, 0.05)},
    "service_limits": {"production": (0.06, 0.0), "staging": (0.04, 0.0), "sandbox": (0.02, 0.0)},
    "cost_optimizing": {"production": (0.45, 0.0), "staging": (0.6, 0.0), "sandbox": (0.75, 0.0)},
}


def summaries(call: Call) -> dict[str, Any]:
    checks = _moto.trusted_advisor_checks(call)
    week = call.today.toordinal() // 7
    refreshed = at(call.today - timedelta(days=call.today.weekday() + 1), 4, 12, 33)
    result = []
    for check_id in call.params.get("checkIds") or []:
        check = checks.get(check_id)
        if check is None:
            continue
        category = check.get("category", "security")
        rng = call.rng("ta", check_id, week)
        warning, error = ODDS.get(category, {}).get(call.profile.environment, (0.2, 0.05))
        roll = rng.random()
        status = "error" if roll < error else "warning" if roll < error + warning else "ok"
        processed = rng.randrange(3, 60)
        flagged = 0 if status == "ok" else rng.randrange(1, max(2, processed // 4))
        summary: dict[str, Any] = {
            "checkId": check_id,
            "timestamp": refreshed.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": status,
            "hasFlaggedResources": flagged > 0,
            "resourcesSummary": {
                "resourcesProcessed": processed,
                "resourcesFlagged": flagged,
                "resourcesIgnored": 0,
                "resourcesSuppressed": rng.choice([0, 0, 0, 1]) if flagged else 0,
            },
            "categorySpecificSummary": {},
        }
        if category == "cost_optimizing":
            monthly = float(call.profile.daily_spend) * 30
            saving = round(monthly * rng.uniform(0.004, 0.03), 2) if flagged else 0.0
            summary["categorySpecificSummary"] = {
                "costOptimizing": {
                    "estimatedMonthlySavings": saving,
                    "estimatedPercentMonthlySavings": round(100 * saving / monthly, 2),
                }
            }
        result.append(summary)
    return {"summaries": result}


ANSWERS: Answers = {
    ("support", "DescribeTrustedAdvisorCheckSummaries"): Answer(
        "not implemented by moto 5.2 (moto lists the checks but has no results)", summaries
    ),
}
