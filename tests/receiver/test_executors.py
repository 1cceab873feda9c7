"""Both executors run the same SQL text and return the same Python values.

``data_api_executor`` is the production Data API executor; its calls are validated by botocore
against the real ``rds-data`` model and run on PostgreSQL by the double (the Data API itself
cannot run here).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from receiver.db import DatabaseError, TransientDatabaseError
from receiver.db.psycopg_executor import PsycopgExecutor


@pytest.fixture(params=["psycopg", "data_api"])
def executor(request, fresh_dsn):
    if request.param == "psycopg":
        executor = PsycopgExecutor(fresh_dsn)
        yield executor
        executor.close()
    else:
        yield request.getfixturevalue("data_api_executor")


AWKWARD = "quote ' double \" backslash \\ ; DROP TABLE x; -- \n newline Zürich 😀 :notparam %s"


def test_typed_parameters_round_trip(executor):
    row = executor.execute(
        "SELECT :n::bigint AS n, :f AS f, :b AS b, :s AS s, :d::numeric AS d, "
        ":ts::timestamptz AS ts, :day AS day, :doc::jsonb AS doc, :u AS u, "
        ":missing::text AS missing",
        {
            "n": 2**40,
            "f": 1.5,
            "b": True,
            "s": AWKWARD,
            "d": Decimal("12345678901234567890.1234567890"),
            "ts": datetime(2026, 11, 25, 10, 30, 1, 123456, tzinfo=timezone(timedelta(hours=8))),
            "day": date(2026, 2, 28),
            "doc": {"k": [1, "two", None], "text": AWKWARD},
            "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "missing": None,
        },
    )[0]
    assert row == {
        "n": 2**40,
        "f": 1.5,
        "b": True,
        "s": AWKWARD,
        "d": Decimal("12345678901234567890.1234567890"),
        "ts": datetime(2026, 11, 25, 2, 30, 1, 123456, tzinfo=UTC),
        "day": date(2026, 2, 28),
        "doc": {"k": [1, "two", None], "text": AWKWARD},
        "u": "12345678-1234-5678-1234-567812345678",
        "missing": None,
    }


def test_result_types_from_tables(executor):
    executor.execute(
        "CREATE TABLE t (id int PRIMARY KEY, at timestamptz, amount numeric(12,4), "
        "tags text[], doc jsonb, ok boolean, code char(12))"
    )
    executor.execute(
        "INSERT INTO t SELECT * FROM jsonb_to_recordset(:rows::jsonb) AS r(id int, "
        "at timestamptz, amount numeric, tags text[], doc jsonb, ok boolean, code char(12))",
        {
            "rows": [
                {
                    "id": 1,
                    "at": "2026-11-25T02:00:00+08:00",
                    "amount": "10.5",
                    "tags": ["a", "b"],
                    "doc": {"x": 1},
                    "ok": False,
                    "code": "123456789012",
                },
                {"id": 2, "at": None, "amount": None, "tags": None, "doc": None, "ok": None},
            ]
        },
    )
    rows = executor.execute("SELECT * FROM t ORDER BY id")
    assert rows == [
        {
            "id": 1,
            "at": datetime(2026, 11, 24, 18, 0, tzinfo=UTC),
            "amount": Decimal("10.5000"),
            "tags": ["a", "b"],
            "doc": {"x": 1},
            "ok": False,
            "code": "123456789012",
        },
        {"id": 2, "at": None, "amount": None, "tags": None, "doc": None, "ok": None, "code": None},
    ]


def test_transaction_commits(executor):
    executor.execute("CREATE TABLE t (v int)")
    with executor.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (:v)", {"v": 1})
        tx.execute("INSERT INTO t VALUES (:v)", {"v": 2})
    assert executor.execute("SELECT sum(v) AS total FROM t") == [{"total": 3}]


def test_transaction_rolls_back_on_error(executor):
    executor.execute("CREATE TABLE t (v int PRIMARY KEY)")
    with pytest.raises(DatabaseError, match="duplicate key"), executor.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (1)")
        tx.execute("INSERT INTO t VALUES (1)")
    assert executor.execute("SELECT count(*) AS n FROM t") == [{"n": 0}]
    # The executor is usable again after the failed transaction.
    with executor.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (2)")
    assert executor.execute("SELECT count(*) AS n FROM t") == [{"n": 1}]


def test_transaction_rolls_back_on_python_exception(executor):
    executor.execute("CREATE TABLE t (v int)")
    with pytest.raises(RuntimeError, match="boom"), executor.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert executor.execute("SELECT count(*) AS n FROM t") == [{"n": 0}]


def test_transactions_do_not_nest(executor):
    with (
        executor.transaction() as tx,
        pytest.raises(RuntimeError, match="nest"),
        tx.transaction(),
    ):
        pass


def test_sql_error_names_the_problem(executor):
    with pytest.raises(DatabaseError, match="division by zero") as info:
        executor.execute("SELECT 1 / 0 AS n")
    assert not isinstance(info.value, TransientDatabaseError)


def test_a_missing_table_or_column_is_a_schema_behind_the_code(executor):
    """Retried, not the file's fault: an upgrade's receiver may run before its migrations."""
    for sql in ("SELECT * FROM no_such_table", "SELECT no_such_column FROM pg_class LIMIT 1"):
        with pytest.raises(TransientDatabaseError, match=r"(?s)no_such_.*schema is behind"):
            executor.execute(sql)


def test_execute_each_runs_every_parameter_set_in_order(executor):
    executor.execute("CREATE TABLE t (n int PRIMARY KEY, s text)")
    sql = (
        "WITH w AS (INSERT INTO t SELECT r.n, r.s FROM json_to_recordset(CAST(:rows AS json)) "
        "AS r(n int, s text) RETURNING n) SELECT count(*) AS written, max(n) AS last FROM w"
    )
    chunks = ([{"n": n, "s": AWKWARD} for n in range(start, start + 3)] for start in (1, 4, 7))
    with executor.transaction() as tx:
        results = tx.execute_each(sql, ({"rows": chunk} for chunk in chunks))
    assert results == [
        [{"written": 3, "last": 3}],
        [{"written": 3, "last": 6}],
        [{"written": 3, "last": 9}],
    ]
    assert executor.execute("SELECT count(*) AS n, min(s) AS s FROM t") == [{"n": 9, "s": AWKWARD}]
    assert executor.execute_each("SELECT :v::int AS v", []) == []


def test_execute_each_failure_rolls_the_transaction_back(executor):
    executor.execute("CREATE TABLE t (v int PRIMARY KEY)")
    values = [{"v": 1}, {"v": 2}, {"v": 1}, {"v": 3}]
    with pytest.raises(DatabaseError, match="duplicate key"), executor.transaction() as tx:
        tx.execute_each("INSERT INTO t VALUES (:v)", values)
    assert executor.execute("SELECT count(*) AS n FROM t") == [{"n": 0}]
    with executor.transaction() as tx:  # usable again
        tx.execute_each("INSERT INTO t VALUES (:v)", [{"v": 2}])
    assert executor.execute("SELECT count(*) AS n FROM t") == [{"n": 1}]


def test_execute_each_stops_when_building_the_parameters_fails(executor):
    executor.execute("CREATE TABLE t (v int)")

    def values():
        yield {"v": 1}
        raise RuntimeError("cannot build the next chunk")

    with pytest.raises(RuntimeError, match="next chunk"), executor.transaction() as tx:
        tx.execute_each("INSERT INTO t VALUES (:v)", values())
    assert executor.execute("SELECT count(*) AS n FROM t") == [{"n": 0}]


# --- Data API specifics ---------------------------------------------------------------------


def test_data_api_sends_typed_parameters(data_api, data_api_executor):
    data_api_executor.execute(
        "SELECT :j::jsonb AS j, :d AS d, :t AS t",
        {"j": {"a": 1}, "d": Decimal("1.10"), "t": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)},
    )
    (request,) = [r for r in data_api.requests if r["operation"] == "ExecuteStatement"]
    assert request["parameters"] == [
        {"name": "j", "value": {"stringValue": '{"a":1}'}, "typeHint": "JSON"},
        {"name": "d", "value": {"stringValue": "1.10"}, "typeHint": "DECIMAL"},
        {"name": "t", "value": {"stringValue": "2026-01-02 03:04:05"}, "typeHint": "TIMESTAMP"},
    ]


def test_data_api_transaction_calls(data_api, data_api_executor):
    with data_api_executor.transaction() as tx:
        tx.execute("SELECT 1")
    assert data_api.calls == {"BeginTransaction": 1, "ExecuteStatement": 1, "CommitTransaction": 1}
    assert data_api.open_transactions == 0
    with pytest.raises(DatabaseError), data_api_executor.transaction() as tx:
        tx.execute("SELECT 1/0")
    assert data_api.calls["RollbackTransaction"] == 1
    assert data_api.open_transactions == 0


def test_data_api_rejects_several_statements(data_api_executor):
    with pytest.raises(DatabaseError, match="multiple commands"):
        data_api_executor.execute("SELECT 1; SELECT 2")


def test_data_api_retries_while_the_database_resumes(data_api, data_api_executor):
    data_api.fail_next("DatabaseResumingException", times=3)
    assert data_api_executor.execute("SELECT 42 AS answer") == [{"answer": 42}]
    assert data_api.calls["ExecuteStatement"] == 4


def test_data_api_gives_up_after_bounded_attempts(data_api, data_api_executor):
    data_api.fail_next("DatabaseUnavailableException", times=50)
    with pytest.raises(TransientDatabaseError, match="gave up after 10 attempts"):
        data_api_executor.execute("SELECT 1")
    assert data_api.calls["ExecuteStatement"] == 10


def test_data_api_never_retries_past_the_deadline(data_api, fresh_dsn):
    from urllib.parse import urlsplit

    from receiver.db.data_api import DataApiExecutor

    sleeps: list[float] = []
    remaining = [6_000]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        remaining[0] -= int(seconds * 1000) + 1_000  # each attempt also costs a second

    executor = DataApiExecutor(
        cluster_arn="arn:aws:rds:eu-west-1:111111111111:cluster:c",
        secret_arn="arn:aws:secretsmanager:eu-west-1:111111111111:secret:s",
        database=urlsplit(fresh_dsn).path.lstrip("/"),
        remaining_ms=lambda: remaining[0],
        base_delay=0.2,
        sleep=sleep,
    )
    data_api.fail_next("DatabaseResumingException", times=50)
    with pytest.raises(TransientDatabaseError):
        executor.execute("SELECT 1")
    assert remaining[0] > 0  # stopped with time left for the caller to report the failure
    assert len(sleeps) < 9


def test_data_api_non_transient_errors_are_not_retried(data_api, data_api_executor):
    data_api.fail_next("BadRequestException", message="Database error code: 0. Message: bad")
    with pytest.raises(DatabaseError, match="BadRequestException") as info:
        data_api_executor.execute("SELECT 1")
    assert not isinstance(info.value, TransientDatabaseError)
    assert data_api.calls["ExecuteStatement"] == 1


def test_data_api_refuses_oversized_sql_before_calling(data_api, data_api_executor):
    with pytest.raises(DatabaseError, match="65536"):
        data_api_executor.execute("SELECT 1" + " " * 70_000)
    assert data_api.calls["ExecuteStatement"] == 0


def test_data_api_refuses_oversized_requests_before_calling(data_api, data_api_executor):
    with pytest.raises(DatabaseError, match="at most 4194304"):
        data_api_executor.execute("SELECT :x::jsonb", {"x": ["y" * 1000] * 5000})
    assert data_api.calls["ExecuteStatement"] == 0


def test_double_refuses_oversized_responses(data_api_executor):
    with pytest.raises(DatabaseError, match="response size limit"):
        data_api_executor.execute("SELECT repeat('x', 2000000) AS big")


def test_double_is_reached_through_botocore_validation(data_api_executor):
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        data_api_executor._client.execute_statement(resourceArn="x", sql="SELECT 1")
