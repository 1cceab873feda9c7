"""The organization roster (``receiver.roster``, its Lambda handler and CLI) against moto's
Organizations (real botocore models) and a migrated PostgreSQL, through both executors.

The organization: the management account in the root, nested OUs (Workloads/Production), an
account with a non-ASCII name and tags, a suspended (closed) account, and an account that leaves
between two refreshes. AssumeRole's AccessDenied comes from a Stubber on a real STS client.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from receiver import cli, roster, roster_handler, security_posture
from receiver.roster import RosterAccessError, organizations_client, read_roster, refresh
from support.receiver_fixtures import (
    CLUSTER_ARN,
    SECRET_ARN,
    Db,
    FakeContext,
    db_fixture,  # noqa: F401 - fixture
)

MANAGEMENT = "123456789012"  # moto's default account creates the organization
ROLE_ARN = f"arn:aws:iam::{MANAGEMENT}:role/observability-roster"
UNICODE_NAME = "Données Analytiques Ñandú 数据"


@dataclass
class Org:
    client: Any
    root_id: str
    ids: dict[str, str]  # name -> account id
    ous: dict[str, str]  # name -> OU id


def _create_account(client: Any, name: str, email: str) -> str:
    status = client.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    return str(status["AccountId"])


@pytest.fixture
def org() -> Iterator[Org]:
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root_id = client.list_roots()["Roots"][0]["Id"]

        def ou(parent: str, name: str) -> str:
            return client.create_organizational_unit(ParentId=parent, Name=name)[
                "OrganizationalUnit"
            ]["Id"]

        ous = {"Workloads": ou(root_id, "Workloads")}
        ous["Production"] = ou(ous["Workloads"], "Production")
        ous["Legacy"] = ou(root_id, "Legacy")
        ids = {}
        for name, email, parent, tags in (
            ("Shop", "shop@example.com", "Production", {"CostCenter": "42", "Team": "web"}),
            (UNICODE_NAME, "data@example.com", "Workloads", {"CostCenter": "7"}),
            ("Legacy Billing", "legacy@example.com", "Legacy", {}),
            ("Closed", "closed@example.com", "Legacy", {}),
            ("Leaving", "leaving@example.com", "Workloads", {}),
        ):
            account_id = _create_account(client, name, email)
            client.move_account(
                AccountId=account_id, SourceParentId=root_id, DestinationParentId=ous[parent]
            )
            if tags:
                client.tag_resource(
                    ResourceId=account_id, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
                )
            ids[name] = account_id
        client.close_account(AccountId=ids["Closed"])
        yield Org(client, root_id, ids, ous)


def _calls(client: Any) -> Counter[str]:
    """Count the client's API calls by operation name."""
    counter: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counter[model.name] += 1

    client.meta.events.register("before-call.organizations.*", count)
    return counter


def test_read_roster_walks_nested_ous_and_reads_tags_and_status(org: Org) -> None:
    calls = _calls(org.client)
    result = read_roster(org.client)
    by_id = {a.account_id: a for a in result.accounts}

    assert result.management_account_id == MANAGEMENT
    assert result.organization_id and result.organization_id.startswith("o-")
    assert set(by_id) == {MANAGEMENT, *org.ids.values()}
    shop = by_id[org.ids["Shop"]]
    assert (shop.ou_id, shop.ou_path) == (org.ous["Production"], "Root/Workloads/Production")
    assert shop.tags == {"CostCenter": "42", "Team": "web"}
    assert shop.status == "ACTIVE" and shop.joined_method == "CREATED"
    assert shop.joined_at is not None and shop.joined_at.tzinfo is not None
    data = by_id[org.ids[UNICODE_NAME]]
    assert (data.name, data.ou_path, data.tags) == (
        UNICODE_NAME,
        "Root/Workloads",
        {"CostCenter": "7"},
    )
    assert by_id[org.ids["Closed"]].status == "SUSPENDED"
    assert by_id[org.ids["Legacy Billing"]].ou_path == "Root/Legacy"
    assert (by_id[MANAGEMENT].ou_id, by_id[MANAGEMENT].ou_path) == (org.root_id, "Root")
    assert result.active == 5

    # every OU is named once and asked for its parent once, whatever the number of accounts
    assert calls["DescribeOrganizationalUnit"] == 3
    assert calls["ListParents"] == len(by_id) + 3
    assert calls["ListTagsForResource"] == len(by_id)
    assert calls["ListRoots"] == 1


def test_an_account_leaving_during_the_read_is_left_out(org: Org) -> None:
    def leave(**_: Any) -> None:  # right after ListAccounts listed it
        org.client.remove_account_from_organization(AccountId=org.ids["Leaving"])

    org.client.meta.events.register_first("after-call.organizations.ListAccounts", leave)
    result = read_roster(org.client)
    assert org.ids["Leaving"] not in {a.account_id for a in result.accounts}
    assert len(result.accounts) == 5


