"""Monthly partitions and the retention policy of the snapshot and per-day tables.

``sql/022_monthly_partitions.sql`` partitions every snapshot and per-day table by calendar month
(``<table>_pYYYYMM``, plus ``<table>_default`` for rows of a month without a partition). The
loader cannot create anything, so the migrator runs ``maintain`` on a schedule (the migration
function's ``{"action": "maintain"}`` event, see ``receiver.migrate_handler``). It:

a. splits rows out of each DEFAULT partition into their own month partitions (a file dated
   outside every partition still loaded; its rows now get a partition);
b. creates the partitions of the current month and ``months_ahead`` months after it;
c. applies the retention policy: for each month that lies entirely before the cutoff
   (``today - retention_days``), it writes the month's rollups (``cost_monthly``,
   ``service_usage_monthly``, ``marketplace_usage_monthly``, ``securityhub_severity_monthly``,
   ``config_compliance_monthly``), then DETACHes and DROPs the month's partitions, referencing
   tables' before the tables they reference (the snapshot foreign keys). Daily detail is never
   deleted row by row: a month goes as a whole, so detail is kept between ``retention_days``
   and ``retention_days`` + 31 days;
d. deletes the ``snapshot_pointers`` rows older than the cutoff (the detail they point to is
   gone), and, with a month's partitions, the loader's cost totals of that month (sql/026,
   ``receiver.cost_totals``: they must stay ``cost_daily`` summed) and its latest forecasts
   (replaced by the latest left);
e. deletes the bookkeeping of the dropped months (everything that ended before the first day of
   the oldest month still kept, the *boundary*; see ``BOOKKEEPING``): ``collection_runs`` (with
   their ``collector_runs``) whose window ended before it, one statement per snapshot day, and
   ``cost_period_totals`` and ``commitment_utilization`` rows whose period ended before it, one
   statement per month. Runs follow the partitions, not the day cutoff, because the views join
   runs with the detail they describe (cut-short Config days, Security Hub count snapshots, the
   collectors of a day). What the views need of older history is kept: each account's latest
   run (``v_expected_accounts``' last report), the run that last loaded each open critical
   Security Hub finding and, in its region, the latest ``ok`` Security Hub run
   (``v_critical_findings_current`` hides a finding a later ``ok`` run no longer listed), and
   each account's latest commitment period per kind and service (the current savings).
   ``ingestions`` rows stay (about 2 KB per file): the ``logs`` view, the files' history and
   ``v_critical_findings_current`` (the run of a finding's last file) read them;
f. when c, d or e removed anything, recomputes every account's daily security posture (sql/027,
   ``receiver.security_posture.refresh_all``: one transaction per account, under its lock).

Every step reads what exists from the catalog, so ``maintain`` is idempotent: a second run the
same day does nothing. Each month is its own transaction, holding the migrations' advisory lock
(a migration and maintenance never interleave), and every call is one statement (the Data API
runs one per call).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from receiver import security_posture
from receiver.db import Executor
from receiver.db.roles import LOCK_KEY

__all__ = [
    "DEFAULT_MONTHS_AHEAD",
    "DEFAULT_RETENTION_DAYS",
    "MIN_RETENTION_DAYS",
    "MaintenanceResult",
    "cutoff_date",
    "maintain",
]

DEFAULT_RETENTION_DAYS = 400
MIN_RETENTION_DAYS = 90  # below that, the "current" snapshot and month-to-date views lose data
DEFAULT_MONTHS_AHEAD = 3
MAX_MONTHS_AHEAD = 24

_BOUND = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)")

# Rollups written before a month's partitions of their source table are dropped. Parameters:
# :month (first day) and :next (first day of the next month), ISO dates. A month rolled up
# again (a late file loaded rows of a month already dropped: they went to DEFAULT, were split
# out and expire at once) replaces the rollup only if it covers as many days (sums) or as late
# a snapshot (end-of-month counts): a few late rows never overwrite a whole month.
ROLLUPS: dict[str, tuple[str, str]] = {
    "cost_daily": (
        "cost_monthly",
        """
