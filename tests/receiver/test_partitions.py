"""Monthly partitions and retention (sql/022, receiver.partitions.maintain, the maintain event).

The in-place conversion of a populated database is tested in test_migration_upgrades.py.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from receiver.db import Executor
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.partitions import BOOKKEEPING, maintain
from support import snapshot_pointers
from support.dated_documents import dated, load, load_day
from support.receiver_fixtures import FakeContext

TODAY = date(2026, 12, 5)
FK_PAIRS = [  # (referencing, referenced): the snapshot foreign keys between partitioned tables
    ("waf_rules", "waf_web_acls"),
    ("iam_users", "iam_summary"),
    ("ssm_applications", "ssm_managed_instances"),
    ("ssm_patches", "ssm_managed_instances"),
]


class Recording:
    """An executor that records every statement it runs (the maintenance's SQL, in order)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.statements: list[str] = []

    def execute(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.statements.append(" ".join(sql.split()))
        return self.inner.execute(sql, params)

    def transaction(self) -> Any:
        outer = self

        class _Tx:
            def __enter__(self) -> Recording:
                self._cm = outer.inner.transaction()
                self._cm.__enter__()
                return outer

            def __exit__(self, *exc: Any) -> Any:
                return self._cm.__exit__(*exc)

        return _Tx()

    def close(self) -> None:
        self.inner.close()

    def index(self, pattern: str) -> int:
        return next(i for i, s in enumerate(self.statements) if re.search(pattern, s))


@pytest.fixture
def pg(migrated_dsn: str):
    executor = PsycopgExecutor(migrated_dsn)
    yield executor
    executor.close()


def query(dsn: str, sql: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(sql).fetchall()


def partitions(pg: Executor, table: str) -> set[str]:
    rows = pg.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:t AS regclass)",
        {"t": table},
    )
    return {r["relname"] for r in rows}


def relation_exists(pg: Executor, name: str) -> bool:
    return pg.execute("SELECT to_regclass(:n) IS NOT NULL AS e", {"n": name})[0]["e"]


def rows_of(pg: Executor, table: str) -> list[str]:
    return pg.execute(
        f"SELECT coalesce(array_agg(to_jsonb(t)::text ORDER BY to_jsonb(t)::text), '{{}}') AS r "
        f"FROM {table} t"
    )[0]["r"]


def partitioned_tables(pg: Executor) -> list[str]:
    rows = pg.execute(
        "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1"
    )
    return [r["relname"] for r in rows]


def test_every_snapshot_and_daily_table_is_partitioned_with_a_default(pg):
    from receiver.tables import TABLES

    expected = {t.name for t in TABLES if t.snapshot} | {
        "cost_daily",
        "service_usage",
        "marketplace_usage",
        "cost_by_tag",
    }
    assert set(partitioned_tables(pg)) == expected
    for table in expected:
        assert f"{table}_default" in partitions(pg, table)


def test_a_file_outside_every_partition_loads_into_default_and_is_split_out(pg):
    load_day(pg, date(2026, 6, 10))  # before the template's partitions: DEFAULT
    load_day(pg, date(2026, 6, 11))
    before = {t: rows_of(pg, t) for t in partitioned_tables(pg)}
    assert pg.execute("SELECT count(*) AS n FROM waf_rules_default")[0]["n"] > 0
    assert pg.execute("SELECT count(*) AS n FROM cost_daily_default")[0]["n"] > 0
    keys = pg.execute("SELECT count(*) AS n FROM kms_keys_default")[0]["n"]

    result = maintain(pg, today=TODAY)

    assert f"kms_keys_p202606: {keys} rows from DEFAULT" in result.split, result.split
    assert {"waf_rules_p202606", "waf_web_acls_p202606", "ssm_patches_p202606"} <= set(
        result.created
    )
    assert result.dropped == [] and result.rolled_up == []
    for table in partitioned_tables(pg):
        assert pg.execute(f"SELECT count(*) AS n FROM {table}_default")[0]["n"] == 0, table
        assert rows_of(pg, table) == before[table], table
    assert pg.execute("SELECT count(*) AS n FROM waf_rules_p202606")[0]["n"] > 0
    # a parent's rows came back before its children's: every child row has its parent
    for child, parent in FK_PAIRS:
        assert pg.execute(f"SELECT count(*) AS n FROM {child}_p202606")[0]["n"] > 0, child
        assert pg.execute(f"SELECT count(*) AS n FROM {parent}_p202606")[0]["n"] > 0, parent
    # the loader writes into the new partition from now on
    load_day(pg, date(2026, 6, 12))
    assert pg.execute("SELECT count(*) AS n FROM kms_keys_default")[0]["n"] == 0


def test_partitions_are_created_ahead_and_a_second_run_does_nothing(pg):
    result = maintain(pg, today=date(2030, 1, 15), retention_days=5000, months_ahead=2)

    tables = partitioned_tables(pg)
    assert sorted(result.created) == sorted(
        f"{t}_p{m}" for t in tables for m in ("203001", "203002", "203003")
    )
    assert result.split == [] and result.dropped == []
    assert "cost_daily_p203004" not in partitions(pg, "cost_daily")
    again = maintain(pg, today=date(2030, 1, 15), retention_days=5000, months_ahead=2)
    assert again.as_dict() | {"today": None} == {
        "today": None,
        "cutoff": again.cutoff.isoformat(),
        "split": [],
        "created": [],
        "rolled_up": [],
        "dropped": [],
        "pointers_deleted": 0,
        "bookkeeping_deleted": dict.fromkeys(BOOKKEEPING, 0),
    }


def test_retention_rolls_up_then_drops_whole_months_children_first(pg, migrated_dsn):
    for day in (date(2025, 1, 10), date(2025, 1, 20), date(2025, 2, 5), date(2026, 11, 24)):
        load_day(pg, day)
    maintain(pg, today=TODAY, retention_days=5000)  # only splits the old days out of DEFAULT
    expected_cost = pg.execute(
        """SELECT account_id, service, sum(unblended_cost) AS unblended,
                  sum(amortized_cost) AS amortized, count(*) AS days,
                  count(*) FILTER (WHERE estimated) AS estimated_days
           FROM cost_daily WHERE usage_date >= '2025-01-01' AND usage_date < '2025-02-01'
           GROUP BY 1, 2 ORDER BY 1, 2"""
    )
    assert expected_cost and all(r["days"] == 2 for r in expected_cost)
    expected_usage = pg.execute(
        """SELECT sum(quantity) AS q FROM service_usage
           WHERE usage_date >= '2025-01-01' AND usage_date < '2025-02-01'"""
    )[0]["q"]
    last_counts = rows_of_query(
        pg,
        "SELECT region, severity_label, count FROM securityhub_severity_counts "
        "WHERE snapshot_date = '2025-01-20'",
    )
    kept = {
        t: rows_of_query(pg, f"SELECT * FROM {t} WHERE {col} >= '2025-02-01'")
        for t, col in (
            ("cost_daily", "usage_date"),
            ("kms_keys", "snapshot_date"),
            ("waf_rules", "snapshot_date"),
        )
    }
    # an old pointer (its snapshot's detail goes with the month) and a current one
    pg.execute(
        """INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
           VALUES ('123456789012', 'region', 'kms_keys', 'ap-south-1', '2025-01-10')"""
    )
    pointers_before = pg.execute("SELECT count(*) AS n FROM snapshot_pointers")[0]["n"]
    # no row is ever deleted by the retention: any row DELETE or TRUNCATE would fail here
    pg.execute(
        """CREATE FUNCTION forbid_delete() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'row deleted from %', TG_TABLE_NAME; END $$"""
    )
    for table in partitioned_tables(pg):
        pg.execute(
            f"CREATE TRIGGER forbid_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_delete()"
        )
        pg.execute(
            f"CREATE TRIGGER forbid_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION forbid_delete()"
        )
    flush_statistics(pg)
    deleted_before = _deleted(migrated_dsn)
    # the split made January's partitions of every table with rows then
    january = {t for t in partitioned_tables(pg) if relation_exists(pg, f"{t}_p202501")}
    assert {"cost_daily", "waf_rules", "waf_web_acls", "iam_users", "ssm_patches"} <= january
    recording = Recording(PsycopgExecutor(migrated_dsn))

    # cutoff 2025-02-03: January 2025 lies entirely before it, February 2025 does not
    result = maintain(recording, today=date(2026, 3, 10), retention_days=400)
    flush_statistics(recording.inner)
    recording.close()

    assert result.cutoff == date(2025, 2, 3)
    assert sorted(result.dropped) == sorted(f"{t}_p202501" for t in january)
    for table in january:
        assert not relation_exists(pg, f"{table}_p202501"), table
        assert f"{table}_p202502" in partitions(pg, table)
    assert pg.execute("SELECT count(*) AS n FROM cost_daily WHERE usage_date < '2025-02-01'") == [
        {"n": 0}
    ]
    for table, rows in kept.items():
        col = "usage_date" if table == "cost_daily" else "snapshot_date"
        assert rows_of_query(pg, f"SELECT * FROM {table} WHERE {col} >= '2025-02-01'") == rows
    # rollups: written before the detail went, equal to it
    rolled = pg.execute(
        """SELECT account_id, service, unblended_cost AS unblended, amortized_cost AS amortized,
                  days, estimated_days FROM cost_monthly WHERE month = '2025-01-01'
           ORDER BY 1, 2"""
    )
    assert rolled == expected_cost
    whole = pg.execute(
        "SELECT month, bool_and(rolled_up) AS r, sum(days) AS days FROM v_cost_monthly "
        "WHERE month < '2025-03-01' GROUP BY 1 ORDER BY 1"
    )
    assert [(w["month"], w["r"]) for w in whole] == [
        (date(2025, 1, 1), True),
        (date(2025, 2, 1), False),
    ]
    assert whole[0]["days"] == sum(r["days"] for r in expected_cost)
    usage = pg.execute(
        "SELECT sum(quantity) AS q FROM service_usage_monthly WHERE month = '2025-01-01'"
    )
    assert usage[0]["q"] == expected_usage
    assert pg.execute("SELECT count(*) AS n FROM marketplace_usage_monthly")[0]["n"] > 0
    severity = rows_of_query(
        pg,
        "SELECT region, severity_label, count FROM securityhub_severity_monthly "
        "WHERE month = '2025-01-01' AND snapshot_date = '2025-01-20'",
    )
    assert severity == last_counts
    config = pg.execute(
        "SELECT DISTINCT snapshot_date FROM config_compliance_monthly WHERE month = '2025-01-01'"
    )
    assert config == [{"snapshot_date": date(2025, 1, 20)}]
    assert sorted(r.split(" ")[0] for r in result.rolled_up) == sorted(
        [
            "cost_monthly",
            "service_usage_monthly",
            "marketplace_usage_monthly",
            "securityhub_severity_monthly",
            "config_compliance_monthly",
        ]
    )
    statements = recording.statements
    first_detach = recording.index(r"DETACH PARTITION")
    for rollup in ("cost_monthly", "securityhub_severity_monthly", "config_compliance_monthly"):
        assert recording.index(f"INSERT INTO {rollup}") < first_detach
    for child, parent in FK_PAIRS:
        assert recording.index(f"DETACH PARTITION {child}_p202501") < recording.index(
            f"DETACH PARTITION {parent}_p202501"
        )
    # rows are deleted only from the pointers and the bookkeeping tables, never from detail
    deleted_from = {t for s in statements for t in re.findall(r"\bDELETE FROM (\w+)", s)}
    assert {"snapshot_pointers", "collection_runs", "collector_runs"} <= deleted_from
    deleted_from.discard("security_posture_daily")  # (f): sql/027 recomputes every account
    cost_totals = {"cost_month_totals", "cost_month_to_date", "cost_forecast_latest"}  # sql/026
    assert deleted_from <= {"snapshot_pointers", *BOOKKEEPING, *cost_totals}, deleted_from
    deleted_after = _deleted(migrated_dsn)
    assert not any(k.endswith("_p202501") for k in deleted_after)
    assert {k: deleted_after[k] for k in deleted_after if k in deleted_before} == {
        k: v for k, v in deleted_before.items() if not k.endswith("_p202501")
    }
    assert all(v == 0 for k, v in deleted_after.items() if k not in deleted_before)
    # pointers: the one older than the cutoff is gone, the others stay
    assert result.pointers_deleted == 1
    assert pg.execute("SELECT count(*) AS n FROM snapshot_pointers")[0]["n"] == pointers_before - 1

    again = maintain(pg, today=date(2026, 3, 10), retention_days=400)
    assert (again.split, again.created, again.rolled_up, again.dropped) == ([], [], [], [])
    assert again.pointers_deleted == 0
    assert again.bookkeeping_deleted == dict.fromkeys(BOOKKEEPING, 0)


# Bookkeeping retention (maintain step e). Three accounts: ACTIVE reports until recently and had an
# open critical Security Hub finding, closed long ago; SILENT stopped reporting in January 2025;
# DARK had one too, and its Security Hub collection in that region fails since then.
ACTIVE, SILENT, DARK = "123456789012", "210987654321", "333344445555"
BOUNDARY = date(2025, 2, 1)  # today 2026-03-10, 400 days: cutoff 2025-02-03, January dropped
CLOSED = "arn:aws:securityhub:eu-west-1:{}:subscription/x/v/1/finding/closed-long-ago"

# what the views give over the days kept, read before and after the retention
KEPT_VIEWS = {
    "v_collection_windows": f"SELECT * FROM v_collection_windows WHERE window_end > '{BOUNDARY}'",
    "v_report_collection_days": f"SELECT * FROM v_report_collection_days WHERE day >= '{BOUNDARY}'",
    "v_report_collector_issues": (
        f"SELECT * FROM v_report_collector_issues WHERE day >= '{BOUNDARY}'"
    ),
    "v_compliance_trend": f"SELECT * FROM v_compliance_trend WHERE snapshot_date >= '{BOUNDARY}'",
    "v_securityhub_count_snapshots": (
        f"SELECT * FROM v_securityhub_count_snapshots WHERE snapshot_date >= '{BOUNDARY}'"
    ),
    "v_config_complete_collections": (
        f"SELECT * FROM v_config_complete_collections WHERE snapshot_date >= '{BOUNDARY}'"
    ),
    "v_guardduty_complete_collections": (
        f"SELECT * FROM v_guardduty_complete_collections WHERE snapshot_date >= '{BOUNDARY}'"
    ),
    "v_collection_health": "SELECT * FROM v_collection_health",
    # current state: snapshots older than the cutoff go with their months and their pointers
    # (steps c and d, not this one)
    "v_critical_findings_current": (
        f"SELECT * FROM v_critical_findings_current WHERE account_id <> '{SILENT}'"
    ),
    "v_guardduty_findings_current": (
        "SELECT * FROM v_guardduty_findings_current WHERE snapshot_date >= '2025-02-03'"
    ),
    "v_snapshot_current": "SELECT * FROM v_snapshot_current WHERE snapshot_date >= '2025-02-03'",
    "v_report_savings_current": (
        "SELECT * FROM v_report_savings_current "
        f"WHERE account_id <> '{SILENT}' OR source = 'commitment'"
    ),
    "v_savings_sources": f"SELECT * FROM v_savings_sources WHERE period_end > '{BOUNDARY}'",
    "v_report_commitment_utilization": (
        f"SELECT * FROM v_report_commitment_utilization WHERE period_end > '{BOUNDARY}'"
    ),
    "v_report_commitment_services": (
        f"SELECT * FROM v_report_commitment_services WHERE period_end > '{BOUNDARY}'"
    ),
    "last report": "SELECT account_id, max(collected_at) AS at FROM collection_runs GROUP BY 1",
    "ingestions": "SELECT id, run_id, status FROM ingestions",
}


def bookkeeping_doc(
    day: date,
    account: str,
    *,
    closed_finding: bool = False,
    securityhub_fails: bool = False,
) -> dict[str, Any]:
    """``dated(day)`` with its cost totals and commitments moved to the day too.

    ``closed_finding``: one more open critical Security Hub finding (eu-west-1) in this run only;
    ``securityhub_fails``: the eu-west-1 Security Hub collection fails (no findings from there).
    """
    doc = dated(day, account)
    shift = day - date(2026, 11, 24)  # the fixture's own day
    for item in [*doc["data"]["cost"]["totals"], *doc["data"]["commitments"]]:
        for key in ("period_start", "period_end"):
            item[key] = (date.fromisoformat(item[key]) + shift).isoformat()
    findings = doc["data"]["securityhub"]["findings"]
    if closed_finding:
        extra = copy.deepcopy(findings[0])
        extra.update(
            finding_id=CLOSED.format(account),
            severity_label="CRITICAL",
            workflow_status="NEW",
            record_state="ACTIVE",
        )
        findings.append(extra)
    if securityhub_fails:
        for collector in doc["collectors"]:
            if collector["name"] == "securityhub" and collector["region"] == "eu-west-1":
                collector.update(status="error", error="AccessDenied", item_count=0)
        doc["data"]["securityhub"]["findings"] = [f for f in findings if f["region"] != "eu-west-1"]
        doc["data"]["securityhub"]["severity_counts"] = [
            c for c in doc["data"]["securityhub"]["severity_counts"] if c["region"] != "eu-west-1"
        ]
    return doc


def run_days(pg: Executor) -> set[tuple[str, date]]:
    rows = pg.execute("SELECT account_id, window_start FROM collection_runs")
    return {(r["account_id"], r["window_start"]) for r in rows}


def test_retention_deletes_the_bookkeeping_of_dropped_months_but_what_views_read(pg, migrated_dsn):
    for day, account, options in (
        (date(2025, 1, 10), ACTIVE, {"closed_finding": True}),
        (date(2025, 1, 20), ACTIVE, {}),  # the finding is no longer listed: closed
        (date(2025, 2, 5), ACTIVE, {}),
        (date(2026, 3, 9), ACTIVE, {}),
        (date(2025, 1, 12), SILENT, {}),
        (date(2025, 1, 15), SILENT, {}),  # its last report
        (date(2025, 1, 8), DARK, {"closed_finding": True}),
        (date(2025, 1, 9), DARK, {}),  # closed: the last ok eu-west-1 Security Hub run
        (date(2025, 1, 11), DARK, {"securityhub_fails": True}),
        (date(2026, 3, 9), DARK, {"securityhub_fails": True}),
    ):
        load(pg, bookkeeping_doc(day, account, **options))
    maintain(pg, today=TODAY, retention_days=5000)  # splits the old days out of DEFAULT
    assert not any(
        r["source"] == "securityhub" and "closed-long-ago" in r["finding_id"]
        for r in pg.execute("SELECT * FROM v_critical_findings_current")
    )
    views = {name: rows_of_query(pg, sql) for name, sql in KEPT_VIEWS.items()}
    assert all(views.values()), [name for name, rows in views.items() if not rows]
    newer = {
        t: rows_of_query(pg, f"SELECT * FROM {t} WHERE {where}")
        for t, where in (
            ("collection_runs", f"window_end > '{BOUNDARY}'"),
            (
                "collector_runs",
                f"run_id IN (SELECT run_id FROM collection_runs WHERE window_end > '{BOUNDARY}')",
            ),
            ("cost_period_totals", f"period_end > '{BOUNDARY}'"),
            ("commitment_utilization", f"period_end > '{BOUNDARY}'"),
        )
    }
    collectors = {
        r["account_id"] + str(r["window_start"]): r["n"]
        for r in pg.execute(
            "SELECT r.account_id, r.window_start, count(*) AS n FROM collection_runs r "
            "JOIN collector_runs c USING (account_id, run_id) GROUP BY 1, 2"
        )
    }
    old_totals = pg.execute(
        f"SELECT count(*) AS n FROM cost_period_totals WHERE period_end <= '{BOUNDARY}'"
    )[0]["n"]
    old_commitments = pg.execute(
        f"SELECT count(*) AS n FROM commitment_utilization WHERE period_end <= '{BOUNDARY}'"
    )[0]["n"]
    silent_commitments = rows_of_query(
        pg,
        f"SELECT * FROM commitment_utilization WHERE account_id = '{SILENT}' "
        "AND period_end = '2025-01-16'",
    )
    assert silent_commitments and old_totals and old_commitments > len(silent_commitments)

    result = maintain(pg, today=date(2026, 3, 10), retention_days=400)

    assert result.cutoff == date(2025, 2, 3)
    # before the boundary: only what the views need is left
    assert {(a, d) for a, d in run_days(pg) if d < BOUNDARY} == {
        (ACTIVE, date(2025, 1, 10)),  # loaded the closed critical finding
        (SILENT, date(2025, 1, 15)),  # its account's latest run
        (DARK, date(2025, 1, 8)),  # loaded the closed critical finding
        (DARK, date(2025, 1, 9)),  # the latest ok eu-west-1 Security Hub run, which closed it
    }
    gone = [ACTIVE + "2025-01-20", SILENT + "2025-01-12", DARK + "2025-01-11"]
    assert result.bookkeeping_deleted == {
        "collection_runs": 3,
        "collector_runs": sum(collectors[k] for k in gone),
        "cost_period_totals": old_totals,
        "commitment_utilization": old_commitments - len(silent_commitments),
    }
    for table, where in (("cost_period_totals", "TRUE"), ("commitment_utilization", "TRUE")):
        left = pg.execute(
            f"SELECT account_id, period_end FROM {table} "
            f"WHERE period_end <= '{BOUNDARY}' AND {where}"
        )
        expected = [] if table == "cost_period_totals" else [(SILENT, date(2025, 1, 16))]
        assert sorted({(r["account_id"], r["period_end"]) for r in left}) == expected, table
    # the kept runs keep their collectors; nothing newer than the boundary is touched
    for key in (ACTIVE + "2025-01-10", SILENT + "2025-01-15", DARK + "2025-01-09"):
        account, day = key[:12], key[12:]
        assert (
            pg.execute(
                "SELECT count(*) AS n FROM collector_runs c JOIN collection_runs r "
                f"USING (account_id, run_id) WHERE r.account_id = '{account}' "
                f"AND r.window_start = '{day}'"
            )[0]["n"]
            == collectors[key]
        )
    for table, where in (
        ("collection_runs", f"window_end > '{BOUNDARY}'"),
        (
            "collector_runs",
            f"run_id IN (SELECT run_id FROM collection_runs WHERE window_end > '{BOUNDARY}')",
        ),
        ("cost_period_totals", f"period_end > '{BOUNDARY}'"),
        ("commitment_utilization", f"period_end > '{BOUNDARY}'"),
    ):
        assert rows_of_query(pg, f"SELECT * FROM {table} WHERE {where}") == newer[table], table
    # the views read the same over the days kept, the current ones and the last reports too
    for name, sql in KEPT_VIEWS.items():
        after = rows_of_query(pg, sql)
        lost, gained = set(views[name]) - set(after), set(after) - set(views[name])
        assert after == views[name], (name, sorted(lost)[:2], sorted(gained)[:2])

    again = maintain(pg, today=date(2026, 3, 10), retention_days=400)
    assert again.bookkeeping_deleted == dict.fromkeys(BOOKKEEPING, 0)
    assert {(a, d) for a, d in run_days(pg) if d < BOUNDARY} == {
        (ACTIVE, date(2025, 1, 10)),
        (SILENT, date(2025, 1, 15)),
        (DARK, date(2025, 1, 8)),
        (DARK, date(2025, 1, 9)),
    }
    # The teardown compares the pointers with their read-time definitions over all the runs.
    # The pointers older than the cutoff went with their detail (step d) while the runs kept for
    # the views above still count there (SILENT's last report): rebuild them from what is left.
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        snapshot_pointers.rebuild(conn)


def rows_of_query(pg: Executor, sql: str) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in pg.execute(sql))


