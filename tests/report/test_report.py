"""The HTML report (``python -m report``, also ``python -m receiver report``) from the SQL views.

The data: three accounts over ten days (2026-11-01 to 2026-11-10) of DAILY documents loaded
through the real loader, one account with a MONTHLY document for October, one day missing, one
collector error, one partial and one skipped collector, a file that failed to load, and hostile
text (an account name, a service name, a rule name, an error message) that must come out escaped.
Every expectation is computed here from the documents themselves, never from the views.
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from receiver.cli import main
from receiver.db import Executor
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.loader import FileRef
from receiver.receive import load_bytes
from report import GroupBy, build_report, charts
from report.formatting import Unit, money
from support import cost_month_totals, snapshot_pointers
from support.receiver_fixtures import (
    CLUSTER_ARN,
    SECRET_ARN,
    data_api_executor_for,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
)
from support.report_html import Node, kpi, legend, parse, points, table_footer, table_rows

A1, A2, A3 = "310000000001", "310000000002", "310000000003"
HOSTILE_NAME = 'prod <script>alert("name")</script> & Co'
HOSTILE_SERVICE = 'Amazon <b>"Bold"</b> & Service'
HOSTILE_RULE = "tag-rule-<svg onload=alert(1)>"
HOSTILE_ERROR = "AccessDenied <img src=x onerror=alert(1)> for 'securityhub' & more"
NAMES = {A1: HOSTILE_NAME, A2: "staging", A3: "sandbox"}
INDEX = {A1: 1, A2: 2, A3: 3}
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 10)
DAYS = [FIRST + timedelta(i) for i in range(10)]
MISSING = {(A3, date(2026, 11, 6))}
SERVICES = [
    "AWS Lambda",
    "Amazon CloudWatch",
    "Amazon DynamoDB",
    "EC2 - Other",
    "Amazon Elastic Compute Cloud - Compute",
    "Amazon Relational Database Service",
    "Amazon Simple Storage Service",
    "Amazon Virtual Private Cloud",
    "AWS Key Management Service",
    HOSTILE_SERVICE,
]
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PERIOD_30 = (date(2026, 10, 12), LAST)  # the default 30 days, ending on the last data day


# --------------------------------------------------------------------------- documents


def _collector(name: str, region: str | None, status: str = "ok", error: str | None = None):
    return {
        "name": name,
        "region": region,
        "status": status,
        "error": error,
        "item_count": 0 if status in ("skipped", "error") else 1,
        "duration_ms": 120,
    }


def daily_doc(account: str, day: date) -> dict[str, Any]:
    """One DAILY run of ``account`` for ``day``, its numbers derived from the account and day."""
    i, d = INDEX[account], (day - FIRST).days
    doc = copy.deepcopy(fixture_doc("minimal"))
    doc.update(
        account_id=account,
        interval="DAILY",
        regions=["eu-west-1", "us-east-1"],
        window={"start": day.isoformat(), "end": (day + timedelta(1)).isoformat()},
        collected_at=f"{(day + timedelta(1)).isoformat()}T02:00:00Z",
        run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"report-test/{account}/{day}")),
    )
    costs = [
        {
            "date": day.isoformat(),
            "service": service,
            "unblended_cost": str(
                Decimal(s + 1) * i * Decimal("1.10") + d * Decimal("0.05") + Decimal("0.0049")
            ),
            "amortized_cost": "0",
            "currency": "USD",
        }
        for s, service in enumerate(SERVICES)
    ]
    if account == A2:  # a credit: negative cost, lands in Other services
        costs.append(
            {
                "date": day.isoformat(),
                "service": "Credit",
                "unblended_cost": "-5.00",
                "amortized_cost": "-5.00",
                "currency": "USD",
            }
        )
    mean = Decimal(100 * i + d)
    counts = {
        "CRITICAL": d % 2,
        "HIGH": i + d // 3,
        "MEDIUM": 5 + d,
        "LOW": 10 * i,
        "INFORMATIONAL": d % 3,
    }
    # counts are the open findings (workflow NEW or NOTIFIED); closed ones come on top: one
    # suppressed MEDIUM, and 30 passed control findings (INFORMATIONAL, RESOLVED) per day
    closed = {"MEDIUM": (1, 0), "INFORMATIONAL": (0, 30)}
    severity_counts = [
        {
            "region": "eu-west-1",
            "severity_label": sev,
            "count": n + sum(closed.get(sev, (0, 0))),
            "workflow_new": n - n // 2,
            "workflow_notified": n // 2,
            "workflow_suppressed": closed.get(sev, (0, 0))[0],
            "workflow_resolved": closed.get(sev, (0, 0))[1],
        }
        for sev, n in counts.items()
    ]
    if account == A1:  # one open, one resolved
        severity_counts.append(
            {
                "region": "us-east-1",
                "severity_label": "HIGH",
                "count": 2,
                "workflow_new": 1,
                "workflow_notified": 0,
                "workflow_suppressed": 0,
                "workflow_resolved": 1,
            }
        )
    rules = [
        {
            "rule_name": "s3-bucket-public-read-prohibited",
            "compliance": "NON_COMPLIANT" if account == A3 else "COMPLIANT",
            "non_compliant_resource_count": 1 if account == A3 else 0,
        },
        {
            "rule_name": "encrypted-volumes",
            "compliance": "NON_COMPLIANT",
            "non_compliant_resource_count": i + d,
        },
        {
            "rule_name": "restricted-ssh",
            "compliance": "COMPLIANT" if d >= 5 else "NON_COMPLIANT",
            "non_compliant_resource_count": 0 if d >= 5 else 1,
        },
        {
            "rule_name": "custom-tagging-policy",
            "compliance": "INSUFFICIENT_DATA",
            "non_compliant_resource_count": None,
        },
    ]
    if account == A2:
        rules.append(
            {
                "rule_name": HOSTILE_RULE,
                "compliance": "NON_COMPLIANT",
                "non_compliant_resource_count": 3,
            }
        )
    resources = []
    for resource_type, n in (
        ("ec2:instance", i + 1),
        ("s3:bucket", 2),
        ("lambda:function", 2 * i),
        ("rds:db", 0 if account == A2 else 1),
    ):
        for k in range(n):
            resources.append(
                {
                    "resource_type": resource_type,
                    "resource_id": f"{resource_type.split(':')[1]}-{k}",
                    "region": "eu-west-1",
                    "name": f"{resource_type} {k}",
                    "attributes": {},
                    "tags": {},
                }
            )
    used = Decimal(50) * (90 + i) / 100
    doc["data"] = {
        "account": {"account_id": account, "name": NAMES[account]},
        "cost": {
            "daily": costs,
            "forecast": [
                {
                    "period_start": (day + timedelta(1)).isoformat(),
                    "period_end": "2026-12-01",
                    "metric": "UNBLENDED_COST",
                    "mean": str(mean),
                    "lower_bound": str(mean - 10),
                    "upper_bound": str(mean + 10),
                    "currency": "USD",
                }
            ],
        },
        "securityhub": {"severity_counts": severity_counts},
        "config": {"rules": [{**r, "region": "eu-west-1", "source_owner": "AWS"} for r in rules]},
        "trusted_advisor_checks": [
            {
                "check_id": "Qch7DwouX1",
                "name": "Low Utilization Amazon EC2 Instances",
                "category": "cost_optimizing",
                "status": "warning",
                "resources_flagged": i + 1,
                "estimated_monthly_savings": str(Decimal("100.25") + 10 * i + d),
                "currency": "USD",
            },
            {
                "check_id": "hjLMh88uM8",
                "name": "Idle Load Balancers",
                "category": "cost_optimizing",
                "status": "warning" if i >= 2 else "ok",
                "resources_flagged": 1 if i >= 2 else 0,
                "estimated_monthly_savings": str(20 * i) if i >= 2 else None,
                "currency": "USD",
            },
            {
                "check_id": "7DAFEmoDos",
                "name": "MFA on Root Account",
                "category": "security",
                "status": "ok",
                "resources_flagged": 0,
                "estimated_monthly_savings": None,
                "currency": None,
            },
        ],
        "compute_optimizer": [
            {
                "resource_arn": f"arn:aws:ec2:eu-west-1:{account}:instance/i-{account}",
                "resource_type": "EC2",
                "region": "eu-west-1",
                "finding": "Overprovisioned",
                "estimated_monthly_savings": str(Decimal("70.08") * i),
                "savings_basis": "after_discounts",  # the others: an older sender's shape
                "currency": "USD",
            },
            {
                "resource_arn": f"arn:aws:ec2:eu-west-1:{account}:volume/vol-{account}",
                "resource_type": "EBS",
                "region": "eu-west-1",
                "finding": "NotOptimized",
                "estimated_monthly_savings": "10.00",
                "currency": "USD",
            },
            {
                "resource_arn": f"arn:aws:lambda:eu-west-1:{account}:function:f",
                "resource_type": "LAMBDA",
                "region": "eu-west-1",
                "finding": "Optimized",
                "estimated_monthly_savings": None,
                "currency": None,
            },
            {
                "resource_arn": f"arn:aws:autoscaling:eu-west-1:{account}:autoScalingGroup:g",
                "resource_type": "ASG",
                "region": "eu-west-1",
                "finding": "Underprovisioned",
                "estimated_monthly_savings": "-61.32",
                "currency": "USD",
            },
        ],
        "resources": resources,
        "commitments": [
            {
                "kind": "RI",
                "period_start": day.isoformat(),
                "period_end": (day + timedelta(1)).isoformat(),
                "utilization_pct": str(90 + i),
                "coverage_pct": str(40 + d),
                "commitment": "50.00",
                "used": str(used),
                "unused": str(Decimal(50) - used),
                "currency": "USD",
            },
            *(
                [  # A1 also holds an RDS reservation (rows before it name no service: EC2)
                    {
                        "kind": "RI",
                        "service": "Amazon Relational Database Service",
                        "period_start": day.isoformat(),
                        "period_end": (day + timedelta(1)).isoformat(),
                        "utilization_pct": "100",
                        "coverage_pct": "100",
                        "commitment": "10.00",
                        "used": "10.00",
                        "unused": "0",
                        "currency": "USD",
                    }
                ]
                if account == A1
                else []
            ),
            {
                "kind": "SP",
                "period_start": day.isoformat(),
                "period_end": (day + timedelta(1)).isoformat(),
                "utilization_pct": "100",
                "coverage_pct": str(60 + i),
                "commitment": "96.00",
                "used": "96.00",
                "unused": "0",
                "currency": "USD",
            },
        ],
    }
    doc["collectors"] = [
        _collector("account", None),
        _collector("cost", None),
        _collector("securityhub", "eu-west-1"),
        _collector("securityhub", "us-east-1"),
        _collector("config", "eu-west-1"),
        _collector("trusted_advisor_checks", None),
        _collector("compute_optimizer", "eu-west-1"),
        _collector("resources", "eu-west-1"),
        _collector("commitments", None),
    ]

    def set_status(name: str, region: str | None, status: str, error: str) -> None:
        for c in doc["collectors"]:
            if c["name"] == name and c["region"] == region:
                c.update(status=status, error=error, item_count=0)

    if (account, d) == (A1, 2):  # partial: data arrived, but not all of it
        set_status("config", "eu-west-1", "partial", "ThrottlingException: 1 of 4 rules incomplete")
    if (account, d) == (A2, 4):  # error: no Security Hub data that day
        set_status("securityhub", "eu-west-1", "error", HOSTILE_ERROR)
        doc["data"]["securityhub"] = {"severity_counts": []}
    if (account, d) == (A3, 8):  # skipped: Compute Optimizer not enabled
        set_status("compute_optimizer", "eu-west-1", "skipped", "OptInRequiredException")
        del doc["data"]["compute_optimizer"]
    return doc


def monthly_doc() -> dict[str, Any]:
    """A1's MONTHLY run for October: cost of its last 12 days and the month's RI use."""
    doc = copy.deepcopy(fixture_doc("minimal"))
    doc.update(
        account_id=A1,
        interval="MONTHLY",
        regions=["eu-west-1"],
        window={"start": "2026-10-01", "end": "2026-11-01"},
        collected_at="2026-11-01T03:00:00Z",
        run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "report-test/monthly")),
    )
    daily = []
    for k in range(20, 32):
        for service, cost in (("Amazon Simple Storage Service", "2.00"), ("AWS Lambda", "0.50")):
            daily.append(
                {
                    "date": f"2026-10-{k}",
                    "service": service,
                    "unblended_cost": cost,
                    "amortized_cost": cost,
                    "currency": "USD",
                }
            )
    doc["data"] = {
        "account": {"account_id": A1, "name": NAMES[A1]},
        "cost": {"daily": daily},
        "commitments": [
            {
                "kind": "RI",
                "period_start": "2026-10-01",
                "period_end": "2026-11-01",
                "utilization_pct": "80",
                "coverage_pct": "50",
                "commitment": "1500",
                "used": "1200",
                "unused": "300",
                "currency": "USD",
            }
        ],
    }
    doc["collectors"] = [
        _collector("account", None),
        _collector("cost", None),
        _collector("commitments", None),
    ]
    return doc


def documents() -> list[dict[str, Any]]:
    docs = [monthly_doc()]
    for day in DAYS:
        for account in (A1, A2, A3):
            if (account, day) not in MISSING:
                docs.append(daily_doc(account, day))
    return docs


def load_documents(executor: Executor, docs: list[dict[str, Any]]) -> None:
    """Through the receiver's own code path, as the Lambda and ``python -m receiver load``."""
    for doc in docs:
        key = f"data/{doc['account_id']}/{doc['interval']}/{doc['window']['start']}/x.json.gz"
        ref = FileRef("analytics", key, "v1", account_id=doc["account_id"], size=1, etag='"e"')
        result = load_bytes(executor, ref, gz(doc), expected_account=None)
        assert result.status == "loaded", (key, result)
    broken = copy.deepcopy(docs[-1])
    broken["schema_version"] = "9.0"
    ref = FileRef("analytics", f"data/{A2}/DAILY/broken.json.gz", "v1", account_id=A2)
    assert load_bytes(executor, ref, gz(broken), expected_account=None).status == "failed"