def test_refresh_stores_the_roster_and_forgets_accounts_that_left(org: Org, db: Db) -> None:
    first = refresh(db.executor, org.client, now=datetime.now(UTC) - timedelta(seconds=5))
    assert (first.accounts, first.active, first.expected, first.removed) == (6, 5, 5, 0)
    stored = {
        r["account_id"]: r
        for r in db.query("SELECT * FROM organization_accounts ORDER BY account_id")
    }
    assert len(stored) == 6
    assert stored[org.ids[UNICODE_NAME]]["name"] == UNICODE_NAME
    assert stored[org.ids["Shop"]]["tags"] == {"CostCenter": "42", "Team": "web"}
    assert stored[org.ids["Shop"]]["ou_path"] == "Root/Workloads/Production"
    assert stored[org.ids["Closed"]]["status"] == "SUSPENDED"
    # nobody has reported yet: every ACTIVE account is expected and never reported
    assert first.reporting == 0
    assert sorted(s.account_id for s in first.silent) == sorted(
        [MANAGEMENT, *(org.ids[n] for n in ("Shop", UNICODE_NAME, "Legacy Billing", "Leaving"))]
    )
    assert {s.status for s in first.silent} == {"never_reported"}

    # one account reports; one leaves the organization; the data account moves and is retagged
    db.query(
        "INSERT INTO accounts (account_id, name) VALUES (%s, 'Shop') RETURNING 1",
        (org.ids["Shop"],),
    )
    db.query(
        "INSERT INTO collection_runs (run_id, account_id, interval, window_start, window_end,"
        " collected_at) VALUES (gen_random_uuid(), %s, 'DAILY', current_date - 1, current_date,"
        " now() - interval '3 hours') RETURNING 1",
        (org.ids["Shop"],),
    )
    db.query(security_posture.REBUILD_SQL)  # a run written without the loader (sql/027)
    org.client.remove_account_from_organization(AccountId=org.ids["Leaving"])
    org.client.move_account(
        AccountId=org.ids[UNICODE_NAME],
        SourceParentId=org.ous["Workloads"],
        DestinationParentId=org.ous["Production"],
    )
    org.client.untag_resource(ResourceId=org.ids[UNICODE_NAME], TagKeys=["CostCenter"])
    org.client.tag_resource(
        ResourceId=MANAGEMENT, Tags=[{"Key": "observability:expected", "Value": "False"}]
    )

    second = refresh(db.executor, org.client, silent_after_hours=24)
    assert (second.accounts, second.active, second.removed, second.reporting) == (5, 4, 1, 1)
    assert second.expected == 3  # the management account opted out
    assert MANAGEMENT not in {s.account_id for s in second.silent}
    assert org.ids["Leaving"] not in {s.account_id for s in second.silent}
    ids = {r["account_id"] for r in db.query("SELECT account_id FROM organization_accounts")}
    assert org.ids["Leaving"] not in ids and len(ids) == 5
    data = db.query(
        "SELECT ou_path, tags FROM organization_accounts WHERE account_id = %s",
        (org.ids[UNICODE_NAME],),
    )[0]
    assert (data["ou_path"], data["tags"]) == ("Root/Workloads/Production", {})
    refreshes = db.query(
        "SELECT account_count, active_count, removed_count, silent_after_hours"
        " FROM organization_roster_refreshes ORDER BY refreshed_at"
    )
    assert [tuple(r.values()) for r in refreshes] == [(6, 5, 0, 36), (5, 4, 1, 24)]
    expected = db.query(
        "SELECT account_id, reporting_status FROM v_expected_accounts ORDER BY account_id"
    )
    assert {r["account_id"]: r["reporting_status"] for r in expected}[org.ids["Shop"]] == (
        "reporting"
    )


def test_a_failed_refresh_leaves_the_previous_roster_untouched(org: Org, db: Db) -> None:
    refresh(db.executor, org.client)
    before = db.query("SELECT * FROM organization_accounts ORDER BY account_id")
    broken = roster.Roster("o-x", MANAGEMENT, (roster.RosterAccount(
        "123", "bad id", None, "ACTIVE", None, None, "r-1", "Root", {}),))  # fmt: skip
    with pytest.raises(Exception, match=r"account_id|check"):
        roster.write_roster(db.executor, broken, started_at=datetime.now(UTC))
    assert db.query("SELECT * FROM organization_accounts ORDER BY account_id") == before
    assert db.query("SELECT count(*) AS n FROM organization_roster_refreshes")[0]["n"] == 1


def _denying_sts() -> tuple[Any, Stubber]:
    sts = boto3.client("sts", region_name="eu-west-1")
    stubber = Stubber(sts)
    stubber.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        service_message=f"User: arn:aws:sts::111111111111:assumed-role/obs-roster/obs-roster is "
        f"not authorized to perform: sts:AssumeRole on resource: {ROLE_ARN}",
        http_status_code=403,
        expected_params={
            "RoleArn": ROLE_ARN,
            "RoleSessionName": "observability-roster",
            "DurationSeconds": 900,
            "ExternalId": "ext-1",
        },
    )
    stubber.activate()
    return sts, stubber


def test_access_denied_on_assume_role_is_a_clear_error() -> None:
    sts, stubber = _denying_sts()
    with pytest.raises(RosterAccessError, match=r"cannot assume the roster role .*AccessDenied"):
        organizations_client(ROLE_ARN, "ext-1", sts=sts)
    stubber.assert_no_pending_responses()


