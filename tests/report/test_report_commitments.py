"""The report's commitments section (issue 14 item 4), on real PostgreSQL: what expires in the
next 30, 60 or 90 days first, then every commitment, each figure saying what it is.

The sender's full daily document goes through the real loader; expectations are computed here
from the document (the fixture's snapshot date is 2026-11-24); the report also runs as the
read-only reader role through the Data API double.
"""

from __future__ import annotations

from typing import Any

import pytest

from report.formatting import EN_DASH
from support.receiver_fixtures import (
    fixture_doc,
)
from support.report_db import (
    NOW,
    loaded_fixture,  # noqa: F401 - fixture
    page_fixture,  # noqa: F401 - fixture
    reader_page,
)
from support.report_html import points, table_rows


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return fixture_doc("full-daily")


def test_the_reader_role_sees_the_same_section(loaded, data_api, page):
    """The report's role may read views only: the section reads nothing else."""
    as_reader = reader_page(loaded, NOW)
    for table in ("commitment-expiry", "commitment-inventory"):
        assert table_rows(as_reader, table) == table_rows(page, table)


def test_the_section_follows_savings_and_names_its_views(page):
    ids = [s.attrs["id"] for s in page.find_all("section")]
    assert ids.index("savings") < ids.index("commitment-expiry") < ids.index("collection-health")
    explain = page.by_id("commitment-expiry").find_all("p", "explain")[0].all_text()
    for words in (
        "v_commitment_inventory_current",
        "v_commitments_expiring",
        "1 end within 30 days, 1 in 31-60, 1 in 61-90",
        "start + term",
        "Utilisation: Cost Explorer's estimate for the owner",
    ):
        assert words in explain, words
    footer = page.find_all("footer")[0].all_text()
    assert "v_commitments_expiring" in footer[footer.index("Source views: ") :]


def test_expiring_commitments_come_first_soonest_first(page, doc):
    rows = table_rows(page, "commitment-expiry")
    assert [r[2:4] + r[6:8] for r in rows] == [
        [
            "global",
            "EC2Instance Savings Plan 1.8 USD/hour (m6i in eu-west-1)",
            "2026-12-20",
            "26",
        ],
        ["us-east-1", "OpenSearch 3 x r6g.large.search in us-east-1", "2027-01-05 *", "42"],
        [
            "eu-west-1",
            "RDS 2 x db.r6g.large postgresql Multi-AZ in eu-west-1",
            "2027-02-15 *",
            "83",
        ],
    ]
    plan, search, rds = rows
    assert plan[1] == "Savings Plan" and search[1] == rds[1] == "Reservation"
    assert plan[4:6] == ["No Upfront", "1 year"]
    assert plan[8:] == ["$0.00", "$1.80 / hour", "96.2% (2026-11-24)"]
    assert search[10] == EN_DASH  # Cost Explorer gave none: nothing is invented
    assert rds[8] == "$2,980.00" and rds[9] == EN_DASH


def test_the_inventory_lists_every_commitment_with_its_state(page, doc):
    rows = table_rows(page, "commitment-inventory")
    assert len(rows) == len(doc["data"]["commitment_inventory"])
    ec2 = rows[-1]  # ends last (2028)
    assert ec2[2:8] == [
        "eu-west-1",
        "EC2 8 x m6i.xlarge Linux/UNIX",
        "Partial Upfront",
        "3 years",
        "active",
        "2028-10-10",
    ]
    assert ec2[9:] == ["$7,012.50", "$0.12 / hour", "93.8% (2026-11-24)"]


def test_the_chart_counts_commitments_per_account_by_when_they_end(page):
    assert points(page, "commitment-expiry") == 4  # one bar segment per non-empty bucket
