"""An emulated AWS Organization: the management account, OUs, the analytics account and the
member accounts.

The management account (moto's default, 123456789012) creates the organization, an analytics
account in a Security OU (where `modules/analytics` would be deployed) and one member account per
profile. Every account is then used through the credentials of ``OrganizationAccountAccessRole``,
as a platform team's automation would, so each call lands in that account's own moto backend.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import boto3

from demo.emulator import session
from demo.profiles import HOME_REGION, AccountProfile

ACCESS_ROLE = "OrganizationAccountAccessRole"
OUS = {"production": "Workloads", "staging": "Workloads", "sandbox": "Sandbox"}


@dataclass(frozen=True)
class Member:
    profile: AccountProfile
    session: boto3.Session

    @property
    def account_id(self) -> str:
        return self.profile.account_id


@dataclass(frozen=True)
class Organization:
    id: str
    management_account: str
    analytics_account: str
    analytics: boto3.Session
    members: tuple[Member, ...]


def create_organization(
    management: boto3.Session, profiles: tuple[AccountProfile, ...]
) -> Organization:
    organizations = management.client("organizations", region_name="us-east-1")
    organization = organizations.create_organization(FeatureSet="ALL")["Organization"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_ids: dict[str, str] = {}

    def account(name: str, email: str, ou_name: str, environment: str) -> str:
        status = organizations.create_account(AccountName=name, Email=email)
        account_id = status["CreateAccountStatus"]["AccountId"]
        if ou_name not in ou_ids:
            ou = organizations.create_organizational_unit(ParentId=root_id, Name=ou_name)
            ou_ids[ou_name] = ou["OrganizationalUnit"]["Id"]
        organizations.move_account(
            AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou_ids[ou_name]
        )
        organizations.tag_resource(
            ResourceId=account_id, Tags=[{"Key": "Environment", "Value": environment}]
        )
        return account_id

    analytics_id = account("Observability", "aws-observability@example.com", "Security", "shared")
    members = []
    for profile in profiles:
        account_id = account(
            profile.name, profile.email, OUS.get(profile.environment, "Workloads"),
            profile.environment,
        )  # fmt: skip
        profile = dataclasses.replace(profile, account_id=account_id)
        members.append(Member(profile, assume_access_role(management, account_id)))
    return Organization(
        id=organization["Id"],
        management_account=organization["MasterAccountId"],
        analytics_account=analytics_id,
        analytics=assume_access_role(management, analytics_id),
        members=tuple(members),
    )


def assume_access_role(management: boto3.Session, account_id: str) -> boto3.Session:
    sts = management.client("sts", region_name=HOME_REGION)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}",
        RoleSessionName="observability-demo",
    )["Credentials"]
    return session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=HOME_REGION,
    )
