"""The Account API's account name and primary contact (moto has only alternate contacts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from demo.recorded._core import Answer, Answers, ApiError, Call, at

CREATED = {"prod": date(2019, 3, 12), "staging": date(2020, 6, 2), "sandbox": date(2022, 9, 15)}
MISSING = "not implemented by moto 5.2 (moto has only alternate contacts)"


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
