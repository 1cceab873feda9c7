"""account: organization details where readable, contacts, and no failure for member accounts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import boto3
from moto import mock_aws

from sender.collectors.account import COLLECTOR
from sender.settings import Settings
from support.sender_fixtures import (
    ACCOUNT,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
    throttle_first,
    validate_outcome,
)

G = "us-east-1"


def _contacts(account):
    account.add_response(
        "get_contact_information",
        {
            "ContactInformation": {
                "FullName": "Anaïs O'Brien",
                "AddressLine1": "Bahnhofstrasse 1",
                "City": "Zürich",
                "PostalCode": "8001",
                "CountryCode": "CH",
                "PhoneNumber": "+41 44 668 18 00",
                "CompanyName": 'Example "Payments" AG',
                "WebsiteUrl": "https://payments.example.com",
            }
        },
    )
    account.add_response(
        "get_alternate_contact",
        {
            "AlternateContact": {
                "Name": "Björn Åkesson",
                "Title": "Head of FinOps",
                "EmailAddress": "finops@example.com",
                "PhoneNumber": "+46 8 123 456 78",
                "AlternateContactType": "BILLING",
            }
        },
        {"AlternateContactType": "BILLING"},
    )
    account.add_client_error(
        "get_alternate_contact",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"AlternateContactType": "OPERATIONS"},
    )
    account.add_response(
        "get_alternate_contact",
        {
            "AlternateContact": {
                "Name": "Security Operations",
                "Title": "SOC",
                "EmailAddress": "soc@example.com",
                "PhoneNumber": "+1 206 555 0100",
                "AlternateContactType": "SECURITY",
            }
        },
        {"AlternateContactType": "SECURITY"},
    )


def test_management_view_with_ou_path_and_contacts(clients):
    with stubbed(clients, "organizations", G) as org, stubbed(clients, "account", G) as account:
        org.add_response(
            "describe_organization",
            {"Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "111122223333"}},
        )
        org.add_response(
            "describe_account",
            {
                "Account": {
                    "Id": ACCOUNT,
                    "Name": "payments-prod",
                    "Email": "aws+payments@example.com",
                    "Status": "ACTIVE",
                    "State": "ACTIVE",
                    "JoinedTimestamp": datetime(2021, 3, 14, 9, 26, 53, 589000, tzinfo=UTC),
                }
            },
            {"AccountId": ACCOUNT},
        )
        org.add_response(
            "list_parents",
            {"Parents": [{"Id": "ou-ab12-cdef3456", "Type": "ORGANIZATIONAL_UNIT"}]},
            {"ChildId": ACCOUNT},
        )
        org.add_response(
            "describe_organizational_unit",
            {"OrganizationalUnit": {"Id": "ou-ab12-cdef3456", "Name": "Prod"}},
            {"OrganizationalUnitId": "ou-ab12-cdef3456"},
        )
        org.add_response(
            "list_parents",
            {"Parents": [{"Id": "ou-ab12-11111111", "Type": "ORGANIZATIONAL_UNIT"}]},
            {"ChildId": "ou-ab12-cdef3456"},
        )
        org.add_response(
            "describe_organizational_unit",
            {"OrganizationalUnit": {"Id": "ou-ab12-11111111", "Name": "Workloads"}},
        )
        org.add_response("list_parents", {"Parents": [{"Id": "r-ab12", "Type": "ROOT"}]})
        _contacts(account)
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    assert outcome.item_count == 4  # the object and its rows
    account_item = section(outcome)
    contacts = account_item.pop("contacts")
    assert account_item == {
        "account_id": ACCOUNT,
        "name": "payments-prod",
        "email": "aws+payments@example.com",
        "status": "ACTIVE",
        "joined_at": "2021-03-14T09:26:53.589Z",
        "organization_id": "o-a1b2c3d4e5",
        "management_account_id": "111122223333",
        "ou_id": "ou-ab12-cdef3456",
        "ou_path": "Root/Workloads/Prod",
        "labels": {},  # none set on the sender
    }
    assert [c["contact_type"] for c in contacts] == ["PRIMARY", "BILLING", "SECURITY"]
    assert contacts[0]["city"] == "Zürich" and contacts[0]["email"] is None
    assert contacts[1]["title"] == "Head of FinOps"


def test_member_account_reads_what_it_may_and_is_still_ok(clients):
    with stubbed(clients, "organizations", G) as org, stubbed(clients, "account", G) as account:
        org.add_response(
            "describe_organization",
            {"Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "111122223333"}},
        )
        access_denied(org, "describe_account")
        account.add_response(
            "get_account_information",
            {"AccountId": ACCOUNT, "AccountName": "payments-prod", "AccountState": "ACTIVE"},
        )
        _contacts(account)
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok"
    item = section(outcome)
    assert (item["name"], item["status"], item["ou_path"]) == ("payments-prod", "ACTIVE", None)


def test_standalone_account_falls_back_to_the_iam_alias(clients):
    with (
        stubbed(clients, "organizations", G) as org,
        stubbed(clients, "account", G) as account,
        stubbed(clients, "iam", G) as iam,
    ):
        org.add_client_error(
            "describe_organization", service_error_code="AWSOrganizationsNotInUseException"
        )
        access_denied(account, "get_account_information")
        iam.add_response(
            "list_account_aliases", {"AccountAliases": ["sandbox-7"], "IsTruncated": False}
        )
        access_denied(account, "get_contact_information")
        for _ in range(3):
            access_denied(account, "get_alternate_contact")
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok"
    assert section(outcome) == {
        "account_id": ACCOUNT,
        "name": "sandbox-7",
        "email": None,
        "status": None,
        "joined_at": None,
        "organization_id": None,
        "management_account_id": None,
        "ou_id": None,
        "ou_path": None,
        "contacts": [],
        "labels": {},
    }


@mock_aws
def test_organization_from_moto(clients):
    org = boto3.client("organizations", region_name=G)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="Prod")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=ACCOUNT, SourceParentId=root, DestinationParentId=unit)
    with stubbed(clients, "account", G) as account:
        _contacts(account)
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    item = section(outcome)
    assert (item["ou_id"], item["ou_path"]) == (unit, "Root/Prod")
    assert item["organization_id"].startswith("o-")


def test_an_unexpected_error_makes_it_partial(clients):
    with stubbed(clients, "organizations", G) as org, stubbed(clients, "account", G) as account:
        org.add_client_error(
            "describe_organization", service_error_code="ServiceException", http_status_code=400
        )
        account.add_response("get_account_information", {"AccountName": "x"})
        _contacts(account)
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "partial"
    assert outcome.error.startswith("DescribeOrganization: ServiceException")


@mock_aws
def test_throttling_is_retried(clients):
    boto3.client("organizations", region_name=G).create_organization(FeatureSet="ALL")
    throttle_first(clients.client("organizations", G), times=2, code="TooManyRequestsException")
    with stubbed(clients, "account", G) as account:
        _contacts(account)
        outcome = run_collector(COLLECTOR, make_context(clients, None))
    assert outcome.status == "ok" and section(outcome)["organization_id"].startswith("o-")


def test_labels_set_on_the_sender_are_reported(clients):
    """SENDER_ACCOUNT_LABELS reaches the account section as given (non-ASCII values too)."""
    labels = Settings.from_env(
        {"SENDER_ACCOUNT_LABELS": '{"product": "Zahlungen", "environment": "prod", "team": "core"}'}
    ).account_labels
    with stubbed(clients, "organizations", G) as org, stubbed(clients, "account", G) as account:
        access_denied(org, "describe_organization")
        account.add_response(
            "get_account_information",
            {"AccountId": ACCOUNT, "AccountName": "payments-prod", "AccountState": "ACTIVE"},
        )
        access_denied(account, "get_contact_information")
        for _ in ("BILLING", "OPERATIONS", "SECURITY"):
            access_denied(account, "get_alternate_contact")
        ctx = replace(make_context(clients, None), account_labels=labels)
        outcome = run_collector(COLLECTOR, ctx)
    assert outcome.status == "ok", outcome.error
    validate_outcome(outcome)
    assert section(outcome)["labels"] == {
        "environment": "prod",
        "product": "Zahlungen",
        "team": "core",
    }