# --------------------------------------------------------------------------- expectations


def in_period(day: date, period: tuple[date, date]) -> bool:
    return period[0] <= day <= period[1]


def cost_rows(docs: list[dict[str, Any]], period: tuple[date, date]) -> list[tuple]:
    """(account, day, service, cost) of every cost item in the period."""
    return [
        (
            doc["account_id"],
            date.fromisoformat(c["date"]),
            c["service"],
            Decimal(c["unblended_cost"]),
        )
        for doc in docs
        for c in doc["data"].get("cost", {}).get("daily", [])
        if in_period(date.fromisoformat(c["date"]), period)
    ]


def open_count(severity_count: dict[str, Any]) -> int:
    """Open Security Hub findings of a severity count: workflow NEW or NOTIFIED."""
    return severity_count["workflow_new"] + severity_count["workflow_notified"]


def snapshot_day(doc: dict[str, Any]) -> date:
    return date.fromisoformat(doc["window"]["end"]) - timedelta(1)


def latest_daily(docs: list[dict[str, Any]], account: str) -> dict[str, Any]:
    return max(
        (d for d in docs if d["account_id"] == account and d["interval"] == "DAILY"),
        key=snapshot_day,
    )


def status_of(doc: dict[str, Any]) -> str:
    statuses = {c["status"] for c in doc["collectors"]}
    for status in ("error", "partial", "skipped"):
        if status in statuses:
            return status
    return "ok"


