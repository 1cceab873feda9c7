"""Section 3b, by organizational unit, account tag or account label: the ``GroupBy`` option, the
per-group query over ``v_account_labels`` (and ``v_account_label_values`` for a label) and the
section's chart and table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from report import charts
from report.charts import Series
from report.formatting import EN_DASH, Unit, count, money, percent
from report.html import Figure, Section, no_data, table_html
from report.reader import Period, Reader, decimal_sum, to_decimal, to_int
from report.sections.cost import cost_column
from report.sections.security import OPEN_BY_SEVERITY, SEVERITIES, sum_known

if TYPE_CHECKING:
    from report.sections import ReportData


@dataclass(frozen=True)
class GroupBy:
    """How the report groups accounts: by OU path, by the value of one account tag, or by the
    value of one account label (sql/037: the roster's account tag of that key, else the label
    set on the account's sender)."""

    tag: str | None = None  # None: by OU path (or by ``account_label``)
    account_label: str | None = None  # label:KEY

    @classmethod
    def parse(cls, text: str) -> GroupBy:
        """``ou``, ``tag:<key>`` or ``label:<key>``."""
        if text == "ou":
            return cls()
        if text.startswith("tag:") and 1 <= len(text[4:]) <= 128:
            return cls(text[4:])
        if text.startswith("label:") and 1 <= len(text[6:]) <= 128:
            return cls(account_label=text[6:])
        raise ValueError(f"group by 'ou', 'tag:<key>' or 'label:<key>', not {text!r}")

    @property
    def label(self) -> str:
        if self.account_label is not None:
            return f"Label {self.account_label}"
        return "OU path" if self.tag is None else f"Tag {self.tag}"

    @property
    def missing(self) -> str:
        if self.account_label is not None:
            return "(no such label)"
        return "(no OU known)" if self.tag is None else "(untagged)"


@dataclass(frozen=True)
class GroupTotal:
    group: str
    accounts: int
    cost: Decimal
    # open Security Hub findings (workflow NEW or NOTIFIED), current snapshot, by severity;
    # None when an account of the group sent no workflow split
    findings: dict[str, int | None]


def group_totals(
    reader: Reader,
    period: Period | None,
    currency: str,
    group_by: GroupBy,
    basis: str = "amortized",
) -> list[GroupTotal]:
    """Per OU path (or tag value): accounts, cost in ``basis`` over the period (in ``currency``)
    and current Security Hub findings by severity, from v_account_labels."""
    column = cost_column(basis)
    join = ""  # one join, not a lookup per account: the label view covers every account
    if group_by.account_label is not None:
        key = "coalesce(v.label_value, :missing)"
        join = (
            "LEFT JOIN v_account_label_values v ON v.account_id = l.account_id"
            " AND v.label_key = CAST(:label AS text)"
        )
    elif group_by.tag is None:
        key = "coalesce(l.ou_path, :missing)"
    else:
        key = "coalesce(l.tags ->> CAST(:tag AS text), :missing)"
    params: dict[str, Any] = {
        "missing": group_by.missing,
        "currency": currency,
        "start": period.start if period else None,
        "end": period.end if period else None,
    }
    if group_by.tag is not None:
        params["tag"] = group_by.tag
    if group_by.account_label is not None:
        params["label"] = group_by.account_label
    rows = reader.rows(
        f"""
        WITH labels AS (
            SELECT l.account_id, {key} AS grp
            FROM v_account_labels l
            {join}
            WHERE l.has_reported OR l.expected
        ),
        cost AS (
            SELECT account_id, sum({column}) AS cost
            FROM v_report_cost_daily
            WHERE usage_date BETWEEN CAST(:start AS date) AND CAST(:end AS date)
              AND coalesce(currency, :currency) = :currency
            GROUP BY account_id
        ),
        findings AS (
            SELECT c.account_id,{OPEN_BY_SEVERITY}
            FROM v_securityhub_severity_counts_current c
            GROUP BY c.account_id
        )
        SELECT l.grp, count(*) AS accounts,
               coalesce(sum(c.cost), 0) AS cost,
               coalesce(bool_and(f.known), true) AS known,
               coalesce(sum(f.critical), 0) AS critical, coalesce(sum(f.high), 0) AS high,
               coalesce(sum(f.medium), 0) AS medium, coalesce(sum(f.low), 0) AS low,
               coalesce(sum(f.informational), 0) AS informational
        FROM labels l
        LEFT JOIN cost c ON c.account_id = l.account_id
        LEFT JOIN findings f ON f.account_id = l.account_id
        GROUP BY l.grp
        ORDER BY coalesce(sum(c.cost), 0) DESC, l.grp
        """,
        params,
        "v_account_labels",
        "v_report_cost_daily",
        "v_securityhub_severity_counts_current",
        *(("v_account_label_values",) if group_by.account_label is not None else ()),
    )
    return [
        GroupTotal(
            r["grp"],
            to_int(r["accounts"]),
            to_decimal(r["cost"]) or Decimal(0),
            {s: to_int(r[s.lower()]) if r["known"] else None for s in SEVERITIES},
        )
        for r in rows
    ]


def groups_section(data: ReportData) -> Section:
    currency = data.currencies.main
    by = data.group_by
    if by.account_label is not None:
        what = f"value of the account label {by.account_label}"
        title = f"By account label {by.account_label}"
    elif by.tag is None:
        what, title = "OU path", "By organizational unit"
    else:
        what, title = f"value of the account tag {by.tag}", f"By account tag {by.tag}"
    section = Section(
        "by-group",
        title,
        f"{data.cost_basis.capitalize()} cost in the period and current open Security Hub "
        "findings (workflow NEW or "
        f"NOTIFIED) of the accounts, per "
        f"{what} (python -m receiver report --group-by ou|tag:<key>|label:<key>), read from "
        "v_account_labels (the organization roster's OU paths and account tags; an account "
        "outside the roster keeps the OU path its sender reported), v_account_label_values "
        "(labels: the roster's account tag of that key wins, else the label set on the "
        "account's sender), v_report_cost_daily and v_securityhub_severity_counts_current.",
    )
    groups = data.groups
    section.add_figure(
        Figure(
            "cost-by-group",
            f"Cost in the period per {what}, all its accounts together.",
            charts.hbar_chart(
                label=f"Cost per {by.label} ({currency})",
                categories=[g.group for g in groups],
                series=[Series("Cost in the period", [g.cost for g in groups])],
                unit=Unit("money", currency),
            ),
            no_data(f"cost per {by.label}"),
        )
    )
    total = decimal_sum([g.cost for g in groups])
    rows = [
        [
            g.group,
            count(g.accounts),
            money(g.cost, currency),
            percent(Decimal(100) * g.cost / total, 1) if total else EN_DASH,
            count(g.findings["CRITICAL"]),
            count(g.findings["HIGH"]),
            count(sum_known(list(g.findings.values()))),
        ]
        for g in groups
    ]
    section.add(
        table_html(
            "cost-findings-by-group",
            f"Cost and open Security Hub findings per {by.label}",
            [by.label, "Accounts", "Cost", "Share", "Open critical", "Open high", "Open total"],
            rows,
            numeric=(1, 2, 3, 4, 5, 6),
            wrap=(0,),
            footer=[
                "All groups",
                count(sum(g.accounts for g in groups)),
                money(total, currency),
                "100%" if total else EN_DASH,
                count(sum_known([g.findings["CRITICAL"] for g in groups])),
                count(sum_known([g.findings["HIGH"] for g in groups])),
                count(sum_known([sum_known(list(g.findings.values())) for g in groups])),
            ]
            if rows
            else None,
            empty_text=no_data(f"cost or findings per {by.label}"),
        )
    )
    return section
