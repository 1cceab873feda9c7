"""The account: name, email, status, organization and OU, contacts.

Organizations details are readable only from the management account or a delegated
administrator; elsewhere they stay null (AccessDenied there is expected, not a failure). The
account name then comes from the Account API or the IAM account alias.
https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeAccount.html
https://docs.aws.amazon.com/accounts/latest/reference/API_GetContactInformation.html
https://docs.aws.amazon.com/accounts/latest/reference/API_GetAlternateContact.html

``labels`` (contract 1.2) are the sender's own setting (``SENDER_ACCOUNT_LABELS``, the sender
module's ``account_labels``), not read from AWS: product, team, environment or any label, for
grouping accounts when the receiver has no organization roster (the roster's account tags win).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from sender.aws import SKIP_CODES, error_code, error_message
from sender.collectors.base import Collector, Context
from sender.normalize import identifier, text, timestamp

T = TypeVar("T")
ALTERNATE_TYPES = ("BILLING", "OPERATIONS", "SECURITY")
NOT_THERE = {"ResourceNotFoundException", "AccountNotFoundException", "ParentNotFoundException"}
CONTACT_FIELDS = (
    "full_name",
    "title",
    "email",
    "phone_number",
    "company_name",
    "address_line1",
    "address_line2",
    "address_line3",
    "city",
    "state_or_region",
    "postal_code",
    "country_code",
    "website_url",
)


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    org = ctx.global_client("organizations")
    account: dict[str, Any] = {
        "account_id": ctx.account_id,
        "name": None,
        "email": None,
        "status": None,
        "joined_at": None,
        "organization_id": None,
        "management_account_id": None,
        "ou_id": None,
        "ou_path": None,
        "contacts": [],
        "labels": dict(ctx.account_labels),
    }
    organization = _optional(ctx, "DescribeOrganization", org.describe_organization)
    if organization:
        details = organization.get("Organization", {})
        account["organization_id"] = identifier(details.get("Id"))
        management = details.get("MasterAccountId")
        account["management_account_id"] = management if _is_account(management) else None
        described = _optional(
            ctx, "DescribeAccount", org.describe_account, AccountId=ctx.account_id
        )
        if described:
            details = described.get("Account", {})
            account["name"] = text(details.get("Name"))
            account["email"] = text(details.get("Email"))
            account["status"] = text(details.get("State") or details.get("Status"))
            account["joined_at"] = timestamp(details.get("JoinedTimestamp"))
            account["ou_id"], account["ou_path"] = _organizational_unit(ctx, org)
    if account["name"] is None:
        account["name"], status = _account_information(ctx)
        account["status"] = account["status"] or status
    ctx.check_time()
    account["contacts"] = list(_contacts(ctx))
    yield account


def _organizational_unit(ctx: Context, org: Any) -> tuple[str | None, str | None]:
    """The direct parent OU and the path of names from the root, e.g. ``Root/Workloads/Prod``."""
    names: list[str] = []
    child, direct = ctx.account_id, None
    for _ in range(6):  # OUs nest at most five deep under the root
        ctx.check_time()
        listed = _optional(ctx, "ListParents", org.list_parents, ChildId=child)
        parents = (listed or {}).get("Parents", [])
        if not parents:
            return direct, None
        parent = parents[0]
        if not parent.get("Id"):  # every output member is optional in the model
            return direct, None
        direct = direct or parent.get("Id")
        if parent.get("Type") == "ROOT":
            names.append("Root")
            break
        unit = _optional(
            ctx,
            "DescribeOrganizationalUnit",
            org.describe_organizational_unit,
            OrganizationalUnitId=parent["Id"],
        )
        names.append((unit or {}).get("OrganizationalUnit", {}).get("Name") or parent["Id"])
        child = parent["Id"]
    if direct and direct.startswith("r-"):
        direct = None  # directly under the root: no OU
    return identifier(direct), text("/".join(reversed(names))) if names else None


def _account_information(ctx: Context) -> tuple[str | None, str | None]:
    info = _optional(
        ctx, "GetAccountInformation", ctx.global_client("account").get_account_information
    )
    if info and info.get("AccountName"):
        return text(info["AccountName"]), text(info.get("AccountState"))
    aliases = _optional(ctx, "ListAccountAliases", ctx.global_client("iam").list_account_aliases)
    names = (aliases or {}).get("AccountAliases") or []
    return (text(names[0]) if names else None), None


def _contacts(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.global_client("account")
    primary = _optional(ctx, "GetContactInformation", client.get_contact_information)
    if primary and primary.get("ContactInformation"):
        info = primary["ContactInformation"]
        yield _contact(
            "PRIMARY",
            full_name=info.get("FullName"),
            phone_number=info.get("PhoneNumber"),
            company_name=info.get("CompanyName"),
            address_line1=info.get("AddressLine1"),
            address_line2=info.get("AddressLine2"),
            address_line3=info.get("AddressLine3"),
            city=info.get("City"),
            state_or_region=info.get("StateOrRegion"),
            postal_code=info.get("PostalCode"),
            country_code=info.get("CountryCode"),
            website_url=info.get("WebsiteUrl"),
        )
    for kind in ALTERNATE_TYPES:
        found = _optional(
            ctx,
            f"GetAlternateContact {kind}",
            client.get_alternate_contact,
            AlternateContactType=kind,
        )
        if found and found.get("AlternateContact"):
            contact = found["AlternateContact"]
            yield _contact(
                kind,
                full_name=contact.get("Name"),
                title=contact.get("Title"),
                email=contact.get("EmailAddress"),
                phone_number=contact.get("PhoneNumber"),
            )


def _contact(kind: str, **values: Any) -> dict[str, Any]:
    return {"contact_type": kind, **{f: text(values.get(f)) for f in CONTACT_FIELDS}}


def _optional(ctx: Context, what: str, call: Callable[..., T], **kwargs: Any) -> T | None:
    """A call whose data is nice to have: not readable or not there gives ``None``; any other
    failure is a warning (the run becomes ``partial``)."""
    try:
        return call(**kwargs)
    except ClientError as exc:
        code = error_code(exc)
        if code not in SKIP_CODES and code not in NOT_THERE:
            ctx.warn(f"{what}: {error_message(exc)}")
        return None


def _is_account(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 12 and value.isdigit()


COLLECTOR = Collector(
    name="account",
    scope="global",
    fetch=fetch,
    shape="object",
    services=("organizations", "account", "iam"),
    # about 9 requests one after another: organization, account, parents and OUs up the path,
    # the contact and its three alternates
    weight=9,
    iam_actions=(
        "account:GetAccountInformation",
        "account:GetAlternateContact",
        "account:GetContactInformation",
        "iam:ListAccountAliases",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
    ),
    description=(
        "Account name, email, status, organization and OU path, primary and alternate "
        "(billing, operations, security) contacts, and the labels set on the sender. "
        "https://docs.aws.amazon.com/accounts/latest/reference/API_GetContactInformation.html"
    ),
)