def expected_grid(docs: list[dict[str, Any]], period: tuple[date, date]) -> Counter[str]:
    """Per account and day: each collector's status from the most specific (then latest) run
    covering the day that reported it; the day's status is the worst of those."""
    grid: Counter[str] = Counter()
    days = [period[0] + timedelta(k) for k in range((period[1] - period[0]).days + 1)]
    for account in (A1, A2, A3):
        for day in days:
            covering = [
                d
                for d in docs
                if d["account_id"] == account
                and date.fromisoformat(d["window"]["start"])
                <= day
                < date.fromisoformat(d["window"]["end"])
            ]
            if not covering:
                grid["missing"] += 1
                continue
            covering.sort(key=lambda d: (_span(d), _negated(d["collected_at"])))
            latest: dict[tuple[str, str], str] = {}
            for doc in covering:
                for entry in doc["collectors"]:
                    latest.setdefault((entry["name"], entry["region"] or ""), entry["status"])
            grid[status_of({"collectors": [{"status": s} for s in latest.values()]})] += 1
    return grid


def _span(doc: dict[str, Any]) -> int:
    return (
        date.fromisoformat(doc["window"]["end"]) - date.fromisoformat(doc["window"]["start"])
    ).days


def _negated(collected_at: str) -> float:
    return -datetime.fromisoformat(collected_at.replace("Z", "+00:00")).timestamp()


def savings_by_source(docs: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Current savings: the latest daily document of each account (all collectors ok there)."""
    total = defaultdict(Decimal)
    for account in (A1, A2, A3):
        doc = latest_daily(docs, account)
        for check in doc["data"]["trusted_advisor_checks"]:
            savings = Decimal(check["estimated_monthly_savings"] or 0)
            if check["status"] in ("warning", "error") and savings > 0:
                total["trusted_advisor"] += savings
        for rec in doc["data"]["compute_optimizer"]:
            savings = Decimal(rec["estimated_monthly_savings"] or 0)
            if savings > 0:
                total["compute_optimizer"] += savings
        for commitment in doc["data"]["commitments"]:
            unused = Decimal(commitment["unused"])
            if unused > 0:  # a one-day period of November, scaled to the month's 30 days
                total["commitment"] += unused * 30
    return total


# --------------------------------------------------------------------------- fixtures


def _url_for(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return documents()


@pytest.fixture(scope="module")
def loaded_dsn(server_url: str, migrated_template: str, docs) -> Iterator[str]:
    """A migrated database holding the documents; the report only reads, so tests share it."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    dsn = _url_for(server_url, name)
    executor = PsycopgExecutor(dsn)
    try:
        load_documents(executor, docs)
    finally:
        executor.close()
    try:
        yield dsn
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def report(loaded_dsn: str):  # type: ignore[no-untyped-def]
    executor = PsycopgExecutor(loaded_dsn)
    try:
        # the module's documents carry unblended forecasts only: the unblended basis throughout;
        # the amortized basis (the default) has its own tests at the end
        return build_report(executor, now=NOW, cost_basis="unblended")
    finally:
        executor.close()


@pytest.fixture(scope="module")
def page(report) -> Node:  # type: ignore[no-untyped-def]
    return parse(report.html)


# --------------------------------------------------------------------------- the whole page


def test_report_reads_the_same_through_psycopg_and_the_data_api(loaded_dsn, report, data_api):
    executor = data_api_executor_for(urlsplit(loaded_dsn).path.lstrip("/"))
    through_api = build_report(executor, now=NOW, cost_basis="unblended")
    assert through_api.html == report.html
    assert data_api.calls["ExecuteStatement"] == through_api.statements


def test_page_is_well_formed_self_contained_and_scriptless(report, page):
    html = report.html
    assert html.startswith("<!DOCTYPE html>")
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">" in html
    )
    assert "<script" not in html.lower()
    assert not re.search(r"https?://", html)
    for node in page.walk():
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (node.tag, name)
            assert "url(" not in value and "//" not in value, (node.tag, name, value)
    assert [s.attrs["id"] for s in page.find_all("section")] == [
        "cost",
        "forecast",
        "cost-anomalies",
        "cost-by-tag",
        "security",
        "security-standards",
        "guardduty",
        "inspector",
        "by-group",
        "compliance",
        "conformance-packs",
        "patch-compliance",
        "kms-rotation",
        "secrets-rotation",
        "certificate-expiry",
        "waf",
        "inventory",
        "availability-zones",
        "resilience",
        "ssm-instances",
        "savings",
        "commitment-expiry",
        "collection-health",
    ]
    for section in page.find_all("section"):
        assert section.find_all("h2") and section.find_all("p", "explain")
        assert "v_" in section.find_all("p", "explain")[0].all_text()


def test_every_chart_follows_the_hooks(page):
    figures = page.find_all("figure", "chart")
    # 13, one per section of the reference's questions, commitments, security standards;
    # cost anomalies, Resilience Hub RPO/RTO (issue 14)
    assert len(figures) == 27
    for figure in figures:
        assert figure.attrs["id"].startswith("chart-")
        svgs = figure.find_all("svg")
        if "empty" in figure.classes:
            assert svgs == [] and figure.attrs["data-points"] == "0"
            continue
        (svg,) = svgs
        assert svg.attrs["role"] == "img" and svg.attrs["aria-label"]
        assert svg.attrs["viewbox"].startswith("0 0 ")
        marks = svg.find_all(cls="mark")
        assert marks and all(m.find_all("title") for m in marks), figure.attrs["id"]
        assert len(svg.find_all(cls="datum")) == int(figure.attrs["data-points"]) > 0


def test_hostile_text_is_escaped_everywhere(report, page):
    html = report.html
    for hostile in (HOSTILE_NAME, HOSTILE_SERVICE, HOSTILE_RULE, HOSTILE_ERROR):
        assert hostile not in html
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not page.find_all("script") and not page.find_all("img") and not page.find_all("b")
    text = page.all_text()
    for hostile in (HOSTILE_NAME, HOSTILE_SERVICE, HOSTILE_RULE, HOSTILE_ERROR):
        assert hostile in text  # shown to the reader as plain text
    labels = [n.attrs["aria-label"] for n in page.walk() if "aria-label" in n.attrs]
    assert any(HOSTILE_NAME in label for label in labels)


