"""Database executors: one interface, the RDS Data API in Lambda and psycopg on a laptop."""

from receiver.db.base import DatabaseError, Executor, Row, TransientDatabaseError

__all__ = ["DatabaseError", "Executor", "Row", "TransientDatabaseError", "connect"]


def connect(
    *,
    database_url: str | None = None,
    cluster_arn: str | None = None,
    secret_arn: str | None = None,
    database: str | None = None,
) -> Executor:
    """An executor for a libpq URL, or for an Aurora cluster through the Data API."""
    if database_url:
        from receiver.db.psycopg_executor import PsycopgExecutor

        return PsycopgExecutor(database_url)
    if cluster_arn and secret_arn and database:
        from receiver.db.data_api import DataApiExecutor

        return DataApiExecutor(cluster_arn=cluster_arn, secret_arn=secret_arn, database=database)
    raise ValueError("give a database URL, or a cluster ARN, a secret ARN and a database name")
