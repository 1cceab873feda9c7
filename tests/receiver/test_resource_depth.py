"""Resource depth (sql/036): WAF protection flags, Compute Optimizer utilisation and risk,
Resilience Hub RPO/RTO and SSM node details reach their ``*_current`` views, the children
replaced with their parents, and older senders' files leave the new columns unknown (NULL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from support.dated_documents import dated, load

DAY = date(2026, 11, 24)


@pytest.fixture
def pg(migrated_dsn: str) -> Iterator[PsycopgExecutor]:
    executor = PsycopgExecutor(migrated_dsn)
    yield executor
    executor.close()


def test_the_new_fields_reach_the_current_views(pg):
    doc = load(pg, dated(DAY))
    acls = {
        r["name"]: (
            r["geo_blocking"],
            r["sqli_protection"],
            r["xss_protection"],
            r["rate_limiting"],
        )
        for r in pg.execute("SELECT * FROM v_waf_web_acls_current")
    }
    assert acls == {
        a["name"]: (
            a["geo_blocking"],
            a["sqli_protection"],
            a["xss_protection"],
            a["rate_limiting"],
        )
        for a in doc["data"]["waf_web_acls"]
    }
    rules = {
        r["rule_name"]: r["protections"] for r in pg.execute("SELECT * FROM v_waf_rules_current")
    }
    assert rules == {
        r["name"]: r["protections"] for a in doc["data"]["waf_web_acls"] for r in a["rules"]
    }

    utilization = pg.execute(
        "SELECT u.resource_arn, u.metric, u.statistic, u.value, r.migration_effort"
        " FROM v_compute_optimizer_utilization_current u"
        " JOIN v_compute_optimizer_recommendations_current r USING (account_id, snapshot_date,"
        " resource_arn)"
    )
    expected = {
        (c["resource_arn"], u["metric"], u["statistic"])
        for c in doc["data"]["compute_optimizer"]
        for u in c["utilization"]
    }
    assert {(r["resource_arn"], r["metric"], r["statistic"]) for r in utilization} == expected

    disruptions = pg.execute(
        "SELECT d.disruption_type, d.target_rto_seconds, d.current_rto_seconds, a.name"
        " FROM v_resiliencehub_app_disruptions_current d"
        " JOIN v_resiliencehub_apps_current a USING (account_id, snapshot_date, app_arn)"
        " ORDER BY d.target_rto_seconds"
    )
    assert [
        (r["disruption_type"], r["target_rto_seconds"], r["current_rto_seconds"])
        for r in disruptions
    ] == [
        ("AZ", 1800, 7200),
        ("Software", 3600, 600),
        ("Region", 14400, None),
    ]
    nodes = {
        r["instance_id"]: (r["resource_type"], r["agent_is_latest"], r["association_status"])
        for r in pg.execute("SELECT * FROM v_ssm_managed_instances_current")
    }
    assert nodes == {
        i["instance_id"]: (i["resource_type"], i["agent_is_latest"], i["association_status"])
        for i in doc["data"]["ssm_instances"]
    }


def test_a_new_snapshot_replaces_the_children_and_an_older_sender_leaves_them_unknown(pg):
    load(pg, dated(DAY))
    older = dated(date(2026, 11, 25))
    for acl in older["data"]["waf_web_acls"]:
        for flag in ("geo_blocking", "sqli_protection", "xss_protection", "rate_limiting"):
            del acl[flag]
        for rule in acl["rules"]:
            del rule["protections"]
    for rec in older["data"]["compute_optimizer"]:
        for field in ("finding_reasons", "migration_effort", "recommended_performance_risk",
                      "lookback_days", "utilization"):  # fmt: skip
            del rec[field]
    for app in older["data"]["resilience_hub_apps"]:
        del app["assessment_arn"], app["disruptions"]
    load(pg, older)
    current = pg.execute(
        "SELECT snapshot_date, geo_blocking, rate_limiting FROM v_waf_web_acls_current"
    )
    assert {(str(r["snapshot_date"]), r["geo_blocking"], r["rate_limiting"]) for r in current} == {
        ("2026-11-25", None, None)
    }
    assert (
        pg.execute("SELECT count(*) AS n FROM v_compute_optimizer_utilization_current")[0]["n"] == 0
    )
    assert (
        pg.execute("SELECT count(*) AS n FROM v_resiliencehub_app_disruptions_current")[0]["n"] == 0
    )
    # the earlier day keeps its own rows
    kept = pg.execute(
        "SELECT count(*) AS n FROM resiliencehub_app_disruptions WHERE snapshot_date = :d",
        {"d": DAY},
    )
    assert kept[0]["n"] == 3