def test_summary_and_footer(report, page):
    # the documents feed the inventory but none of the other reference sections
    assert report.sections == 23 and report.charts == 27 and report.charts_with_data == 14
    assert report.period is not None
    assert (report.period.start, report.period.end) == PERIOD_30
    # 24: the estimated days; 20 for the reference sections (1 to 3 each); issue 14: 4 for the
    # security standards and open Security Hub findings, 3 for the commitments inventory, 2 for
    # the cost anomalies, 2 for the cost by tag, 3 for the Resilience Hub RPO/RTO and 1 for the
    # rightsizing table
    assert report.rows_read > 100 and report.statements == 24 + 20 + 4 + 3 + 2 + 2 + 3 + 1
    assert "23 sections, 27 charts (14 with data" in report.summary()
    footer = page.find_all("footer")[0].all_text()
    assert "How to read this report" in footer
    assert "Generated 2026-11-26 12:00 UTC" in footer
    assert f"from database {report.database};" in footer
    assert "period 2026-10-12 to 2026-11-10" in footer
    for view in ("v_report_cost_daily", "v_cost_forecast_vs_actual", "v_security_posture",
                 "v_compliance_trend", "v_resources_current", "v_report_savings_current",
                 "v_report_collection_days", "v_ingestion_status"):  # fmt: skip
        assert view in footer
    assert "postgresql://" not in report.html and "postgres@" not in report.html