INSERT INTO cost_monthly (account_id, month, service, currency, unblended_cost, amortized_cost,
                          days, estimated_days, final_days, unknown_days, first_day, last_day)
SELECT account_id, CAST(:month AS date), service, coalesce(currency, ''),
       sum(unblended_cost), sum(amortized_cost), count(*),
       count(*) FILTER (WHERE estimated), count(*) FILTER (WHERE NOT estimated),
       count(*) FILTER (WHERE estimated IS NULL), min(usage_date), max(usage_date)
FROM cost_daily
WHERE usage_date >= CAST(:month AS date) AND usage_date < CAST(:next AS date)
GROUP BY account_id, service, coalesce(currency, '')
ON CONFLICT (account_id, month, service, currency) DO UPDATE
SET unblended_cost = EXCLUDED.unblended_cost, amortized_cost = EXCLUDED.amortized_cost,
    days = EXCLUDED.days, estimated_days = EXCLUDED.estimated_days,
    final_days = EXCLUDED.final_days, unknown_days = EXCLUDED.unknown_days,
    first_day = EXCLUDED.first_day, last_day = EXCLUDED.last_day, rolled_up_at = now()
WHERE EXCLUDED.days >= cost_monthly.days
RETURNING 1""",
    ),
    "service_usage": (
        "service_usage_monthly",
        """
INSERT INTO service_usage_monthly (account_id, month, service, usage_type, unit, currency,
                                   quantity, unblended_cost, days)
SELECT account_id, CAST(:month AS date), service, usage_type, unit, coalesce(currency, ''),
       sum(quantity), sum(unblended_cost), count(*)
FROM service_usage
WHERE usage_date >= CAST(:month AS date) AND usage_date < CAST(:next AS date)
GROUP BY account_id, service, usage_type, unit, coalesce(currency, '')
ON CONFLICT (account_id, month, service, usage_type, unit, currency) DO UPDATE
SET quantity = EXCLUDED.quantity, unblended_cost = EXCLUDED.unblended_cost,
    days = EXCLUDED.days, rolled_up_at = now()
WHERE EXCLUDED.days >= service_usage_monthly.days
RETURNING 1""",
    ),
    "marketplace_usage": (
        "marketplace_usage_monthly",
        """
INSERT INTO marketplace_usage_monthly (account_id, month, product, usage_type, unit, currency,
                                       quantity, cost, days)
SELECT account_id, CAST(:month AS date), product, usage_type, coalesce(unit, ''),
       coalesce(currency, ''), sum(quantity), sum(cost), count(*)
FROM marketplace_usage
WHERE usage_date >= CAST(:month AS date) AND usage_date < CAST(:next AS date)
GROUP BY account_id, product, usage_type, coalesce(unit, ''), coalesce(currency, '')
ON CONFLICT (account_id, month, product, usage_type, unit, currency) DO UPDATE
SET quantity = EXCLUDED.quantity, cost = EXCLUDED.cost, days = EXCLUDED.days,
    rolled_up_at = now()
WHERE EXCLUDED.days >= marketplace_usage_monthly.days
RETURNING 1""",
    ),
    "securityhub_severity_counts": (
        "securityhub_severity_monthly",
        """
INSERT INTO securityhub_severity_monthly (account_id, month, region, severity_label, snapshot_date,
                                          count, workflow_new, workflow_notified,
                                          workflow_suppressed, workflow_resolved)
SELECT s.account_id, CAST(:month AS date), s.region, s.severity_label, s.snapshot_date, s.count,
       s.workflow_new, s.workflow_notified, s.workflow_suppressed, s.workflow_resolved
FROM securityhub_severity_counts s
JOIN (SELECT account_id, region, max(snapshot_date) AS last
      FROM securityhub_severity_counts
      WHERE snapshot_date >= CAST(:month AS date) AND snapshot_date < CAST(:next AS date)
      GROUP BY account_id, region) l
  ON l.account_id = s.account_id AND l.region = s.region AND l.last = s.snapshot_date
