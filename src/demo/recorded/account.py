"""The Account API's account name and primary contact (moto has only alternate contacts), and the
labels each member's sender is configured with (``SENDER_ACCOUNT_LABELS``).

The demo's roster tags every member with Environment (`demo.organization`); the senders' labels
add product and team, and an Environment label of their own which the roster's tag overrides
(v_account_label_values: the roster wins label by label).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from demo.recorded._core import Answer, Answers, ApiError, Call, at

CREATED = {"prod": date(2019, 3, 12), "staging": date(2020, 6, 2), "sandbox": date(2022, 9, 15)}
MISSING = "not implemented by moto 5.2 (moto has only alternate contacts)"
LABELS = {
    "prod": {"product": "checkout", "team": "Plattform und Zahlungen", "Environment": "prod"},
    "staging": {"product": "checkout", "team": "Plattform und Zahlungen", "Environment": "stage"},
    "sandbox": {"product": "experiments", "team": "data-science"},
}


def sender_labels(profile_key: str) -> tuple[tuple[str, str], ...]:
    """The account labels a member's sender is deployed with (modules/sender account_labels)."""
    return tuple(sorted(LABELS.get(profile_key, {}).items()))


def _check_account(call: Call) -> None:
    wanted = call.params.get("AccountId")
    if wanted and wanted != call.account_id:
        raise ApiError(
            "AccessDeniedException",
            "Only the management account or a delegated administrator can read another account",
        )


def get_account_information(call: Call) -> dict[str, Any]:
    _check_account(call)
    return {
        "AccountId": call.account_id,
        "AccountName": call.profile.name,
        "AccountCreatedDate": at(CREATED.get(call.profile.key, date(2021, 1, 4)), 9, 41, 7),
        "AccountState": "ACTIVE",
    }


def get_contact_information(call: Call) -> dict[str, Any]:
    _check_account(call)
    return {
        "ContactInformation": {
            "FullName": "Cloud Platform Team",
            "AddressLine1": "100 Example Street",
            "AddressLine2": "Floor 4",
            "City": "Dublin",
            "StateOrRegion": "Dublin",
            "PostalCode": "D02 X285",
            "CountryCode": "IE",
            "PhoneNumber": "+353 1 555 0100",
            "CompanyName": "Acme Example Ltd",
            "WebsiteUrl": "https://www.example.com",
        }
    }


ANSWERS: Answers = {
    ("account", "GetAccountInformation"): Answer(MISSING, get_account_information),
    ("account", "GetContactInformation"): Answer(MISSING, get_contact_information),
}
