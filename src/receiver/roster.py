"""The organization roster: which accounts are expected to report, read from Organizations.

Plain functions, no Lambda in sight (``roster_handler`` and ``python -m receiver roster`` call
them). ``organizations_client`` assumes the read-only roster role that ``modules/organization``
creates in the management account (or uses the caller's own credentials); ``read_roster`` pages
ListAccounts and, per account, walks ListParents up to the root, naming each OU once with
DescribeOrganizationalUnit (the OU lookups are cached, so 1,000 accounts in 20 OUs cost about
2,000 ListParents/ListTagsForResource calls plus 40 for the OUs); ``write_roster`` replaces the
roster in one transaction through any executor (Data API or psycopg): accounts that left the
organization are deleted, so they stop being expected. ``silent_accounts`` reads the expected
accounts that are silent or never reported (``v_collection_health_silent``). An ACTIVE account
is expected unless it carries the account tag ``observability:expected`` = ``false``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from receiver.db import Executor

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

SESSION_NAME = "observability-roster"
CHUNK_ACCOUNTS = 250  # accounts per upsert statement: far below the Data API's 4 MiB request
DEFAULT_SILENT_AFTER_HOURS = 36
ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
# an account that left (or an OU deleted) between ListAccounts and the calls about it
GONE = frozenset({"ChildNotFoundException", "AccountNotFoundException", "TargetNotFoundException"})
# ListAccounts' newer State field, for an account that carries no Status
STATE_TO_STATUS = {"PENDING_ACTIVATION": "PENDING_ACTIVATION", "CLOSED": "CLOSED"}


class RosterAccessError(Exception):
    """The roster role cannot be assumed, or it may not read Organizations."""


@dataclass(frozen=True)
class RosterAccount:
    account_id: str
    name: str
    email: str | None
    status: str
    joined_method: str | None
    joined_at: datetime | None
    ou_id: str
    ou_path: str
    tags: dict[str, str]

    def as_row(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "name": self.name,
            "email": self.email,
            "status": self.status,
            "joined_method": self.joined_method,
            "joined_at": self.joined_at.astimezone(UTC).isoformat() if self.joined_at else None,
            "ou_id": self.ou_id,
            "ou_path": self.ou_path,
            "tags": self.tags,
        }


@dataclass(frozen=True)
class Roster:
    organization_id: str | None
    management_account_id: str | None
    accounts: tuple[RosterAccount, ...]

    @property
    def active(self) -> int:
        return sum(1 for a in self.accounts if a.status == "ACTIVE")


@dataclass(frozen=True)
class SilentAccount:
    account_id: str
    name: str | None
    ou_path: str | None
    status: str  # silent | never_reported
    last_report_at: datetime | None
    hours_since_report: float | None


@dataclass(frozen=True)
class RefreshResult:
    refresh_id: str
    accounts: int
    active: int  # status ACTIVE
    expected: int  # ACTIVE and not tagged observability:expected = false
    removed: int
    reporting: int
    silent: tuple[SilentAccount, ...]

    def summary(self) -> dict[str, Any]:
        return {
            "refresh_id": self.refresh_id,
            "accounts": self.accounts,
            "active": self.active,
            "expected": self.expected,
            "reporting": self.reporting,
            "silent": sum(1 for s in self.silent if s.status == "silent"),
            "never_reported": sum(1 for s in self.silent if s.status == "never_reported"),
            "removed": self.removed,
        }


# --------------------------------------------------------------------------- Organizations


@functools.cache
def organizations_config() -> Config:
    """The Organizations client's configuration (botocore imported on first use: the roster
    Lambda's cold start)."""
    from botocore.config import Config

    return Config(
        connect_timeout=5,
        read_timeout=30,
        # Organizations throttles at a few requests per second per account: back off, don't fail
        retries={"mode": "adaptive", "total_max_attempts": 10},
    )


