"""The PostgreSQL schema (sql/*.sql) against docs/data-model.md, on a real server.

Needs the `migrated_dsn` fixture: a libpq connection string to a fresh database with every
sql/ file applied. Each test works inside a transaction that is rolled back, so the database
stays empty for other tests; the data set uses account ids no other test should use.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg import errors, sql

from support import cost_month_totals, snapshot_pointers
from support.data_model import DOC_TABLES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "data-model.md"
SQL_DIR = ROOT / "sql"

BOOKKEEPING_COLUMNS = {"ingestion_id", "first_loaded_at", "last_loaded_at"}
NOT_CREATED_BY_SQL_FILES = {"schema_migrations"}  # created by the migration runner
FSBP = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"

EXPECTED_VIEWS = {
    "v_cost_by_account_service_daily",
    "v_cost_by_account_monthly",
    "v_cost_forecast_vs_actual",
    "v_security_posture",
    "v_compliance_trend",
    "v_inventory_latest",
    "v_savings_opportunities",
    "v_collection_health",
    "v_ingestion_status",
    # the HTML report (python -m receiver report)
    "v_report_cost_daily",
    "v_report_collection_days",
    "v_report_collector_issues",
    "v_report_savings_current",
    "v_report_commitment_utilization",
    "v_report_commitment_services",
    # the organization roster (expected versus reporting accounts, OU and tag labels)
    "v_expected_accounts",
    "v_collection_health_silent",
    "v_account_labels",
    # the report's reference sections, the dashboards and the morning summary (019)
    "v_inspector_findings_current",
    "v_resources_by_az_current",
    "v_critical_findings_current",
    # the QuickSight datasets' account dimensions and open Security Hub findings (020)
    "v_account_dimensions",
    "v_securityhub_findings_current",
}


DOC_TABLES_IN_SQL = {t: v for t, v in DOC_TABLES.items() if t not in NOT_CREATED_BY_SQL_FILES}
DATA_TABLES = sorted(t for t, v in DOC_TABLES.items() if v["section"] is not None)
DATA_TABLES_WITH_ACCOUNT_FK = sorted(set(DATA_TABLES) - {"accounts"} | {"collection_runs"})
CHILD_TABLES = {
    "account_contacts": "accounts",
    "waf_rules": "waf_web_acls",
    "ssm_applications": "ssm_managed_instances",
    "ssm_patches": "ssm_managed_instances",
    "iam_users": "iam_summary",
    "compute_optimizer_utilization": "compute_optimizer_recommendations",
    "resiliencehub_app_disruptions": "resiliencehub_apps",
}


def test_document_parses_into_the_expected_tables():
    assert len(DOC_TABLES_IN_SQL) >= 30
    assert DOC_TABLES["cost_forecasts"]["key"] == [
        "account_id",
        "generated_on",
        "metric",
        "period_start",
        "period_end",
    ]
    assert DOC_TABLES["collector_runs"]["key"] == [
        "account_id",
        "run_id",
        "collector",
        "region",
    ]
    assert "usage_date" in DOC_TABLES["cost_daily"]["fields"]
    assert "contacts" not in DOC_TABLES["accounts"]["fields"]
    assert "aliases" in DOC_TABLES["kms_keys"]["fields"]
    assert "rule_name" in DOC_TABLES["waf_rules"]["fields"]
    assert set(CHILD_TABLES) | set(CHILD_TABLES.values()) <= set(DOC_TABLES)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def db(migrated_dsn):
    conn = psycopg.connect(migrated_dsn)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture
def cur(db):
    with db.cursor() as c:
        c.execute("SET LOCAL TimeZone = 'UTC'")
        yield c


def scalar(cur, query, params=None):
    cur.execute(query, params)
    return cur.fetchone()[0]


def dicts(cur, query, params=None) -> list[dict]:
    cur.execute(query, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def insert(cur, table: str, *rows: dict) -> None:
    for row in rows:
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            ),
            list(row.values()),
        )


def columns(cur, table) -> dict[str, dict]:
    rows = dicts(
        cur,
        """
        SELECT column_name, data_type, is_nullable = 'YES' AS nullable, column_default
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s""",
        (table,),
    )
    return {r["column_name"]: r for r in rows}


def key_constraints(cur, table) -> list[list[str]]:
    cur.execute(
        """
        SELECT array_agg(att.attname::text ORDER BY k.ord)
        FROM pg_constraint con
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum
        WHERE con.conrelid = %s::regclass AND con.contype IN ('p', 'u')
        GROUP BY con.oid""",
        (f"public.{table}",),
    )
    return [r[0] for r in cur.fetchall()]


def foreign_keys(cur, table) -> list[dict]:
    return dicts(
        cur,
        """
        SELECT con.confrelid::regclass::text AS ref_table,
               ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                     ORDER BY k.o) AS cols,
               ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                     ORDER BY k.o) AS ref_cols,
               con.confdeltype AS on_delete
        FROM pg_constraint con
        WHERE con.conrelid = %s::regclass AND con.contype = 'f'""",
        (f"public.{table}",),
    )


def index_column_lists(cur, table) -> list[list[str]]:
    cur.execute(
        """
        SELECT ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                     ORDER BY k.o)
        FROM pg_index i WHERE i.indrelid = %s::regclass""",
        (f"public.{table}",),
    )
    return [r[0] for r in cur.fetchall()]


# --------------------------------------------------------------------------- structure


def test_sql_files_are_plain_statements_for_the_runner():
    files = sorted(SQL_DIR.glob("*.sql"))
    assert [f.name[:4] for f in files] == [f"{i:03d}_" for i in range(1, len(files) + 1)]
    for f in files:
        text = re.sub(r"--[^\n]*", "", f.read_text(encoding="utf-8"))
        text = re.sub(r"'(?:[^']|'')*'", "''", text)  # string literals
        text = re.sub(r"\$(\w*)\$.*?\$\1\$", "''", text, flags=re.S)  # function bodies
        for pattern in (
            r"^\s*\\",
            r"^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION)\b",
            r"\bCONCURRENTLY\b",
            r"\bIF\s+NOT\s+EXISTS\b",
            r"\bCREATE\s+EXTENSION\b",
        ):
            assert not re.search(pattern, text, re.I | re.M), f"{f.name}: {pattern}"


def test_tables_are_exactly_the_documented_ones(cur):
    cur.execute(  # a partition of a partitioned table (sql/022) is not a table of its own
        "SELECT tablename FROM pg_tables JOIN pg_class ON oid = (quote_ident(tablename))::regclass"
        " WHERE schemaname = 'public' AND NOT relispartition"
    )
    actual = {r[0] for r in cur.fetchall()} - NOT_CREATED_BY_SQL_FILES
    assert actual == set(DOC_TABLES_IN_SQL)
    assert len(actual) >= 30


def test_views_exist(cur):
    cur.execute("SELECT viewname FROM pg_views WHERE schemaname = 'public'")
    assert {r[0] for r in cur.fetchall()} >= EXPECTED_VIEWS


def test_natural_keys_are_unique_constraints_in_documented_order(cur):
    wrong = []
    for table, doc in sorted(DOC_TABLES_IN_SQL.items()):
        key = doc["key"]
        if key not in key_constraints(cur, table):
            wrong.append(f"{table}: no unique constraint on {key}")
        cols = columns(cur, table)
        wrong += [f"{table}.{c} is nullable" for c in key if cols[c]["nullable"]]
        # The loader's upsert must be accepted as written.
        keys = sql.SQL(", ").join(map(sql.Identifier, key))
        cur.execute(
            sql.SQL(
                "EXPLAIN INSERT INTO {t} ({k}) SELECT {k} FROM {t} ON CONFLICT ({k}) DO NOTHING"
            ).format(t=sql.Identifier(table), k=keys)
        )
    assert wrong == []


def test_columns_are_the_documented_fields(cur):
    wrong = {}
    for table in DATA_TABLES:
        doc = DOC_TABLES[table]
        expected = set(doc["fields"]) | set(doc["key"]) | {"account_id"} | BOOKKEEPING_COLUMNS
        actual = set(columns(cur, table))
        if actual != expected:
            wrong[table] = {"missing": expected - actual, "extra": actual - expected}
    assert wrong == {}


def test_no_timestamp_without_time_zone_anywhere(cur):
    cur.execute("""
        SELECT table_name || '.' || column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'""")
    assert cur.fetchall() == []


def test_column_types_follow_the_conventions(cur):
    cur.execute("""
        SELECT c.table_name, c.column_name, c.data_type
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'""")
    wrong = []
    for table, column, data_type in cur.fetchall():
        if table in NOT_CREATED_BY_SQL_FILES:
            continue
        if re.search(r"(_at|_time)$", column) or column in ("not_before", "not_after"):
            expected = {"timestamp with time zone"}
        elif column in ("snapshot_date", "usage_date", "generated_on") or re.match(
            r"^(period|window)_(start|end)$", column
        ):
            expected = {"date"}
        elif re.search(r"cost|savings$", column) or column in (
            "quantity",
            "mean",
            "lower_bound",
            "upper_bound",
            "commitment",
            "used",
            "unused",
            "on_demand_equivalent",
        ):
            expected = {"numeric"}
        elif column == "count" or re.search(r"_count$|_total$|^resources_|_ms$|_bytes$", column):
            expected = {"integer", "bigint"}
        elif column == "account_id":
            expected = {"character"} if table != "ingestions" else {"text"}
        else:
            continue
        if data_type not in expected:
            wrong.append(f"{table}.{column} is {data_type}")
    assert wrong == []


