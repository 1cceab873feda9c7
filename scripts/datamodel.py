#!/usr/bin/env python3
"""Write the "Sections and tables" table of docs/data-model.md from the receiver's declaration.

    python3 scripts/datamodel.py          # rewrite the table in docs/data-model.md
    python3 scripts/datamodel.py --check  # exit 1 if the document is stale

One row per table of ``receiver.tables.TABLES``: the section it reads (its place in the
contract), every field of the section's item definition in the contract's order (lists marked
``[]``, enumerations in parentheses), the table and its natural key. The only text written here
is what neither the contract nor the declaration says, in ``NOTES``: a few words on a field or a
key. Everything between ``<!-- BEGIN_SECTIONS -->`` and ``<!-- END_SECTIONS -->`` is replaced;
the rest of the document is left alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing the project

from receiver.tables import ORGANIZATION_COST, TABLES, Table, field_definitions  # noqa: E402

DOC = ROOT / "docs" / "data-model.md"
BEGIN = "<!-- BEGIN_SECTIONS -->"
END = "<!-- END_SECTIONS -->"
HEADER = "| section (`data.<key>`) | item fields | table | natural key |\n|---|---|---|---|"

# (section, field) -> a few words on it, shown in parentheses after the field (instead of its
# enumeration); (table, "") -> text after the whole field list; (table, "key") -> after the key.
NOTES: dict[tuple[str, str], str] = {
    ("cost.daily[]", "estimated"): "Cost Explorer's Estimated flag of the day; absent from "
    "older senders' documents, stored as NULL",
    ("cost_daily", ""): "Scheduled DAILY runs also send the days they re-collect before the "
    "window (the open month, early in a month the previous one); a file whose cost collector "
    "is ok replaces the stored rows of its window's days and of every day it has rows for, per "
    "account (a service zeroed by a credit loses its row)",
    ("cost_forecasts", "key"): "`generated_on` = snapshot_date",
    ("organization_cost_forecasts", "key"): "`account_id` = the management account that "
    "forecast its organization's total; organization mode only",
    ("securityhub.findings[]", "finding_id"): "finding ARN/id",
    ("securityhub.severity_counts[]", "count"): "every ACTIVE finding, whatever its workflow "
    "status: not the open count",
    ("securityhub.severity_counts[]", "workflow_resolved"): "the same findings by "
    "`Workflow.Status`; open = NEW + NOTIFIED; absent from older senders' documents, stored "
    "as NULL",
    ("guardduty_findings[]", "severity"): "0\u201310",
    ("guardduty_finding_snapshots", "key"): 'the same items, as listed on snapshot_date: see "Open '
    'findings"',
    ("compute_optimizer[]", "savings_basis"): "`after_discounts`: Savings Plans and RI "
    "discounts included, or `on_demand`: On-Demand prices when Compute Optimizer gives no "
    "after-discount figure; absent from older senders: `on_demand`",
    ("commitments[]", "service"): "RI: the reservation service, e.g. `Amazon Relational "
    "Database Service`; null for SP, stored as `''`; absent from older senders' RI rows: EC2",
    ("commitments[]", "coverage_eligible"): "RI hours, SP spend; coverage is reported whoever "
    "owns the commitment",
    ("waf_web_acls[]", "geo_blocking"): "this and the next three: a rule not in Count mode "
    "carries it (nested And/Or/Not statements, AWS managed SQLi / core rule set groups); absent "
    "from older senders, stored as NULL",
    ("account", "labels"): "set on the sender (`SENDER_ACCOUNT_LABELS`); `{}` = none; the "
    "roster's account tags win (`v_account_label_values`)",
    ("resilience_hub_apps[].disruptions[]", "target_rpo_seconds"): "seconds; targets of the "
    "policy the latest successful assessment was judged against, `current_*` its estimates",
    ("iam", "users_without_mfa"): "older senders only: every user with MFA, and console users "
    "without it, two populations; no longer sent",
    ("iam", "console_users_without_mfa"): "MFA over one population, the users with a console "
    "password: with + without = `users_with_console`; root apart",
}


def _field(table: Table, name: str, definition: dict) -> str:
    shown = f"`{name}[]`" if definition.get("type") == "array" else f"`{name}`"
    note = NOTES.get((table.section, name))
    if note is None and name == "account_id" and table.name in ORGANIZATION_COST:
        note = "organization mode only"
    if note is None:
        values = [v for v in definition.get("enum", ()) if v is not None]
        note = "\\|".join(f"`{v}`" for v in values) or None
    return f"{shown} ({note})" if note else shown


def row(table: Table) -> str:
    """The table's row: section, item fields, table, natural key."""
    section = f"`{table.section}`" + ("" if table.section.endswith("[]") else " (object)")
    fields = ", ".join(_field(table, n, d) for n, d in field_definitions(table).items())
    if (table.name, "") in NOTES:
        fields += ". " + NOTES[(table.name, "")]
    key = f"`{', '.join(table.natural_key)}`"
    if (table.name, "key") in NOTES:
        key += f" ({NOTES[(table.name, 'key')]})"
    return f"| {section} | {fields} | `{table.name}` | {key} |"


def render() -> str:
    return "\n".join([HEADER, *(row(t) for t in TABLES)])


def updated(text: str) -> str:
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"{DOC.relative_to(ROOT)}: {BEGIN} ... {END} markers not found")
    return f"{head}{BEGIN}\n{render()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is stale")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    new = updated(text)
    if args.check:
        if new != text:
            print(
                f"{DOC.relative_to(ROOT)} is stale: run python3 scripts/datamodel.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