ON CONFLICT (account_id, month, region, severity_label) DO UPDATE
SET snapshot_date = EXCLUDED.snapshot_date, count = EXCLUDED.count,
    workflow_new = EXCLUDED.workflow_new, workflow_notified = EXCLUDED.workflow_notified,
    workflow_suppressed = EXCLUDED.workflow_suppressed,
    workflow_resolved = EXCLUDED.workflow_resolved, rolled_up_at = now()
WHERE EXCLUDED.snapshot_date >= securityhub_severity_monthly.snapshot_date
RETURNING 1""",
    ),
    "config_rules": (
        "config_compliance_monthly",
        """
INSERT INTO config_compliance_monthly (account_id, month, region, compliance, snapshot_date,
                                       rules, noncompliant_resources)
SELECT r.account_id, CAST(:month AS date), r.region, coalesce(r.compliance, ''), r.snapshot_date,
       count(*), sum(r.non_compliant_resource_count)
FROM config_rules r
JOIN (SELECT account_id, region, max(snapshot_date) AS last
      FROM config_rules
      WHERE snapshot_date >= CAST(:month AS date) AND snapshot_date < CAST(:next AS date)
      GROUP BY account_id, region) l
  ON l.account_id = r.account_id AND l.region = r.region AND l.last = r.snapshot_date
GROUP BY r.account_id, r.region, coalesce(r.compliance, ''), r.snapshot_date
ON CONFLICT (account_id, month, region, compliance) DO UPDATE
SET snapshot_date = EXCLUDED.snapshot_date, rules = EXCLUDED.rules,
    noncompliant_resources = EXCLUDED.noncompliant_resources, rolled_up_at = now()
WHERE EXCLUDED.snapshot_date >= config_compliance_monthly.snapshot_date
RETURNING 1""",
    ),
}

_PARTITIONED_SQL = """
SELECT c.relname AS table_name, a.attname AS column_name
FROM pg_partitioned_table p
JOIN pg_class c ON c.oid = p.partrelid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
WHERE c.relnamespace = 'public'::regnamespace AND p.partstrat = 'r'
ORDER BY c.relname"""

_PARTITIONS_SQL = """
SELECT parent.relname AS table_name, child.relname AS partition,
       pg_get_expr(child.relpartbound, child.oid) AS bound
FROM pg_inherits i
JOIN pg_class parent ON parent.oid = i.inhparent
JOIN pg_class child ON child.oid = i.inhrelid
JOIN pg_partitioned_table p ON p.partrelid = parent.oid
WHERE parent.relnamespace = 'public'::regnamespace
ORDER BY 1, 2"""

# foreign keys between partitioned tables (the parent-level constraints, not their clones)
_FOREIGN_KEYS_SQL = """
SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
FROM pg_constraint c
JOIN pg_partitioned_table pc ON pc.partrelid = c.conrelid
JOIN pg_partitioned_table pp ON pp.partrelid = c.confrelid
WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid <> c.confrelid"""


# (e) Bookkeeping retention. Every statement takes :boundary, the first day of the oldest month
# whose detail is kept (ISO date); nothing that ends on or after it is touched.
#
# A run is kept, however old, when it is its account's latest (v_expected_accounts: last report),
# when it loaded an open critical Security Hub finding (v_critical_findings_current compares the
# finding's run with later ok Security Hub runs: without it, a finding closed long ago would come
# back), or when it is the latest ok Security Hub run of a region holding such a finding (the
# "later ok run" that hides it).
_RUN_EXPIRED = """
r.window_end <= CAST(:boundary AS date)
AND r.collected_at < (SELECT max(x.collected_at) FROM collection_runs x
                      WHERE x.account_id = r.account_id)
