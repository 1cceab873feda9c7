"""KMS key rotation: the keys of the current snapshot per account by who manages them and whether
automatic rotation is on, and the customer managed keys without it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from report.accounts import AccountStyle, style_of
from report.formatting import EN_DASH, count, long_day
from report.html import Section, no_data
from report.reader import Reader, to_int
from report.sections.listing import TOP, Status, account_status_figure, bounded_table

if TYPE_CHECKING:
    from report.sections import ReportData

# rotation_enabled is GetKeyRotationStatus's answer, asked only where rotation applies
# (symmetric encryption keys with key material from KMS); NULL otherwise
CLASS = """CASE WHEN k.key_manager = 'AWS' THEN 'aws'
                WHEN k.rotation_enabled THEN 'enabled'
                WHEN NOT k.rotation_enabled THEN 'disabled'
                ELSE 'not_applicable' END"""
CLASSES = (
    Status("disabled", "Customer managed, rotation off", "#d6604d"),
    Status("enabled", "Customer managed, rotation on", "#4393c3"),
    Status("not_applicable", "Customer managed, rotation n/a or unknown", "#bababa"),
    Status("aws", "AWS managed (AWS rotates yearly)", "#92c5de"),
)


@dataclass(frozen=True)
class UnrotatedKey:
    account_id: str
    account_name: str | None
    region: str | None
    key_id: str | None
    aliases: str
    key_state: str | None
    key_spec: str | None
    created: date | None


@dataclass
class KmsData:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> class -> keys
    names: dict[str, str | None] = field(default_factory=dict)
    unrotated: list[UnrotatedKey] = field(default_factory=list)  # the first ``TOP``
    unrotated_total: int = 0


def kms_keys(reader: Reader, limit: int = TOP) -> KmsData:
    data = KmsData()
    for r in reader.rows(
        f"""
        SELECT k.account_id, a.name AS account_name, {CLASS} AS class, count(*) AS keys
        FROM v_kms_keys_current k
        JOIN v_accounts a ON a.account_id = k.account_id
        WHERE k.key_state IS DISTINCT FROM 'PendingDeletion'
        GROUP BY k.account_id, a.name, 3
        """,
        None,
        "v_kms_keys_current",
    ):
        data.counts.setdefault(r["account_id"], {})[r["class"]] = to_int(r["keys"])
        data.names[r["account_id"]] = r["account_name"]
    rows = reader.rows(
        """
        SELECT k.account_id, a.name AS account_name, k.region, k.key_id,
               array_to_string(k.aliases, ', ') AS aliases, k.key_state, k.key_spec,
               (k.created_at AT TIME ZONE 'UTC')::date AS created,
               count(*) OVER () AS total
        FROM v_kms_keys_current k
        JOIN v_accounts a ON a.account_id = k.account_id
        WHERE k.key_manager = 'CUSTOMER' AND k.rotation_enabled = false
          AND k.key_state IS DISTINCT FROM 'PendingDeletion'
        ORDER BY k.created_at NULLS FIRST, a.name, k.account_id, k.key_arn
        LIMIT :limit
        """,
        {"limit": limit},
        "v_kms_keys_current",
    )
    data.unrotated_total = to_int(rows[0]["total"]) if rows else 0
    data.unrotated = [
        UnrotatedKey(
            r["account_id"],
            r["account_name"],
            r["region"],
            r["key_id"],
            r["aliases"] or "",
            r["key_state"],
            r["key_spec"],
            r["created"],
        )
        for r in rows
    ]
    return data


def kms_section(data: ReportData, styles: dict[str, AccountStyle]) -> Section:
    kd = data.kms
    customer = sum(c.get("enabled", 0) + c.get("disabled", 0) for c in kd.counts.values())
    section = Section(
        "kms-rotation",
        "KMS key rotation",
        "KMS keys of each account's current snapshot (keys pending deletion left out), read "
        "from v_kms_keys_current: automatic rotation of customer managed keys as "
        "GetKeyRotationStatus reports it; it applies only to symmetric encryption keys with "
        "key material from KMS (others: n/a). AWS managed keys are rotated by AWS every year. "
        f"{count(kd.unrotated_total)} of {count(customer)} customer managed keys that can "
        "rotate have rotation off.",
    )
    section.add_figure(
        account_status_figure(
            "kms-rotation",
            "KMS keys per account by manager and rotation (current snapshot).",
            "KMS keys per account by rotation",
            "KMS keys",
            kd.counts,
            kd.names,
            CLASSES,
            styles,
        )
    )
    rows = [
        [
            style_of(styles, k.account_id, k.account_name).label,
            k.region or EN_DASH,
            k.key_id or EN_DASH,
            k.aliases or EN_DASH,
            k.key_state or EN_DASH,
            k.key_spec or EN_DASH,
            long_day(k.created) if k.created else EN_DASH,
        ]
        for k in kd.unrotated
    ]
    section.add(
        bounded_table(
            "kms-unrotated",
            "Customer managed keys with automatic rotation off (current), oldest first",
            ["Account", "Region", "Key ID", "Aliases", "State", "Key spec", "Created"],
            rows,
            kd.unrotated_total,
            wrap=(2, 3),
            empty_text=no_data("customer managed keys with rotation off"),
        )
    )
    return section