def test_data_tables_reference_accounts_and_name_their_ingestion(cur):
    wrong = []
    for table in DATA_TABLES_WITH_ACCOUNT_FK:
        fks = foreign_keys(cur, table)
        if not any(
            fk["ref_table"] == "accounts" and fk["cols"] == fk["ref_cols"] == ["account_id"]
            for fk in fks
        ):
            wrong.append(f"{table}: no foreign key to accounts")
        cols = columns(cur, table)
        if cols["ingestion_id"]["data_type"] != "bigint":
            wrong.append(f"{table}.ingestion_id is not bigint")
        if cols["account_id"]["nullable"]:
            wrong.append(f"{table}.account_id is nullable")
        for col in ("first_loaded_at", "last_loaded_at"):
            if cols[col]["nullable"] or cols[col]["column_default"] != "now()":
                wrong.append(f"{table}.{col} is not NOT NULL DEFAULT now()")
    assert wrong == []


def test_nothing_references_ingestions(cur):
    """sql/038: a foreign key to ingestions checks every written row (0.28 s of a 1.6 s upsert of
    100,000 findings) and makes deleting a file's row scan every table; a new table must not
    bring one back."""
    cur.execute(
        "SELECT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = 'ingestions'::regclass"
    )
    assert cur.fetchall() == []


def test_child_tables_reference_the_parent_natural_key(cur):
    for child, parent in sorted(CHILD_TABLES.items()):
        parent_key = DOC_TABLES[parent]["key"]
        assert DOC_TABLES[child]["key"][: len(parent_key)] == parent_key
        matching = [
            fk
            for fk in foreign_keys(cur, child)
            if fk["ref_table"] == parent and fk["cols"] == fk["ref_cols"] == parent_key
        ]
        assert len(matching) == 1, child
        assert matching[0]["on_delete"] == "c", child  # ON DELETE CASCADE


def test_bookkeeping_tables(cur):
    ing = columns(cur, "ingestions")
    assert ing["version_id"]["column_default"] == "''::text" and not ing["version_id"]["nullable"]
    assert ing["rows"]["data_type"] == "jsonb" and not ing["rows"]["nullable"]
    assert ing["account_id"]["nullable"] and ing["run_id"]["data_type"] == "uuid"
    assert not any(fk["ref_table"] == "accounts" for fk in foreign_keys(cur, "ingestions"))
    assert columns(cur, "collection_runs")["regions"]["data_type"] == "ARRAY"
    assert columns(cur, "collector_runs")["region"]["column_default"] == "''::text"
    assert any(
        fk["ref_table"] == "collection_runs" and fk["on_delete"] == "c"
        for fk in foreign_keys(cur, "collector_runs")
    )


def test_every_table_and_view_has_a_comment(cur):
    cur.execute("""
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
          AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''""")
    assert {r[0] for r in cur.fetchall()} - NOT_CREATED_BY_SQL_FILES == set()


def test_indexes_serve_dashboard_scans(cur):
    missing = []
    for table in DATA_TABLES:
        cols = columns(cur, table)
        for second in ("usage_date", "snapshot_date"):
            if second in cols and not any(
                ix[:2] == ["account_id", second] for ix in index_column_lists(cur, table)
            ):
                missing.append(f"{table} ({second})")
    assert missing == []
    assert ["status", "received_at"] in index_column_lists(cur, "ingestions")


# --------------------------------------------------------------------------- data set

A1, A2 = "900000000001", "900000000002"  # "Prod" and "Dev"
A3 = "900000000003"  # in the roster only, SUSPENDED
ROSTER_REFRESH = "6f1c2a4e-0d3b-4c7a-9e51-2b8d7f3a9c10"
D1, D2 = dt.date(2025, 3, 30), dt.date(2025, 3, 31)  # two snapshot dates
APR = dt.date(2025, 4, 1)
SEED_KEY = f"data/{A1}/2025-03-31/run.json.gz"


def load(cur, table: str, cols: str, *rows: tuple) -> None:
    """Insert rows given as tuples in the order of the space-separated column names.

    Strings are sent untyped, so PostgreSQL parses them as the column's type (dates,
    timestamps, numerics, jsonb), the way the loader's SQL does.
    """
    names = cols.split()
    for row in rows:
        insert(cur, table, dict(zip(names, row, strict=True)))