AND NOT EXISTS (SELECT 1 FROM protected p WHERE p.account_id = r.account_id AND p.run_id = r.run_id)
AND NOT EXISTS (
    SELECT 1 FROM collector_runs c
    WHERE c.account_id = r.account_id AND c.run_id = r.run_id
      AND c.collector = 'securityhub' AND c.status = 'ok'
      AND EXISTS (SELECT 1 FROM protected p
                  WHERE p.account_id = r.account_id AND p.region = c.region)
      AND NOT EXISTS (
          SELECT 1 FROM collection_runs y
          JOIN collector_runs k ON k.account_id = y.account_id AND k.run_id = y.run_id
          WHERE y.account_id = r.account_id AND y.collected_at > r.collected_at
            AND k.collector = 'securityhub' AND k.region = c.region AND k.status = 'ok'))"""

# The open critical Security Hub findings, with the run that last loaded each (as the view joins).
_PROTECTED_RUNS = """
protected AS MATERIALIZED (
    SELECT f.account_id, f.region, i.run_id
    FROM securityhub_findings f
    JOIN ingestions i ON i.id = f.ingestion_id
    WHERE f.severity_label = 'CRITICAL' AND f.record_state = 'ACTIVE'
      AND f.workflow_status IN ('NEW', 'NOTIFIED')
)"""

# Snapshot days (window_end - 1, indexed by collection_runs_snapshot_date_idx) holding a run that
# is not its account's latest; the other exceptions are few and checked by the delete itself.
_EXPIRED_RUN_DAYS_SQL = """
SELECT DISTINCT r.window_end - 1 AS day
FROM collection_runs r
WHERE r.window_end - 1 < CAST(:boundary AS date)
  AND r.collected_at < (SELECT max(x.collected_at) FROM collection_runs x
                        WHERE x.account_id = r.account_id)
