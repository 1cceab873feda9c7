"""Security Hub standards and the findings' remediation and description text in the receiver
(issue 14 items 1 and 6, sql/035): every field lands, the score and top failing controls views
compute Security Hub's figures, documents of senders before 1.2 still load (NULL columns).

Documents go through the production loader into a real PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from receiver.tables import BY_NAME
from support.receiver_fixtures import (
    Db,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    load_doc,
    only,
    shifted,
)

SECTIONS = ("account", "securityhub", "securityhub_standards", "guardduty_findings")
SECTIONS += ("inspector_findings",)
FSBP = "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"
NIST = "arn:aws:securityhub:us-east-1::standards/nist-800-53/v/5.0.0"


def security_doc() -> dict[str, Any]:
    return only(fixture_doc(), *SECTIONS)


def _same(expected: Any, stored: Any) -> bool:
    if isinstance(stored, Decimal) and expected is not None:
        return stored == Decimal(str(expected))
    if hasattr(stored, "isoformat") and isinstance(expected, str):
        return True  # timestamps: the loader tests check them for every table
    return expected == stored


def test_standards_scores_and_controls_land_field_by_field(db: Db):
    doc = security_doc()
    assert load_doc(db, doc).status == "loaded"
    section = doc["data"]["securityhub_standards"]
    for table, items, key in (
        ("securityhub_standard_scores", section["standards"], ("region", "standards_arn")),
        (
            "securityhub_standard_controls",
            section["controls"],
            ("region", "standards_arn", "control_id"),
        ),
    ):
        rows = {tuple(r[k] for k in key): r for r in db.query(f"SELECT * FROM {table}")}
        assert len(rows) == len(items)
        for item in items:
            row = rows[tuple(item[k] for k in key)]
            assert str(row["snapshot_date"]) == "2026-11-24"
            for column in BY_NAME[table].column_names:
                assert _same(item[column], row[column]), (table, column, row[column])


def test_findings_remediation_and_descriptions_land(db: Db):
    doc = security_doc()
    assert load_doc(db, doc).status == "loaded"
    hub = doc["data"]["securityhub"]["findings"][0]
    [row] = db.query(
        "SELECT remediation_text, remediation_url FROM securityhub_findings WHERE finding_id = %s",
        (hub["finding_id"],),
    )
    assert (row["remediation_text"], row["remediation_url"]) == (
        hub["remediation_text"],
        hub["remediation_url"],
    )
    gd = doc["data"]["guardduty_findings"][0]
    for table in ("guardduty_findings", "guardduty_finding_snapshots"):
        [row] = db.query(
            f"SELECT description, confidence FROM {table} WHERE finding_id = %s",
            (gd["finding_id"],),
        )
        assert row["description"] == gd["description"] and "« scanner »" in row["description"]
        assert row["confidence"] == Decimal(str(gd["confidence"]))
    inspector = doc["data"]["inspector_findings"][0]
    [row] = db.query(
        "SELECT description FROM inspector_findings WHERE finding_arn = %s",
        (inspector["finding_arn"],),
    )
    assert row["description"] == inspector["description"]
    # the open-findings views carry them
    [current] = db.query(
        "SELECT remediation_url FROM v_securityhub_findings_current WHERE finding_id = %s",
        (hub["finding_id"],),
    )
    assert current["remediation_url"] == hub["remediation_url"]
    [current] = db.query(
        "SELECT description, confidence FROM v_guardduty_findings_current WHERE finding_id = %s",
        (gd["finding_id"],),
    )
    assert current["description"] == gd["description"]
    [current] = db.query(
        "SELECT description FROM v_inspector_findings_current WHERE finding_arn = %s",
        (inspector["finding_arn"],),
    )
    assert current["description"] == inspector["description"]


def test_scores_follow_security_hubs_formula(db: Db):
    """passed / (passed + failed): unknown, no-data and disabled controls are left out."""
    assert load_doc(db, security_doc()).status == "loaded"
    scores = {
        r["standards_arn"]: r["score_percent"]
        for r in db.query("SELECT * FROM v_securityhub_standard_scores_current")
    }
    # FSBP: 1 passed, 1 failed (1 unknown, 1 disabled left out); CIS: 0 of 1; NIST: no data
    assert scores == {FSBP: Decimal("50.00"), CIS: Decimal("0.00"), NIST: None}
    assert len(db.query("SELECT * FROM v_securityhub_standard_controls_current")) == 6


def test_top_failing_controls_count_each_control_once_with_its_remediation_link(db: Db):
    doc = security_doc()
    other = shifted(doc, 0)
    other["account_id"] = other["data"]["account"]["account_id"] = "210987654321"
    for d in (doc, other):
        assert load_doc(db, d).status == "loaded"
    [failing] = db.query("SELECT * FROM v_securityhub_failing_controls_current")
    assert failing["control_id"] == "S3.8"
    assert failing["severity"] == "HIGH" and failing["severity_rank"] == 3
    assert failing["remediation_url"].endswith("/S3.8/remediation")
    assert failing["accounts_failing"] == 2
    assert failing["account_regions_failing"] == 2
    # in two standards per account, its one failed check counted once per account-region
    assert failing["failed_checks"] == 2
    assert failing["standards"] == [
        "AWS Foundational Security Best Practices v1.0.0",
        "CIS AWS Foundations Benchmark v1.2.0",
    ]


def test_trend_has_a_score_per_standard_and_day_and_current_follows_the_latest(db: Db):
    first = security_doc()
    second = shifted(first, 1)
    [fsbp] = [
        s
        for s in second["data"]["securityhub_standards"]["standards"]
        if s["region"] == "eu-west-1" and s["standards_arn"] == FSBP
    ]
    fsbp["controls_passed"], fsbp["controls_failed"] = 3, 1
    for d in (first, second):
        assert load_doc(db, d).status == "loaded"
    trend = db.query(
        "SELECT snapshot_date, score_percent FROM v_securityhub_standard_score_trend "
        "WHERE standards_arn = %s ORDER BY snapshot_date",
        (FSBP,),
    )
    assert [(str(r["snapshot_date"]), r["score_percent"]) for r in trend] == [
        ("2026-11-24", Decimal("50.00")),
        ("2026-11-25", Decimal("75.00")),
    ]
    [current] = db.query(
        "SELECT snapshot_date, score_percent FROM v_securityhub_standard_scores_current "
        "WHERE standards_arn = %s",
        (FSBP,),
    )
    assert (str(current["snapshot_date"]), current["score_percent"]) == (
        "2026-11-25",
        Decimal("75.00"),
    )


def test_a_run_without_standards_never_replaces_the_current_scores(db: Db):
    """A collector that ran out of time sends no standard and ends in error: the current
    scores stay those of the last complete collection."""
    first = security_doc()
    second = shifted(first, 1)
    second["data"].pop("securityhub_standards")
    for entry in second["collectors"]:
        if entry["name"] == "securityhub_standards":
            entry.update(status="error", error="time budget exhausted after 0 item(s)")
            entry["item_count"] = 0
    for d in (first, second):
        assert load_doc(db, d).status == "loaded"
    dates = {
        str(r["snapshot_date"])
        for r in db.query("SELECT snapshot_date FROM v_securityhub_standard_scores_current")
    }
    assert dates == {"2026-11-24"}


def test_documents_of_older_senders_load_with_the_new_columns_null(db: Db):
    doc = security_doc()
    doc["schema_version"] = "1.1"
    doc["data"].pop("securityhub_standards")
    doc["collectors"] = [c for c in doc["collectors"] if c["name"] != "securityhub_standards"]
    for finding in doc["data"]["securityhub"]["findings"]:
        finding.pop("remediation_text", None)
        finding.pop("remediation_url", None)
    for finding in doc["data"]["guardduty_findings"]:
        finding.pop("description", None)
        finding.pop("confidence", None)
    for finding in doc["data"]["inspector_findings"]:
        finding.pop("description", None)
    assert load_doc(db, doc).status == "loaded"
    assert db.query("SELECT count(*) AS n FROM securityhub_findings")[0]["n"] > 0
    assert db.query(
        "SELECT count(*) AS n FROM securityhub_findings WHERE remediation_url IS NOT NULL"
    ) == [{"n": 0}]
    assert db.query(
        "SELECT count(*) AS n FROM guardduty_findings WHERE description IS NOT NULL"
    ) == [{"n": 0}]
    assert db.query(
        "SELECT count(*) AS n FROM inspector_findings WHERE description IS NOT NULL"
    ) == [{"n": 0}]
