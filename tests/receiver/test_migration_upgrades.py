"""Upgrading a database that already holds data: each migration that reshapes existing rows
is applied on top of the migrations before it, with rows written the way the previous
release wrote them, and what users read afterwards is checked."""

from __future__ import annotations

import json

from receiver.db.psycopg_executor import PsycopgExecutor
from support.migration_steps import contents, migrate_up_to


def test_015_scopes_existing_runs_to_their_account(pg, tmp_path):
    migrate_up_to(pg, tmp_path, "014")
    pg.execute("INSERT INTO accounts (account_id) VALUES ('111111111111'), ('222222222222')")
    for account, run in (("111111111111", "1"), ("222222222222", "2")):
        pg.execute(
            """INSERT INTO collection_runs (run_id, account_id, interval, window_start,
                                            window_end, collected_at)
               VALUES (CAST(:run AS uuid), :account, 'DAILY', '2026-11-01', '2026-11-02',
                       '2026-11-02T02:00:00Z')""",
            {"run": f"0000000{run}-0000-4000-8000-000000000000", "account": account},
        )
        pg.execute(
            """INSERT INTO collector_runs (run_id, collector, region, status)
               VALUES (CAST(:run AS uuid), 'kms_keys', 'eu-west-1', 'ok')""",
            {"run": f"0000000{run}-0000-4000-8000-000000000000"},
        )

    migrate_up_to(pg, tmp_path, "015")

    rows = pg.execute("SELECT account_id, run_id::text FROM collector_runs ORDER BY 1")
    assert [(r["account_id"], r["run_id"][:8]) for r in rows] == [
        ("111111111111", "00000001"),
        ("222222222222", "00000002"),
    ]
    current = pg.execute("SELECT account_id, snapshot_date FROM v_snapshot_current ORDER BY 1")
    assert [r["account_id"] for r in current] == ["111111111111", "222222222222"]
    # the same run id is now allowed once per account, and the collectors follow their run
    pg.execute(
        """INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end,
                                        collected_at)
           SELECT run_id, '222222222222', interval, window_start, window_end, collected_at
           FROM collection_runs WHERE account_id = '111111111111'"""
    )
    pg.execute("DELETE FROM collection_runs WHERE account_id = '111111111111'")
    left = pg.execute("SELECT account_id, count(*) AS n FROM collector_runs GROUP BY 1")
    assert left == [{"account_id": "222222222222", "n": 1}]


# --- 022: monthly partitions, applied to a populated database ------------------------------

PARTITIONED_022 = {
    "cost_daily": "usage_date",
    "service_usage": "usage_date",
    "marketplace_usage": "usage_date",
    "cost_forecasts": "generated_on",
    "organization_cost_forecasts": "generated_on",
    **{
        name: "snapshot_date"
        for name in [
            "securityhub_severity_counts",
            "guardduty_finding_snapshots",
            "kms_keys",
            "waf_web_acls",
            "waf_rules",
            "cloudtrail_trails",
            "secrets",
            "acm_certificates",
            "config_rules",
            "config_conformance_packs",
            "config_noncompliant_resources",
            "ssm_managed_instances",
            "ssm_applications",
            "ssm_patches",
            "trusted_advisor_checks",
            "appsignals_services",
            "appsignals_slos",
            "resiliencehub_apps",
            "compute_optimizer_recommendations",
            "resources",
            "iam_summary",
            "iam_users",
        ]
    },
}


def _shape(pg: PsycopgExecutor, tables: list[str]) -> dict[str, object]:
    """What 022 must keep of each table and view: columns, keys, indexes, comments, views."""
    shape: dict[str, object] = {}
    for table in tables:
        oid = f"'{table}'::regclass"
        shape[table] = {
            "columns": pg.execute(
                f"""SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
                           pg_get_expr(d.adbin, d.adrelid) AS default,
                           col_description(a.attrelid, a.attnum) AS comment
                    FROM pg_attribute a LEFT JOIN pg_attrdef d
                      ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped
                    ORDER BY a.attnum"""
            ),
            "constraints": pg.execute(
                f"""SELECT conname, pg_get_constraintdef(oid) AS def,
                           obj_description(oid, 'pg_constraint') AS comment
                    FROM pg_constraint WHERE conrelid = {oid} AND conparentid = 0
                    ORDER BY 1"""
            ),
            "referenced_by": pg.execute(
                f"""SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def
                    FROM pg_constraint WHERE confrelid = {oid} AND conparentid = 0 ORDER BY 1, 2"""
            ),
            "indexes": [
                r["def"].replace(" ON ONLY ", " ON ")
                for r in pg.execute(
                    f"""SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index
                        WHERE indrelid = {oid} ORDER BY 1"""
                )
            ],
            "comment": pg.execute(f"SELECT obj_description({oid}, 'pg_class') AS c")[0]["c"],
        }
    shape["views"] = pg.execute(
        """SELECT c.relname, pg_get_viewdef(c.oid) AS def, c.reloptions,
                  obj_description(c.oid, 'pg_class') AS comment,
                  (SELECT array_agg(a.attname || ': ' || col_description(c.oid, a.attnum)
                                    ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                     AND col_description(c.oid, a.attnum) IS NOT NULL) AS column_comments
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
           ORDER BY 1"""
    )
    return shape


