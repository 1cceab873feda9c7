"""An emulated AWS Organization: the management account, OUs, the analytics account and the
member accounts.

The management account (moto's default, 123456789012) creates the organization, an analytics
account in a Security OU (where `modules/analytics` would be deployed), one member account per
profile in nested OUs (Workloads/Production, Workloads/Staging, Sandbox), and "Legacy Billing" in
a Legacy OU: an ACTIVE account that never runs a sender, so the roster shows it as expected but
silent. The management and analytics accounts run no sender either and carry the account tag
``observability:expected = false``. The management account also holds the read-only roster role
(what `modules/organization` creates) that the analytics account assumes to read the roster.
Every account is then used through the credentials of ``OrganizationAccountAccessRole``, as a
platform team's automation would, so each call lands in that account's own moto backend.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import boto3

from demo.emulator import session
from demo.profiles import HOME_REGION, AccountProfile

ACCESS_ROLE = "OrganizationAccountAccessRole"
ROSTER_ROLE = "observability-roster"
OUS = {"production": "Workloads/Production", "staging": "Workloads/Staging", "sandbox": "Sandbox"}
NOT_EXPECTED = {"Key": "observability:expected", "Value": "false"}
SILENT = ("Legacy Billing", "aws-legacy-billing@example.com", "Legacy", "legacy")
ROSTER_ACTIONS = [
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListParents",
    "organizations:ListRoots",
    "organizations:DescribeOrganizationalUnit",
    "organizations:ListTagsForResource",
]


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
    silent_account: str  # ACTIVE, expected, never sends
    roster_role_arn: str  # in the management account, trusted by the analytics account


def create_organization(
    management: boto3.Session, profiles: tuple[AccountProfile, ...]
) -> Organization:
    organizations = management.client("organizations", region_name="us-east-1")
    organization = organizations.create_organization(FeatureSet="ALL")["Organization"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_ids: dict[str, str] = {}

    def ou_id(path: str) -> str:
        """The OU at ``path`` (names below the root), created with its parents when missing."""
        if path not in ou_ids:
            parent, _, name = path.rpartition("/")
            ou = organizations.create_organizational_unit(
                ParentId=ou_id(parent) if parent else root_id, Name=name
            )
            ou_ids[path] = ou["OrganizationalUnit"]["Id"]
        return ou_ids[path]

    def account(name: str, email: str, ou_path: str, environment: str) -> str:
        status = organizations.create_account(AccountName=name, Email=email)
        account_id = status["CreateAccountStatus"]["AccountId"]
        organizations.move_account(
            AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou_id(ou_path)
        )
        organizations.tag_resource(
            ResourceId=account_id, Tags=[{"Key": "Environment", "Value": environment}]
        )
        return account_id

    analytics_id = account("Observability", "aws-observability@example.com", "Security", "shared")
    for runs_no_sender in (organization["MasterAccountId"], analytics_id):
        organizations.tag_resource(ResourceId=runs_no_sender, Tags=[NOT_EXPECTED])
    members = []
    for profile in profiles:
        account_id = account(
            profile.name, profile.email, OUS.get(profile.environment, "Workloads"),
            profile.environment,
        )  # fmt: skip
        profile = dataclasses.replace(profile, account_id=account_id)
        members.append(Member(profile, assume_access_role(management, account_id)))
    silent_id = account(*SILENT)
    return Organization(
        id=organization["Id"],
        management_account=organization["MasterAccountId"],
        analytics_account=analytics_id,
        analytics=assume_access_role(management, analytics_id),
        members=tuple(members),
        silent_account=silent_id,
        roster_role_arn=create_roster_role(management, analytics_id),
    )


def create_roster_role(management: boto3.Session, analytics_account: str) -> str:
    """The read-only role modules/organization creates in the management account: the analytics
    account may assume it to read accounts, OUs and tags."""
    iam = management.client("iam", region_name="us-east-1")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{analytics_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=ROSTER_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName=ROSTER_ROLE,
        PolicyName="read-organization",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ROSTER_ACTIONS, "Resource": "*"}],
            }
        ),
    )
    return str(role["Role"]["Arn"])


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
