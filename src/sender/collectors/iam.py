"""IAM summary and users from the credential report: MFA, console access, access key age.

``GenerateCredentialReport`` until the report is ready (polling within the time budget), then
``GetCredentialReport``; one CSV gives every user, so there is no call per user. The root user is
listed as ``<root_account>`` but not counted among the users (``root_mfa_enabled`` and
``root_access_keys`` describe it). MFA is counted over one population, the users with a console
password: ``console_users_with_mfa + console_users_without_mfa = users_with_console``.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from sender.aws import error_code
from sender.collectors.base import Collector, Context
from sender.normalize import arn, boolean, key_text, timestamp

ROOT = "<root_account>"
OLD_KEY = timedelta(days=90)
NOT_READY = {"ReportNotPresent", "ReportInProgress", "ReportExpired"}


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.global_client("iam")
    report = _report(ctx, client)
    generated = report.get("GeneratedTime")
    generated_at = generated if isinstance(generated, datetime) else ctx.now
    content = report["Content"]
    text_content = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    rows = list(csv.DictReader(io.StringIO(text_content)))
    users = []
    summary = {
        "users_total": 0,
        "users_with_console": 0,
        "console_users_with_mfa": 0,
        "console_users_without_mfa": 0,
        "root_mfa_enabled": None,
        "root_access_keys": 0,
        "access_keys_active": 0,
        "access_keys_older_than_90_days": 0,
        "credential_report_generated_at": timestamp(generated),
        "users": users,
    }
    for row in rows:
        name = key_text(row.get("user"))
        if not name:
            continue
        user = {
            "user_name": name,
            "arn": arn(row.get("arn")),
            "created_at": timestamp(row.get("user_creation_time")),
            "password_enabled": boolean(row.get("password_enabled")),
            "password_last_used_at": timestamp(row.get("password_last_used")),
            "mfa_active": boolean(row.get("mfa_active")),
        }
        active_keys = 0
        for n in (1, 2):
            active = boolean(row.get(f"access_key_{n}_active"))
            rotated = row.get(f"access_key_{n}_last_rotated")
            user[f"access_key_{n}_active"] = active
            user[f"access_key_{n}_last_rotated_at"] = timestamp(rotated)
            user[f"access_key_{n}_last_used_at"] = timestamp(
                row.get(f"access_key_{n}_last_used_date")
            )
            if active:
                active_keys += 1
                rotated_at = timestamp(rotated)
                if name != ROOT and rotated_at and _older(rotated_at, generated_at):
                    summary["access_keys_older_than_90_days"] += 1
        users.append(user)
        if name == ROOT:
            summary["root_mfa_enabled"] = user["mfa_active"]
            summary["root_access_keys"] = active_keys
            continue
        summary["users_total"] += 1
        summary["access_keys_active"] += active_keys
        if user["password_enabled"]:
            summary["users_with_console"] += 1
            mfa = "with" if user["mfa_active"] else "without"
            summary[f"console_users_{mfa}_mfa"] += 1
    yield summary


def _older(rotated_at: str, generated_at: datetime) -> bool:
    rotated = datetime.fromisoformat(rotated_at.replace("Z", "+00:00"))
    return generated_at - rotated > OLD_KEY


def _report(ctx: Context, client: Any) -> dict[str, Any]:
    delay = 0.5
    while True:
        ctx.check_time()
        try:
            return client.get_credential_report()
        except ClientError as exc:
            if error_code(exc) not in NOT_READY:
                raise
        state = client.generate_credential_report().get("State")
        if state != "COMPLETE":
            ctx.sleep(delay)
            delay = min(delay * 2, 5.0)


COLLECTOR = Collector(
    name="iam",
    scope="global",
    fetch=fetch,
    shape="object",
    services=("iam",),
    iam_actions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    weight=2,
    description=(
        "IAM users from the credential report (console access, MFA, access key state, age and "
        "last use) and the account's summary counts: console users with and without MFA, "
        "root apart. "
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html"
    ),
)
