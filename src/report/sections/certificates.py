"""ACM certificate expiry: the certificates of the current snapshot per account by days left
before they expire (expired ones apart), and the soonest to expire listed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day
from report.html import Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table, yes_no

if TYPE_CHECKING:
    from report.sections import ReportData

# whole days from the snapshot date to the day NotAfter falls on (UTC)
DAYS_LEFT = "(c.not_after AT TIME ZONE 'UTC')::date - c.snapshot_date"
BUCKET = f"""CASE WHEN c.status = 'EXPIRED' OR {DAYS_LEFT} < 0 THEN 'expired'
                  WHEN c.not_after IS NULL THEN 'unknown'
                  WHEN {DAYS_LEFT} <= 30 THEN 'd30'
                  WHEN {DAYS_LEFT} <= 60 THEN 'd60'
                  WHEN {DAYS_LEFT} <= 90 THEN 'd90'
                  ELSE 'later' END"""
BUCKETS = (
    Status("expired", "Expired", "#67001f"),
    Status("d30", "0-30 days left", "#d6604d"),
    Status("d60", "31-60 days left", "#fdb863"),
    Status("d90", "61-90 days left", "#fee090"),
    Status("later", "More than 90 days left", "#4393c3"),
    Status("unknown", "No expiry date (not issued)", "#bababa"),
)


@dataclass(frozen=True)
class Certificate:
    account_id: str
    account_name: str | None
    region: str | None
    domain_name: str | None
    status: str | None
    type: str | None
    in_use: bool | None
    renewal_eligibility: str | None
    expires: date | None
    days_left: int | None


@dataclass
class CertificateData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> bucket -> n
    names: dict[str, str | None] = field(default_factory=dict)
    soonest: list[Certificate] = field(default_factory=list)  # the first ``TOP``
    total: int = 0


def certificates(reader: Reader, limit: int = TOP) -> CertificateData:
    data = CertificateData()
    for r in reader.rows(
        f"""
        SELECT c.account_id, a.name AS account_name, {BUCKET} AS bucket, count(*) AS certificates
        FROM v_acm_certificates_current c
        JOIN v_accounts a ON a.account_id = c.account_id
        GROUP BY c.account_id, a.name, 3
        """,
        None,
        "v_acm_certificates_current",
    ):
        data.counts.setdefault(r["account_id"], {})[r["bucket"]] = to_int(r["certificates"])
        data.names[r["account_id"]] = r["account_name"]
    rows = reader.rows(
        f"""
        SELECT c.account_id, a.name AS account_name, c.region, c.domain_name, c.status, c.type,
               c.in_use, c.renewal_eligibility,
               (c.not_after AT TIME ZONE 'UTC')::date AS expires, {DAYS_LEFT} AS days_left,
               count(*) OVER () AS total
        FROM v_acm_certificates_current c
        JOIN v_accounts a ON a.account_id = c.account_id
        ORDER BY c.not_after NULLS LAST, a.name, c.account_id, c.certificate_arn
        LIMIT :limit
        """,
        {"limit": limit},
        "v_acm_certificates_current",
    )
    data.total = to_int(rows[0]["total"]) if rows else 0
    data.soonest = [
        Certificate(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["domain_name"],
            r["status"],
            r["type"],
            r["in_use"],
            r["renewal_eligibility"],
            r["expires"],
            r["days_left"],
        )
        for r in rows
    ]
    return data


def certificates_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    cd = data.certificates
    expired = sum(c.get("expired", 0) for c in cd.counts.values())
    soon = sum(c.get("d30", 0) for c in cd.counts.values())
    section = Section(
        "certificate-expiry",
        "ACM certificate expiry",
        "ACM certificates of each account's current snapshot, read from "
        "v_acm_certificates_current: days left from the snapshot date to the certificate's "
        "NotAfter date (UTC); expired: status EXPIRED or no days left. "
        f"{count(expired)} expired, {count(soon)} expiring within 30 days. Amazon-issued "
        "certificates that are in use and eligible renew themselves; imported ones do not.",
    )
    section.add_figure(
        account_status_figure(
            "certificate-expiry",
            "ACM certificates per account by days left before expiry (current snapshot).",
            "ACM certificates per account by days left",
            "ACM certificates",
            cd.counts,
            cd.names,
            BUCKETS,
            styles,
        )
    )
    rows = [
        [
            style_of(styles, c.account_id, c.account_name).label,
            c.region or EN_DASH,
            c.domain_name or EN_DASH,
            (c.status or EN_DASH).replace("_", " ").lower(),
            (c.type or EN_DASH).replace("_", " ").lower(),
            yes_no(c.in_use),
            (c.renewal_eligibility or EN_DASH).lower(),
            long_day(c.expires) if c.expires else EN_DASH,
            count(c.days_left) if c.days_left is None or c.days_left >= 0 else "expired",
        ]
        for c in cd.soonest
    ]
    section.add(
        bounded_table(
            "certificate-expiry",
            "ACM certificates (current), soonest to expire first",
            [
                "Account",
                "Region",
                "Domain",
                "Status",
                "Type",
                "In use",
                "Renewal",
                "Expires",
                "Days left",
            ],
            rows,
            cd.total,
            numeric=(8,),
            empty_text=no_data("ACM certificates"),
        )
    )
    return section
