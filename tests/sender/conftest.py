"""Fixtures every sender test may use: the sender's clients, retrying without waiting."""

from __future__ import annotations

import pytest

from sender.aws import Clients
from support.sender_fixtures import fast_retries


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Clients:
    """The production `Clients`, with botocore's retries made instant (stub them per test)."""
    fast_retries(monkeypatch)
    return Clients()