def test_kpis_equal_sums_of_the_documents(page, docs):
    rows = cost_rows(docs, PERIOD_30)
    total = sum((r[3] for r in rows), Decimal(0))
    assert kpi(page, "total-cost") == str(total)
    assert page.by_id("kpi-total-cost").find_all("span", "kpi-value")[0].all_text() == money(total)
    assert kpi(page, "accounts-reporting") == "3"
    critical_high = 0
    for account in (A1, A2, A3):
        doc = latest_daily(docs, account)
        critical_high += sum(
            open_count(c)
            for c in doc["data"]["securityhub"]["severity_counts"]
            if c["severity_label"] in ("CRITICAL", "HIGH")
        )
    assert kpi(page, "critical-high") == str(critical_high) == "19"
    compliant = non_compliant = 0
    for account in (A1, A2, A3):
        rules = latest_daily(docs, account)["data"]["config"]["rules"]
        compliant += sum(r["compliance"] == "COMPLIANT" for r in rules)
        non_compliant += sum(r["compliance"] == "NON_COMPLIANT" for r in rules)
    pct = (Decimal(100 * compliant) / (compliant + non_compliant)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    assert kpi(page, "compliance") == str(pct) == "50.00"
    savings = savings_by_source(docs)
    assert Decimal(kpi(page, "savings")) == sum(savings.values()) == Decimal("1298.23")
    note = page.by_id("kpi-savings").all_text()
    assert f"Trusted Advisor {money(savings['trusted_advisor'])}" in note
    assert f"Compute Optimizer {money(savings['compute_optimizer'])}" in note


# --------------------------------------------------------------------------- sections


def test_cost_section(page, docs):
    rows = cost_rows(docs, PERIOD_30)
    account_days = {(a, d) for a, d, _, _ in rows}
    assert points(page, "cost-by-account") == len(account_days) == 22 + 10 + 9
    assert legend(page, "cost-by-account") == [HOSTILE_NAME, "sandbox", "staging"]

    by_service: dict[str, Decimal] = defaultdict(Decimal)
    for _, _, service, cost in rows:
        by_service[service] += cost
    top = sorted(by_service, key=lambda s: (-by_service[s], s))[:8]
    assert legend(page, "cost-by-service") == [*top, "Other services"]
    per_day: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for _, day, service, cost in rows:
        per_day[day, service if service in top else "Other"] += cost
    assert points(page, "cost-by-service") == sum(1 for v in per_day.values() if v != 0)
    figure = page.by_id("chart-cost-by-service")
    other = [t.all_text() for t in figure.find_all("title") if "· Other services:" in t.all_text()]
    assert f"Nov 3 · Other services: {money(per_day[date(2026, 11, 3), 'Other'])}" in other

    table = {r[1]: r for r in table_rows(page, "cost-by-account")}
    for account in (A1, A2, A3):
        expected = sum((c for a, _, _, c in rows if a == account), Decimal(0))
        assert table[account][2] == money(expected)
        assert table[account][4] == str(len({d for a, d in account_days if a == account}))


def test_forecast_section(page, docs):
    # October: A1's actual only; November: every account's actual and forecast.
    assert points(page, "forecast") == 3
    rows = table_rows(page, "forecast")
    assert [r[0] for r in rows] == ["Oct 2026", "Nov 2026"]
    october = sum(
        (c for _, d, _, c in cost_rows(docs, (date(2026, 10, 1), date(2026, 10, 31)))), Decimal(0)
    )
    november_actual = projected = lower = upper = Decimal(0)
    for account in (A1, A2, A3):
        actual = sum(
            (c for a, _, _, c in cost_rows(docs, (FIRST, LAST)) if a == account), Decimal(0)
        )
        (forecast,) = latest_daily(docs, account)["data"]["cost"]["forecast"]
        november_actual += actual
        projected += actual + Decimal(forecast["mean"])
        lower += actual + Decimal(forecast["lower_bound"])
        upper += actual + Decimal(forecast["upper_bound"])
    assert rows[0][1] == money(october) and rows[0][3] == "no forecast"
    assert rows[1][1] == money(november_actual)
    assert rows[1][3] == money(projected)
    assert rows[1][4] == f"{money(lower)} \u2013 {money(upper)}"
    assert rows[1][5] == "3 of 3"


def test_security_section(page, docs):
    for account in (A1, A2, A3):
        per_day: dict[tuple[date, str], int] = defaultdict(int)
        for doc in docs:
            if doc["account_id"] != account or "securityhub" not in doc["data"]:
                continue
            for c in doc["data"]["securityhub"]["severity_counts"]:
                per_day[snapshot_day(doc), c["severity_label"]] += open_count(c)
        assert points(page, f"security-{account}") == sum(1 for n in per_day.values() if n)
        assert legend(page, f"security-{account}") == [s.title() for s in SEVERITIES]
    # A2's Security Hub failed on Nov 5: no bar that day.
    titles = [t.all_text() for t in page.by_id(f"chart-security-{A2}").find_all("title")]
    assert not any(t.startswith("Nov 5 ·") for t in titles)
    assert any(t.startswith("Nov 4 ·") for t in titles)
    colors = {
        r.find_all("title")[0].all_text().split(" · ")[1].split(":")[0]: r.attrs["fill"]
        for r in page.by_id(f"chart-security-{A1}").find_all("rect", "datum")
    }
    assert colors == {
        "Critical": "#67001f",
        "High": "#d6604d",
        "Medium": "#fdb863",
        "Low": "#4393c3",
        "Informational": "#bababa",
    }
    table = {r[1]: r for r in table_rows(page, "security-current")}
    for account in (A1, A2, A3):
        counts, closed = Counter(), Counter()
        for c in latest_daily(docs, account)["data"]["securityhub"]["severity_counts"]:
            counts[c["severity_label"]] += open_count(c)
            for status in ("suppressed", "resolved"):
                closed[status] += c[f"workflow_{status}"]
            closed["active"] += c["count"]
        assert table[account][3:8] == [str(counts[s]) for s in SEVERITIES]
        assert table[account][8] == str(sum(counts.values()))  # the open total
        # closed findings (30 passed controls a day) are shown apart, never in the open total
        assert table[account][9:] == [
            str(closed["suppressed"]),
            f"{closed['resolved']:,}",
            f"{closed['active']:,}",
        ]
        assert closed["resolved"] >= 30 > sum(counts.values()) - closed["active"]
        assert table[account][2] == "2026-11-10"
    headers = [th.all_text() for th in page.by_id("table-security-current").find_all("th")]
    assert headers[3:12] == [
        "Open critical",
        "Open high",
        "Open medium",
        "Open low",
        "Open informational",
        "Open total",
        "Suppressed",
        "Resolved",
        "All ACTIVE records",
    ]


def test_security_counts_of_an_older_sender_are_shown_as_unknown(migrated_dsn, docs):
    """Counts without a workflow split are not open counts: a dash, and not in the KPI."""
    older = [copy.deepcopy(d) for d in docs if d["account_id"] in (A1, A3)]
    for doc in older:
        for c in doc["data"].get("securityhub", {}).get("severity_counts", []):
            if doc["account_id"] == A3:
                for status in ("new", "notified", "suppressed", "resolved"):
                    del c[f"workflow_{status}"]
    executor = PsycopgExecutor(migrated_dsn)
    try:
        load_documents(executor, older)
    finally:
        executor.close()
    page = _report_page(migrated_dsn)
    row = {r[1]: r for r in table_rows(page, "security-current")}[A3]
    assert row[3:11] == ["\u2013"] * 8 and row[11] != "\u2013"
    assert table_footer(page, "security-current")[8] == "\u2013"
    assert "1 account(s) not counted" in page.by_id("kpi-critical-high").all_text()


def test_compliance_section(page, docs):
    expected = sum(
        1
        for doc in docs
        if any(
            r["compliance"] in ("COMPLIANT", "NON_COMPLIANT")
            for r in doc["data"].get("config", {}).get("rules", [])
        )
        and in_period(snapshot_day(doc), PERIOD_30)
    )
    assert points(page, "compliance") == expected == 29
    assert legend(page, "compliance") == [HOSTILE_NAME, "sandbox", "staging"]
    rows = table_rows(page, "noncompliant-rules")
    current = [
        (account, r["rule_name"], r["non_compliant_resource_count"])
        for account in (A1, A2, A3)
        for r in latest_daily(docs, account)["data"]["config"]["rules"]
        if r["compliance"] == "NON_COMPLIANT"
    ]
    assert sorted((r[1], r[3], int(r[4])) for r in rows) == sorted(current)
    assert [int(r[4]) for r in rows] == sorted((c for _, _, c in current), reverse=True)


def test_inventory_section(page, docs):
    counts: Counter[tuple[str, str]] = Counter()
    for account in (A1, A2, A3):
        for r in latest_daily(docs, account)["data"]["resources"]:
            counts[account, r["resource_type"]] += 1
    assert points(page, "inventory") == len(counts) == 11
    rows = {r[1]: r for r in table_rows(page, "inventory")}
    types = sorted({t for _, t in counts})
    for account in (A1, A2, A3):
        assert rows[account][2 : 2 + len(types)] == [str(counts[account, t]) for t in types]


def test_savings_section(page, docs):
    savings = savings_by_source(docs)
    assert points(page, "savings-trusted-advisor") == 2  # two checks with savings
    titles = [t.all_text() for t in page.by_id("chart-savings-trusted-advisor").find_all("title")]
    ec2 = sum(
        Decimal(
            latest_daily(docs, a)["data"]["trusted_advisor_checks"][0]["estimated_monthly_savings"]
        )
        for a in (A1, A2, A3)
    )
    assert f"Low Utilization Amazon EC2 Instances: {money(ec2)}" in titles
    advisor_rows = table_rows(page, "savings-trusted-advisor")
    assert len(advisor_rows) == 5
    assert (
        sum(Decimal(r[6].strip("$").replace(",", "")) for r in advisor_rows)
        == savings["trusted_advisor"]
    )

    assert points(page, "savings-compute-optimizer") == 2  # EC2 and EBS save, the others do not
    optimizer = {(r[0], r[1]): r for r in table_rows(page, "savings-compute-optimizer")}
    assert optimizer["EC2", "Overprovisioned"][2:] == [
        "3",
        money(Decimal("70.08") * 6),
        "after SP/RI discounts",
    ]
    assert optimizer["EBS", "NotOptimized"][4] == "On-Demand prices"  # older senders' savings
    assert optimizer["ASG", "Underprovisioned"][2:] == ["3", "$0.00", "\u2013"]
    assert optimizer["LAMBDA", "Optimized"][2] == "3"

    # RI and SP, utilization and coverage, for each of the ten days.
    assert points(page, "commitments") == 2 * 2 * len(DAYS)
    assert legend(page, "commitments") == [
        "RI utilization",
        "RI coverage",
        "Savings Plans utilization",
        "Savings Plans coverage",
    ]
    titles = [t.all_text() for t in page.by_id("chart-commitments").find_all("title")]
    used = sum(Decimal(50) * (90 + INDEX[a]) / 100 for a in (A1, A2, A3)) + 10  # + A1's RDS
    assert f"RI utilization · Nov 10: {(100 * used / 160).quantize(Decimal('0.01'))}%" in titles
    (figcaption,) = page.by_id("chart-commitments").find_all("figcaption")
    assert "every reservation service" in figcaption.all_text()
    assert "shared from another account" in figcaption.all_text()
    services = {(r[0], r[1]): r for r in table_rows(page, "savings-commitment-services")}
    ec2, rds = "Amazon Elastic Compute Cloud - Compute", "Amazon Relational Database Service"
    assert set(services) == {("RI", ec2), ("RI", rds), ("Savings Plans", "(all eligible services)")}
    assert services["RI", rds][2:5] == ["1", "100.0%", "100.0%"]  # A1's reservation
    assert services["RI", ec2][2] == "3"
    unused = table_rows(page, "savings-commitments")
    assert sum(Decimal(r[4].strip("$")) for r in unused) == savings["commitment"] == 360


def test_collection_health_section(page, docs):
    grid = expected_grid(docs, PERIOD_30)
    assert grid == {"ok": 46, "partial": 1, "error": 1, "skipped": 1, "missing": 41}
    assert points(page, "collection-health") == 3 * 30
    cells = page.by_id("chart-collection-health").find_all("rect", "cell")
    assert Counter(c.attrs["data-status"] for c in cells) == grid
    rows = table_rows(page, "collector-failures")
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("2026-11-05", A2, "securityhub", "eu-west-1", "error"),
        ("2026-11-03", A1, "config", "eu-west-1", "partial"),
    ]
    assert rows[0][6] == HOSTILE_ERROR
    (failed,) = table_rows(page, "ingestion-failures")
    assert failed[2] == "1" and failed[4].endswith("broken.json.gz")


def test_days_option_narrows_the_period(loaded_dsn, docs):
    executor = PsycopgExecutor(loaded_dsn)
    try:
        report = build_report(executor, days=10, title="Ten days", now=NOW, cost_basis="unblended")
    finally:
        executor.close()
    page = parse(report.html)
    assert (report.period.start, report.period.end) == (FIRST, LAST)
    assert page.find_all("h1")[0].all_text() == "Ten days"
    assert page.find_all("title")[0].all_text() == "Ten days"
    assert points(page, "cost-by-account") == 29
    assert points(page, "collection-health") == 30
    cells = page.by_id("chart-collection-health").find_all("rect", "cell")
    assert Counter(c.attrs["data-status"] for c in cells) == expected_grid(docs, (FIRST, LAST))
    assert kpi(page, "total-cost") == str(
        sum((r[3] for r in cost_rows(docs, (FIRST, LAST))), Decimal(0))
    )
    assert points(page, "forecast") == 2  # November only


