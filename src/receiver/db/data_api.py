"""Executor over the RDS Data API (production, in Lambda).

Each ``execute`` is one ``ExecuteStatement`` call. Parameters are sent with their types
(``typeHint`` for JSON, DECIMAL, TIMESTAMP, DATE, UUID) and results are turned back into Python
values from the column metadata. Calls that fail because Aurora Serverless is resuming from zero
capacity, is unavailable or throttles are retried with full-jitter backoff, but never past the
deadline given by ``remaining_ms`` (the Lambda's remaining time).
"""

from __future__ import annotations

import copy
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from receiver.db.base import (
    SCHEMA_BEHIND,
    SCHEMA_BEHIND_SQLSTATES,
    DatabaseError,
    Params,
    Row,
    TransientDatabaseError,
)

MAX_SQL_CHARS = 65_536
MAX_REQUEST_BYTES = 4 * 1024 * 1024

TRANSIENT_ERROR_CODES = frozenset(
    {
        "DatabaseResumingException",
        "DatabaseUnavailableException",
        "ServiceUnavailableError",
        "InternalServerErrorException",
        "ThrottlingException",
        "TooManyRequestsException",
        "StatementTimeoutException",
    }
)

# SQLSTATE class 40 (transaction rollback: serialization failure, deadlock detected), as the
# Data API reports it inside the message of a DatabaseErrorException.
_ABORTED_TRANSACTION = re.compile(r"SQLState: 40[0-9A-Z]{3}")
_SCHEMA_BEHIND = re.compile(r"SQLState: (?:" + "|".join(SCHEMA_BEHIND_SQLSTATES) + r")\b")

CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=60,  # a statement may run up to 45 s
    retries={"mode": "adaptive", "total_max_attempts": 3},
)


class DataApiExecutor:
    def __init__(
        self,
        *,
        cluster_arn: str,
        secret_arn: str,
        database: str,
        client: Any | None = None,
        remaining_ms: Callable[[], int] | None = None,
        max_attempts: int = 10,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        safety_margin_ms: int = 5_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client or boto3.client("rds-data", config=CLIENT_CONFIG)
        self._target = {"resourceArn": cluster_arn, "secretArn": secret_arn, "database": database}
        self._remaining_ms = remaining_ms
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._safety_margin_ms = safety_margin_ms
        self._sleep = sleep
        self._transaction_id: str | None = None

    @property
    def database(self) -> str:
        return str(self._target["database"])

    def with_secret(self, secret_arn: str) -> DataApiExecutor:
        """The same cluster, database, client and limits, signed in with another secret."""
        other = copy.copy(self)
        other._target = {**self._target, "secretArn": secret_arn}
        other._transaction_id = None
        return other

    def execute(self, sql: str, params: Params | None = None) -> list[Row]:
        if len(sql) > MAX_SQL_CHARS:
            raise DatabaseError(
                f"SQL text is {len(sql)} characters; the Data API accepts at most {MAX_SQL_CHARS}"
            )
        request: dict[str, Any] = {
            **self._target,
            "sql": sql,
            "parameters": to_parameters(params or {}),
            "includeResultMetadata": True,
        }
        if self._transaction_id:
            request["transactionId"] = self._transaction_id
        size = len(json.dumps(request, separators=(",", ":")).encode())
        if size > MAX_REQUEST_BYTES:
            raise DatabaseError(
                f"request is {size} bytes; the Data API accepts at most {MAX_REQUEST_BYTES}"
            )
        response = self._call("execute_statement", request)
        return from_records(response.get("columnMetadata", []), response.get("records", []))

    def execute_each(self, sql: str, params: Iterable[Params]) -> list[list[Row]]:
        """``execute`` once per parameter set, in order: one ``ExecuteStatement`` call each."""
        return [self.execute(sql, values) for values in params]

    @contextmanager
    def transaction(self) -> Iterator[DataApiExecutor]:
        if self._transaction_id:
            raise RuntimeError("transactions do not nest")
        self._transaction_id = self._call("begin_transaction", dict(self._target))["transactionId"]
        try:
            yield self
        except BaseException:
            transaction_id, self._transaction_id = self._transaction_id, None
            # If the rollback call fails too, the Data API drops the abandoned transaction.
            with suppress(ClientError, BotocoreConnectionError, HTTPClientError):
                self._client.rollback_transaction(
                    resourceArn=self._target["resourceArn"],
                    secretArn=self._target["secretArn"],
                    transactionId=transaction_id,
                )
            raise
        transaction_id, self._transaction_id = self._transaction_id, None
        self._call(
            "commit_transaction",
            {
                "resourceArn": self._target["resourceArn"],
                "secretArn": self._target["secretArn"],
                "transactionId": transaction_id,
            },
        )

    def close(self) -> None:
        """Nothing to release: the Data API keeps no connection on our side."""

    def _call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self._client, operation)
        attempt = 0
        while True:
            attempt += 1
            try:
                return method(**request)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                message = exc.response.get("Error", {}).get("Message", str(exc))
                if code not in TRANSIENT_ERROR_CODES:
                    if _ABORTED_TRANSACTION.search(message):
                        # Deadlock or serialization failure: PostgreSQL rolled the whole
                        # transaction back, so only running it again from the start can help.
                        raise TransientDatabaseError(f"{operation}: {code}: {message}") from exc
                    if _SCHEMA_BEHIND.search(message):
                        raise TransientDatabaseError(
                            f"{operation}: {code}: {message}: {SCHEMA_BEHIND}"
                        ) from exc
                    raise DatabaseError(f"{operation}: {code}: {message}") from exc
                failure: Exception = exc
            except (BotocoreConnectionError, HTTPClientError) as exc:
                failure = exc
            delay = random.uniform(0, min(self._max_delay, self._base_delay * 2 ** (attempt - 1)))
            if attempt >= self._max_attempts or not self._time_left_for(delay):
                raise TransientDatabaseError(
                    f"{operation}: gave up after {attempt} attempts: {failure}"
                ) from failure
            self._sleep(delay)

    def _time_left_for(self, delay: float) -> bool:
        if self._remaining_ms is None:
            return True
        return self._remaining_ms() - delay * 1000 > self._safety_margin_ms


