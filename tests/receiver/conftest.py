"""Fixtures shared by the receiver's tests (the database ones live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from receiver.db.psycopg_executor import PsycopgExecutor


@pytest.fixture
def pg(fresh_dsn: str) -> Iterator[PsycopgExecutor]:
    """An executor on an empty database (no migration applied)."""
    executor = PsycopgExecutor(fresh_dsn)
    yield executor
    executor.close()