def test_long_periods_show_services_per_week(loaded_dsn, docs):
    executor = PsycopgExecutor(loaded_dsn)
    try:
        report = build_report(executor, days=60, now=NOW, cost_basis="unblended")
    finally:
        executor.close()
    page = parse(report.html)
    rows = cost_rows(docs, (report.period.start, report.period.end))
    by_service: dict[str, Decimal] = defaultdict(Decimal)
    for _, _, service, cost in rows:
        by_service[service] += cost
    top = sorted(by_service, key=lambda s: (-by_service[s], s))[:8]
    per_week: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for _, day, service, cost in rows:
        per_week[day - timedelta(day.weekday()), service if service in top else "Other"] += cost
    assert points(page, "cost-by-service") == sum(1 for v in per_week.values() if v != 0)
    titles = [t.all_text() for t in page.by_id("chart-cost-by-service").find_all("title")]
    assert any(t.startswith("week of Nov 9: Nov 9\u2013Nov 10 (partial week) ·") for t in titles)


# Ten accounts, 90 days, written straight into the tables (the loader would take minutes): runs
# with 12 collectors, 20 services, 5 severities in 2 regions, 20 Config rules, 40 resources,
# forecasts, Trusted Advisor, Compute Optimizer and commitments for every account and day.
SEED_SCALE = """
INSERT INTO accounts (account_id, name)
SELECT (400000000000 + a)::text, 'account ' || a FROM generate_series(1, 10) a;
INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end, collected_at)
SELECT md5(a || '/' || d)::uuid, (400000000000 + a)::text, 'DAILY', DATE '2026-08-01' + d,
       DATE '2026-08-02' + d, (DATE '2026-08-02' + d) + interval '2 hours'
FROM generate_series(1, 10) a, generate_series(0, 89) d;
INSERT INTO collector_runs (account_id, run_id, collector, region, status, error)
SELECT r.account_id, r.run_id, c.name, c.region,
       CASE WHEN abs(hashtext(r.run_id::text || c.name)) % 97 = 0 THEN 'error' ELSE 'ok' END,
       CASE WHEN abs(hashtext(r.run_id::text || c.name)) % 97 = 0 THEN 'boom' END
FROM collection_runs r,
     (VALUES ('account', ''), ('cost', ''), ('securityhub', 'eu-west-1'),
             ('securityhub', 'us-east-1'), ('config', 'eu-west-1'), ('resources', 'eu-west-1'),
             ('trusted_advisor_checks', ''), ('compute_optimizer', 'eu-west-1'),
             ('commitments', ''), ('kms_keys', 'eu-west-1'), ('iam', ''),
             ('secrets', 'eu-west-1')) AS c(name, region);
INSERT INTO cost_daily (account_id, usage_date, service, unblended_cost, amortized_cost, currency)
SELECT r.account_id, r.window_start, 'Service ' || s, s * 1.25 + 0.01, s, 'USD'
FROM collection_runs r, generate_series(1, 20) s;
INSERT INTO cost_forecasts (account_id, generated_on, metric, period_start, period_end, mean,
                            lower_bound, upper_bound, currency)
SELECT account_id, window_start, 'UNBLENDED_COST', window_end,
       (date_trunc('month', window_end) + interval '1 month')::date, 1000, 900, 1100, 'USD'
FROM collection_runs;
INSERT INTO securityhub_severity_counts (account_id, snapshot_date, region, severity_label, count,
                                         workflow_new, workflow_notified, workflow_suppressed,
                                         workflow_resolved)
SELECT r.account_id, r.window_start, g.region, v.sev, 3, 1, 1, 0, 1
FROM collection_runs r, (VALUES ('eu-west-1'), ('us-east-1')) g(region),
     (VALUES ('CRITICAL'), ('HIGH'), ('MEDIUM'), ('LOW'), ('INFORMATIONAL')) v(sev);
INSERT INTO config_rules (account_id, snapshot_date, region, rule_name, compliance,
                          non_compliant_resource_count)
SELECT r.account_id, r.window_start, 'eu-west-1', 'rule-' || k,
       CASE WHEN k % 4 = 0 THEN 'NON_COMPLIANT' ELSE 'COMPLIANT' END, k % 4
FROM collection_runs r, generate_series(1, 20) k;
INSERT INTO resources (account_id, snapshot_date, region, resource_type, resource_id)
SELECT r.account_id, r.window_start, 'eu-west-1',
       (ARRAY['ec2:instance', 's3:bucket', 'lambda:function', 'rds:db'])[1 + k % 4], 'id-' || k
FROM collection_runs r, generate_series(1, 40) k;
INSERT INTO trusted_advisor_checks (account_id, snapshot_date, check_id, name, category, status,
                                    resources_flagged, estimated_monthly_savings, currency)
SELECT r.account_id, r.window_start, 'check-' || k, 'Check ' || k, 'cost_optimizing', 'warning',
       k, k * 10, 'USD'
FROM collection_runs r, generate_series(1, 5) k;
INSERT INTO compute_optimizer_recommendations (account_id, snapshot_date, resource_arn,
    resource_type, region, finding, estimated_monthly_savings, currency)
SELECT r.account_id, r.window_start, 'arn:aws:ec2:eu-west-1:1:instance/i-' || k,
       (ARRAY['EC2', 'EBS', 'LAMBDA', 'ASG'])[1 + k % 4], 'eu-west-1', 'Overprovisioned',
       k, 'USD'
FROM collection_runs r, generate_series(1, 10) k;
INSERT INTO commitment_utilization (account_id, kind, period_start, period_end, utilization_pct,
    coverage_pct, commitment, used, unused, currency)
SELECT r.account_id, k.kind, r.window_start, r.window_end, 90, 50, 100, 90, 10, 'USD'
FROM collection_runs r, (VALUES ('RI'), ('SP')) k(kind);
"""


def test_ten_accounts_for_ninety_days_build_in_well_under_two_seconds(migrated_dsn):
    executor = PsycopgExecutor(migrated_dsn)
    try:
        with psycopg.connect(migrated_dsn, autocommit=True) as conn:
            conn.execute(SEED_SCALE)
            snapshot_pointers.rebuild(conn)  # runs written without the loader (sql/021)
            cost_month_totals.rebuild(conn)  # cost written without the loader (sql/026)
            conn.execute("ANALYZE")
        started = time.perf_counter()
        report = build_report(executor, days=90)
        elapsed = time.perf_counter() - started
    finally:
        executor.close()
    print(f"report of 10 accounts x 90 days built in {elapsed:.2f} s")
    assert elapsed < 2, f"{elapsed:.2f} s"
    page = parse(report.html)
    assert points(page, "cost-by-account") == 10 * 90
    assert points(page, "collection-health") == 10 * 90
    assert points(page, "cost-by-service") == 14 * 9  # 14 weeks (2 partial), 8 services + Other
    # a security chart per account; of the reference sections only resources by zone has data
    assert report.charts == 34 and report.charts_with_data == 21


# --------------------------------------------------------------------------- organization roster

