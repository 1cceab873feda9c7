"""What the demo prints at the end: files, rows per table, expected versus reporting accounts (the
organization roster), collector statuses per account, and which answers were recorded responses
rather than moto."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract import layout
from demo.analytics import Analytics
from demo.organization import Organization
from demo.profiles import HOME_REGION
from receiver.partitions import ROLLUPS

LATEST_RUNS = """
SELECT DISTINCT ON (r.account_id) r.account_id, r.run_id
FROM collection_runs r
WHERE r.interval = 'DAILY'
ORDER BY r.account_id, r.window_start DESC,
         (SELECT count(*) FROM collector_runs c
          WHERE c.account_id = r.account_id AND c.run_id = r.run_id) DESC
"""


# Filled only by a management account's sender in SENDER_COST_MODE=organization, which the
# demo's members (each collecting its own cost) do not run.
ORGANIZATION_COST_MODE_ONLY = frozenset({"organization_cost_forecasts"})
# Monthly rollups, written only when the retention policy drops a month older than the demo's.
RETENTION_ONLY = frozenset(rollup for rollup, _ in ROLLUPS.values())


@dataclass(frozen=True)
class Summary:
    loaded_files: int
    failed_files: int
    dead_letters: int
    ingestions: dict[str, int]
    rows: dict[str, int]
    statuses: dict[str, dict[str, int]]  # account -> status -> collectors
    problems: dict[str, list[str]]  # account -> "collector@region: status: error"
    expected: int = 0  # accounts the roster expects to report
    reporting: int = 0
    not_reporting: tuple[tuple[str, str, str, str], ...] = ()  # name, id, status, OU path

    @property
    def empty_tables(self) -> list[str]:
        return [
            table
            for table, count in self.rows.items()
            if count == 0 and table not in ORGANIZATION_COST_MODE_ONLY | RETENTION_ONLY
        ]


def summarize(executor: Any, analytics: Analytics) -> Summary:
    s3 = analytics.session.client("s3", region_name=HOME_REGION)
    loaded = len(_keys(s3, analytics.bucket, layout.LOADED_PREFIX))
    failed = [
        key
        for key in _keys(s3, analytics.bucket, layout.FAILED_PREFIX)
        if not layout.is_reason_key(key)
    ]
    sqs = analytics.session.client("sqs", region_name=HOME_REGION)
    dead = int(
        sqs.get_queue_attributes(
            QueueUrl=analytics.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    )
    ingestions = {
        row["status"]: int(row["n"])
        for row in executor.execute("SELECT status, count(*) AS n FROM ingestions GROUP BY 1")
    }
    tables = [
        row["table_name"]
        for row in executor.execute(
            # tables, partitioned ones counted through their parent, not partition by partition
            "SELECT relname AS table_name FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') "
            "AND NOT relispartition AND relname <> 'schema_migrations' ORDER BY 1"
        )
    ]
    rows = {
        table: int(executor.execute(f'SELECT count(*) AS n FROM "{table}"')[0]["n"])
        for table in tables
    }
    statuses: dict[str, dict[str, int]] = {}
    problems: dict[str, list[str]] = {}
    for run in executor.execute(LATEST_RUNS):
        account = run["account_id"]
        for row in executor.execute(
            "SELECT collector, region, status, error FROM collector_runs "
            "WHERE account_id = :account AND run_id = CAST(:run AS uuid) "
            "ORDER BY collector, region",
            {"account": account, "run": run["run_id"]},
        ):
            statuses.setdefault(account, {})
            statuses[account][row["status"]] = statuses[account].get(row["status"], 0) + 1
            if row["status"] != "ok":
                where = f"{row['collector']}@{row['region'] or 'global'}"
                problems.setdefault(account, []).append(
                    f"{where}: {row['status']}: {(row['error'] or '')[:160]}"
                )
    expected = executor.execute(
        "SELECT account_id, account_name, ou_path, reporting_status FROM v_expected_accounts "
        "ORDER BY account_name, account_id"
    )
    not_reporting = tuple(
        (r["account_name"], r["account_id"], r["reporting_status"], r["ou_path"])
        for r in expected
        if r["reporting_status"] != "reporting"
    )
    return Summary(
        loaded,
        len(failed),
        dead,
        ingestions,
        rows,
        statuses,
        problems,
        expected=len(expected),
        reporting=len(expected) - len(not_reporting),
        not_reporting=not_reporting,
    )


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    paginator = s3.get_paginator("list_objects_v2")
    return [
        item["Key"]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
    ]


def render(
    summary: Summary,
    organization: Organization,
    recorded_calls: dict[tuple[str, str], int],
    recorded_reasons: dict[tuple[str, str], str],
) -> str:
    names = {m.account_id: m.profile.name for m in organization.members}
    lines = [
        "",
        "Summary",
        f"  files: {summary.loaded_files} loaded, {summary.failed_files} failed, "
        f"{summary.dead_letters} in the dead-letter queue "
        f"(ingestions table: {_pairs(summary.ingestions)})",
        f"  rows: {sum(summary.rows.values()):,} in {len(summary.rows)} tables",
    ]
    width = max(len(t) for t in summary.rows) if summary.rows else 0
    table_lines = [f"{table:<{width}} {count:>7,}" for table, count in summary.rows.items()]
    lefts, rights = table_lines[::2], table_lines[1::2]
    rights += [""] * (len(lefts) - len(rights))  # an odd number of tables leaves one cell empty
    for left, right in zip(lefts, rights, strict=True):
        lines.append(f"    {left}    {right}".rstrip())
    lines.append(
        f"  expected vs reporting accounts (organization roster): {summary.reporting} of "
        f"{summary.expected} expected accounts reporting"
    )
    for name, account, status, ou_path in summary.not_reporting:
        lines.append(
            f"    {status.replace('_', ' ')}: {name} {account} ({ou_path}): expected but silent"
        )
    lines.append("  collectors in each account's latest DAILY run:")
    for account, counts in sorted(summary.statuses.items(), key=lambda kv: names.get(kv[0], "")):
        lines.append(f"    {names.get(account, account):<22} {account}  {_pairs(counts)}")
        for problem in summary.problems.get(account, []):
            lines.append(f"      {problem}")
    lines.append(
        "  recorded responses (APIs moto does not implement or cannot be seeded for; shapes "
        "checked against botocore's models):"
    )
    for (service, operation), count in sorted(recorded_calls.items()):
        reason = recorded_reasons.get((service, operation), "")
        lines.append(f"    {service}:{operation} x{count}  {reason}".rstrip())
    return "\n".join(lines)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(counts.items())) or "none"
