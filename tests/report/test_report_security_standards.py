"""The report's Security Hub standards section and the findings' remediation and description
text (issue 14 items 1 and 6), on real PostgreSQL as the read-only reader role.

Two days of a sender's full daily document (src/labkit/documents/full-daily.json, the second
with FSBP's score improved and a second account) go through the real loader; every expectation
is computed here from the documents, never from the views.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from report.formatting import EN_DASH, long_day
from report.html import Markup
from report.sections.listing import brief
from support.receiver_fixtures import (
    fixture_doc,
    only,
    shifted,
)
from support.report_db import loaded_database, reader_page, report_page
from support.report_html import Node, points, table_rows

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FSBP = "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"
SECTIONS = ("account", "securityhub", "securityhub_standards", "guardduty_findings")
SECTIONS += ("inspector_findings",)


def _docs() -> list[dict[str, Any]]:
    first = only(fixture_doc("full-daily"), *SECTIONS)
    second = shifted(first, 1)
    for standard in second["data"]["securityhub_standards"]["standards"]:
        if standard["standards_arn"] == FSBP:
            standard["controls_passed"], standard["controls_failed"] = 2, 1
    return [first, second]


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return _docs()


@pytest.fixture(scope="module")
def loaded(server_url: str, migrated_template: str, docs) -> Iterator[str]:
    with loaded_database(server_url, migrated_template, docs) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def page(loaded: str) -> Node:
    return report_page(loaded, NOW)


def whole(passed: int, failed: int) -> str:
    value = Decimal(100 * passed) / Decimal(passed + failed)
    return f"{value.quantize(Decimal(1), ROUND_HALF_UP)} %"


def test_the_section_follows_the_security_findings_and_names_its_views(page):
    ids = [s.attrs["id"] for s in page.find_all("section")]
    assert ids.index("security") + 1 == ids.index("security-standards")
    text = page.by_id("security-standards").all_text()
    assert "passed or failed" in text and "whole percent" in text
    footer = page.find_all("footer")[0].all_text()
    for view in (
        "v_securityhub_standard_scores_current",
        "v_securityhub_standard_score_trend",
        "v_securityhub_failing_controls_current",
        "v_securityhub_findings_current",
    ):
        assert view in footer[footer.index("Source views: ") :]


def test_current_scores_per_account_region_and_standard(page, docs):
    latest = docs[-1]["data"]["securityhub_standards"]["standards"]
    rows = table_rows(page, "security-standards-current")
    expected = sorted(
        (s["name"], s["region"]) for s in latest
    )  # one account: ordered by standard, then region
    assert [(r[3], r[2]) for r in rows] == expected
    by_standard = {r[3]: r for r in rows}
    for s in latest:
        row = by_standard[s["name"]]
        passed, failed = s["controls_passed"], s["controls_failed"]
        assert row[4] == (whole(passed, failed) if passed + failed else EN_DASH)
        assert row[5:10] == [
            str(s[f"controls_{k}"]) for k in ("passed", "failed", "unknown", "no_data", "disabled")
        ]
        assert row[10] == long_day(date(2026, 11, 25))


def test_a_chart_per_standard_with_a_point_per_day_scored(page, docs):
    for name, days in (
        ("aws-foundational-security-best-practices-v1-0-0", 2),
        ("cis-aws-foundations-benchmark-v1-2-0", 2),
    ):
        assert points(page, f"security-standards-{name}") == days
    # NIST has no control passed or failed: nothing to plot, the chart says so
    nist = page.by_id("chart-security-standards-nist-special-publication-800-53-revision-5")
    assert "empty" in nist.classes or not nist.find_all(cls="datum")


def test_failing_controls_link_to_their_remediation_page(page, docs):
    controls = docs[-1]["data"]["securityhub_standards"]["controls"]
    failed = [c for c in controls if c["status"] == "FAILED"]
    rows = table_rows(page, "security-standards-failing")
    assert [r[0] for r in rows] == sorted({c["control_id"] for c in failed})
    table = page.by_id("table-security-standards-failing")
    links = {a.all_text(): a.attrs["href"] for a in table.find_all("a")}
    assert links == {c["control_id"]: c["remediation_url"] for c in failed}
    row = rows[0]
    assert row[2] == "High" and row[3] == "1"  # one account fails it
    assert row[6] == "AWS Foundational Security Best Practices v1.0.0, CIS AWS Foundations " + (
        "Benchmark v1.2.0"
    )


def test_open_security_hub_findings_show_how_to_fix_them(page, docs):
    finding = docs[-1]["data"]["securityhub"]["findings"][0]
    table = page.by_id("table-security-open")
    anchors = [a for a in table.find_all("a") if a.attrs["href"] == finding["remediation_url"]]
    assert anchors and anchors[0].all_text().startswith("For information on how to correct")
    assert anchors[0].attrs["rel"] == "noopener noreferrer"


def test_guardduty_and_inspector_tables_carry_descriptions(page, docs):
    gd = docs[-1]["data"]["guardduty_findings"][0]
    rows = {r[3]: r for r in table_rows(page, "guardduty-open")}
    row = rows[gd["title"]]
    assert row[7] == str(gd["confidence"]) and row[8] == gd["description"]
    inspector = docs[-1]["data"]["inspector_findings"][0]
    rows = {r[4]: r for r in table_rows(page, "inspector-open")}
    assert rows[inspector["title"]][9] == inspector["description"]
    assert brief("word " * 100, 20) == "word word word word…"  # long ones are cut at a word


def test_the_reader_role_reads_every_view_of_the_section(loaded, data_api):
    page = reader_page(loaded, NOW)
    assert table_rows(page, "security-standards-current")
    assert table_rows(page, "security-standards-failing")
    assert table_rows(page, "security-open")


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://docs.aws.amazon.com/console/securityhub/IAM.1/remediation", True),
        ("https://docs.amazonaws.cn/en_us/securityhub/latest/userguide/iam-controls.html", True),
        ("http://docs.aws.amazon.com/console/securityhub/IAM.1/remediation", False),
        ("https://docs.aws.amazon.com.evil.example/IAM.1", False),
        ("https://docs.aws.amazon.com@evil.example/IAM.1", False),
        ("https://docs.aws.amazon.com:8443/IAM.1", False),
        ("https://vendor.example/kb/1234", False),  # a third-party product's finding
        ("javascript:alert(1)", False),
    ],
)
def test_only_aws_documentation_becomes_a_link(url, linked):
    """A member account writes the URLs: the organization's report links AWS's documentation
    only, and shows any other address as text nobody can click."""
    from report.sections.security_standards import link

    shown = link(url, "IAM.1")
    assert isinstance(shown, Markup) is linked
    if linked:
        assert shown == f'<a href="{url}" rel="noopener noreferrer">IAM.1</a>'
    else:
        assert shown == f"IAM.1 ({url})"
    assert link(None, "IAM.1") == "IAM.1"
