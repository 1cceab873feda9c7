"""Resources by Availability Zone and region: the current inventory counted per zone (regional
resource types apart), over all accounts in the chart and per account in the table."""

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


@dataclass(frozen=True)
class ZoneCount:
    account_id: str
    account_name: str | None
    region: str
    zone: str  # an Availability Zone, or REGIONAL
    resource_type: str
    count: int


@dataclass
class ZoneData:
    counts: list[ZoneCount] = field(default_factory=list)

    def places(self) -> list[str]:
        """'region · zone' labels, zones of a region in order, its regional resources last."""
        keys = {(c.region, c.zone == REGIONAL, c.zone) for c in self.counts}
        return [f"{region} · {zone}" for region, _, zone in sorted(keys)]


def zones(reader: Reader) -> ZoneData:
    rows = reader.rows(
        f"""
        SELECT z.account_id, a.name AS account_name, z.region,
               CASE WHEN z.zonal THEN coalesce(z.availability_zone, 'zone not recorded')
                    ELSE '{REGIONAL}' END AS zone,
               z.resource_type, sum(z.resource_count) AS resources
        FROM v_resources_by_az_current z
        JOIN v_accounts a ON a.account_id = z.account_id
        GROUP BY z.account_id, a.name, z.region, 4, z.resource_type
        ORDER BY z.region, 4, z.resource_type, a.name, z.account_id
        """,
        None,
        "v_resources_by_az_current",
    )
    return ZoneData(
        [
            ZoneCount(
                r["account_id"],
                r["account_name"],
                r["region"],
                r["zone"],
                r["resource_type"],
                to_int(r["resources"]),
            )
            for r in rows
        ]
    )


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
    places = zd.places()
    types = sorted({c.resource_type for c in zd.counts})
    totals: dict[tuple[str, str], int] = {}
    for c in zd.counts:
        key = (f"{c.region} · {c.zone}", c.resource_type)
        totals[key] = totals.get(key, 0) + c.count
    section.add_figure(
        Figure(
            "availability-zones",
            "Resources per region and Availability Zone, stacked by type, all accounts "
            "(current snapshot).",
            charts.hbar_chart(
                label="Resources per region and Availability Zone by type",
                categories=places,
                series=[
                    Series(t, [totals.get((p, t)) for p in places], charts.color_of(i))
                    for i, t in enumerate(types)
                ],
                unit=Unit("count"),
            )
            if places
            else None,
            no_data("resources by Availability Zone"),
        )
    )
    per_place: dict[tuple[str, str, str], dict[str, int]] = {}
    names: dict[str, str | None] = {}
    for c in zd.counts:
        per_place.setdefault((c.account_id, c.region, c.zone), {})[c.resource_type] = c.count
        names[c.account_id] = c.account_name
    ordered = sorted(per_place.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    rows = [
        [
            style_of(styles, account_id, names[account_id]).label,
            account_id,
            region,
            zone,
            ", ".join(f"{count(n)} {t}" for t, n in sorted(by_type.items()) if n),
            count(sum(by_type.values())),
        ]
        for (account_id, region, zone), by_type in ordered[:TOP]
    ]
    section.add(
        bounded_table(
            "availability-zones",
            "Resources per account, region and Availability Zone (current), most first",
            ["Account", "Account ID", "Region", "Zone", "Resources by type", "Total"],
            rows,
            len(ordered),
            numeric=(5,),
            wrap=(4,),
            empty_text=no_data("resources by Availability Zone"),
        )
    )
    return section
