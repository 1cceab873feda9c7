"""Systems Manager managed instances: ping status per platform and agent version in the current
snapshot, and the instances listed, those not online first, with their node type, whether their
agent is the latest and their association status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, long_day
from report.html import Figure, Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, Status, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

# SSM's PingStatus values (DescribeInstanceInformation)
PINGS = (
    Status("Online", "Online", "#4393c3"),
    Status("ConnectionLost", "Connection lost", "#d6604d"),
    Status("Inactive", "Inactive", "#bababa"),
    Status("other", "Unknown", "#8c8c8c"),
)
PING = """CASE WHEN i.ping_status IN ('Online', 'ConnectionLost', 'Inactive') THEN i.ping_status
               ELSE 'other' END"""
PLATFORM = "coalesce(i.platform_name, i.platform_type, 'unknown platform')"


@dataclass(frozen=True)
class ManagedInstance:
    account_id: str
    account_name: str | None
    region: str
    instance_id: str
    computer_name: str | None
    platform: str
    agent_version: str | None
    ping_status: str | None
    last_ping: date | None
    resource_type: str | None = None  # EC2Instance | ManagedInstance (hybrid)
    agent_is_latest: bool | None = None
    association_status: str | None = None


@dataclass
class SsmData:
    by_platform: dict[str, dict[str, int]] = field(default_factory=dict)  # platform -> ping -> n
    agents: list[tuple[str, int]] = field(default_factory=list)  # (agent version, instances)
    agents_total: int = 0  # agent versions
    instances: list[ManagedInstance] = field(default_factory=list)  # the first ``TOP``
    total: int = 0
    outdated_agents: int = 0  # instances whose agent is not the latest (IsLatestVersion false)
    failed_associations: int = 0  # instances whose association status is Failed


def ssm_instances(reader: Reader, limit: int = TOP) -> SsmData:
    data = SsmData()
    for r in reader.rows(
        f"""
        SELECT {PLATFORM} AS platform, {PING} AS ping, count(*) AS instances
        FROM v_ssm_managed_instances_current i
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        None,
        "v_ssm_managed_instances_current",
    ):
        data.by_platform.setdefault(r["platform"], {})[r["ping"]] = to_int(r["instances"])
    agents = reader.rows(
        """
        SELECT i.agent_version, count(*) AS instances, count(*) OVER () AS total
        FROM v_ssm_managed_instances_current i
        GROUP BY i.agent_version
        ORDER BY count(*) DESC, i.agent_version DESC NULLS LAST
        LIMIT :limit
        """,
        {"limit": limit},
        "v_ssm_managed_instances_current",
    )
    data.agents = [(r["agent_version"] or EN_DASH, to_int(r["instances"])) for r in agents]
    data.agents_total = to_int(agents[0]["total"]) if agents else 0
    rows = reader.rows(
        f"""
        SELECT i.account_id, a.name AS account_name, i.region, i.instance_id, i.computer_name,
               {PLATFORM} || coalesce(' ' || i.platform_version, '') AS platform,
               i.agent_version, i.ping_status,
               (i.last_ping_at AT TIME ZONE 'UTC')::date AS last_ping,
               i.resource_type, i.agent_is_latest, i.association_status,
               count(*) OVER () AS total,
               count(*) FILTER (WHERE i.agent_is_latest IS FALSE) OVER () AS outdated,
               count(*) FILTER (WHERE i.association_status = 'Failed') OVER () AS failed
        FROM v_ssm_managed_instances_current i
        JOIN v_accounts a ON a.account_id = i.account_id
        ORDER BY (i.ping_status = 'Online') NULLS FIRST, i.last_ping_at NULLS FIRST, a.name,
                 i.account_id, i.instance_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_ssm_managed_instances_current",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    data.outdated_agents = to_int(rows[0]["outdated"]) if rows else 0
    data.failed_associations = to_int(rows[0]["failed"]) if rows else 0
    data.instances = [
        ManagedInstance(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["instance_id"],
            r["computer_name"],
            r["platform"],
            r["agent_version"],
            r["ping_status"],
            r["last_ping"],
            r["resource_type"],
            r["agent_is_latest"],
            r["association_status"],
        )
        for r in rows
    ]
    return data


def ssm_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    sd = data.ssm
    online = sum(p.get("Online", 0) for p in sd.by_platform.values())
    section = Section(
        "ssm-instances",
        "SSM managed instances",
        "Systems Manager managed instances of each account's current snapshot, read from "
        "v_ssm_managed_instances_current: their ping status as SSM reports it (Online, "
        "ConnectionLost, Inactive), platform, agent version and whether it is the latest for "
        "the platform (IsLatestVersion; SSM says so for Linux nodes), node type (EC2Instance, "
        "or ManagedInstance: a hybrid node) and State Manager association status; "
        f"{count(online)} of {count(sd.total)} online, {count(sd.outdated_agents)} with an "
        f"outdated agent, {count(sd.failed_associations)} with a failed association.",
    )
    platforms = sorted(sd.by_platform)
    present = [p for p in PINGS if any(p.key in c for c in sd.by_platform.values())]
    section.add_figure(
        Figure(
            "ssm-instances",
            "Managed instances per platform, by ping status (current snapshot).",
            charts.hbar_chart(
                label="Managed instances per platform by ping status",
                categories=platforms,
                series=[
                    Series(p.name, [sd.by_platform[x].get(p.key) for x in platforms], p.color)
                    for p in present
                ],
                unit=Unit("count"),
            )
            if platforms
            else None,
            no_data("SSM managed instances"),
        )
    )
    section.add(
        bounded_table(
            "ssm-agents",
            "SSM Agent versions (current), most instances first",
            ["Agent version", "Instances"],
            [[version, count(n)] for version, n in sd.agents],
            sd.agents_total,
            numeric=(1,),
            empty_text=no_data("SSM Agent versions"),
        )
    )
    rows = [
        [
            style_of(styles, i.account_id, i.account_name).label,
            i.region,
            i.instance_id,
            i.computer_name or EN_DASH,
            i.platform,
            i.agent_version or EN_DASH,
            i.ping_status or EN_DASH,
            long_day(i.last_ping) if i.last_ping else EN_DASH,
            i.resource_type or EN_DASH,
            {True: "yes", False: "no (outdated)", None: "unknown"}[i.agent_is_latest],
            i.association_status or EN_DASH,
        ]
        for i in sd.instances
    ]
    section.add(
        bounded_table(
            "ssm-instances",
            "Managed instances (current), not online first",
            [
                "Account",
                "Region",
                "Instance",
                "Computer name",
                "Platform",
                "Agent version",
                "Ping status",
                "Last ping",
                "Node type",
                "Latest agent",
                "Association",
            ],
            rows,
            sd.total,
            wrap=(3,),
            empty_text=no_data("SSM managed instances"),
        )
    )
    return section