A4, A5 = "310000000004", "310000000005"  # in the roster only: never reported, suspended
ROSTER_SQL = """
INSERT INTO organization_roster_refreshes (refresh_id, account_count, active_count, started_at,
                                           refreshed_at)
VALUES ('9d3c1b2a-0f4e-4d5c-8b7a-6e5f4d3c2b1a', 4, 3, '2026-11-26T01:30:00Z',
        '2026-11-26T01:30:02Z');
INSERT INTO organization_accounts (account_id, name, status, ou_id, ou_path, tags, refresh_id)
SELECT v.account_id, v.name, v.status, v.ou_id, v.ou_path, v.tags::jsonb,
       '9d3c1b2a-0f4e-4d5c-8b7a-6e5f4d3c2b1a'
FROM (VALUES ('310000000001', 'Prod', 'ACTIVE', 'ou-1', 'Root/Workloads/Production',
              '{"CostCenter": "42"}'),
             ('310000000002', 'Staging', 'ACTIVE', 'ou-2', 'Root/Workloads', '{"CostCenter": "7"}'),
             ('310000000004', 'Legacy Billing', 'ACTIVE', 'ou-3', 'Root/Legacy', '{}'),
             ('310000000005', 'Closed', 'SUSPENDED', 'ou-3', 'Root/Legacy', '{}'))
     AS v(account_id, name, status, ou_id, ou_path, tags);
"""


@pytest.fixture(scope="module")
def roster_dsn(server_url: str, migrated_template: str, docs) -> Iterator[str]:
    """The documents plus an organization roster: A3 outside it, A4 expected but never reported,
    A5 suspended."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    dsn = _url_for(server_url, name)
    executor = PsycopgExecutor(dsn)
    try:
        load_documents(executor, docs)
    finally:
        executor.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(ROSTER_SQL)
    try:
        yield dsn
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _report_page(dsn: str, **options: Any) -> Node:
    executor = PsycopgExecutor(dsn)
    try:
        return parse(build_report(executor, now=NOW, cost_basis="unblended", **options).html)
    finally:
        executor.close()


def test_collection_health_lists_expected_accounts_that_are_silent(roster_dsn, docs):
    page = _report_page(roster_dsn)
    rows = table_rows(page, "silent-accounts")
    # the documents end on 2026-11-10, so by now A1 and A2 are silent; A4 never reported
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("Legacy Billing", A4, "Root/Legacy", "never reported", "never"),
        (NAMES[A1], A1, "Root/Workloads/Production", "silent",
         latest_daily(docs, A1)["collected_at"].replace("T", " ")[:16] + " UTC"),
        ("staging", A2, "Root/Workloads", "silent",
         latest_daily(docs, A2)["collected_at"].replace("T", " ")[:16] + " UTC"),
    ]  # fmt: skip
    assert int(rows[1][5].replace(",", "")) > 36
    caption = page.by_id("table-silent-accounts").find_all("caption")[0].all_text()
    assert "3 of 3 ACTIVE accounts" in caption and "36 hours" in caption
    # the never-reported account is a row of missing days in the heatmap, the suspended one not
    assert points(page, "collection-health") == 4 * 30
    cells = page.by_id("chart-collection-health").find_all("rect", "cell")
    assert Counter(c.attrs["data-status"] for c in cells)["missing"] == (
        expected_grid(docs, PERIOD_30)["missing"] + 30
    )
    assert kpi(page, "accounts-reporting") == "3"
    strip = page.by_id("kpi-accounts-reporting").all_text()
    assert "3 of 4" in strip and "3 of 3 expected accounts silent or never reported" in strip


def test_cost_and_findings_per_ou_path_and_per_tag(roster_dsn, docs):
    cost = defaultdict(Decimal)
    for account, _, _, amount in cost_rows(docs, PERIOD_30):
        cost[account] += amount
    page = _report_page(roster_dsn)
    rows = {r[0]: r for r in table_rows(page, "cost-findings-by-group")}
    assert set(rows) == {"Root/Workloads/Production", "Root/Workloads", "Root/Legacy",
                         "(no OU known)"}  # fmt: skip
    assert rows["Root/Workloads/Production"][2] == money(cost[A1])
    assert rows["Root/Workloads"][2] == money(cost[A2])
    assert rows["(no OU known)"][1:3] == ["1", money(cost[A3])]
    assert rows["Root/Legacy"][1:3] == ["1", money(Decimal(0))]  # A5 (suspended) left out
    security_total = table_footer(page, "security-current")[8]  # open total
    assert table_footer(page, "cost-findings-by-group")[-1] == security_total
    assert points(page, "cost-by-group") == 3  # a bar per group with cost (not Root/Legacy)

    tagged = _report_page(roster_dsn, group_by=GroupBy.parse("tag:CostCenter"))
    section = tagged.by_id("by-group")
    assert "By account tag CostCenter" in section.find_all("h2")[0].all_text()
    rows = {r[0]: r for r in table_rows(tagged, "cost-findings-by-group")}
    assert set(rows) == {"42", "7", "(untagged)"}
    assert rows["(untagged)"][1:3] == ["2", money(cost[A3])]


def test_cli_groups_by_a_tag_and_rejects_a_bad_grouping(roster_dsn, tmp_path, capsys):
    out = tmp_path / "report.html"
    options = ["--database-url", roster_dsn, "--out", str(out)]
    assert main(["report", *options, "--group-by", "tag:CostCenter"]) == 0
    assert "By account tag CostCenter" in out.read_text(encoding="utf-8")
    for bad in ("account", "tag:"):
        with pytest.raises(SystemExit) as info:
            main(["report", *options, "--group-by", bad])
        assert info.value.code == 2
        assert "--group-by" in capsys.readouterr().err


# --------------------------------------------------------------------------- an empty database


def test_empty_database_gives_every_section_its_empty_state(db):
    report = build_report(db.executor, now=NOW)
    page = parse(report.html)
    assert report.period is None and report.points == 0
    figures = page.find_all("figure", "chart")
    assert figures and all("empty" in f.classes and not f.find_all("svg") for f in figures)
    assert all(f.attrs["data-points"] == "0" for f in figures)
    for section in page.find_all("section"):
        text = section.all_text()
        assert re.search(r"No data for [^<]+ in this period", text), section.attrs["id"]
    assert kpi(page, "total-cost") == "0" and kpi(page, "compliance") == ""
    assert "The database holds no data yet" in page.all_text()


# --------------------------------------------------------------------------- the command


def database_options(db) -> list[str]:  # type: ignore[no-untyped-def]
    if db.kind == "psycopg":
        return ["--database-url", db.dsn]
    return ["--cluster-arn", CLUSTER_ARN, "--secret-arn", SECRET_ARN, "--database", db.name]


def test_cli_writes_the_report(db, tmp_path, capsys):
    load_documents(db.executor, [monthly_doc(), daily_doc(A2, FIRST)])
    out = tmp_path / "tmp" / "report.html"
    assert main(["report", *database_options(db), "--out", str(out), "--days", "7"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"wrote {out}"
    assert re.match(
        r"23 sections, \d+ charts \(\d+ with data, \d+ data points\), \d+ rows read", printed[1]
    )
    page = parse(out.read_text(encoding="utf-8"))
    assert "period 2026-10-26 to 2026-11-01" in page.find_all("footer")[0].all_text()
    assert points(page, "cost-by-account") == 6 + 1  # A1 on Oct 26-31, A2 on Nov 1


def test_cli_reports_an_unreachable_database(tmp_path, capsys):
    url = "postgresql://nobody:secret-password@127.0.0.1:1/none?connect_timeout=2"
    out = tmp_path / "report.html"
    assert main(["report", "--database-url", url, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot connect to PostgreSQL")
    assert "secret-password" not in err and not out.exists()


@pytest.mark.parametrize("command", ["report", "migrate"])
def test_cli_refuses_a_malformed_database_url(tmp_path, capsys, command):
    out = ["--out", str(tmp_path / "report.html")] if command == "report" else []
    assert main([command, "--database-url", "not a url", *out]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: not a usable PostgreSQL URL or connection string")


def test_cli_reports_a_database_error(data_api, tmp_path, capsys):
    database = "no_such_database"
    out = tmp_path / "report.html"
    options = ["--cluster-arn", CLUSTER_ARN, "--secret-arn", SECRET_ARN, "--database", database]
    assert main(["report", *options, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read the report's data:") and database in err
    assert not out.exists()


@pytest.mark.parametrize("days", ["0", "x"])
def test_cli_rejects_bad_days(days, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["report", "--database-url", "postgresql://x@127.0.0.1:1/x", "--out", "r.html",
              "--days", days])  # fmt: skip
    assert info.value.code == 2
    assert "--days" in capsys.readouterr().err


def test_charts_with_nothing_to_draw_are_empty():
    unit = Unit("money", "USD")
    axis = charts.date_axis([FIRST, LAST])
    assert charts.line_chart(label="x", x=axis, series=[], unit=unit).points == 0
    assert (
        charts.stacked_bar_chart(
            label="x", x=axis, series=[charts.Series("s", [None, 0])], unit=unit
        ).points
        == 0
    )
    assert charts.hbar_chart(label="x", categories=[], series=[], unit=unit).points == 0
    assert charts.nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(-12, 30) == [-20, -10, 0, 10, 20, 30]
    assert money(Decimal("1234.565")) == "$1,234.57" and money(Decimal("-0.004")) == "$0.00"


def test_a_backfill_does_not_hide_what_the_scheduled_run_said(migrated_dsn):
    """Found by `make demo`: a history run re-collects only the cost collectors of a day; the
    day's collection health still shows the scheduled run's skipped collector."""
    day = DAYS[0]
    scheduled = daily_doc(A1, day)
    scheduled["collectors"] = [
        _collector("cost", None),
        _collector("guardduty_findings", "us-east-1", "skipped", "GuardDuty is not enabled"),
    ]
    backfill = copy.deepcopy(scheduled)
    backfill.update(
        run_id=str(uuid.uuid4()),
        collected_at="2026-11-26T02:00:00Z",
        collectors=[_collector("cost", None)],
    )
    executor = PsycopgExecutor(migrated_dsn)
    try:
        for number, doc in enumerate((scheduled, backfill)):
            key = f"data/{A1}/DAILY/{day}/{number}.json.gz"
            ref = FileRef("analytics", key, "v1", account_id=A1, size=1, etag='"e"')
            assert load_bytes(executor, ref, gz(doc), expected_account=None).status == "loaded"
        [row] = executor.execute(
            "SELECT status, run_count, run_id::text AS run_id, collectors_ok, collectors_skipped "
            "FROM v_report_collection_days WHERE account_id = :a AND day = :d",
            {"a": A1, "d": day.isoformat()},
        )
    finally:
        executor.close()
    assert row["status"] == "skipped"
    assert (row["run_count"], row["collectors_ok"], row["collectors_skipped"]) == (2, 1, 1)
    assert row["run_id"] == backfill["run_id"]  # the latest run describes the day


# --------------------------------------------------------------------------- cost basis

# One account with a no-upfront Reserved Instance of USD 300 a month: unblended cost books the
# fee on the 1st (on the buyer), amortized cost spreads it over the days that use it. Both
# Cost Explorer forecasts of November exist (the cost collector asks for both metrics).
BASIS_SQL = """
INSERT INTO accounts (account_id, name) VALUES ('320000000001', 'RI buyer');
INSERT INTO cost_daily (account_id, usage_date, service, unblended_cost, amortized_cost, currency)
SELECT '320000000001', DATE '2026-11-01' + d, 'Amazon Elastic Compute Cloud - Compute',
       CASE WHEN d = 0 THEN 310 ELSE 10 END, 20, 'USD'