def flush_statistics(executor: Executor) -> None:
    """Make the session's table statistics visible to others now (PostgreSQL 15+)."""
    executor.execute("SELECT pg_stat_force_next_flush()")
    executor.execute("SELECT 1 AS flushed")


def _deleted(dsn: str) -> dict[str, int]:
    """n_tup_del of every partitioned table and partition (statistics flushed first)."""
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        rows = conn.execute(
            """SELECT s.relname, s.n_tup_del FROM pg_stat_user_tables s
               JOIN pg_class c ON c.oid = s.relid
               WHERE c.relispartition OR c.relkind = 'p'"""
        ).fetchall()
    return {r["relname"]: r["n_tup_del"] for r in rows}


def test_retention_below_the_minimum_is_refused(pg):
    with pytest.raises(ValueError, match="at least 90"):
        maintain(pg, today=TODAY, retention_days=30)
    with pytest.raises(ValueError, match="months_ahead"):
        maintain(pg, today=TODAY, months_ahead=-1)


def test_the_maintain_event_runs_maintenance_as_the_migrator_through_the_data_api(
    data_api, migrated_dsn, monkeypatch, capsys
):
    from receiver import migrate_handler
    from support.receiver_fixtures import CLUSTER_ARN, SECRET_ARN

    pg = PsycopgExecutor(migrated_dsn)
    try:
        load_day(pg, date(2026, 6, 10))  # into DEFAULT
    finally:
        pg.close()
    migrator_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:migrator-AbCdEf"
    monkeypatch.setenv("AURORA_CLUSTER_ARN", CLUSTER_ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET_ARN)
    monkeypatch.setenv("DB_NAME", migrated_dsn.rsplit("/", 1)[-1])
    monkeypatch.setenv("RETENTION_DAYS", "400")
    monkeypatch.setenv("PARTITION_MONTHS_AHEAD", "2")
    monkeypatch.setenv(
        "DATABASE_ROLES",
        json.dumps(
            {
                kind: {
                    "username": f"obs_{kind}",
                    "secret_arn": migrator_arn
                    if kind == "migrator"
                    else f"arn:aws:secretsmanager:eu-west-1:111111111111:secret:{kind}-x",
                }
                for kind in ("migrator", "loader", "reader")
            }
        ),
    )

    result = migrate_handler.lambda_handler(
        {"action": "maintain"}, FakeContext(function_name="observability-migrate")
    )

    assert any(s.startswith("kms_keys_p202606: ") for s in result["split"]), result
    assert result["retention_days"] == 400 and result["months_ahead"] == 2
    assert result["dropped"] == []
    used = {r["secretArn"] for r in data_api.requests if "secretArn" in r}
    assert used == {migrator_arn}  # maintenance runs as the owner, never as the master
    assert query(migrated_dsn, "SELECT count(*) AS n FROM kms_keys_default") == [{"n": 0}]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "{" in line]
    metrics = {
        k: v for m in emitted for k, v in m.items() if k.startswith(("Partitions", "Bookkeeping"))
    }
    assert metrics["PartitionsCreated"] == [len(result["created"])] and result["created"]
    assert metrics["PartitionsDropped"] == [0]
    assert metrics["BookkeepingRowsDeleted"] == [0]
    assert result["bookkeeping_deleted"] == dict.fromkeys(BOOKKEEPING, 0)
    # the rows moved out of DEFAULT through the Data API, in a transaction
    sql = [r.get("sql", "") for r in data_api.requests]
    assert any(s.startswith("WITH moved AS (DELETE FROM kms_keys") for s in sql)
    assert any(r["operation"] == "CommitTransaction" for r in data_api.requests)


