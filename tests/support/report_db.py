"""A database of its own holding some documents, and the report built from it: what the report
tests of single sections share (each module loads its documents once and only reads).

A module that defines a module-scoped ``doc`` fixture imports ``loaded_fixture`` and
``page_fixture`` to get ``loaded`` (the database with ``doc`` loaded) and ``page`` (its report
at `NOW`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from receiver.db.psycopg_executor import PsycopgExecutor
from report import build_report
from support.receiver_fixtures import READER_SECRET_ARN, Db, data_api_executor_for, load_doc
from support.report_html import Node, parse

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # two days after full-daily's window ends


@contextmanager
def loaded_database(
    server_url: str, template: str, documents: Iterable[dict[str, Any]]
) -> Iterator[str]:
    """The URL of a new database made from ``template`` with ``documents`` loaded in order
    (each must load); dropped on exit."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    dsn = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    try:
        database = Db("psycopg", dsn, PsycopgExecutor(dsn))
        try:
            for document in documents:
                result = load_doc(database, document)
                assert result.status == "loaded", result.error
        finally:
            database.close()
        yield dsn
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report_page(dsn: str, now: datetime, **options: Any) -> Node:
    """The report of the database at ``dsn``, built at ``now``, parsed."""
    executor = PsycopgExecutor(dsn)
    try:
        return parse(build_report(executor, now=now, **options).html)
    finally:
        executor.close()


def reader_page(dsn: str, now: datetime) -> Node:
    """The report of the database at ``dsn`` as the report's own role builds it: the reader
    role (views only) through the Data API double (the test needs the ``data_api`` fixture)."""
    executor = data_api_executor_for(urlsplit(dsn).path.lstrip("/"), secret_arn=READER_SECRET_ARN)
    return parse(build_report(executor, now=now).html)


@pytest.fixture(name="loaded", scope="module")
def loaded_fixture(server_url: str, migrated_template: str, doc: dict[str, Any]) -> Iterator[str]:
    """The module's ``doc`` loaded into a database of its own."""
    with loaded_database(server_url, migrated_template, [doc]) as dsn:
        yield dsn


@pytest.fixture(name="page", scope="module")
def page_fixture(loaded: str) -> Node:
    """The report of ``loaded`` at `NOW`."""
    return report_page(loaded, NOW)