FROM generate_series(0, 9) d;
INSERT INTO cost_forecasts (account_id, generated_on, metric, period_start, period_end, mean,
                            lower_bound, upper_bound, currency)
VALUES ('320000000001', '2026-11-10', 'UNBLENDED_COST', '2026-11-11', '2026-12-01', 900, 800,
        1000, 'USD'),
       ('320000000001', '2026-11-10', 'AMORTIZED_COST', '2026-11-11', '2026-12-01', 600, 550,
        650, 'USD');
"""


@pytest.fixture
def basis_dsn(migrated_dsn):  # type: ignore[no-untyped-def]
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        conn.execute(BASIS_SQL)
        cost_month_totals.rebuild(conn)  # cost written without the loader (sql/026)
    return migrated_dsn


def _basis_page(dsn: str, **options: Any) -> Node:
    executor = PsycopgExecutor(dsn)
    try:
        return parse(build_report(executor, days=10, now=NOW, **options).html)
    finally:
        executor.close()


def test_amortized_cost_basis_drives_the_report_by_default_with_unblended_alongside(basis_dsn):
    page = _basis_page(basis_dsn)
    assert kpi(page, "total-cost") == "200"  # 10 days x 20, the fee spread
    detail = page.by_id("kpi-total-cost").all_text()
    assert "amortized, 10 days" in detail and "unblended: $400.00" in detail
    assert "Daily amortized cost per account" in page.by_id("chart-cost-by-account").all_text()
    assert "Actual amortized cost" in page.by_id("forecast").all_text()
    (november,) = table_rows(page, "forecast")
    assert november[1] == money(Decimal(200))  # actual, amortized
    assert november[3] == money(Decimal(200 + 600))  # + the AMORTIZED_COST forecast mean
    assert "money is amortized cost" in page.all_text()


def test_the_unblended_basis_books_the_fee_on_the_first(basis_dsn):
    page = _basis_page(basis_dsn, cost_basis="unblended")
    assert kpi(page, "total-cost") == "400"  # 310 on Nov 1, then 9 x 10
    assert "amortized: $200.00" in page.by_id("kpi-total-cost").all_text()
    assert "Daily unblended cost per account" in page.by_id("chart-cost-by-account").all_text()
    (november,) = table_rows(page, "forecast")
    assert november[3] == money(Decimal(400 + 900))  # + the UNBLENDED_COST forecast mean


def test_an_unknown_cost_basis_is_refused(basis_dsn, tmp_path, capsys):
    with pytest.raises(ValueError, match="cost basis must be one of amortized, unblended"):
        _basis_page(basis_dsn, cost_basis="blended")
    out = tmp_path / "report.html"
    with pytest.raises(SystemExit):
        main(["report", "--database-url", basis_dsn, "--out", str(out), "--cost-basis", "x"])
    assert "--cost-basis" in capsys.readouterr().err
    assert main(["report", "--database-url", basis_dsn, "--out", str(out),
                 "--cost-basis", "unblended"]) == 0  # fmt: skip
    assert "Daily unblended cost per account" in out.read_text(encoding="utf-8")