ORDER BY 1"""

# One snapshot day's expired runs: their collector_runs, then the runs (the cascade then finds
# nothing), counted. All sub-statements see the same snapshot, so ``expired`` is evaluated once.
_EXPIRE_RUNS_SQL = f"""
WITH {_PROTECTED_RUNS.strip()},
expired AS MATERIALIZED (
    SELECT r.account_id, r.run_id
    FROM collection_runs r
    WHERE r.window_end - 1 = CAST(:day AS date)
      AND {_RUN_EXPIRED.strip()}
),
collectors AS (
    DELETE FROM collector_runs c USING expired e
    WHERE c.account_id = e.account_id AND c.run_id = e.run_id
    RETURNING 1
),
runs AS (
    DELETE FROM collection_runs r USING expired e
    WHERE r.account_id = e.account_id AND r.run_id = e.run_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM collectors) AS collectors"""

# Period tables: (table, condition keeping a row whatever its age). A row goes when its period
# ended before the boundary, a month of period ends (:month, :next) per statement.
# commitment_utilization keeps each (account, kind, service)'s latest period: the current savings
# (v_report_savings_current, v_savings_sources.is_current) read it. Nothing reads
# cost_period_totals (the views sum cost_daily), so it keeps nothing.
_PERIOD_TABLES: tuple[tuple[str, str], ...] = (
    ("cost_period_totals", "TRUE"),
    (
        "commitment_utilization",
        """EXISTS (
    SELECT 1 FROM commitment_utilization l
    WHERE l.account_id = u.account_id AND l.kind = u.kind AND l.service = u.service
      AND (l.period_end > u.period_end
           OR (l.period_end = u.period_end AND l.period_start > u.period_start)))""",
    ),
)

BOOKKEEPING = ("collection_runs", "collector_runs", *(t for t, _ in _PERIOD_TABLES))


@dataclass
class MaintenanceResult:
    """What one ``maintain`` run did (empty lists: nothing to do)."""

    today: date
    cutoff: date | None  # None: no retention (every day kept)
    split: list[str] = field(default_factory=list)  # "<partition>: <n> rows from DEFAULT"
    created: list[str] = field(default_factory=list)  # partitions created
    rolled_up: list[str] = field(default_factory=list)  # "<rollup> <YYYY-MM>: <n> rows"
    dropped: list[str] = field(default_factory=list)  # partitions detached and dropped
    pointers_deleted: int = 0
    # rows of each bookkeeping table deleted (e), every table named, 0 when none
    bookkeeping_deleted: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(BOOKKEEPING, 0)
    )

    def as_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "split": self.split,
            "created": self.created,
            "rolled_up": self.rolled_up,
            "dropped": self.dropped,
            "pointers_deleted": self.pointers_deleted,
            "bookkeeping_deleted": dict(self.bookkeeping_deleted),
        }


@dataclass
class _Catalog:
    column: dict[str, str]  # partitioned table -> partition column
    months: dict[str, dict[date, str]]  # table -> {month: partition}
    default: dict[str, str]  # table -> its DEFAULT partition
    children: dict[str, set[str]]  # table -> tables whose foreign keys reference it

    @classmethod
    def read(cls, executor: Executor) -> _Catalog:
        column = {r["table_name"]: r["column_name"] for r in executor.execute(_PARTITIONED_SQL)}
        months: dict[str, dict[date, str]] = {name: {} for name in column}
        default: dict[str, str] = {}
        for row in executor.execute(_PARTITIONS_SQL):
            if row["bound"] == "DEFAULT":
                default[row["table_name"]] = row["partition"]
            elif match := _BOUND.search(row["bound"]):
                months[row["table_name"]][date.fromisoformat(match[1])] = row["partition"]
        children: dict[str, set[str]] = {name: set() for name in column}
        for row in executor.execute(_FOREIGN_KEYS_SQL):
            children[row["parent"]].add(row["child"])
        return cls(column, months, default, children)

    def children_first(self, tables: set[str]) -> list[str]:
        """``tables`` ordered so that every referencing table comes before those it references."""
        ordered: list[str] = []

        def visit(name: str) -> None:
            if name in ordered:
                return
            for child in sorted(self.children.get(name, ())):
                if child in tables:
                    visit(child)
            ordered.append(name)

        for name in sorted(tables):
            visit(name)
        return ordered

    def descendants(self, tables: set[str]) -> set[str]:
        found, todo = set(tables), list(tables)
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def cutoff_date(today: date, retention_days: int) -> date:
    """First day whose daily detail is kept; months ending on or before it are dropped."""
    return today - timedelta(days=retention_days)


def maintain(
    executor: Executor,
    *,
    today: date,
    retention_days: int | None = DEFAULT_RETENTION_DAYS,
    months_ahead: int = DEFAULT_MONTHS_AHEAD,
) -> MaintenanceResult:
    """Split DEFAULT partitions, create partitions ahead, roll up and drop expired months.

    ``retention_days=None`` keeps every day: partitions are still split and created ahead,
    nothing is rolled up or dropped.
    """
    if retention_days is not None and retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention_days must be at least {MIN_RETENTION_DAYS}")
    if not 0 <= months_ahead <= MAX_MONTHS_AHEAD:
        raise ValueError(f"months_ahead must be between 0 and {MAX_MONTHS_AHEAD}")
    cutoff = None if retention_days is None else cutoff_date(today, retention_days)
    result = MaintenanceResult(today=today, cutoff=cutoff)
    catalog = _Catalog.read(executor)
    _ensure_months(executor, catalog, today, months_ahead, result)
    if cutoff is not None:
        _drop_expired(executor, _Catalog.read(executor), cutoff, result)
        result.pointers_deleted = _delete_old_pointers(executor, cutoff)
        _expire_bookkeeping(executor, _month(cutoff), result)
        if result.dropped or result.pointers_deleted or any(result.bookkeeping_deleted.values()):
            security_posture.refresh_all(executor)  # (f) sql/027's table follows
    return result


def _ensure_months(
    executor: Executor,
    catalog: _Catalog,
    today: date,
    months_ahead: int,
    result: MaintenanceResult,
) -> None:
    """(a) and (b): a partition for every month with rows in DEFAULT and every month ahead."""
    wanted: dict[date, set[str]] = {}
    for table, partition in catalog.default.items():
        column = catalog.column[table]
        for row in executor.execute(
            f"SELECT DISTINCT date_trunc('month', {column})::date AS month FROM {partition}"
        ):
            wanted.setdefault(date.fromisoformat(str(row["month"])), set()).add(table)
    month = _month(today)
    for _ in range(months_ahead + 1):
        wanted.setdefault(month, set()).update(catalog.column)
        month = _next_month(month)
    for month in sorted(wanted):
        missing = {t for t in wanted[month] if month not in catalog.months[t]}
        if missing:
            _add_month(executor, catalog, month, missing, result)


def _add_month(
    executor: Executor,
    catalog: _Catalog,
    month: date,
    missing: set[str],
    result: MaintenanceResult,
) -> None:
    """Create ``month``'s partition of each table in ``missing``, moving its rows out of DEFAULT.

    A partition cannot be created while DEFAULT holds rows of its range, so those rows are moved
    into a temporary table first and inserted back through the parent afterwards. Tables whose
    foreign keys reference a moved table move their rows of the month too (before it, so the
    ON DELETE CASCADE deletes nothing), and come back after it.
    """
    params = {"month": month.isoformat(), "next": _next_month(month).isoformat()}
    with executor.transaction() as tx:
        tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
        holding = set()
        for table in missing:
            partition, column = catalog.default.get(table), catalog.column[table]
            if partition and tx.execute(
                f"SELECT 1 AS found FROM {partition} WHERE {column} >= CAST(:month AS date) "
                f"AND {column} < CAST(:next AS date) LIMIT 1",
                params,
            ):
                holding.add(table)
        moving = catalog.children_first(catalog.descendants(holding))
        moved: dict[str, int] = {}
        for table in moving:
            column = catalog.column[table]
            tx.execute(f"CREATE TEMPORARY TABLE move_{table} (LIKE {table}) ON COMMIT DROP")
            moved[table] = _count(
                tx,
                f"WITH moved AS (DELETE FROM {table} WHERE {column} >= CAST(:month AS date) "
                f"AND {column} < CAST(:next AS date) RETURNING *), "
                f"kept AS (INSERT INTO move_{table} SELECT * FROM moved RETURNING 1) "
                "SELECT count(*) AS n FROM kept",
                params,
            )
        for table in sorted(missing):
            name = _partition_name(table, month)
            tx.execute(
                f"CREATE TABLE {name} PARTITION OF {table} "
                # DDL takes no parameters; both are ISO dates formatted here
                f"FOR VALUES FROM ('{params['month']}') TO ('{params['next']}')"
            )
            catalog.months[table][month] = name
            result.created.append(name)
        for table in reversed(moving):
            tx.execute(f"INSERT INTO {table} SELECT * FROM move_{table}")
            if table in missing and moved[table]:
                result.split.append(
                    f"{_partition_name(table, month)}: {moved[table]} rows from DEFAULT"
                )


def _count(executor: Executor, sql: str, params: dict[str, str]) -> int:
    """The ``n`` a counting statement returns (never one row per row touched: 1 MiB limit)."""
    return int(executor.execute(sql, params)[0]["n"])


def _drop_expired(
    executor: Executor, catalog: _Catalog, cutoff: date, result: MaintenanceResult
) -> None:
    """(c): roll up, then detach and drop, every month whose last day is before the cutoff."""
    expired: dict[date, set[str]] = {}
    for table, months in catalog.months.items():
        for month in months:
            if _next_month(month) <= cutoff:
                expired.setdefault(month, set()).add(table)
    for month in sorted(expired):
        tables = expired[month]
        params = {"month": month.isoformat(), "next": _next_month(month).isoformat()}
        with executor.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
            for source, (rollup, sql) in ROLLUPS.items():
                if source in tables:
                    rows = _count(
                        tx, f"WITH written AS ({sql}) SELECT count(*) AS n FROM written", params
                    )
                    result.rolled_up.append(f"{rollup} {month:%Y-%m}: {rows} rows")
            for table in catalog.children_first(tables):
                partition = catalog.months[table][month]
                tx.execute(f"ALTER TABLE {table} DETACH PARTITION {partition}")
                tx.execute(f"DROP TABLE {partition}")
                result.dropped.append(partition)
            if tables & {"cost_daily", "cost_forecasts"}:
                _drop_cost_totals(tx, tables, params)


def _drop_cost_totals(tx: Executor, tables: set[str], params: dict[str, str]) -> None:
    """The loader's cost totals (sql/026) after a month's partitions went: the month's totals
    (they stay cost_daily summed; v_cost_monthly reads the month from cost_monthly), and the
    latest forecasts generated in the month, replaced by the latest of those left (none left:
    deleted). Run after the DROP, whose lock waited for every load writing the tables: a late row
    committed before it is gone with the partition, a load after it lands in DEFAULT and is
    summed as any other."""
    from receiver import cost_totals

    if not tx.execute("SELECT to_regclass('cost_month_totals') IS NOT NULL AS found")[0]["found"]:
        return
    if "cost_daily" in tables:
        tx.execute(cost_totals.DROPPED_MONTH_SQL, params)
    if "cost_forecasts" in tables:
        tx.execute(cost_totals.DROPPED_FORECASTS_REPLACE_SQL, params)
        tx.execute(cost_totals.DROPPED_FORECASTS_DELETE_SQL, params)


def _delete_old_pointers(executor: Executor, cutoff: date) -> int:
    """(d): pointers to snapshots whose detail is gone (only if sql/021 made the table)."""
    exists = executor.execute("SELECT to_regclass('snapshot_pointers') IS NOT NULL AS found")
    if not exists[0]["found"]:
        return 0
    return _count(
        executor,
        "WITH gone AS (DELETE FROM snapshot_pointers WHERE snapshot_date < CAST(:cutoff AS date) "
        "RETURNING 1) SELECT count(*) AS n FROM gone",
        {"cutoff": cutoff.isoformat()},
    )


def _expire_bookkeeping(executor: Executor, boundary: date, result: MaintenanceResult) -> None:
    """(e): runs, then period totals, that ended before ``boundary`` (the oldest kept month).

    One statement per snapshot day (runs) or month of period ends (totals), each in its own
    transaction under the migrations' advisory lock. A second run finds nothing to delete.
    """
    deleted = result.bookkeeping_deleted
    params = {"boundary": boundary.isoformat()}
    for row in executor.execute(_EXPIRED_RUN_DAYS_SQL, params):
        with executor.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
            counts = tx.execute(_EXPIRE_RUNS_SQL, {**params, "day": str(row["day"])})[0]
        deleted["collection_runs"] += int(counts["runs"])
        deleted["collector_runs"] += int(counts["collectors"])
    for table, keep_unless in _PERIOD_TABLES:
        expired = f"u.period_end <= CAST(:boundary AS date) AND ({keep_unless})"
        months = executor.execute(
            f"SELECT DISTINCT date_trunc('month', u.period_end - 1)::date AS month "
            f"FROM {table} u WHERE {expired} ORDER BY 1",
            params,
        )
        for row in months:
            month = date.fromisoformat(str(row["month"]))
            bounds = {**params, "month": month.isoformat(), "next": _next_month(month).isoformat()}
            with executor.transaction() as tx:
                tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
                deleted[table] += _count(
                    tx,
                    f"WITH gone AS (DELETE FROM {table} u "
                    "WHERE u.period_end - 1 >= CAST(:month AS date) "
                    f"AND u.period_end - 1 < CAST(:next AS date) AND {expired} "
                    "RETURNING 1) SELECT count(*) AS n FROM gone",
                    bounds,
                )
