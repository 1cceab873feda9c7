"""WAF: the web ACLs of the current snapshot with their rules by action, default action,
logging, protections (geo blocking, SQL injection, XSS, rate limiting) and the resources they
protect, web ACLs with something to look at first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report import charts
from report.accounts import AccountStyle, style_of
from report.charts import Series
from report.formatting import EN_DASH, Unit, count
from report.html import Figure, Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, Status, bounded_table, yes_no

if TYPE_CHECKING:
    from report.sections import ReportData

# a rule's action as the collector stores it: BLOCK, ALLOW, COUNT, CAPTCHA, CHALLENGE, or a rule
# group's override action, "NONE (override)" (the group's own actions apply) or
# "COUNT (override)" (the whole group only counts)
ACTION = """CASE WHEN r.action = 'BLOCK' THEN 'block'
                 WHEN r.action = 'ALLOW' THEN 'allow'
                 WHEN r.action IN ('COUNT', 'COUNT (override)') THEN 'count'
                 WHEN r.action IN ('CAPTCHA', 'CHALLENGE') THEN 'challenge'
                 WHEN r.action = 'NONE (override)' THEN 'group'
                 ELSE 'other' END"""
# what each protection is called in the table, and its column (how sql/036 derives it: a rule
# not in Count mode whose statement, nested And/Or/Not included, is of that kind)
PROTECTIONS = (
    ("geo", "geo_blocking"),
    ("SQLi", "sqli_protection"),
    ("XSS", "xss_protection"),
    ("rate", "rate_limiting"),
)
ACTIONS = (
    Status("block", "Block", "#d6604d"),
    Status("group", "Rule group (its own actions)", "#4393c3"),
    Status("challenge", "CAPTCHA or challenge", "#8073ac"),
    Status("count", "Count only (no action)", "#fdb863"),
    Status("allow", "Allow", "#92c5de"),
    Status("other", "Other", "#bababa"),
)


@dataclass(frozen=True)
class WebAcl:
    account_id: str
    account_name: str | None
    name: str | None
    scope: str | None
    region: str | None
    default_action: str | None
    logging_enabled: bool | None
    resources: int  # associated resources
    rules: dict[str, int]  # action -> rules
    capacity: int | None
    # protection -> enforced by a rule not in Count mode (sql/036); None: an older sender
    protections: dict[str, bool | None] = field(default_factory=dict)

    @property
    def protections_text(self) -> str:
        if all(v is None for v in self.protections.values()):
            return "unknown"
        return ", ".join(name for name, on in self.protections.items() if on) or "none"

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.logging_enabled is False:
            flags.append("logging off")
        if self.resources == 0 and self.scope == "REGIONAL":
            flags.append("protects no resource")
        if not sum(self.rules.values()):
            flags.append("no rules")
        if self.rules.get("count"):
            flags.append(f"{self.rules['count']} rule(s) only count")
        return flags


@dataclass
class WafData:
    acls: list[WebAcl] = field(default_factory=list)  # the first ``TOP``
    total: int = 0


def web_acls(reader: Reader, limit: int = TOP) -> WafData:
    rows = reader.rows(
        f"""
        SELECT w.account_id, a.name AS account_name, w.name, w.scope, w.region,
               w.default_action, w.logging_enabled, w.capacity,
               w.geo_blocking, w.sqli_protection, w.xss_protection, w.rate_limiting,
               coalesce(cardinality(w.associated_resources), 0) AS resources,
               coalesce(r.block_rules, 0) AS block_rules,
               coalesce(r.allow_rules, 0) AS allow_rules,
               coalesce(r.count_rules, 0) AS count_rules,
               coalesce(r.challenge_rules, 0) AS challenge_rules,
               coalesce(r.group_rules, 0) AS group_rules,
               coalesce(r.other_rules, 0) AS other_rules,
               count(*) OVER () AS total
        FROM v_waf_web_acls_current w
        JOIN v_accounts a ON a.account_id = w.account_id
        LEFT JOIN (
            SELECT account_id, snapshot_date, web_acl_arn,
                   count(*) FILTER (WHERE action_class = 'block')     AS block_rules,
                   count(*) FILTER (WHERE action_class = 'allow')     AS allow_rules,
                   count(*) FILTER (WHERE action_class = 'count')     AS count_rules,
                   count(*) FILTER (WHERE action_class = 'challenge') AS challenge_rules,
                   count(*) FILTER (WHERE action_class = 'group')     AS group_rules,
                   count(*) FILTER (WHERE action_class = 'other')     AS other_rules
            FROM (SELECT r.*, {ACTION} AS action_class FROM v_waf_rules_current r) r
            GROUP BY account_id, snapshot_date, web_acl_arn
        ) r ON r.account_id = w.account_id AND r.snapshot_date = w.snapshot_date
           AND r.web_acl_arn = w.web_acl_arn
        ORDER BY (w.logging_enabled IS NOT FALSE), coalesce(r.count_rules, 0) DESC, a.name,
                 w.account_id, w.name, w.web_acl_arn
        LIMIT :limit
        """,
        {"limit": limit},
        "v_waf_web_acls_current",
        "v_waf_rules_current",
    )
    return WafData(
        [
            WebAcl(
                r["account_id"],
                r["account_name"],
                r["name"],
                r["scope"],
                r["region"],
                r["default_action"],
                r["logging_enabled"],
                to_int(r["resources"]),
                {a.key: to_int(r[f"{a.key}_rules"]) for a in ACTIONS},
                r["capacity"],
                {name: r[column] for name, column in PROTECTIONS},
            )
            for r in rows
        ],
        to_int(rows[0]["total"]) if rows else 0,
    )


def waf_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    wd = data.waf
    section = Section(
        "waf",
        "WAF web ACLs",
        "AWS WAF web ACLs of each account's current snapshot (regional, and CloudFront from "
        "us-east-1), read from v_waf_web_acls_current and v_waf_rules_current: each ACL's rules "
        "by action, its default action, logging and the resources it is associated with. A "
        "rule group's rules act as the group defines them unless it is overridden to count. "
        "Protections: a rule not in Count mode blocks by country (GeoMatchStatement), inspects "
        "for SQL injection (SqliMatchStatement or AWS's managed SQL database group), for "
        "cross-site scripting (XssMatchStatement or AWS's core rule set) or limits the request "
        "rate (RateBasedStatement), nested statements included; rule groups of your own are "
        "not opened, so they may protect more than shown; unknown: sent by a sender before "
        "contract 1.2.",
    )
    labels = [
        f"{w.name or EN_DASH} · {style_of(styles, w.account_id, w.account_name).label}"
        for w in wd.acls
    ]
    present = [a for a in ACTIONS if any(w.rules.get(a.key) for w in wd.acls)]
    section.add_figure(
        Figure(
            "waf",
            "Rules of each web ACL by action (current snapshot)"
            + (f"; {wd.total - len(wd.acls)} more web ACLs not shown." if wd.total > TOP else "."),
            charts.hbar_chart(
                label="WAF rules per web ACL by action",
                categories=labels,
                series=[
                    Series(a.name, [w.rules.get(a.key) for w in wd.acls], a.color) for a in present
                ],
                unit=Unit("count"),
            )
            if wd.acls
            else None,
            no_data("WAF web ACLs"),
        )
    )
    rows = [
        [
            style_of(styles, w.account_id, w.account_name).label,
            w.name or EN_DASH,
            (w.scope or EN_DASH).lower(),
            w.region or "global",
            (w.default_action or EN_DASH).lower(),
            yes_no(w.logging_enabled),
            count(w.resources),
            count(sum(w.rules.values())),
            count(w.capacity),
            ", ".join(w.flags) or EN_DASH,
            w.protections_text,
        ]
        for w in wd.acls
    ]
    section.add(
        bounded_table(
            "waf",
            "Web ACLs (current), logging off and count-only rules first",
            [
                "Account",
                "Web ACL",
                "Scope",
                "Region",
                "Default action",
                "Logging",
                "Associated resources",
                "Rules",
                "Capacity (WCU)",
                "To look at",
                "Protections",
            ],
            rows,
            wd.total,
            numeric=(6, 7, 8),
            wrap=(1, 9),
            empty_text=no_data("WAF web ACLs"),
        )
    )
    return section