def test_the_role_is_assumed_and_its_credentials_used(org: Org) -> None:
    client = organizations_client(ROLE_ARN, region="us-east-1")
    credentials = client._request_signer._credentials  # the role's, not the caller's
    assert credentials.access_key != "testing" and credentials.token
    assert {a.account_id for a in read_roster(client).accounts} >= set(org.ids.values())


# --------------------------------------------------------------------------- handler


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch, migrated_dsn: str, data_api: Any) -> str:
    database = migrated_dsn.rsplit("/", 1)[1]
    monkeypatch.setenv("ROSTER_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("ROSTER_EXTERNAL_ID", "ext-1")
    monkeypatch.setenv("SILENT_AFTER_HOURS", "36")
    monkeypatch.setenv("AURORA_CLUSTER_ARN", CLUSTER_ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET_ARN)
    monkeypatch.setenv("DB_NAME", database)
    monkeypatch.setenv("REGION", "us-east-1")
    return migrated_dsn


def _emf(stdout: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric documents Powertools printed."""
    documents = []
    for line in stdout.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def test_handler_publishes_one_metric_silent_accounts_and_logs_them(
    org: Org,
    lambda_env: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    capsys.readouterr()
    summary = roster_handler.lambda_handler({"source": "aws.events"}, FakeContext())
    assert summary["expected"] == 5 and summary["never_reported"] == 5
    out = capsys.readouterr().out
    (document,) = _emf(out)
    names = [m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    assert names == ["SilentAccounts"]
    # the alarm of modules/analytics watches this metric with the dimension service = roster
    # (POWERTOOLS_SERVICE_NAME), so the dimension set must be exactly [service]
    assert [d["Dimensions"] for d in document["_aws"]["CloudWatchMetrics"]] == [[["service"]]]
    assert document["SilentAccounts"] in (5, [5.0], 5.0)
    warnings = [r for r in caplog.records if r.getMessage() == "expected account is not reporting"]
    assert all(r.levelno == logging.WARNING for r in warnings)
    assert {w.account_id for w in warnings} == {
        MANAGEMENT,
        *(org.ids[n] for n in ("Shop", UNICODE_NAME, "Legacy Billing", "Leaving")),
    }
    assert {w.reporting_status for w in warnings} == {"never_reported"}
    assert any(w.account_name == UNICODE_NAME for w in warnings)


def test_handler_fails_loudly_when_the_role_cannot_be_assumed(
    lambda_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sts, _ = _denying_sts()

    def client(role_arn: str, external_id: str | None, **kwargs: Any) -> Any:
        return organizations_client(role_arn, external_id, sts=sts, **kwargs)

    monkeypatch.setattr(roster_handler, "organizations_client", client)
    capsys.readouterr()
    with pytest.raises(RosterAccessError):
        roster_handler.lambda_handler({"source": "aws.events"}, FakeContext())
    out = capsys.readouterr().out
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "roster" in r.msg]
    assert len(errors) == 1 and "cannot be assumed" in errors[0].getMessage()
    assert "modules/organization" in errors[0].error
    assert not any(d.get("SilentAccounts") is not None for d in _emf(out))
    import psycopg

    with psycopg.connect(lambda_env) as connection:
        rows = connection.execute("SELECT count(*) FROM organization_roster_refreshes").fetchone()
    assert rows == (0,)


def test_handler_refuses_a_missing_or_malformed_role_arn(
    lambda_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from receiver.settings import ConfigurationError

    for value in ("", "arn:aws:iam::123456789012:user/someone"):
        monkeypatch.setenv("ROSTER_ROLE_ARN", value)
        with pytest.raises(ConfigurationError, match="ROSTER_ROLE_ARN"):
            roster_handler.RosterSettings.from_env()
    monkeypatch.setenv("ROSTER_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("SILENT_AFTER_HOURS", "0")
    with pytest.raises(ConfigurationError, match="SILENT_AFTER_HOURS"):
        roster_handler.RosterSettings.from_env()


# --------------------------------------------------------------------------- CLI


def test_cli_refreshes_with_the_callers_credentials(
    org: Org, migrated_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["roster", "--database-url", migrated_dsn, "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "roster refreshed: 6 accounts in the organization, 5 ACTIVE, 5 expected to report" in out
    assert "expected vs reporting: 0 of 5 reporting, 0 silent, 5 never reported" in out
    assert "Legacy Billing" in out and UNICODE_NAME in out and "Root/Legacy" in out


def test_cli_reports_access_denied_and_exits_1(
    migrated_dsn: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sts, _ = _denying_sts()
    from receiver import roster_command

    def client(role_arn: str, external_id: str | None, **kwargs: Any) -> Any:
        return organizations_client(role_arn, external_id, sts=sts, **kwargs)

    monkeypatch.setattr(roster_command, "organizations_client", client)
    code = cli.main(
        ["roster", "--database-url", migrated_dsn, "--role-arn", ROLE_ARN, "--external-id", "ext-1"]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("error: cannot assume the roster role")
    assert captured.out == ""
