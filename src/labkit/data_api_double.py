"""A double of the RDS Data API that runs the real calls on a real PostgreSQL.

Mocked because the Data API cannot run here (moto's ``rds-data`` executes no SQL). The double
hooks botocore's ``before-call.rds-data.*`` event, so every request is first serialised and
validated by botocore against the real service model, exactly as in production; the double then
runs the statement on PostgreSQL and answers with a response in the Data API's shape, or with the
Data API's modelled error. It enforces the limits production would: one statement per call (the
statement runs through PostgreSQL's extended protocol, which refuses several), 65 536 characters
of SQL, 4 MiB per request, 1 MiB per response; and it keeps one connection per transaction id.
Tests can make the next calls fail with ``fail_next("DatabaseResumingException", 2)``.

Like the Data API, it signs in as the user of the request's ``secretArn``: the secret's
``{"username", "password"}`` comes from ``secrets`` (a mapping given by the test) or, when
``secrets_client`` is set, from Secrets Manager (moto); the password is checked against the
role's stored SCRAM-SHA-256 (or md5) verifier, because the test server trusts every local
connection. A secret that cannot be read or whose password is wrong fails the call with the
``BadRequestException`` the Data API returns. Without either, and for the ARNs in
``server_user_secrets``, calls run as the server URL's user (a superuser, standing in for the
master user), which tests that are not about privileges rely on. ``databases`` maps a requested
database name to the one served (a deployed ``DB_NAME`` to a test's fresh database).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import boto3
import botocore.handlers
import psycopg
from botocore.awsrequest import AWSResponse

from receiver.sqltext import PARAMETER, segments

MAX_SQL_CHARS = 65_536
MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_RESPONSE_BYTES = 1024 * 1024

# Data API typeHint -> PostgreSQL type the parameter is bound as.
_TYPE_HINT_CASTS = {
    "JSON": "json",
    "UUID": "uuid",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "TIME": "time",
    "DECIMAL": "numeric",
}


class DataApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class DataApiDouble:
    """Serves ``rds-data`` calls; ``database_url`` names the server (its path is replaced)."""

    database_url: str
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)  # secretArn -> secret
    secrets_client: Any = None  # Secrets Manager client for secrets not in ``secrets``
    # Secrets that sign in as the server URL's user (a stand-in for a master secret).
    server_user_secrets: set[str] = field(default_factory=set)
    databases: dict[str, str] = field(default_factory=dict)  # requested name -> served name
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _transactions: dict[str, psycopg.Connection] = field(default_factory=dict)
    _failures: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _verified: set[tuple[str, str]] = field(default_factory=set)

    # -- control from tests -------------------------------------------------------------------
    def fail_next(self, code: str, times: int = 1, message: str = "") -> None:
        """Make the next ``times`` calls fail with the modelled error ``code``."""
        text = message or {
            "DatabaseResumingException": "The Aurora DB instance db-1 is resuming after being "
            "auto-paused. Please wait a few seconds and try again.",
        }.get(code, code)
        with self._lock:
            self._failures.extend([(code, text)] * times)

    @property
    def open_transactions(self) -> int:
        return len(self._transactions)

    def close(self) -> None:
        for conn in self._transactions.values():
            conn.close()
        self._transactions.clear()

    # -- botocore hook ------------------------------------------------------------------------
    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict]:
        operation = model.name
        body = params.get("body") or b"{}"
        request = json.loads(body)
        self.calls[operation] += 1
        self.requests.append({"operation": operation, **request})
        try:
            with self._lock:
                if self._failures:
                    code, message = self._failures.pop(0)
                    raise DataApiError(code, message)
            if len(body) > MAX_REQUEST_BYTES:
                raise DataApiError("BadRequestException", "Request size exceeded 4 MB limit.")
            parsed = getattr(self, f"_{operation}")(request)
            if len(json.dumps(parsed).encode()) > MAX_RESPONSE_BYTES:
                raise DataApiError(
                    "BadRequestException",
                    "Database returned more than the allowed response size limit",
                )
            return AWSResponse("https://rds-data.double", 200, {}, None), parsed
        except DataApiError as exc:
            error = {"Error": {"Code": exc.code, "Message": exc.message}, "message": exc.message}
            return AWSResponse("https://rds-data.double", exc.status, {}, None), error

    # -- operations ---------------------------------------------------------------------------
    def _BeginTransaction(self, request: dict[str, Any]) -> dict[str, Any]:
        conn = self._connect(request["database"], request["secretArn"])
        conn.autocommit = False
        transaction_id = base64.b64encode(os.urandom(48)).decode()
        self._transactions[transaction_id] = conn
        return {"transactionId": transaction_id}

    def _CommitTransaction(self, request: dict[str, Any]) -> dict[str, Any]:
        conn = self._pop_transaction(request["transactionId"])
        try:
            conn.commit()
        except psycopg.Error as exc:
            raise _database_error(exc) from exc
        finally:
            conn.close()
        return {"transactionStatus": "Transaction Committed"}

    def _RollbackTransaction(self, request: dict[str, Any]) -> dict[str, Any]:
        conn = self._pop_transaction(request["transactionId"])
        conn.rollback()
        conn.close()
        return {"transactionStatus": "Rollback Complete"}

    def _ExecuteStatement(self, request: dict[str, Any]) -> dict[str, Any]:
        sql = request["sql"]
        if len(sql) > MAX_SQL_CHARS:
            raise DataApiError(
                "BadRequestException", f"SQL statement length exceeds {MAX_SQL_CHARS} characters"
            )
        query, values = _bind(sql, request.get("parameters", []))
        transaction_id = request.get("transactionId")
        if transaction_id:
            conn = self._transactions.get(transaction_id)
            if conn is None:
                raise DataApiError(
                    "NotFoundException", f"Transaction {transaction_id} is not found"
                )
            return self._run(conn, query, values, request)
        conn = self._connect(request["database"], request["secretArn"])
        try:
            return self._run(conn, query, values, request)
        finally:
            conn.close()

    def _BatchExecuteStatement(self, request: dict[str, Any]) -> dict[str, Any]:
        raise DataApiError("BadRequestException", "BatchExecuteStatement is not used by us")

    # -- helpers ------------------------------------------------------------------------------
    def _connect(self, database: str, secret_arn: str) -> psycopg.Connection:
        parts = urlsplit(self.database_url)
        url = urlunsplit(parts._replace(path=f"/{self.databases.get(database, database)}"))
        credentials = self._credentials(secret_arn)
        options: dict[str, str] = {}
        if credentials is not None:
            self._authenticate(*credentials)
            options = {"user": credentials[0], "password": credentials[1]}
        try:
            conn = psycopg.connect(url, autocommit=True, **options)
        except psycopg.OperationalError as exc:
            if "does not exist" in str(exc):
                raise DataApiError("DatabaseNotFoundException", str(exc)) from exc
            raise DataApiError("DatabaseUnavailableException", str(exc), 503) from exc
        conn.execute("SET TIME ZONE 'UTC'")
        return conn

    def _credentials(self, secret_arn: str) -> tuple[str, str] | None:
        """The secret's username and password; None: run as the server URL's user."""
        if secret_arn in self.server_user_secrets:
            return None
        secret = self.secrets.get(secret_arn)
        if secret is None and self.secrets_client is not None:
            try:
                text = self.secrets_client.get_secret_value(SecretId=secret_arn)["SecretString"]
                secret = json.loads(text)
            except Exception as exc:  # any failure to read it is the caller's error
                raise DataApiError(
                    "BadRequestException", f"Error fetching secret {secret_arn} : {exc}"
                ) from exc
        if secret is None:
            return None
        if not isinstance(secret, dict) or not secret.get("username") or "password" not in secret:
            raise DataApiError(
                "BadRequestException", f"Secret {secret_arn} has no username and password"
            )
        return str(secret["username"]), str(secret["password"])

    def _authenticate(self, username: str, password: str) -> None:
        """Check the password as PostgreSQL would (the test server trusts local connections)."""
        if (username, password) in self._verified:
            return
        with psycopg.connect(self.database_url, autocommit=True) as admin:
            row = admin.execute(
                "SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s", (username,)
            ).fetchone()
        if row is None or not row[0] or not _password_matches(username, password, row[1]):
            raise DataApiError(
                "BadRequestException",
                f'FATAL: password authentication failed for user "{username}"',
            )
        self._verified.add((username, password))

    def _pop_transaction(self, transaction_id: str) -> psycopg.Connection:
        conn = self._transactions.pop(transaction_id, None)
        if conn is None:
            raise DataApiError("NotFoundException", f"Transaction {transaction_id} is not found")
        return conn

    def _run(
        self, conn: psycopg.Connection, query: str, values: list[Any], request: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            with conn.cursor() as cur:
                # A prepared statement holds one command, as the Data API allows only one.
                cur.execute(query.encode(), values, prepare=True)
                response: dict[str, Any] = {"numberOfRecordsUpdated": max(cur.rowcount, 0)}
                if cur.description is None:
                    response["generatedFields"] = []
                    return response
                types = [
                    (conn.adapters.types.get(column.type_code) or _Unknown).name
                    for column in cur.description
                ]
                response["numberOfRecordsUpdated"] = 0
                response["records"] = [
                    [_field(value) for value in record] for record in cur.fetchall()
                ]
                if request.get("includeResultMetadata"):
                    response["columnMetadata"] = [
                        {"name": column.name, "label": column.name, "typeName": type_name}
                        for column, type_name in zip(cur.description, types, strict=True)
                    ]
                return response
        except psycopg.Error as exc:
            raise _database_error(exc) from exc


class _Unknown:
    name = "unknown"


def _bind(sql: str, parameters: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """Replace ``:name`` with ``%s::type`` the way the Data API binds typed parameters."""
    by_name = {p["name"]: p for p in parameters}
    out: list[str] = []
    values: list[Any] = []
    for kind, text in segments(sql):
        text = text.replace("%", "%%")
        if kind != "code":
            out.append(text)
            continue

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in by_name:
                raise DataApiError(
                    "BadRequestException", f"No value specified for parameter: {name}"
                )
            value, cast = _param_value(by_name[name])
            values.append(value)
            return f"%s::{cast}" if cast else "%s"

        out.append(PARAMETER.sub(replace, text))
    return "".join(out), values


def _param_value(param: dict[str, Any]) -> tuple[Any, str | None]:
    value = param.get("value", {})
    hint = param.get("typeHint")
    if value.get("isNull"):
        return None, _TYPE_HINT_CASTS.get(hint or "")
    if "stringValue" in value:
        return value["stringValue"], _TYPE_HINT_CASTS.get(hint or "", "text")
    if "longValue" in value:
        return value["longValue"], "bigint"
    if "doubleValue" in value:
        return value["doubleValue"], "double precision"
    if "booleanValue" in value:
        return value["booleanValue"], "boolean"
    if "blobValue" in value:
        return base64.b64decode(value["blobValue"]), "bytea"
    raise DataApiError("BadRequestException", f"unsupported parameter value {value!r}")


def _field(value: Any) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, bytes | memoryview):
        return {"blobValue": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return {"stringValue": value.isoformat(sep=" ")}
    if isinstance(value, date | time):
        return {"stringValue": value.isoformat()}
    if isinstance(value, dict):
        return {"stringValue": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}
    if isinstance(value, list):
        return {"arrayValue": _array(value)}
    if isinstance(value, Decimal | UUID | timedelta | str):
        return {"stringValue": str(value)}
    return {"stringValue": str(value)}


def _array(values: list[Any]) -> dict[str, Any]:
    if any(isinstance(v, list) for v in values):
        return {"arrayValues": [_array(v) for v in values]}
    sample = next((v for v in values if v is not None), "")
    if isinstance(sample, bool):
        return {"booleanValues": values}
    if isinstance(sample, int):
        return {"longValues": values}
    if isinstance(sample, float):
        return {"doubleValues": values}
    return {"stringValues": [None if v is None else str(v) for v in values]}


def _database_error(exc: psycopg.Error) -> DataApiError:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    message = f"ERROR: {str(exc).strip()}; SQLState: {sqlstate}"
    if isinstance(exc, psycopg.OperationalError) and not sqlstate:
        return DataApiError("DatabaseUnavailableException", message, 503)
    return DataApiError("DatabaseErrorException", message)


def _password_matches(username: str, password: str, stored: str | None) -> bool:
    """Verify ``password`` against a ``pg_authid.rolpassword`` value (SCRAM-SHA-256 or md5)."""
    if not stored:
        return False
    if stored.startswith("md5"):
        digest = hashlib.md5((password + username).encode()).hexdigest()
        return hmac.compare_digest(stored, "md5" + digest)
    match = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)", stored)
    if not match:
        return False
    iterations, salt, stored_key = int(match[1]), base64.b64decode(match[2]), match[3]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    expected = base64.b64encode(hashlib.sha256(client_key).digest()).decode()
    return hmac.compare_digest(expected, stored_key)


def install(double: DataApiDouble) -> None:
    """Serve every ``rds-data`` client created from now on (and the default boto3 session's)."""
    entry = ("before-call.rds-data", double)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    if boto3.DEFAULT_SESSION is not None:
        boto3.DEFAULT_SESSION._session.register("before-call.rds-data", double)


def uninstall(double: DataApiDouble) -> None:
    entry = ("before-call.rds-data", double)
    if entry in botocore.handlers.BUILTIN_HANDLERS:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
    if boto3.DEFAULT_SESSION is not None:
        boto3.DEFAULT_SESSION._session.unregister("before-call.rds-data", double)
