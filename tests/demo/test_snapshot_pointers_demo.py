"""The demo's database: the current-state pointers (sql/021) the loader kept while `make demo`
loaded a month of history agree with the read-time definitions of "current" they replaced.

The ``demo`` fixture checks the database right after the run (support.snapshot_pointers.summary),
since another test runs the demo again, interrupted, on the same database.
"""

from __future__ import annotations

import pytest

from support import snapshot_pointers


def test_the_demo_pointers_agree_with_the_read_time_definitions(
    demo, request: pytest.FixtureRequest
):
    assert demo.returncode == 0, demo.stderr[-2000:]
    found = request.config.stash[snapshot_pointers.DEMO_CHECK]
    assert found["disagreements"] == []
    assert set(found["kinds"]) == {"region", "account", "securityhub_counts", "config_rules"}
    assert found["kinds"]["region"] > 100  # many accounts, collectors and regions
