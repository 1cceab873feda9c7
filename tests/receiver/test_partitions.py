"""Monthly partitions and retention (sql/022, receiver.partitions.maintain, the maintain event).

The in-place conversion of a populated database is tested in test_migration_upgrades.py.
"""

from __future__ import annotations

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
from receiver.partitions import maintain
from support.dated_documents import load_day
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
    deletes = [s for s in statements if re.search(r"\bDELETE\b", s)]
    assert deletes and all("snapshot_pointers" in s for s in deletes), deletes
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
    metrics = {k: v for m in emitted for k, v in m.items() if k.startswith("Partitions")}
    assert metrics["PartitionsCreated"] == [len(result["created"])] and result["created"]
    assert metrics["PartitionsDropped"] == [0]
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
    monkeypatch.delenv("RETENTION_DAYS")
    result = migrate_handler.lambda_handler({"action": "maintain"}, FakeContext())
    assert result["retention_days"] == 400 and "kms_keys_p201906" in result["dropped"]


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
