"""The report's cost anomaly and cost-by-tag sections (issue 14 items 2, 3), on real PostgreSQL.

The sender's full daily document goes through the real loader; expectations come from the
document (one open anomaly without an end date, one closed; two tag keys, each with untagged
cost); the report also runs as the read-only reader role through the Data API double.
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
from support.report_html import table_rows


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return fixture_doc("full-daily")


def test_the_reader_role_sees_the_same_sections(loaded, data_api, page):
    as_reader = reader_page(loaded, NOW)
    for table in ("cost-anomalies", "cost-by-tag", "untagged-share"):
        assert table_rows(as_reader, table) == table_rows(page, table)


def test_the_sections_follow_the_forecast_and_say_what_each_figure_is(page):
    ids = [s.attrs["id"] for s in page.find_all("section")]
    assert ids.index("forecast") < ids.index("cost-anomalies") < ids.index("cost-by-tag")
    explain = page.by_id("cost-anomalies").find_all("p", "explain")[0].all_text()
    for words in (
        "v_cost_anomalies_current",
        "1 open (AWS has not given them an end date yet), 1 closed",
        "$311.25",
        "actual minus expected spend",
        "in USD",
    ):
        assert words in explain, words
    tags = page.by_id("cost-by-tag").find_all("p", "explain")[0].all_text()
    for words in ("v_cost_by_tag_monthly", "v_cost_untagged_share", "Keys: CostCenter, team"):
        assert words in tags, words


def test_open_anomalies_come_first_with_their_root_cause(page, doc):
    rows = table_rows(page, "cost-anomalies")
    assert len(rows) == len(doc["data"]["cost_anomalies"])
    opened, closed = rows
    assert opened[1:4] == ["open", "2026-11-22", EN_DASH]
    assert opened[5] == "Amazon Elastic Compute Cloud - Compute"
    assert (
        opened[6]
        == "Amazon Elastic Compute Cloud - Compute / eu-west-1 / EUW1-BoxUsage:p4d.24xlarge"
    )
    assert opened[7:11] == ["$311.25", "$498.75", "$187.50", "166.0%"]
    assert closed[1:5] == ["closed", "2026-11-20", "2026-11-24", "5"]
    assert closed[10:] == [EN_DASH, "planned"]  # no percentage when AWS gives none


def test_tag_cost_by_value_and_the_untagged_share(page):
    rows = table_rows(page, "cost-by-tag")
    assert [r[:2] + r[3:] for r in rows] == [
        ["team", "plattform-ö", "$289.50", EN_DASH],
        ["CostCenter", "cc-1042 Zahlungen", "$260.35 *", "$247.22"],
        ["CostCenter", "(untagged)", "$41.20 *", "$40.90"],
        ["team", "(untagged)", "$12.05", "$12.05"],
    ]
    shares = table_rows(page, "untagged-share")
    assert [[s[0], s[1], s[3], s[4], s[5]] for s in shares] == [
        ["CostCenter", "2026-11", "$301.55 *", "$41.20", "13.7%"],
        ["team", "2026-11", "$301.55", "$12.05", "4.0%"],
    ]
