"""Resources by Availability Zone and region: the current inventory counted per zone (regional
resource types apart), over all accounts in the chart, and the account, region and zone places
holding the most resources in the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, style_of
from report.charts import Series
from report.formatting import Unit, count
from report.html import Figure, Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

REGIONAL = "regional"  # the zone shown for resource types without one
ZONE = f"""CASE WHEN z.zonal THEN coalesce(z.availability_zone, 'zone not recorded')
                ELSE '{REGIONAL}' END"""


@dataclass(frozen=True)
class ZoneCount:
    """Resources of one type in one region and zone, all accounts."""

    region: str
    zone: str  # an Availability Zone, REGIONAL, or 'zone not recorded'
    resource_type: str
    count: int


@dataclass(frozen=True)
class Place:
    """One account's resources in one region and zone."""

    account_id: str
    account_name: str | None
    region: str
    zone: str
    by_type: str  # "3 ebs:volume, 2 ec2:instance"
    count: int


@dataclass
class ZoneData:
    counts: list[ZoneCount] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)  # the first ``TOP``, most resources first
    places_total: int = 0

    def labels(self) -> list[str]:
        """'region · zone' labels, zones of a region in order, its regional resources last."""
        keys = {(c.region, c.zone == REGIONAL, c.zone) for c in self.counts}
        return [f"{region} · {zone}" for region, _, zone in sorted(keys)]


def zones(reader: Reader, limit: int = TOP) -> ZoneData:
    data = ZoneData()
    data.counts = [
        ZoneCount(r["region"], r["zone"], r["resource_type"], to_int(r["resources"]))
        for r in reader.rows(
            f"""
            SELECT z.region, {ZONE} AS zone, z.resource_type,
                   sum(z.resource_count) AS resources
            FROM v_resources_by_az_current z
            GROUP BY z.region, 2, z.resource_type
            ORDER BY z.region, 2, z.resource_type
            """,
            None,
            "v_resources_by_az_current",
        )
    ]
    rows = reader.rows(
        f"""
        SELECT z.account_id, a.name AS account_name, z.region, {ZONE} AS zone,
               string_agg(z.resource_count || ' ' || z.resource_type, ', '
                          ORDER BY z.resource_type) AS by_type,
               sum(z.resource_count) AS resources,
               count(*) OVER () AS total
        FROM v_resources_by_az_current z
        JOIN v_accounts a ON a.account_id = z.account_id
        GROUP BY z.account_id, a.name, z.region, 4
        ORDER BY sum(z.resource_count) DESC, a.name, z.account_id, z.region, 4
        LIMIT :limit
        """,
        {"limit": limit},
        "v_resources_by_az_current",
    )
    data.places_total = to_int(rows[0]["total"]) if rows else 0
    data.places = [
        Place(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["zone"],
            r["by_type"],
            to_int(r["resources"]),
        )
        for r in rows
    ]
    return data


def zones_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    zd = data.zones
    section = Section(
        "availability-zones",
        "Resources by Availability Zone",
        "Resources of each account's current inventory snapshot per region and Availability "
        "Zone, read from v_resources_by_az_current. Only EC2 instances, subnets and EBS "
        "volumes have a zone; RDS databases, S3 buckets, load balancers, Auto Scaling groups "
        "and Lambda functions are counted as regional.",
    )
    labels = zd.labels()
    types = sorted({c.resource_type for c in zd.counts})
    totals = {(f"{c.region} · {c.zone}", c.resource_type): c.count for c in zd.counts}
    section.add_figure(
        Figure(
            "availability-zones",
            "Resources per region and Availability Zone, stacked by type, all accounts "
            "(current snapshot).",
            charts.hbar_chart(
                label="Resources per region and Availability Zone by type",
                categories=labels,
                series=[
                    Series(t, [totals.get((p, t)) for p in labels], charts.color_of(i))
                    for i, t in enumerate(types)
                ],
                unit=Unit("count"),
            )
            if labels
            else None,
            no_data("resources by Availability Zone"),
        )
    )
    rows = [
        [
            style_of(styles, p.account_id, p.account_name).label,
            p.account_id,
            p.region,
            p.zone,
            p.by_type,
            count(p.count),
        ]
        for p in zd.places
    ]
    section.add(
        bounded_table(
            "availability-zones",
            "Resources per account, region and Availability Zone (current), most first",
            ["Account", "Account ID", "Region", "Zone", "Resources by type", "Total"],
            rows,
            zd.places_total,
            numeric=(5,),
            wrap=(4,),
            empty_text=no_data("resources by Availability Zone"),
        )
    )
    return section