def organizations_client(
    role_arn: str | None = None,
    external_id: str | None = None,
    *,
    session: boto3.Session | None = None,
    region: str | None = None,
    sts: Any | None = None,
) -> Any:
    """An Organizations client with the roster role's credentials (``role_arn``), or with the
    session's own when ``role_arn`` is None. AccessDenied on AssumeRole (the role does not
    exist yet, or does not trust this caller) raises ``RosterAccessError``. ``sts`` replaces
    the session's STS client (tests)."""
    if session is None:
        import boto3

        session = boto3.Session()
    if not role_arn:
        return session.client("organizations", region_name=region, config=organizations_config())
    request: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": SESSION_NAME,
        "DurationSeconds": 900,
    }
    if external_id:
        request["ExternalId"] = external_id
    sts = sts or session.client("sts", region_name=region)
    try:
        credentials = sts.assume_role(**request)["Credentials"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ACCESS_DENIED:
            raise RosterAccessError(
                f"cannot assume the roster role {role_arn}: {code}. The role is created by "
                "modules/organization in the management account (apply it after the analytics "
                "module) and must trust this function's role"
                + (" with the configured external id" if external_id else "")
                + f". AWS said: {exc.response.get('Error', {}).get('Message', '')}"
            ) from exc
        raise
    return session.client(
        "organizations",
        region_name=region,
        config=organizations_config(),
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


class _Tree:
    """Parent and name lookups, each OU asked about once per refresh."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._parent: dict[str, tuple[str, str]] = {}
        self._name: dict[str, str] = {}

    def parent(self, child_id: str) -> tuple[str, str]:
        """(id, type) of the parent of an account or OU."""
        if child_id not in self._parent:
            parents = self._client.list_parents(ChildId=child_id)["Parents"]
            if not parents:
                raise ValueError(f"Organizations lists no parent for {child_id}")
            self._parent[child_id] = (parents[0]["Id"], parents[0]["Type"])
        return self._parent[child_id]

    def name(self, node_id: str, node_type: str) -> str:
        if node_id not in self._name:
            if node_type == "ROOT":
                roots = self._client.list_roots()["Roots"]
                self._name.update({r["Id"]: r.get("Name") or "Root" for r in roots})
                self._name.setdefault(node_id, "Root")
            else:
                ou = self._client.describe_organizational_unit(OrganizationalUnitId=node_id)
                self._name[node_id] = ou["OrganizationalUnit"]["Name"]
        return self._name[node_id]

    def placement(self, account_id: str) -> tuple[str, str]:
        """(parent id, path of names from the root) of an account."""
        parent_id, parent_type = self.parent(account_id)
        names = []
        node_id, node_type = parent_id, parent_type
        for _ in range(10):  # Organizations nests OUs at most five levels below the root
            names.append(self.name(node_id, node_type))
            if node_type == "ROOT":
                return parent_id, "/".join(reversed(names))
            node_id, node_type = self.parent(node_id)
        raise ValueError(f"no root above {account_id} within 10 levels")


def _tags(client: Any, account_id: str) -> dict[str, str]:
    paginator = client.get_paginator("list_tags_for_resource")
    return {
        tag["Key"]: tag["Value"]
        for page in paginator.paginate(ResourceId=account_id)
        for tag in page.get("Tags", [])
    }


def _accounts(client: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator("list_accounts").paginate():
        yield from page.get("Accounts", [])


def read_roster(client: Any) -> Roster:
    """Every account of the organization with its status, OU path and tags."""
    try:
        organization = client.describe_organization()["Organization"]
        tree = _Tree(client)
        accounts = []
        for account in _accounts(client):
            account_id = account["Id"]
            try:
                ou_id, ou_path = tree.placement(account_id)
                tags = _tags(client, account_id)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code", "") in GONE:
                    continue  # it left while we read: the next refresh will not list it
                raise
            status = account.get("Status") or STATE_TO_STATUS.get(account.get("State", ""))
            accounts.append(
                RosterAccount(
                    account_id=account_id,
                    name=account.get("Name") or account_id,
                    email=account.get("Email"),
                    status=status or "ACTIVE",
                    joined_method=account.get("JoinedMethod"),
                    joined_at=account.get("JoinedTimestamp"),
                    ou_id=ou_id,
                    ou_path=ou_path,
                    tags=tags,
                )
            )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ACCESS_DENIED:
            operation = exc.operation_name
            raise RosterAccessError(
                f"the roster role may not call organizations:{operation}: {code}"
            ) from exc
        raise
    accounts.sort(key=lambda a: a.account_id)
    return Roster(organization.get("Id"), organization.get("MasterAccountId"), tuple(accounts))


# --------------------------------------------------------------------------- database

INSERT_REFRESH_SQL = """
INSERT INTO organization_roster_refreshes
    (refresh_id, organization_id, management_account_id, account_count, active_count,
     silent_after_hours, started_at, refreshed_at)
VALUES (CAST(:refresh_id AS uuid), :organization_id, CAST(:management_account_id AS char(12)),
        :account_count, :active_count, :silent_after_hours, CAST(:started_at AS timestamptz),
        greatest(now(), CAST(:started_at AS timestamptz)))
"""

UPSERT_ACCOUNTS_SQL = """
INSERT INTO organization_accounts
    (account_id, name, email, status, joined_method, joined_at, ou_id, ou_path, tags,
     refresh_id, refreshed_at)
SELECT r.account_id, r.name, r.email, r.status, r.joined_method, r.joined_at, r.ou_id,
       r.ou_path, coalesce(r.tags, '{}'::jsonb), CAST(:refresh_id AS uuid), now()
FROM json_to_recordset(CAST(:accounts AS json)) AS r(
    account_id char(12), name text, email text, status text, joined_method text,
    joined_at timestamptz, ou_id text, ou_path text, tags jsonb)
ON CONFLICT (account_id) DO UPDATE SET
    name = EXCLUDED.name,
    email = EXCLUDED.email,
    status = EXCLUDED.status,
    joined_method = EXCLUDED.joined_method,
    joined_at = EXCLUDED.joined_at,
    ou_id = EXCLUDED.ou_id,
    ou_path = EXCLUDED.ou_path,
    tags = EXCLUDED.tags,
    refresh_id = EXCLUDED.refresh_id,
    refreshed_at = EXCLUDED.refreshed_at
"""

DELETE_REMOVED_SQL = """
WITH removed AS (
    DELETE FROM organization_accounts
    WHERE refresh_id <> CAST(:refresh_id AS uuid)
    RETURNING account_id
)
SELECT count(*) AS removed FROM removed
"""

FINISH_REFRESH_SQL = """
UPDATE organization_roster_refreshes
SET removed_count = :removed, refreshed_at = greatest(now(), started_at)
WHERE refresh_id = CAST(:refresh_id AS uuid)
"""

SILENT_SQL = """
SELECT account_id, account_name, ou_path, reporting_status, last_report_at, hours_since_report
FROM v_collection_health_silent
ORDER BY reporting_status, account_name, account_id
"""

EXPECTED_SQL = """
SELECT count(*) AS expected, count(*) FILTER (WHERE reporting_status = 'reporting') AS reporting
FROM v_expected_accounts
"""


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def write_roster(
    executor: Executor,
    roster: Roster,
    *,
    started_at: datetime,
    silent_after_hours: int = DEFAULT_SILENT_AFTER_HOURS,
) -> tuple[str, int]:
    """Replace the stored roster with ``roster`` in one transaction; returns the refresh id
    and how many accounts were removed (no longer in the organization)."""
    refresh_id = str(uuid.uuid4())
    with executor.transaction() as tx:
        tx.execute(
            INSERT_REFRESH_SQL,
            {
                "refresh_id": refresh_id,
                "organization_id": roster.organization_id,
                "management_account_id": roster.management_account_id,
                "account_count": len(roster.accounts),
                "active_count": roster.active,
                "silent_after_hours": silent_after_hours,
                "started_at": started_at.astimezone(UTC).isoformat(),
            },
        )
        rows = [a.as_row() for a in roster.accounts]
        for chunk in _chunks(rows, CHUNK_ACCOUNTS):
            tx.execute(UPSERT_ACCOUNTS_SQL, {"refresh_id": refresh_id, "accounts": list(chunk)})
        removed = int(tx.execute(DELETE_REMOVED_SQL, {"refresh_id": refresh_id})[0]["removed"])
        tx.execute(FINISH_REFRESH_SQL, {"refresh_id": refresh_id, "removed": removed})
    return refresh_id, removed


def silent_accounts(executor: Executor) -> list[SilentAccount]:
    """Expected accounts that are silent or never reported, silent ones first."""
    return [
        SilentAccount(
            account_id=str(r["account_id"]),
            name=r["account_name"],
            ou_path=r["ou_path"],
            status=r["reporting_status"],
            last_report_at=r["last_report_at"],
            hours_since_report=(
                None if r["hours_since_report"] is None else float(r["hours_since_report"])
            ),
        )
        for r in executor.execute(SILENT_SQL)
    ]


def refresh(
    executor: Executor,
    client: Any,
    *,
    silent_after_hours: int = DEFAULT_SILENT_AFTER_HOURS,
    now: datetime | None = None,
) -> RefreshResult:
    """Read the roster from Organizations, store it, and say who is not reporting."""
    started_at = now or datetime.now(UTC)
    roster = read_roster(client)
    refresh_id, removed = write_roster(
        executor, roster, started_at=started_at, silent_after_hours=silent_after_hours
    )
    silent = silent_accounts(executor)
    (counts,) = executor.execute(EXPECTED_SQL)
    return RefreshResult(
        refresh_id,
        len(roster.accounts),
        roster.active,
        int(counts["expected"]),
        removed,
        int(counts["reporting"]),
        tuple(silent),
    )
