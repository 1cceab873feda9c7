"""Patch compliance (Systems Manager): the patches of each managed instance by state in the
current snapshot, per account, and the instances with missing or failed patches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import count
from report.html import Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

# Patch Manager's patch states (DescribeInstancePatches State, also written "Installed",
# "Missing", ... by inventory), grouped: normalized with upper() and spaces as underscores
STATE = "upper(replace(p.state, ' ', '_'))"
GROUPS = f"""CASE WHEN {STATE} IN ('INSTALLED', 'INSTALLED_OTHER') THEN 'installed'
                  WHEN {STATE} = 'INSTALLED_PENDING_REBOOT' THEN 'pending_reboot'
                  WHEN {STATE} = 'MISSING' THEN 'missing'
                  WHEN {STATE} = 'FAILED' THEN 'failed'
                  ELSE 'other' END"""
STATES = (
    Status("missing", "Missing", "#d6604d"),
    Status("failed", "Failed", "#67001f"),
    Status("pending_reboot", "Installed, pending reboot", "#fdb863"),
    Status("installed", "Installed", "#4393c3"),
    Status("other", "Other (not applicable, rejected, ...)", "#bababa"),
)


@dataclass(frozen=True)
class InstancePatches:
    account_id: str
    account_name: str | None
    region: str
    instance_id: str
    counts: dict[str, int]
    missing_security: int  # missing patches classified Security


@dataclass
class PatchData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> state -> n
    names: dict[str, str | None] = field(default_factory=dict)
    instances: int = 0  # instances with a patch record
    non_compliant: list[InstancePatches] = field(default_factory=list)  # the first ``TOP``
    non_compliant_total: int = 0  # instances with a missing or failed patch


def patches(reader: Reader, limit: int = TOP) -> PatchData:
    data = PatchData()
    for r in reader.rows(
        f"""
        SELECT p.account_id, a.name AS account_name, {GROUPS} AS state_group,
               count(*) AS patches,
               count(DISTINCT p.region || '/' || p.instance_id) AS instances
        FROM v_ssm_patches_current p
        JOIN v_accounts a ON a.account_id = p.account_id
        GROUP BY p.account_id, a.name, 3
        """,
        None,
        "v_ssm_patches_current",
    ):
        data.counts.setdefault(r["account_id"], {})[r["state_group"]] = to_int(r["patches"])
        data.names[r["account_id"]] = r["account_name"]
    (instances,) = reader.rows(
        "SELECT count(DISTINCT (p.account_id, p.region, p.instance_id)) AS n "
        "FROM v_ssm_patches_current p",
        None,
        "v_ssm_patches_current",
    )
    data.instances = to_int(instances["n"])
    rows = reader.rows(
        f"""
        SELECT p.account_id, a.name AS account_name, p.region, p.instance_id,
               count(*) FILTER (WHERE {STATE} = 'MISSING') AS missing,
               count(*) FILTER (WHERE {STATE} = 'FAILED') AS failed,
               count(*) FILTER (WHERE {STATE} = 'INSTALLED_PENDING_REBOOT') AS pending_reboot,
               count(*) FILTER (WHERE {STATE} IN ('INSTALLED', 'INSTALLED_OTHER')) AS installed,
               count(*) FILTER (WHERE {STATE} = 'MISSING' AND p.classification ILIKE 'security%')
                   AS missing_security,
               count(*) OVER () AS total
        FROM v_ssm_patches_current p
        JOIN v_accounts a ON a.account_id = p.account_id
        GROUP BY p.account_id, a.name, p.region, p.instance_id
        HAVING count(*) FILTER (WHERE {STATE} IN ('MISSING', 'FAILED')) > 0
        ORDER BY 9 DESC, 5 DESC, 6 DESC, a.name, p.account_id, p.instance_id
        LIMIT :limit
        """,
        {"limit": limit},
        "v_ssm_patches_current",
    )
    data.non_compliant_total = to_int(rows[0]["total"]) if rows else 0
    data.non_compliant = [
        InstancePatches(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["instance_id"],
            {k: to_int(r[k]) for k in ("missing", "failed", "pending_reboot", "installed")},
            to_int(r["missing_security"]),
        )
        for r in rows
    ]
    return data


def patches_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    pd = data.patches
    section = Section(
        "patch-compliance",
        "Patch compliance",
        "Patches of each Systems Manager managed instance by state, as Patch Manager reports "
        "them in each account's current snapshot, read from v_ssm_patches_current. "
        f"{count(pd.non_compliant_total)} of {count(pd.instances)} instances with patch data "
        "have at least one missing or failed patch.",
    )
    section.add_figure(
        account_status_figure(
            "patch-compliance",
            "Patches per account by state, over every managed instance (current snapshot).",
            "Patches per account by state",
            "patch compliance",
            pd.counts,
            pd.names,
            STATES,
            styles,
        )
    )
    rows = [
        [
            style_of(styles, i.account_id, i.account_name).label,
            i.account_id,
            i.region,
            i.instance_id,
            count(i.counts["missing"]),
            count(i.missing_security),
            count(i.counts["failed"]),
            count(i.counts["pending_reboot"]),
            count(i.counts["installed"]),
        ]
        for i in pd.non_compliant
    ]
    section.add(
        bounded_table(
            "patch-noncompliant",
            "Instances with missing or failed patches (current), most missing security "
            "patches first",
            [
                "Account",
                "Account ID",
                "Region",
                "Instance",
                "Missing",
                "Missing security",
                "Failed",
                "Pending reboot",
                "Installed",
            ],
            rows,
            pd.non_compliant_total,
            numeric=(4, 5, 6, 7, 8),
            empty_text=no_data("instances with missing or failed patches"),
        )
    )
    return section