def test_an_empty_retention_keeps_every_day(data_api, migrated_dsn, monkeypatch):
    """Terraform's retention_days = null sets RETENTION_DAYS to "": nothing is dropped."""
    from receiver import migrate_handler
    from support.receiver_fixtures import CLUSTER_ARN, SECRET_ARN

    pg = PsycopgExecutor(migrated_dsn)
    try:
        load_day(pg, date(2019, 6, 10))  # years old: dropped under any retention
        load_day(pg, date(2026, 11, 24))  # "current" stays within the detail kept
    finally:
        pg.close()
    monkeypatch.setenv("AURORA_CLUSTER_ARN", CLUSTER_ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET_ARN)
    monkeypatch.setenv("DB_NAME", migrated_dsn.rsplit("/", 1)[-1])
    monkeypatch.setenv("RETENTION_DAYS", "")
    monkeypatch.setenv(
        "DATABASE_ROLES",
        json.dumps(
            {
                kind: {"username": f"obs_{kind}", "secret_arn": f"arn:aws:secretsmanager:x:{kind}"}
                for kind in ("migrator", "loader", "reader")
            }
        ),
    )

    result = migrate_handler.lambda_handler({"action": "maintain"}, FakeContext())

    assert result["retention_days"] is None and result["cutoff"] is None
    assert "kms_keys_p201906" in result["created"] and result["dropped"] == []
    assert query(migrated_dsn, "SELECT count(*) AS n FROM kms_keys_p201906")[0]["n"] > 0
    assert result["bookkeeping_deleted"] == dict.fromkeys(BOOKKEEPING, 0)
    collectors = query(
        migrated_dsn,
        "SELECT count(*) AS n FROM collector_runs c JOIN collection_runs r USING (account_id, "
        "run_id) WHERE r.window_start = '2019-06-10'",
    )[0]["n"]
    monkeypatch.delenv("RETENTION_DAYS")
    result = migrate_handler.lambda_handler({"action": "maintain"}, FakeContext())
    assert result["retention_days"] == 400 and "kms_keys_p201906" in result["dropped"]
    # the 2019 run went with its month, through the Data API (one statement per day)
    assert result["bookkeeping_deleted"]["collection_runs"] == 1
    assert result["bookkeeping_deleted"]["collector_runs"] == collectors > 0
    assert query(migrated_dsn, "SELECT min(window_start) AS d FROM collection_runs") == [
        {"d": date(2026, 11, 24)}
    ]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RETENTION_DAYS", "30", "RETENTION_DAYS must be between 90"),
        ("RETENTION_DAYS", "soon", "RETENTION_DAYS must be an integer"),
        ("PARTITION_MONTHS_AHEAD", "48", "PARTITION_MONTHS_AHEAD must be between 0 and 24"),
    ],
)
def test_the_maintain_event_refuses_a_bad_policy(data_api, monkeypatch, name, value, message):
    from receiver import migrate_handler
    from receiver.settings import ConfigurationError
    from support.receiver_fixtures import CLUSTER_ARN, SECRET_ARN

    monkeypatch.setenv("AURORA_CLUSTER_ARN", CLUSTER_ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET_ARN)
    monkeypatch.setenv("DB_NAME", f"unused_{uuid.uuid4().hex[:6]}")
    monkeypatch.setenv(name, value)
    monkeypatch.setenv(
        "DATABASE_ROLES",
        json.dumps(
            {
                kind: {"username": f"obs_{kind}", "secret_arn": f"arn:aws:secretsmanager:x:{kind}"}
                for kind in ("migrator", "loader", "reader")
            }
        ),
    )
    with pytest.raises(ConfigurationError, match=message):
        migrate_handler.lambda_handler({"action": "maintain"}, FakeContext())
    assert data_api.requests == []