def test_022_partitions_a_populated_database_in_place(pg, tmp_path):
    from datetime import date

    from support.dated_documents import FROZEN_1_1, load_day

    migrate_up_to(pg, tmp_path, "021")
    days = [date(2026, 7, 30), date(2026, 8, 1), date(2026, 9, 15), date(2026, 10, 31)]
    old = json.loads(FROZEN_1_1.read_text(encoding="utf-8"))  # as the senders of 021 wrote
    for day in days:
        load_day(pg, day, base=old)
    load_day(pg, date(2026, 11, 24), account="210987654321", base=old)
    before, shape = contents(pg), _shape(pg, sorted(PARTITIONED_022))
    assert all(before[t] for t in PARTITIONED_022 if t != "organization_cost_forecasts"), [
        t for t in PARTITIONED_022 if not before[t]
    ]
    views = [v["relname"] for v in shape["views"]]  # type: ignore[union-attr]
    assert len(views) >= 56

    migrate_up_to(pg, tmp_path, "022", ahead=False)  # 022 alone: its own shape

    after = contents(pg)
    assert {k: after[k] for k in before} == before
    assert {k: v for k, v in after.items() if k not in before} == {
        **{t: [] for t in _ROLLUPS_022},
        "v_cost_monthly": after["v_cost_monthly"],
    }
    assert after["v_cost_monthly"]  # the months still in detail, summed
    shape_after = _shape(pg, sorted(PARTITIONED_022))
    shape_after["views"] = [v for v in shape_after["views"] if v["relname"] != "v_cost_monthly"]  # type: ignore[union-attr]
    assert shape_after == shape
    kinds = pg.execute(
        "SELECT relname, relkind FROM pg_class WHERE relname = ANY(string_to_array(:names, ','))",
        {"names": ",".join(PARTITIONED_022)},
    )
    assert {r["relname"]: r["relkind"] for r in kinds} == dict.fromkeys(PARTITIONED_022, "p")
    parts = {
        r["relname"]
        for r in pg.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'kms_keys'::regclass"
        )
    }
    assert {"kms_keys_default", *(f"kms_keys_p2026{m:02}" for m in (7, 8, 9, 10, 11))} <= parts
    in_default = pg.execute(
        "SELECT count(*) AS n FROM kms_keys_default "
        "UNION ALL SELECT count(*) FROM waf_rules_default"
    )
    assert [r["n"] for r in in_default] == [0, 0]
    monthly = pg.execute(
        "SELECT count(*) AS n FROM kms_keys_p202609 UNION ALL SELECT count(*) FROM kms_keys_p202608"
    )
    assert all(r["n"] > 0 for r in monthly)
    # no helper of the migration is left behind
    leftovers = pg.execute(
        "SELECT relname AS name FROM pg_class WHERE relname LIKE '%pre022%' "
        "OR relname LIKE 'migration_022%' UNION ALL "
        "SELECT proname FROM pg_proc WHERE proname LIKE 'migration_022%'"
    )
    assert leftovers == []
    # the foreign keys still cascade, through the partitions
    pg.execute("DELETE FROM waf_web_acls WHERE snapshot_date = '2026-09-15'")
    left = pg.execute("SELECT count(*) AS n FROM waf_rules WHERE snapshot_date = '2026-09-15'")
    assert left == [{"n": 0}]
    # the loader writes into the partitioned tables, a day in DEFAULT too
    load_day(pg, date(2026, 11, 25), base=old)
    load_day(pg, date(2031, 1, 10), base=old)
    assert pg.execute("SELECT count(*) > 0 AS ok FROM kms_keys_default") == [{"ok": True}]


_ROLLUPS_022 = (
    "cost_monthly",
    "service_usage_monthly",
    "marketplace_usage_monthly",
    "securityhub_severity_monthly",
    "config_compliance_monthly",
)
