"""CloudWatch Application Signals: discovered services and service level objectives.

``ListServices`` over the last day of the window (or the last 24 hours on scheduled runs);
``ListServiceLevelObjectives`` for the SLOs, whose attainment and status come from
``BatchGetServiceLevelObjectiveBudgetReport``, 50 SLOs per call.
https://docs.aws.amazon.com/applicationsignals/latest/APIReference/API_ListServices.html
https://docs.aws.amazon.com/applicationsignals/latest/APIReference/API_BatchGetServiceLevelObjectiveBudgetReport.html
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sender.collectors.base import Collector, Context, chunks
from sender.normalize import arn, percent, string_map, text, timestamp

BATCH = 50


def fetch(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    client = ctx.client("application-signals")
    end = datetime.combine(ctx.window.end, datetime.min.time(), UTC)
    if ctx.current:
        end = min(ctx.now, end + timedelta(days=1))
    start = end - timedelta(days=1)
    pages = ctx.pages(client, "list_services", StartTime=start, EndTime=end, MaxResults=100)
    for page in pages:
        for summary in page.get("ServiceSummaries", []):
            keys = summary.get("KeyAttributes") or {}
            # services without a Name or Environment (other key attribute types) are not ours
            name = ctx.identifier(keys.get("Name"), "service Name", key=True, optional=True)
            environment = ctx.identifier(
                keys.get("Environment"), "service Environment", key=True, optional=True
            )
            if not name or not environment or not ctx.key_fits("service", name, environment):
                continue
            attributes: dict[str, Any] = {}
            for attribute_map in summary.get("AttributeMaps") or []:
                attributes.update(attribute_map)
            yield (
                "services",
                {
                    "name": name,
                    "environment": environment,
                    "type": text(keys.get("Type")),
                    "region": ctx.region,
                    "attributes": string_map(attributes),
                },
            )
    slos = [
        slo
        for page in ctx.pages(client, "list_service_level_objectives", MaxResults=50)
        for slo in page.get("SloSummaries", [])
        if ctx.arn(slo.get("Arn"), "SLO Arn", key=True)
    ]
    reports: dict[str, dict[str, Any]] = {}
    for batch in chunks([s["Arn"] for s in slos], BATCH):
        ctx.check_time()
        response = client.batch_get_service_level_objective_budget_report(
            Timestamp=end, SloIds=batch
        )
        for report in response.get("Reports", []):
            reports[report.get("Arn", "")] = report
    for slo in slos:
        report = reports.get(slo["Arn"], {})
        yield (
            "slos",
            {
                "slo_arn": arn(slo["Arn"]),
                "name": text(slo.get("Name")),
                "region": ctx.region,
                "service_name": text((slo.get("KeyAttributes") or {}).get("Name")),
                "goal_attainment": percent((report.get("Goal") or {}).get("AttainmentGoal")),
                "attainment": percent(report.get("Attainment")),
                "status": text(report.get("BudgetStatus")),
                "updated_at": timestamp(end) if report else None,
            },
        )


COLLECTOR = Collector(
    name="application_signals",
    scope="regional",
    fetch=fetch,
    shape="parts",
    parts=("services", "slos"),
    keys={"services": ("region", "name", "environment"), "slos": ("slo_arn",)},
    services=("application-signals",),
    iam_actions=(
        "application-signals:BatchGetServiceLevelObjectiveBudgetReport",
        "application-signals:ListServiceLevelObjectives",
        "application-signals:ListServices",
    ),
    weight=2,
    description=(
        "CloudWatch Application Signals services (with their attributes) and service level "
        "objectives with goal, attainment and budget status. "
        "https://docs.aws.amazon.com/applicationsignals/latest/APIReference/API_ListServices.html"
    ),
)
