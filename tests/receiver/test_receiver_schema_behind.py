"""A receiver newer than its database (an upgrade's new code running before the migration
function applied the new sql/ files) retries the file instead of failing it: a missing table or
column is never the file's fault. A real load through psycopg, and the Data API executor's
reading of the SQLSTATE inside the Data API's error message."""

from __future__ import annotations

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.failures import TransientLoadError
from receiver.receive import load_bytes
from support.migration_steps import migrate_up_to
from support.receiver_fixtures import fixture_doc, gz, ref_for


def test_a_file_for_columns_not_migrated_yet_is_retried_not_failed(pg, fresh_dsn, tmp_path):
    migrate_up_to(pg, tmp_path, "036", ahead=False)  # 037 (accounts.labels) not applied yet
    doc = fixture_doc("full-daily")
    executor = PsycopgExecutor(fresh_dsn)
    try:
        with pytest.raises(TransientLoadError, match="schema is behind the receiver") as raised:
            load_bytes(executor, ref_for(doc), gz(doc), expected_account=doc["account_id"])
        assert "labels" in str(raised.value)
        # nothing was written, and the file is not recorded as failed: it loads once migrated
        assert pg.execute("SELECT count(*) AS n FROM ingestions") == [{"n": 0}]
        migrate_up_to(pg, tmp_path, "037", ahead=False)
        loaded = load_bytes(executor, ref_for(doc), gz(doc), expected_account=doc["account_id"])
        assert loaded.status == "loaded", loaded.error
    finally:
        executor.close()


ARN = "arn:aws:rds:eu-west-1:111111111111:cluster:obs"
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf"


@pytest.mark.parametrize(
    ("message", "transient"),
    [
        ('ERROR: column "labels" of relation "accounts" does not exist; SQLState: 42703', True),
        ('ERROR: relation "cost_by_tag" does not exist; SQLState: 42P01', True),
        ("ERROR: function refresh_x(integer) does not exist; SQLState: 42883", True),
        ('ERROR: duplicate key value violates unique constraint "x"; SQLState: 23505', False),
        ("ERROR: value too long for type character(12); SQLState: 22001", False),
    ],
)
def test_the_data_api_reports_a_schema_behind_the_code_as_transient(message, transient):
    """The Data API wraps PostgreSQL's error in a DatabaseErrorException whose message ends
    with the SQLSTATE; the executor reads it there (real rds-data model, botocore Stubber)."""
    import boto3
    from botocore.stub import Stubber

    from receiver.db.base import DatabaseError, TransientDatabaseError
    from receiver.db.data_api import DataApiExecutor

    client = boto3.client("rds-data", region_name="eu-west-1")
    executor = DataApiExecutor(cluster_arn=ARN, secret_arn=SECRET, database="obs", client=client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "execute_statement", service_error_code="DatabaseErrorException",
            service_message=message, http_status_code=400,
        )  # fmt: skip
        with pytest.raises(DatabaseError) as raised:
            executor.execute("INSERT INTO accounts (account_id) VALUES ('111111111111')")
    assert isinstance(raised.value, TransientDatabaseError) is transient
    assert ("schema is behind the receiver" in str(raised.value)) is transient