def to_parameters(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Typed ``SqlParameter`` list for the Data API."""
    return [_parameter(name, value) for name, value in params.items()]


def _parameter(name: str, value: Any) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name}
    if value is None:
        param["value"] = {"isNull": True}
    elif isinstance(value, bool):
        param["value"] = {"booleanValue": value}
    elif isinstance(value, int):
        param["value"] = {"longValue": value}
    elif isinstance(value, float):
        param["value"] = {"doubleValue": value}
    elif isinstance(value, Decimal):
        param.update(value={"stringValue": str(value)}, typeHint="DECIMAL")
    elif isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        param.update(value={"stringValue": value.isoformat(sep=" ")}, typeHint="TIMESTAMP")
    elif isinstance(value, date):
        param.update(value={"stringValue": value.isoformat()}, typeHint="DATE")
    elif isinstance(value, uuid.UUID):
        param.update(value={"stringValue": str(value)}, typeHint="UUID")
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        param.update(value={"stringValue": text}, typeHint="JSON")
    elif isinstance(value, bytes):
        param["value"] = {"blobValue": value}
    elif isinstance(value, str):
        param["value"] = {"stringValue": value}
    else:
        raise TypeError(f"parameter {name!r}: cannot send {type(value).__name__} to the Data API")
    return param


def from_records(metadata: list[dict[str, Any]], records: list[list[dict[str, Any]]]) -> list[Row]:
    """Turn Data API records back into dicts of Python values, using the column types."""
    columns = [(column["name"], column.get("typeName", "").lower()) for column in metadata]
    return [
        {name: _value(field, kind) for (name, kind), field in zip(columns, record, strict=True)}
        for record in records
    ]


def _value(field: dict[str, Any], type_name: str) -> Any:
    if field.get("isNull"):
        return None
    if "stringValue" in field:
        return _from_string(field["stringValue"], type_name)
    if "arrayValue" in field:
        return _from_array(field["arrayValue"], type_name.lstrip("_"))
    for key in ("longValue", "booleanValue", "doubleValue", "blobValue"):
        if key in field:
            return field[key]
    raise DatabaseError(f"unexpected Data API field {field!r}")


def _from_string(text: str, type_name: str) -> Any:
    if type_name == "numeric":
        return Decimal(text)
    if type_name == "timestamptz":
        parsed = datetime.fromisoformat(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if type_name == "timestamp":
        return datetime.fromisoformat(text)
    if type_name == "date":
        return date.fromisoformat(text)
    if type_name in ("json", "jsonb"):
        return json.loads(text)
    return text


def _from_array(array: dict[str, Any], element_type: str) -> list[Any]:
    if "arrayValues" in array:
        return [_from_array(inner, element_type) for inner in array["arrayValues"]]
    (kind, values), *_ = array.items()
    if kind == "stringValues":
        return [None if v is None else _from_string(v, element_type) for v in values]
    return list(values)