# fmt: off
def seed(cur) -> None:
    """A small realistic data set: 2 accounts, 2 snapshot dates, a few rows in every table."""
    ing = scalar(
        cur,
        """INSERT INTO ingestions (bucket, object_key, version_id, etag, size_bytes, account_id,
                                   status, rows, duration_ms, received_at, finished_at)
           VALUES ('obs-bucket', %s, 'v1', 'etag1', 2048, %s, 'loaded', '{"cost_daily": 6}', 150,
                   '2025-04-01T02:00:00Z', '2025-04-01T02:00:01Z')
           RETURNING id""",
        (SEED_KEY, A1),
    )
    load(cur, "accounts",
         "account_id name email status joined_at organization_id management_account_id ou_id"
         " ou_path ingestion_id",
         (A1, "Prod", "prod@example.com", "ACTIVE", "2020-01-02T03:04:05+01:00", "o-abc123", A1,
          "ou-ab12-cdef3456", "Root/Workloads", ing),
         (A2, "Dev", None, "ACTIVE", None, "o-abc123", A1, None, None, None))
    load(cur, "account_contacts",
         "account_id contact_type full_name email phone_number country_code",
         (A1, "BILLING", "Ana Billing", "billing@example.com", None, "DE"),
         (A1, "SECURITY", "Sam Sec", None, "+49 30 1234", "DE"))

    # cost: March and April 2025
    load(cur, "cost_daily",
         "account_id usage_date service unblended_cost amortized_cost currency ingestion_id",
         (A1, "2025-03-01", "Amazon EC2", "10", "12", "USD", ing),
         (A1, "2025-03-01", "Amazon S3", "2", "2", "USD", ing),
         (A1, "2025-03-15", "Amazon EC2", "20", "21", "USD", ing),
         (A1, "2025-04-01", "Amazon EC2", "5", "5", "USD", ing),
         (A1, "2025-04-02", "Amazon EC2", "6", "6.5", "USD", ing),
         (A2, "2025-03-01", "Amazon EC2", "1", "1", "USD", None))
    load(cur, "cost_period_totals",
         "account_id kind period_start period_end unblended_cost amortized_cost currency",
         (A1, "month_to_date", "2025-04-01", "2025-04-03", "11", "11.5", "USD"),
         (A1, "window", "2025-03-31", "2025-04-01", "0", None, "USD"))
    load(cur, "cost_forecasts",
         "account_id generated_on metric period_start period_end mean lower_bound upper_bound"
         " currency",
         # superseded by the forecast generated a day later
         (A1, "2025-04-01", "UNBLENDED_COST", "2025-04-02", "2025-05-01", 100, 90, 110, "USD"),
         (A1, "2025-04-02", "UNBLENDED_COST", "2025-04-03", "2025-05-01", 95, 85, 105, "USD"),
         # a year-long forecast is not a forecast "of April"
         (A1, "2025-04-02", "UNBLENDED_COST", "2025-04-03", "2026-04-01", 1200, 1000, 1400, "USD"),
         (A1, "2025-04-02", "AMORTIZED_COST", "2025-04-03", "2025-05-01", 99, 88, 111, "USD"))
    load(cur, "organization_cost_forecasts",  # A1 as a management account: its organization's
         "account_id generated_on metric period_start period_end mean lower_bound upper_bound"
         " currency",
         (A1, "2025-04-02", "UNBLENDED_COST", "2025-04-03", "2025-05-01", 950, 850, 1050, "USD"))
    load(cur, "service_usage",
         "account_id usage_date service usage_type unit quantity unblended_cost currency",
         (A1, D1, "Amazon EC2", "BoxUsage:t3.micro", "Hrs", "24", "0.2496", "USD"),
         (A1, D1, "Amazon EC2", "BoxUsage:t3.micro", "", "1", "0", "USD"))
    load(cur, "marketplace_usage",
         "account_id usage_date product usage_type unit quantity cost currency",
         (A1, D1, "Acme Firewall", "hours", "Hrs", "24", "4.80", "USD"))
    load(cur, "commitment_utilization",
         "account_id kind period_start period_end utilization_pct coverage_pct commitment used"
         " unused net_savings on_demand_equivalent currency",
         (A1, "RI", "2025-03-01", "2025-04-01", 60, 40, 100, 60, 40, 15, 75, "USD"),
         (A1, "SP", D1, D2, 50, None, 4, 2, 2, None, None, "USD"),  # one day
         (A2, "RI", "2025-03-01", "2025-04-01", 100, 80, 10, 10, 0, 3, 13, "USD"))

    # security
    load(cur, "securityhub_findings",
         "account_id finding_id product_name title severity_label severity_normalized region"
         " record_state workflow_status created_at updated_at",
         (A1, f"arn:aws:securityhub:us-east-1:{A1}:finding/1", "Security Hub", "S3 bucket public",
          "HIGH", 70, "us-east-1", "ACTIVE", "NEW", "2025-03-01T00:00:00Z",
          "2025-03-30T00:00:00Z"))
    load(cur, "securityhub_severity_counts",  # count = new + notified + suppressed + resolved
         "account_id snapshot_date region severity_label count workflow_new workflow_notified"
         " workflow_suppressed workflow_resolved",
         (A1, D1, "us-east-1", "CRITICAL", 1, 1, 0, 0, 0),
         (A1, D1, "us-east-1", "HIGH", 3, 1, 1, 1, 0),
         (A1, D1, "eu-west-1", "HIGH", 2, 0, 0, 0, 2),
         (A1, D1, "eu-west-1", "LOW", 5, 1, 0, 0, 4),
         # passed control findings: ACTIVE, RESOLVED, INFORMATIONAL
         (A1, D1, "eu-west-1", "INFORMATIONAL", 40, 0, 0, 0, 40),
         (A1, D2, "us-east-1", "CRITICAL", 0, 0, 0, 0, 0),
         (A1, D2, "us-east-1", "HIGH", 4, 2, 0, 1, 1))
    load(cur, "securityhub_standard_scores",  # 035: score = passed / (passed + failed)
         "account_id snapshot_date region standards_arn name standards_status controls_passed"
         " controls_failed controls_unknown controls_no_data controls_disabled",
         (A1, D1, "us-east-1", FSBP, "FSBP", "READY", 3, 1, 1, 2, 1),
         (A1, D2, "us-east-1", FSBP, "FSBP", "READY", 2, 2, 0, 2, 1))
    load(cur, "securityhub_standard_controls",
         "account_id snapshot_date region standards_arn control_id title severity status"
         " remediation_url findings_passed findings_failed findings_unknown",
         (A1, D2, "us-east-1", FSBP, "S3.8", "S3 block public access", "HIGH", "FAILED",
          "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation", 4, 2, 0),
         (A1, D2, "us-east-1", FSBP, "IAM.6", "Root hardware MFA", "CRITICAL", "PASSED", None,
          1, 0, 0))
    load(cur, "securityhub_severity_counts",  # an older sender: no workflow counts
         "account_id snapshot_date region severity_label count",
         (A2, D2, "us-east-1", "MEDIUM", 7))
    load(cur, "guardduty_findings",
         "account_id region finding_id detector_id type severity title count archived created_at",
         (A1, "us-east-1", "f1", "d1", "Recon:EC2/Portscan", "8.0", "f1", 3, False,
          "2025-03-29T00:00:00Z"),
         (A1, "us-east-1", "f2", "d1", "Recon:EC2/Portscan", "5.0", "f2", 1, False,
          "2025-03-30T23:59:00Z"),
         (A1, "us-east-1", "f3", "d1", "Recon:EC2/Portscan", "6.9", "f3", 1, False,
          "2025-03-31T10:00:00Z"),  # after D1
         (A1, "us-east-1", "f4", "d1", "Recon:EC2/Portscan", "2.0", "f4", 1, True,
          "2025-03-01T00:00:00Z"),  # archived
         (A1, "us-east-1", "f5", "d1", "Recon:EC2/Portscan", "3.9", "f5", 1, None,
          "2025-03-20T00:00:00Z"),
         (A1, "us-east-1", "f6", "d1", "Recon:EC2/Portscan", "7.0", "f6", 1, False,
          "2025-03-31T00:00:00+02:00"))  # 22:00 UTC on D1
    # what the collectors listed (the runs come with test_security_posture)
    columns = "account_id snapshot_date region finding_id severity archived"
    load(cur, "guardduty_finding_snapshots", columns,
         (A1, D1, "us-east-1", "f1", "8.0", False), (A1, D1, "us-east-1", "f2", "5.0", False),
         (A1, D1, "us-east-1", "f4", "2.0", True),  # archived: listed, not open
         (A1, D1, "us-east-1", "f5", "3.9", None), (A1, D1, "us-east-1", "f6", "7.0", False),
         (A1, D1, "eu-west-1", "f7", "4.5", False),
         (A1, D2, "us-east-1", "f1", "8.0", False), (A1, D2, "us-east-1", "f3", "6.9", False),
         (A1, APR, "us-east-1", "f1", "8.0", False))
    load(cur, "inspector_findings",
         "account_id finding_arn region type severity status inspector_score exploit_available"
         " fix_available first_observed_at",
         (A1, "arn:aws:inspector2:us-east-1:900000000001:finding/i1", "us-east-1",
          "PACKAGE_VULNERABILITY", "CRITICAL", "ACTIVE", "9.8", "YES", "YES", "2025-03-01T00:00Z"),
         (A1, "arn:aws:inspector2:us-east-1:900000000001:finding/i2", "us-east-1",
          "PACKAGE_VULNERABILITY", "HIGH", "ACTIVE", "7.5", "NO", "PARTIAL", "2025-03-31T05:00Z"),
         (A1, "arn:aws:inspector2:us-east-1:900000000001:finding/i3", "us-east-1",
          "PACKAGE_VULNERABILITY", "HIGH", "CLOSED", "7.5", "NO", "YES", "2025-03-01T00:00Z"),
         (A1, "arn:aws:inspector2:us-east-1:900000000001:finding/i4", "us-east-1",
          "NETWORK_REACHABILITY", "UNTRIAGED", "ACTIVE", None, "NO", "NO", "2025-03-01T00:00Z"))
    key = f"arn:aws:kms:us-east-1:{A1}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    load(cur, "kms_keys",
         "account_id snapshot_date key_arn key_id region aliases key_state key_manager key_spec"
         " key_usage origin multi_region rotation_enabled created_at",
         *[(A1, day, key, "1234abcd", "us-east-1", ["alias/app", "alias/app-old"], "Enabled",
            "CUSTOMER", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS", False, True,
            "2024-01-01T00:00:00Z") for day in (D1, D2)])
    acl = f"arn:aws:wafv2:us-east-1:{A1}:regional/webacl/main/abc"
    load(cur, "waf_web_acls",
         "account_id snapshot_date web_acl_arn name web_acl_id scope region default_action"
         " capacity logging_enabled associated_resources",
         (A1, D2, acl, "main", "abc", "REGIONAL", "us-east-1", "ALLOW", 700, True,
          [f"arn:aws:elasticloadbalancing:us-east-1:{A1}:loadbalancer/app/web/1"]))
    load(cur, "waf_rules",
         "account_id snapshot_date web_acl_arn rule_name priority action statement_type"
         " managed_rule_group",
         (A1, D2, acl, "AWSManagedRulesCommonRuleSet", 0, "NONE", "ManagedRuleGroupStatement",
          "AWS/AWSManagedRulesCommonRuleSet"),
         (A1, D2, acl, "rate-limit", 1, "BLOCK", "RateBasedStatement", None))
    load(cur, "cloudtrail_trails",
         "account_id snapshot_date trail_arn name home_region is_multi_region"
         " is_organization_trail is_logging log_file_validation s3_bucket latest_delivery_at",
         (A1, D2, f"arn:aws:cloudtrail:us-east-1:{A1}:trail/org", "org", "us-east-1", True, True,
          True, True, "trail-bucket", "2025-03-31T12:00:00Z"))
    load(cur, "secrets",
         "account_id snapshot_date secret_arn name region rotation_enabled rotation_days"
         " last_rotated_at primary_region",
         (A1, D2, f"arn:aws:secretsmanager:us-east-1:{A1}:secret:db-AbCdEf", "db", "us-east-1",
          True, 30, "2025-03-01T00:00:00Z", "us-east-1"))
    load(cur, "acm_certificates",
         "account_id snapshot_date certificate_arn region domain_name status type key_algorithm"
         " in_use renewal_eligibility not_before not_after",
         (A1, D2, f"arn:aws:acm:us-east-1:{A1}:certificate/c1", "us-east-1", "example.com",
          "ISSUED", "AMAZON_ISSUED", "RSA_2048", True, "ELIGIBLE", "2025-01-01T00:00:00Z",
          "2026-01-31T23:59:59Z"))
    load(cur, "iam_summary",
         "account_id snapshot_date users_total users_with_console users_with_mfa"
         " users_without_mfa root_mfa_enabled root_access_keys access_keys_active"
         " access_keys_older_than_90_days credential_report_generated_at",
         (A1, D2, 2, 1, 1, 1, True, 0, 2, 1, "2025-03-31T01:00:00Z"))  # an older sender's
    load(cur, "iam_summary",  # a current sender's: MFA over console users only
         "account_id snapshot_date users_total users_with_console console_users_with_mfa"
         " console_users_without_mfa root_mfa_enabled",
         (A2, D1, 3, 2, 1, 1, False))
    load(cur, "iam_users",
         "account_id snapshot_date user_name arn password_enabled mfa_active access_key_1_active"
         " access_key_1_last_rotated_at",
         (A1, D2, "alice", f"arn:aws:iam::{A1}:user/alice", True, True, True,
          "2024-06-01T00:00:00Z"),
         (A1, D2, "ci-bot", f"arn:aws:iam::{A1}:user/ci-bot", False, False, True,
          "2025-01-01T00:00:00Z"))

    # compliance and inventory
    load(cur, "config_rules",
         "account_id snapshot_date region rule_name compliance non_compliant_resource_count"
         " source_owner source_identifier",
         (A1, D1, "us-east-1", "s3-public-read", "COMPLIANT", 0, "AWS", "S3_PUBLIC_READ"),
         (A1, D1, "us-east-1", "ebs-encrypted", "NON_COMPLIANT", 3, "AWS", "EBS_ENCRYPTED"),
         (A1, D1, "us-east-1", "rds-multi-az", "NOT_APPLICABLE", 0, "AWS", "RDS_MULTI_AZ"),
         (A1, D1, "eu-west-1", "s3-public-read", "COMPLIANT", 0, "AWS", "S3_PUBLIC_READ"),
         (A1, D2, "us-east-1", "s3-public-read", "COMPLIANT", 0, "AWS", "S3_PUBLIC_READ"),
         (A1, D2, "us-east-1", "ebs-encrypted", "COMPLIANT", 0, "AWS", "EBS_ENCRYPTED"),
         (A2, D2, "us-east-1", "s3-public-read", "INSUFFICIENT_DATA", None, "AWS", None))
    load(cur, "config_conformance_packs",
         "account_id snapshot_date region pack_name compliance compliant_rule_count"
         " non_compliant_rule_count",
         (A1, D1, "us-east-1", "cis", "NON_COMPLIANT", 10, 2))
    load(cur, "config_noncompliant_resources",
         "account_id snapshot_date region rule_name resource_type resource_id annotation"
         " recorded_at",
         (A1, D1, "us-east-1", "ebs-encrypted", "AWS::EC2::Volume", "vol-1", "not encrypted",
          "2025-03-30T10:00:00Z"))
    inst = (A1, D2, "us-east-1", "i-0abc")
    load(cur, "ssm_managed_instances",
         "account_id snapshot_date region instance_id computer_name platform_type platform_name"
         " platform_version agent_version ping_status last_ping_at ip_address",
         (*inst, "web-1", "Linux", "Amazon Linux", "2023", "3.3.0", "Online",
          "2025-03-31T11:00:00Z", "10.0.0.5"))
    load(cur, "ssm_applications",
         "account_id snapshot_date region instance_id name version architecture publisher",
         (*inst, "nginx", "1.24.0", "x86_64", "Amazon"),
         (*inst, "nginx", "1.26.0", "x86_64", None),
         (*inst, "custom-tool", "", "", None))  # version and architecture not reported
    load(cur, "ssm_patches",
         "account_id snapshot_date region instance_id patch_id title classification severity state",
         (*inst, "ALAS2023-2025-001", "kernel", "Security", "Critical", "Missing"))
    load(cur, "resources",
         "account_id snapshot_date region resource_type resource_id name state attributes tags",
         *[(acct, day, region, rtype, rid, rid, "running", '{"size": "small"}', '{"env": "prod"}')
           for acct, day, region, rtype, rid in [
               (A1, D1, "us-east-1", "ec2:instance", "i-1"),
               (A1, D1, "us-east-1", "ec2:instance", "i-2"),
               (A1, D1, "us-east-1", "s3:bucket", "logs"),
               (A1, D2, "us-east-1", "ec2:instance", "i-1"),
               (A1, D2, "us-east-1", "ec2:instance", "i-2"),
               (A1, D2, "us-east-1", "ec2:instance", "i-3"),
               (A1, D2, "eu-west-1", "ec2:instance", "i-9"),
               (A1, D2, "us-east-1", "s3:bucket", "logs"),
               (A2, D1, "us-east-1", "lambda:function", "fn"),
           ]])

    # operations
    load(cur, "trusted_advisor_checks",
         "account_id snapshot_date check_id name category status resources_processed"
         " resources_flagged resources_suppressed estimated_monthly_savings currency refreshed_at",
         (A1, D2, "c1", "Low Utilization Amazon EC2 Instances", "cost_optimizing", "warning", 10, 3,
          0, "50", "USD", "2025-03-31T00:00:00Z"),
         (A1, D2, "c2", "Idle Load Balancers", "cost_optimizing", "ok", 4, 0, 0, "0", "USD", None),
         (A1, D2, "c3", "Security Groups - Unrestricted Access", "security", "warning", 9, 2, 0,
          None, None, None),
         (A1, D2, "c4", "Underutilized EBS Volumes", "cost_optimizing", "error", 5, 1, 0, "25.5",
          "USD", None))
    load(cur, "compute_optimizer_recommendations",
         "account_id snapshot_date resource_arn resource_type region finding current_configuration"
         " recommended_configuration estimated_monthly_savings savings_percentage performance_risk"
         " currency",
         (A1, D2, f"arn:aws:ec2:us-east-1:{A1}:instance/i-1", "EC2", "us-east-1",
          "OVER_PROVISIONED", "m5.xlarge", "m5.large", "30.25", "50", "Low", "USD"),
         (A1, D2, f"arn:aws:ec2:us-east-1:{A1}:volume/vol-1", "EBS", "us-east-1", "Optimized",
          "gp3 100 GiB", None, "0", None, "VeryLow", "USD"))
    load(cur, "compute_optimizer_utilization",
         "account_id snapshot_date resource_arn metric statistic value",
         (A1, D2, f"arn:aws:ec2:us-east-1:{A1}:instance/i-1", "Cpu", "Maximum", "23.5"))
    load(cur, "health_events",
         "account_id event_arn service event_type_code event_type_category region status_code"
         " scope start_time end_time last_updated_at affected_entity_count",
         (A1, "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/1", "EC2",
          "AWS_EC2_OPERATIONAL_ISSUE", "issue", "us-east-1", "closed", "PUBLIC",
          "2025-03-30T10:00:00Z", "2025-03-30T12:00:00Z", "2025-03-30T12:05:00Z", 0))
    load(cur, "appsignals_services",
         "account_id snapshot_date region name environment type attributes",
         (A1, D2, "us-east-1", "checkout", "eks:prod", "Service", '{"Platform": "EKS"}'),
         (A1, D2, "us-east-1", "checkout", "", "Service", None))  # no environment
    load(cur, "appsignals_slos",
         "account_id snapshot_date slo_arn name region service_name goal_attainment attainment"
         " status updated_at",
         (A1, D2, f"arn:aws:application-signals:us-east-1:{A1}:slo/latency", "latency",
          "us-east-1", "checkout", "99.9", "99.95", "OK", "2025-03-31T00:00:00Z"))
    load(cur, "resiliencehub_apps",
         "account_id snapshot_date app_arn name region compliance_status resiliency_score"
         " drift_status policy_name last_assessment_at assessment_status",
         (A1, D2, f"arn:aws:resiliencehub:us-east-1:{A1}:app/a1", "shop", "us-east-1",
          "PolicyMet", "87.5", "NotDetected", "gold", "2025-03-31T00:00:00Z", "Success"))
    load(cur, "commitment_inventory",
         "account_id snapshot_date service region commitment_id kind instance_type instance_count"
         " duration_seconds payment_option state start_at end_at upfront_fee currency",
         (A1, D2, "EC2", "us-east-1", "ri-1", "RI", "m5.large", 2, 31536000, "No Upfront",
          "active", "2024-05-01T00:00:00Z", "2025-05-01T00:00:00Z", "0", "USD"),
         (A1, D2, "SavingsPlans", "", "sp-1", "SP", None, None, 94608000, "All Upfront",
          "active", "2023-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "26280", "USD"))
    load(cur, "support_cases",
         "account_id case_id display_id subject status severity service_code category_code"
         " language submitted_by created_at",
         (A1, "case-900000000001-2025-abc", "1234567890", "Limit increase", "resolved", "low",
          "service-limit-increase", "other", "en", "alice@example.com",
          "2025-03-30T09:00:00Z"))

    # cost anomalies (032): one open (no end date), one closed with its root causes
    load(cur, "cost_anomalies",
         "account_id anomaly_id monitor_arn start_date end_date dimension_value max_impact"
         " total_impact total_actual_spend total_expected_spend total_impact_percentage feedback",
         (A1, "anomaly-open", f"arn:aws:ce::{A1}:anomalymonitor/m1", "2025-03-30", None,
          "Amazon EC2", "80", "120", "300", "180", "66.67", None),
         (A2, "anomaly-closed", f"arn:aws:ce::{A2}:anomalymonitor/m2", "2025-03-20",
          "2025-03-22", "Amazon S3", "5", "9", "20", "11", None, "NO"))
    load(cur, "cost_anomaly_root_causes",
         "account_id anomaly_id position service region usage_type linked_account contribution",
         (A1, "anomaly-open", 1, "Amazon EC2", "us-east-1", "BoxUsage:p4d.24xlarge", A1, "110"),
         (A1, "anomaly-open", 2, "AWS Lambda", "us-east-1", None, A1, None))
    # cost by tag (033): a tagged and an untagged part of a day
    load(cur, "cost_by_tag",
         "account_id usage_date tag_key tag_value untagged unblended_cost amortized_cost currency",
         (A1, "2025-03-01", "team", "payments", False, "9", "9", "USD"),
         (A1, "2025-03-01", "team", "", True, "3", "3", "USD"),
         (A1, "2025-03-02", "team", "payments", False, "8", "8", "USD"))

    # the organization roster: both accounts expected, a suspended one that is not
    load(cur, "organization_roster_refreshes",
         "refresh_id organization_id management_account_id account_count active_count"
         " started_at refreshed_at",
         (ROSTER_REFRESH, "o-abc123", A1, 3, 2, "2025-04-02T01:30:00Z", "2025-04-02T01:30:05Z"))
    load(cur, "organization_accounts",
         "account_id name email status joined_method joined_at ou_id ou_path tags refresh_id",
         (A1, "Prod", "prod@example.com", "ACTIVE", "CREATED", "2020-01-02T03:04:05Z",
          "ou-ab12-prod0001", "Root/Workloads/Production", '{"CostCenter": "42"}',
          ROSTER_REFRESH),
         (A2, "Dev", "dev@example.com", "ACTIVE", "INVITED", None, "r-ab12", "Root", "{}",
          ROSTER_REFRESH),
         (A3, "Old", "old@example.com", "SUSPENDED", "CREATED", None, "ou-ab12-susp0001",
          "Root/Suspended", "{}", ROSTER_REFRESH))
    # Resilience Hub RPO/RTO per disruption type (036), children of the app above
    load(cur, "resiliencehub_app_disruptions",
         "account_id snapshot_date app_arn disruption_type target_rpo_seconds target_rto_seconds"
         " current_rpo_seconds current_rto_seconds compliance_status",
         (A1, D2, f"arn:aws:resiliencehub:us-east-1:{A1}:app/a1", "AZ", 300, 3600, 0, 600,
          "PolicyMet"))
# fmt: on


@pytest.fixture
def seeded(cur):
    seed(cur)
    cost_month_totals.rebuild(cur)  # cost written without the loader: its totals follow (026)
    return cur


def test_data_set_reaches_every_data_table(seeded):
    empty = [
        t
        for t in DATA_TABLES
        if not scalar(
            seeded,
            sql.SQL("SELECT count(*) FROM {} WHERE account_id IN (%s, %s)").format(
                sql.Identifier(t)
            ),
            (A1, A2),
        )
    ]
    assert empty == []
    traced = "SELECT count(*) FROM cost_daily WHERE account_id = %s AND ingestion_id IS NOT NULL"
    assert scalar(seeded, traced, (A1,)) == 5


# --------------------------------------------------------------------------- views


def test_security_standard_score_trend(seeded):
    """035: the score is passed / (passed + failed): unknown, no-data, disabled left out."""
    rows = dicts(
        seeded,
        "SELECT snapshot_date, score_percent FROM v_securityhub_standard_score_trend "
        "WHERE account_id = %s ORDER BY snapshot_date",
        (A1,),
    )
    assert [(r["snapshot_date"], r["score_percent"]) for r in rows] == [
        (D1, Decimal("75.00")),
        (D2, Decimal("50.00")),
    ]


def test_cost_anomaly_and_tag_views(seeded):
    """032/033: open anomalies are the ones without an end date, with their first root cause;
    the untagged share is the untagged part of a key's cost in the month."""
    rows = dicts(
        seeded,
        """SELECT account_id, anomaly_id, is_open, state, top_service, root_cause_count,
                  total_impact, currency, feedback
           FROM v_cost_anomalies_current ORDER BY anomaly_id""",
    )
    assert [(r["anomaly_id"], r["is_open"], r["state"]) for r in rows] == [
        ("anomaly-closed", False, "closed"),
        ("anomaly-open", True, "open"),
    ]
    assert (rows[1]["top_service"], rows[1]["root_cause_count"]) == ("Amazon EC2", 2)
    assert (rows[0]["root_cause_count"], rows[0]["feedback"]) == (0, "NO")
    assert rows[1]["total_impact"] == 120 and rows[1]["currency"] == "USD"
    causes = dicts(seeded, "SELECT * FROM v_cost_anomaly_root_causes ORDER BY position")
    assert [(c["position"], c["anomaly_is_open"]) for c in causes] == [(1, True), (2, True)]
    monthly = dicts(
        seeded,
        """SELECT tag_value, untagged, unblended_cost, days FROM v_cost_by_tag_monthly
           WHERE account_id = %s ORDER BY tag_value""",
        (A1,),
    )
    assert [(m["tag_value"], m["untagged"], m["unblended_cost"], m["days"]) for m in monthly] == [
        ("", True, 3, 1),
        ("payments", False, 17, 2),
    ]
    [share] = dicts(seeded, "SELECT * FROM v_cost_untagged_share WHERE account_id = %s", (A1,))
    assert (share["unblended_cost"], share["untagged_unblended_cost"]) == (20, 3)
    assert (share["untagged_pct"], share["tag_values"], share["month"]) == (
        15,
        1,
        dt.date(2025, 3, 1),
    )


def test_cost_views(seeded):
    rows = dicts(
        seeded,
        """SELECT account_name, service, unblended_cost, amortized_cost
           FROM v_cost_by_account_service_daily
           WHERE account_id = %s AND usage_date = '2025-03-01' ORDER BY service""",
        (A1,),
    )
    assert [tuple(r.values()) for r in rows] == [
        ("Prod", "Amazon EC2", 10, 12),
        ("Prod", "Amazon S3", 2, 2),
    ]
    rows = dicts(
        seeded,
        """SELECT account_name, month, unblended_cost, amortized_cost, service_count
           FROM v_cost_by_account_monthly WHERE account_id IN (%s, %s)
           ORDER BY account_id, month""",
        (A1, A2),
    )
    assert [tuple(r.values()) for r in rows] == [
        ("Prod", dt.date(2025, 3, 1), 32, 35, 2),
        ("Prod", dt.date(2025, 4, 1), 11, Decimal("11.5"), 1),
        ("Dev", dt.date(2025, 3, 1), 1, 1, 1),
    ]


def test_cost_forecast_vs_actual(seeded):
    rows = dicts(
        seeded,
        """SELECT * FROM v_cost_forecast_vs_actual WHERE account_id = %s
           ORDER BY month, forecast_metric""",
        (A1,),
    )
    march, april_amortized, april_unblended = rows
    assert march["month"] == dt.date(2025, 3, 1) and march["actual_unblended_mtd"] == 32
    assert march["forecast_metric"] is None and march["projected_month_total"] is None

    # The latest forecast of April (generated on the 2nd), not the older one nor the yearly one.
    april = april_unblended
    assert april["forecast_metric"] == "UNBLENDED_COST"
    assert april["forecast_generated_on"] == dt.date(2025, 4, 2)
    bounds = (april["forecast_mean"], april["forecast_lower_bound"], april["forecast_upper_bound"])
    assert bounds == (95, 85, 105)
    assert april["actual_unblended_mtd"] == 11 and april["actual_through"] == dt.date(2025, 4, 2)
    assert april["projected_month_total"] == 5 + 6 + 95  # actual before Apr 3 + forecast

    assert april_amortized["forecast_mean"] == 99
    assert april_amortized["projected_month_total"] == Decimal("5") + Decimal("6.5") + 99


def _guardduty_listings(cur):
    """The runs behind A1's GuardDuty listings (see seed): a complete collection on D1 in both
    regions; on D2 us-east-1 lists only f1 and f3 (GuardDuty deleted f2, f5 and f6 after 90
    days), eu-west-1 failed; on APR us-east-1 ran out of time (partial, f1 only) and eu-west-1
    was skipped."""
    add_run(
        cur,
        A1,
        D1,
        D2,
        collectors=[
            ("guardduty_findings", "us-east-1", "ok", None),
            ("guardduty_findings", "eu-west-1", "ok", None),
        ],
    )
    add_run(
        cur,
        A1,
        D2,
        APR,
        collectors=[
            ("guardduty_findings", "us-east-1", "ok", None),
            ("guardduty_findings", "eu-west-1", "error", "ThrottlingException"),
        ],
    )
    add_run(
        cur,
        A1,
        APR,
        APR + dt.timedelta(1),
        collectors=[
            ("guardduty_findings", "us-east-1", "partial", "time budget exhausted"),
            ("guardduty_findings", "eu-west-1", "skipped", "GuardDuty is not enabled"),
        ],
    )


def test_security_posture(seeded):
    _guardduty_listings(seeded)
    query = "SELECT * FROM v_security_posture WHERE account_id IN (%s, %s)"
    rows = {(r["account_id"], r["snapshot_date"]): r for r in dicts(seeded, query, (A1, A2))}
    d1, d2 = rows[(A1, D1)], rows[(A1, D2)]

    def pick(row, prefix, *levels):
        return tuple(row[f"{prefix}_{level}"] for level in levels)

    # Security Hub, summed over regions: open = workflow NEW or NOTIFIED; suppressed and
    # resolved findings (the 40 passed controls among them) are counted apart, never as open.
    sh_open = ("open_critical", "open_high", "open_medium", "open_low", "open_informational")
    closed = ("suppressed", "resolved", "active_records")
    assert pick(d1, "securityhub", *sh_open) == (1, 2, 0, 1, 0)
    assert pick(d1, "securityhub", *closed) == (1, 46, 51)
    assert pick(d2, "securityhub", *sh_open) == (0, 2, 0, 0, 0)
    assert pick(d2, "securityhub", *closed) == (1, 1, 4)
    assert "securityhub_critical" not in d1  # no figure left unnamed
    # GuardDuty: what the latest complete collection of each region lists, not archived; the
    # guardduty_findings table still holds f2, f5 and f6 (not archived), which no longer exist.
    # D1: f1, f6 high, f2 and eu-west-1's f7 medium, f5 (archived unknown) low; f4 archived.
    assert pick(d1, "guardduty", "high", "medium", "low", "listed_on") == (2, 2, 1, D1)
    # D2: us-east-1 lists f1 and f3; eu-west-1 failed, so its D1 listing (f7) stays.
    assert pick(d2, "guardduty", "high", "medium", "low", "listed_on") == (1, 2, 0, D1)
    # APR: a partial listing and a skip replace nothing.
    april = rows[(A1, APR)]
    assert pick(april, "guardduty", "high", "medium", "low", "listed_on") == (1, 2, 0, D1)
    current = dicts(
        seeded,
        """SELECT region, finding_id, snapshot_date FROM v_guardduty_findings_current
           WHERE account_id = %s ORDER BY 1, 2""",
        (A1,),
    )
    assert [tuple(r.values()) for r in current] == [
        ("eu-west-1", "f7", D1),
        ("us-east-1", "f1", D2),
        ("us-east-1", "f3", D2),
    ]
    # Inspector: the CLOSED finding never counts; i2 is first observed on D2.
    assert pick(d1, "inspector", "critical", "high", "medium", "low", "other") == (1, 0, 0, 0, 1)
    assert pick(d2, "inspector", "critical", "high", "medium", "low", "other") == (1, 1, 0, 0, 1)
    dev = rows[(A2, D2)]
    # an older sender sent no workflow counts: open is unknown, not the ACTIVE count
    assert dev["account_name"] == "Dev" and dev["securityhub_active_records"] == 7
    assert pick(dev, "securityhub", *sh_open, "suppressed") == (None,) * 6
    assert pick(dev, "guardduty", "high", "medium", "low", "listed_on") == (0, 0, 0, None)


def test_guardduty_findings_loaded_before_011_are_recovered_as_of_their_last_listing(seeded):
    """011's backfill: a finding row names the file that last wrote it; when that run's region
    collection was complete, the finding is listed as of that run."""
    cur = seeded
    cur.execute("DELETE FROM guardduty_finding_snapshots")
    run_id = add_run(cur, A1, D1, D2, collectors=[("guardduty_findings", "us-east-1", "ok", None)])
    ingestion = scalar(
        cur,
        """INSERT INTO ingestions (bucket, object_key, status, run_id)
                               VALUES ('b', 'k-011', 'loaded', %s) RETURNING id""",
        (run_id,),
    )
    cur.execute(
        "UPDATE guardduty_findings SET ingestion_id = %s WHERE finding_id IN ('f1', 'f4')",
        (ingestion,),
    )
    text = (SQL_DIR / "011_open_findings.sql").read_text(encoding="utf-8")
    (backfill,) = re.findall(r"^INSERT INTO guardduty_finding_snapshots .*?;$", text, re.S | re.M)
    cur.execute(backfill)
    rows = dicts(
        cur,
        "SELECT snapshot_date, region, finding_id, archived, ingestion_id"
        " FROM guardduty_finding_snapshots ORDER BY finding_id",
    )
    assert [tuple(r.values()) for r in rows] == [
        (D1, "us-east-1", "f1", False, ingestion),
        (D1, "us-east-1", "f4", True, ingestion),
    ]


def test_iam_mfa_is_counted_over_console_users_only(seeded):
    """with + without MFA = console users, whichever sender wrote the row (root apart)."""
    cur = seeded
    add_run(cur, A1, D2, APR, collectors=[("iam", "", "ok", None)])
    add_run(cur, A2, D1, D2, collectors=[("iam", "", "ok", None)])
    rows = dicts(
        cur,
        "SELECT * FROM v_iam_summary_current WHERE account_id IN (%s, %s) ORDER BY account_id",
        (A1, A2),
    )
    assert "users_with_mfa" not in rows[0] and "users_without_mfa" not in rows[0]
    figures = [
        (r["users_with_console"], r["console_users_with_mfa"], r["console_users_without_mfa"])
        for r in rows
    ]
    # A1's older sender counted 1 user with MFA (a programmatic one) and 1 console user
    # without: its only console user has none
    assert figures == [(1, 0, 1), (2, 1, 1)]
    # 011 converts rows loaded before it the same way
    text = (SQL_DIR / "011_open_findings.sql").read_text(encoding="utf-8")
    (convert,) = re.findall(r"^UPDATE iam_summary\b.*?;$", text, re.S | re.M)
    cur.execute(convert)
    stored = dicts(
        cur,
        "SELECT console_users_with_mfa, console_users_without_mfa"
        " FROM iam_summary WHERE account_id = %s",
        (A1,),
    )
    assert [tuple(r.values()) for r in stored] == [(0, 1)]


def test_compliance_trend(seeded):
    rows = dicts(
        seeded,
        """SELECT account_id, snapshot_date, rules_total, rules_compliant, rules_non_compliant,
                  rules_not_applicable, non_compliant_resources, compliance_pct
           FROM v_compliance_trend WHERE account_id IN (%s, %s)
           ORDER BY account_id, snapshot_date""",
        (A1, A2),
    )
    assert [tuple(r.values()) for r in rows] == [
        (A1, D1, 4, 2, 1, 1, 3, Decimal("66.67")),  # 2 of 3 evaluated rules, 2 regions
        (A1, D2, 2, 2, 0, 0, 0, Decimal("100.00")),
        (A2, D2, 1, 0, 0, 0, 0, None),  # nothing evaluated yet: no percentage
    ]


def test_inventory_latest(seeded):
    rows = dicts(
        seeded,
        """SELECT account_id, snapshot_date, region, resource_type, resource_count
           FROM v_inventory_latest WHERE account_id IN (%s, %s)
           ORDER BY account_id, region, resource_type""",
        (A1, A2),
    )
    assert [tuple(r.values()) for r in rows] == [
        (A1, D2, "eu-west-1", "ec2:instance", 1),
        (A1, D2, "us-east-1", "ec2:instance", 3),
        (A1, D2, "us-east-1", "s3:bucket", 1),
        (A2, D1, "us-east-1", "lambda:function", 1),  # Dev's latest snapshot is D1
    ]


def test_savings_opportunities(seeded):
    query = "SELECT * FROM v_savings_opportunities WHERE account_id IN (%s, %s)"
    rows = dicts(seeded, query, (A1, A2))
    by_source: dict[str, list] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)

    advisor = {r["item_id"]: r for r in by_source["trusted_advisor"]}
    assert set(advisor) == {"c1", "c4"}  # flagged and with savings
    assert sum(r["estimated_monthly_savings"] for r in advisor.values()) == Decimal("75.5")
    assert "3 resources flagged" in advisor["c1"]["description"]
    (optimizer,) = by_source["compute_optimizer"]
    assert optimizer["estimated_monthly_savings"] == Decimal("30.25")
    assert "m5.xlarge -> m5.large" in optimizer["description"]
    assert (optimizer["period_start"], optimizer["period_end"]) == (D2, APR)
    commitments = {r["item_id"]: r for r in by_source["commitment"]}
    assert set(commitments) == {"RI", "SP"}  # Dev's fully used RI is not an opportunity
    assert commitments["RI"]["estimated_monthly_savings"] == 40  # a calendar month: as is
    assert commitments["SP"]["estimated_monthly_savings"] == 2 * 31  # one day, scaled to March
    assert commitments["RI"]["period_end"] == APR
    total = sum(r["estimated_monthly_savings"] for r in rows)
    assert total == Decimal("75.5") + Decimal("30.25") + 40 + 62
    assert {r["account_name"] for r in rows} == {"Prod"}


# fmt: off
def add_run(cur, account, start, end, interval="DAILY", collectors=()):
    """A collection run for [start, end) and its collectors (name, region, status, error)."""
    run_id = scalar(
        cur,
        """INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end,
                                        collected_at, sender_version, regions, schema_version)
           VALUES (gen_random_uuid(), %s, %s, %s, %s, %s::date + time '02:00' AT TIME ZONE 'UTC',
                   '0.1.0', %s, '1.0')
           RETURNING run_id""",
        (account, interval, start, end, end, ["us-east-1", "eu-west-1"]),
    )
    load(cur, "collector_runs",
         "account_id run_id collector region status error item_count duration_ms",
         *[(account, run_id, name, region, status, error, 0 if error else 5, 120)
           for name, region, status, error in collectors])
    snapshot_pointers.rebuild(cur)  # runs written without the loader: "current" follows (021)
    return run_id


def test_collection_health(seeded):
    cur = seeded
    today = scalar(cur, "SELECT (now() AT TIME ZONE 'UTC')::date")

    def day(n):
        return today - dt.timedelta(days=n)

    add_run(cur, A1, day(2), day(1), collectors=[
        ("cost", "", "ok", None),
        ("guardduty", "us-east-1", "error", "ThrottlingException"),
        ("guardduty", "eu-west-1", "error", "ThrottlingException"),
        ("inspector", "us-east-1", "partial", "page 3 failed"),
        ("securityhub", "us-east-1", "skipped", "Security Hub is not enabled"),
    ])
    add_run(cur, A1, day(4), day(3), collectors=[("cost", "", "ok", None),
                                                 ("kms", "us-east-1", "ok", None)])
    add_run(cur, A1, day(10), day(3), "WEEKLY", collectors=[("cost", "", "ok", None)])
    # nothing covers day(3); A2 never sent anything

    query = "SELECT * FROM v_collection_health WHERE account_id IN (%s, %s)"
    rows = {(r["account_id"], r["day"]): r for r in dicts(cur, query, (A1, A2))}
    assert set(rows) == {(acct, day(n)) for acct in (A1, A2) for n in range(1, 31)}

    failed = rows[(A1, day(2))]
    assert failed["run_received"] and failed["health"] == "error"
    counts = tuple(failed[f"collectors_{s}"] for s in ("ok", "partial", "skipped", "error"))
    assert counts == (1, 1, 1, 2)
    assert failed["failed_collectors"] == "guardduty"
    assert failed["partial_collectors"] == "inspector"

    missing = rows[(A1, day(3))]
    assert missing["run_received"] is False and missing["health"] == "missing"
    assert missing["run_count"] == 0 and missing["failed_collectors"] is None

    both = rows[(A1, day(4))]  # daily and weekly run: the daily one describes the day
    assert (both["run_count"], both["interval"], both["collectors_ok"]) == (2, "DAILY", 2)
    assert both["health"] == "ok"
    assert rows[(A1, day(5))]["interval"] == "WEEKLY"
    assert rows[(A1, day(11))]["health"] == "missing"

    dev = [r for (acct, _), r in rows.items() if acct == A2]
    assert len(dev) == 30
    assert all(r["health"] == "missing" and r["run_received"] is False for r in dev)
    assert {r["account_name"] for r in dev} == {"Dev"}


def test_expected_accounts_and_their_reporting_status(cur):
    """Reporting within the threshold, silent after it, never reported; suspended accounts are
    not expected; the latest refresh's threshold applies."""
    b, c, d, e = "900000000011", "900000000012", "900000000013", "900000000014"
    refresh = "0b5d8c1e-2f4a-4b6c-8d7e-9f0a1b2c3d4e"
    load(cur, "accounts", "account_id name ou_path", (b, "Sent recently", "Root/Old"),
         (c, "Sent 40 h ago", None), (e, "Outside the roster", "Root/Elsewhere"))
    cur.execute(
        """INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end,
                                        collected_at)
           VALUES (gen_random_uuid(), %(b)s, 'DAILY', current_date - 1, current_date,
                   now() - interval '2 hours'),
                  (gen_random_uuid(), %(c)s, 'DAILY', current_date - 2, current_date - 1,
                   now() - interval '40 hours'),
                  (gen_random_uuid(), %(e)s, 'DAILY', current_date - 1, current_date, now())""",
        {"b": b, "c": c, "e": e},
    )
    load(cur, "ingestions", "bucket object_key account_id status error received_at",
         ("obs", f"data/{d}/x.json.gz", d, "failed", "bad file", "2025-01-01T00:00:00Z"))
    load(cur, "organization_roster_refreshes",
         "refresh_id account_count active_count started_at refreshed_at",
         (refresh, 4, 3, "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z"))
    load(cur, "organization_accounts", "account_id name status ou_id ou_path tags refresh_id",
         (b, "Bé Ünïcode", "ACTIVE", "ou-1", "Root/Workloads/Production", '{"Team": "a"}',
          refresh),
         (c, "Quiet", "ACTIVE", "ou-2", "Root/Workloads", "{}", refresh),
         (d, "Never", "ACTIVE", "ou-3", "Root/Legacy", "{}", refresh),
         ("900000000015", "Gone soon", "PENDING_CLOSURE", "ou-3", "Root/Legacy", "{}", refresh),
         ("900000000016", "Management", "ACTIVE", "r-1", "Root",
          '{"observability:expected": "false"}', refresh))

    rows = {r["account_id"]: r for r in dicts(cur, "SELECT * FROM v_expected_accounts")}
    assert set(rows) == {b, c, d}
    assert rows[b]["reporting_status"] == "reporting"
    assert rows[b]["account_name"] == "Bé Ünïcode"
    assert rows[b]["hours_since_report"] == Decimal("2.0")
    assert rows[c]["reporting_status"] == "silent" and rows[c]["silent_after_hours"] == 36
    assert rows[d]["reporting_status"] == "never_reported" and rows[d]["last_report_at"] is None
    assert rows[d]["last_received_at"] == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    silent = dicts(cur, "SELECT account_id, reporting_status FROM v_collection_health_silent")
    assert sorted((r["account_id"], r["reporting_status"]) for r in silent) == [
        (c, "silent"),
        (d, "never_reported"),
    ]

    # a later refresh with a 48-hour threshold: 40 hours is no longer silent
    load(cur, "organization_roster_refreshes",
         "refresh_id account_count active_count silent_after_hours started_at refreshed_at",
         ("1b5d8c1e-2f4a-4b6c-8d7e-9f0a1b2c3d4e", 4, 3, 48, "2025-01-02T00:00:00Z",
          "2025-01-02T00:00:01Z"))
    status = "SELECT reporting_status FROM v_expected_accounts WHERE account_id = %s"
    assert scalar(cur, status, (c,)) == "reporting"
    # 48 hours later (the same rows, read with a clock moved forward) it is silent again
    cur.execute("UPDATE collection_runs SET collected_at = collected_at - interval '9 hours' "
                "WHERE account_id = %s", (c,))
    assert scalar(cur, status, (c,)) == "silent"

    labels = {r["account_id"]: r for r in dicts(
        cur, "SELECT * FROM v_account_labels WHERE account_id IN (%s, %s, %s)", (b, d, e))}
    assert labels[b]["ou_path"] == "Root/Workloads/Production"  # the roster wins
    assert labels[b]["tags"] == {"Team": "a"} and labels[b]["has_reported"]
    assert labels[d]["in_roster"] and not labels[d]["has_reported"]
    assert labels[e]["ou_path"] == "Root/Elsewhere" and not labels[e]["in_roster"]
    assert labels[e]["tags"] == {} and labels[e]["account_name"] == "Outside the roster"
    # opted out by its tag: in the roster and labelled, but not expected
    opted_out = dicts(cur, "SELECT * FROM v_account_labels WHERE account_id = '900000000016'")
    assert [(r["in_roster"], r["expected"]) for r in opted_out] == [(True, False)]
    assert labels[b]["expected"] and not labels[e]["expected"]


def test_roster_rejects_unknown_status_and_non_object_tags(cur):
    refresh = "2b5d8c1e-2f4a-4b6c-8d7e-9f0a1b2c3d4e"
    load(cur, "organization_roster_refreshes", "refresh_id account_count active_count started_at",
         (refresh, 1, 1, "2025-01-01T00:00:00Z"))
    for status, tags in (("GONE", "{}"), ("ACTIVE", "[]")):
        cur.execute("SAVEPOINT s")
        with pytest.raises(errors.CheckViolation):
            load(cur, "organization_accounts",
                 "account_id name status ou_id ou_path tags refresh_id",
                 ("900000000021", "x", status, "r-1", "Root", tags, refresh))
        cur.execute("ROLLBACK TO SAVEPOINT s")


def test_ingestion_status(cur):
    cur.execute("SET LOCAL TimeZone = 'America/New_York'")  # days are UTC days regardless
    load(cur, "ingestions", "bucket object_key status error received_at rows size_bytes",
         ("obs", "data/a.json.gz", "loaded", None, "2001-02-03T08:00:00Z",
          '{"cost_daily": 4, "config_rules": 3}', 100),
         ("obs", "data/b.json.gz", "failed", "first error", "2001-02-03T10:00:00Z", "{}", 100),
         ("obs", "data/c.json.gz", "failed", "ValidationError: collected_at",
          "2001-02-03T11:00:00Z", "{}", 100),
         ("obs", "data/d.json.gz", "skipped", None, "2001-02-03T12:00:00Z", "{}", 100),
         ("obs", "data/e.json.gz", "loaded", None, "2001-02-03T23:30:00-05:00",
          '{"cost_daily": 1}', 100))
    rows = dicts(
        cur,
        """SELECT * FROM v_ingestion_status
           WHERE day BETWEEN '2001-02-03' AND '2001-02-04' ORDER BY day""",
    )
    first, second = rows
    assert first["day"] == dt.date(2001, 2, 3)
    counts = tuple(first[f"files_{s}"] for s in ("total", "loaded", "failed", "skipped"))
    assert counts == (4, 1, 2, 1)
    assert (first["rows_written"], first["bytes_total"]) == (7, 400)
    assert first["last_error"] == "ValidationError: collected_at"
    assert first["last_failed_object_key"] == "data/c.json.gz"
    assert second["day"] == dt.date(2001, 2, 4)  # 23:30 in New York is the next UTC day
    assert (second["files_loaded"], second["files_failed"], second["last_error"]) == (1, 0, None)


# fmt: on


def test_every_view_returns_rows_for_the_data_set(seeded):
    add_run(seeded, A1, D2, APR)
    # v_resources_by_az_current reads the current resources snapshot: a complete collection
    add_run(seeded, A1, D1, D2, collectors=[("resources", "us-east-1", "ok", None)])
    # v_report_collector_issues lists failed collectors only and v_report_commitment_utilization
    # sums over accounts: tests/report/test_report.py covers both
    exempt = {
        "v_ingestion_status",
        "v_report_collector_issues",
        "v_report_commitment_utilization",
        "v_report_commitment_services",
    }
    for view in sorted(EXPECTED_VIEWS - exempt):
        query = sql.SQL("SELECT count(*) FROM {} WHERE account_id IN (%s, %s)")
        assert scalar(seeded, query.format(sql.Identifier(view)), (A1, A2)) > 0, view
    query = "SELECT files_loaded FROM v_ingestion_status WHERE day = '2025-04-01'"
    assert scalar(seeded, query) == 1


# --------------------------------------------------------------------------- constraints


# fmt: off
def rejected(cur, expected, table, /, **row):
    """Assert that inserting the row fails with ``expected`` (inside a savepoint)."""
    with pytest.raises(expected), cur.connection.transaction():
        insert(cur, table, row)


def test_duplicate_natural_keys_are_rejected(seeded):
    cur = seeded
    unique = errors.UniqueViolation
    rejected(cur, unique, "cost_daily", account_id=A1, usage_date="2025-03-01",
             service="Amazon EC2")
    rejected(cur, unique, "ssm_patches", account_id=A1, snapshot_date=D2, region="us-east-1",
             instance_id="i-0abc", patch_id="ALAS2023-2025-001")
    rejected(cur, unique, "ssm_applications", account_id=A1, snapshot_date=D2,
             region="us-east-1", instance_id="i-0abc", name="custom-tool")  # ''/'' key
    rejected(cur, unique, "ingestions", bucket="obs-bucket", object_key=SEED_KEY,
             version_id="v1", status="failed", error="again")
    run_id = add_run(cur, A1, D1, D2, collectors=[("iam", "", "ok", None)])
    rejected(cur, unique, "collector_runs", account_id=A1, run_id=run_id, collector="iam",
             status="error", error="region defaults to '' for global collectors")

    # The loader's upsert on the documented key updates the row in place.
    cur.execute(
        """INSERT INTO cost_daily (account_id, usage_date, service, unblended_cost)
           VALUES (%s, '2025-03-01', 'Amazon EC2', 11)
           ON CONFLICT (account_id, usage_date, service)
           DO UPDATE SET unblended_cost = excluded.unblended_cost, last_loaded_at = now()""",
        (A1,),
    )
    query = """SELECT unblended_cost FROM cost_daily
               WHERE account_id = %s AND usage_date = '2025-03-01' AND service = 'Amazon EC2'"""
    assert scalar(cur, query, (A1,)) == 11


def test_rows_without_parent_are_rejected(seeded):
    cur = seeded
    fk = errors.ForeignKeyViolation
    unknown = "900000000099"
    rejected(cur, fk, "ssm_patches", account_id=A1, snapshot_date=D1, region="us-east-1",
             instance_id="i-0abc", patch_id="KB1")  # the instance is in D2 only
    rejected(cur, fk, "ssm_applications", account_id=A1, snapshot_date=D2, region="eu-west-1",
             instance_id="i-0abc", name="nginx")
    rejected(cur, fk, "waf_rules", account_id=A1, snapshot_date=D1, web_acl_arn="arn:aws:wafv2:x",
             rule_name="r")
    rejected(cur, fk, "iam_users", account_id=A2, snapshot_date=D2, user_name="bob")
    rejected(cur, fk, "account_contacts", account_id=unknown, contact_type="BILLING")
    rejected(cur, fk, "cost_daily", account_id=unknown, usage_date=D1, service="x")
    rejected(cur, fk, "collection_runs", run_id="00000000-0000-0000-0000-000000000009",
             account_id=unknown, interval="DAILY", window_start=D1, window_end=D2,
             collected_at="2025-04-01T00:00:00Z")
    rejected(cur, fk, "collector_runs", account_id=A1,
             run_id="00000000-0000-0000-0000-000000000000", collector="iam", status="ok")


def test_a_deleted_files_rows_keep_its_ingestion_id(seeded):
    """sql/038: no foreign key to ingestions, so deleting a file's row leaves the rows it wrote
    (and their ingestion_id, which no later file can get: identity values are not reused)."""
    cur = seeded
    cur.execute(
        "INSERT INTO ingestions (bucket, object_key, status) VALUES ('b', 'k', 'loaded') "
        "RETURNING id"
    )
    (ingestion,) = cur.fetchone()
    insert(cur, "cost_daily", {"account_id": A1, "usage_date": D1, "service": "x",
                               "ingestion_id": ingestion})
    cur.execute("DELETE FROM ingestions WHERE id = %s", (ingestion,))
    cur.execute("SELECT ingestion_id FROM cost_daily WHERE account_id = %s AND service = 'x'",
                (A1,))
    assert cur.fetchall() == [(ingestion,)]


def test_deleting_a_parent_snapshot_removes_its_children(seeded):
    cur = seeded
    cur.execute("DELETE FROM ssm_managed_instances WHERE account_id = %s", (A1,))
    cur.execute("DELETE FROM iam_summary WHERE account_id = %s", (A1,))
    for child in ("ssm_applications", "ssm_patches", "iam_users"):
        query = sql.SQL("SELECT count(*) FROM {} WHERE account_id = %s")
        assert scalar(cur, query.format(sql.Identifier(child)), (A1,)) == 0, child


def test_check_constraints_reject_bad_values(seeded):
    cur = seeded
    check = errors.CheckViolation
    window = dict(interval="DAILY", window_start=D1, window_end=D2, collected_at=APR)
    rejected(cur, check, "accounts", account_id="12345678901a")
    rejected(cur, check, "accounts", account_id="1234")
    rejected(cur, check, "account_contacts", account_id=A1, contact_type="MARKETING")
    rejected(cur, check, "guardduty_findings", account_id=A1, region="us-east-1", finding_id="x",
             severity="10.5")
    rejected(cur, check, "securityhub_severity_counts", account_id=A1, snapshot_date=D1,
             region="ap-south-1", severity_label="HIGH", count=-1)
    rejected(cur, check, "securityhub_severity_counts", account_id=A1, snapshot_date=D1,
             region="ap-south-1", severity_label="SEVERE", count=1)
    rejected(cur, check, "config_rules", account_id=A1, snapshot_date=D1, region="ap-south-1",
             rule_name="r", compliance="MOSTLY")
    rejected(cur, check, "resources", account_id=A1, snapshot_date=D1, region="us-east-1",
             resource_type="ec2:vpc", resource_id="vpc-1")
    rejected(cur, check, "cost_forecasts", account_id=A1, generated_on=D1, metric="BLENDED_COST",
             period_start=D1, period_end=D2)
    rejected(cur, check, "commitment_utilization", account_id=A1, kind="CUD", period_start=D1,
             period_end=D2)
    rejected(cur, check, "trusted_advisor_checks", account_id=A1, snapshot_date=D1, check_id="x",
             status="red")
    rejected(cur, check, "collection_runs", run_id="00000000-0000-0000-0000-000000000001",
             account_id=A1, **{**window, "window_end": D1})  # empty window
    rejected(cur, check, "collection_runs", run_id="00000000-0000-0000-0000-000000000002",
             account_id=A1, **{**window, "interval": "HOURLY"})
    rejected(cur, check, "ingestions", bucket="b", object_key="k", status="failed")  # no error
    rejected(cur, check, "ingestions", bucket="b", object_key="k", status="pending")
    run_id = add_run(cur, A1, D1, D2)
    rejected(cur, check, "collector_runs", account_id=A1, run_id=run_id, collector="kms",
             status="ok", error="an ok collector has no error")
    rejected(cur, check, "collector_runs", account_id=A1, run_id=run_id, collector="kms",
             status="done")


# fmt: on


def test_applying_a_file_twice_fails_loudly(db):
    for path in sorted(SQL_DIR.glob("*.sql")):
        duplicate = (errors.DuplicateTable, errors.DuplicateObject, errors.DuplicateColumn)
        with pytest.raises(duplicate), db.transaction():
            db.execute(path.read_text(encoding="utf-8"))
