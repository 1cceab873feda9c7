"""labkit.scale.generate and populate: deterministic documents that pass the contract, and a
bulk history fill that stores exactly what the receiver stores for the same documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from contract import validate_document
from labkit.scale import generate, populate

SEED = 1
BOOKKEEPING = {"ingestion_id", "first_loaded_at", "last_loaded_at", "updated_at"}


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    """The demo senders' documents (captured once in moto, then read from build/scale)."""
    return generate.templates()


def _roster(count: int = 2) -> list[generate.Account]:
    return generate.accounts(SEED, count)


def _eventful_today(roster: list[generate.Account], templates: dict[str, Any]) -> date:
    """A last day such that the three history days before the two sample days hold a collector
    error and a resource that appears, so the fill's fault and drift rules are exercised."""
    for offset in range(3000):
        today = date(2025, 3, 1) + timedelta(days=offset)
        history = [today - timedelta(days=k) for k in (4, 3, 2)]
        errors = births = 0
        for account in roster:
            doc = generate.base_document(templates[account.profile], account)
            for day in history:
                for entry in doc["collectors"]:
                    status = generate.fault(
                        SEED, account.account_id, day, entry["name"], entry.get("region") or ""
                    )
                    errors += status == "error" and entry["status"] == "ok"
            for item in doc["data"]["resources"]:
                first = generate.born(
                    SEED, account.account_id, item["region"], item["resource_type"],
                    item["resource_id"],
                )  # fmt: skip
                births += history[0] < first <= today
        if errors and births:
            return today
    raise AssertionError("no day with both a fault and a drifting resource")


def test_same_seed_same_bytes_and_other_seeds_differ(templates: dict[str, Any]) -> None:
    account = _roster(1)[0]
    day = date(2026, 3, 3)
    first = generate.encode(generate.document(templates, SEED, account, day))
    again = generate.encode(generate.document(templates, SEED, account, day))
    assert first == again
    other_seed = generate.accounts(SEED + 1, 1)[0]
    assert generate.encode(generate.document(templates, SEED + 1, other_seed, day)) != first
    assert generate.encode(generate.document(templates, SEED, account, day + timedelta(1))) != first
    assert generate.accounts(SEED, 50) == generate.accounts(SEED, 50)
    assert len({a.account_id for a in generate.accounts(SEED, 1000)}) == 1000


def test_most_accounts_are_small_and_every_profile_occurs() -> None:
    profiles = [a.profile for a in generate.accounts(SEED, 400)]
    assert set(profiles) == {"prod", "staging", "sandbox"}
    assert profiles.count("sandbox") > profiles.count("staging") > profiles.count("prod")


def test_documents_of_every_profile_pass_the_contract(templates: dict[str, Any]) -> None:
    roster = generate.accounts(SEED, 40)
    by_profile = {a.profile: a for a in roster}
    assert set(by_profile) == set(templates)
    for account in by_profile.values():
        for day in (date(2025, 11, 1), date(2026, 2, 28), date(2026, 12, 4)):
            doc = generate.document(templates, SEED, account, day)
            validate_document(doc)
            assert doc["account_id"] == account.account_id
            assert doc["data"]["account"]["name"] == account.name
            assert doc["window"] == {
                "start": (day - timedelta(1)).isoformat(),
                "end": day.isoformat(),
            }
            assert doc["collected_at"].startswith(f"{day.isoformat()}T02:00")
            assert doc["run_id"] == generate.run_id(SEED, account.account_id, day)
            template_id = templates[account.profile]["account_id"]
            assert template_id not in generate.encode(doc).decode("latin-1")
            costs = {r["date"] for r in doc["data"]["cost"]["daily"]}
            assert max(costs) == (day - timedelta(1)).isoformat()


def test_faults_leave_out_their_region_and_still_pass_the_contract(
    templates: dict[str, Any],
) -> None:
    account = next(a for a in generate.accounts(SEED, 40) if a.profile == "prod")
    found = None
    for offset in range(2000):
        day = date(2025, 1, 1) + timedelta(days=offset)
        for entry in templates["prod"]["collectors"]:
            region = entry.get("region") or ""
            if generate.fault(SEED, account.account_id, day, "resources", region) == "error":
                found = day, region
                break
        if found:
            break
    assert found, "no resources error in 2000 days at a 1/200 rate"
    day, region = found
    doc = generate.document(templates, SEED, account, day)
    validate_document(doc)
    entry = next(c for c in doc["collectors"] if c["name"] == "resources" and c["region"] == region)
    assert entry["status"] == "error" and entry["error"] and entry["item_count"] == 0
    assert doc["data"]["resources"], "the other region's resources stay"
    assert all(r["region"] != region for r in doc["data"]["resources"])


def _drifts(templates: dict[str, Any], account: generate.Account) -> bool:
    return any(
        generate.born(SEED, account.account_id, r["region"], r["resource_type"], r["resource_id"])
        > generate.EPOCH
        for r in generate.base_document(templates[account.profile], account)["data"]["resources"]
    )


def test_cost_is_jittered_and_inventory_grows(templates: dict[str, Any]) -> None:
    account = next(a for a in generate.accounts(SEED, 40) if _drifts(templates, a))
    early, late = date(2025, 1, 2), date(2026, 12, 30)
    first = generate.document(templates, SEED, account, early)
    last = generate.document(templates, SEED, account, late)
    template = templates[account.profile]
    assert len(first["data"]["resources"]) < len(last["data"]["resources"])
    assert len(last["data"]["resources"]) <= len(template["data"]["resources"])
    amounts = [r["unblended_cost"] for r in first["data"]["cost"]["daily"]]
    originals = [r["unblended_cost"] for r in template["data"]["cost"]["daily"]]
    assert amounts != originals
    for amount, original in zip(amounts, originals, strict=True):
        assert 0.85 <= float(amount) / float(original) <= 1.15


def _dsn(server_url: str, database: str, credentials: Any | None = None) -> str:
    parts = urlsplit(server_url)._replace(path=f"/{database}")
    if credentials is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        user = quote(credentials.username, safe="")
        parts = parts._replace(netloc=f"{user}:{quote(credentials.password, safe='')}@{host}")
    return urlunsplit(parts)


@pytest.fixture
def second_database(server_url: str, migrated_template: str) -> Iterator[str]:
    """Another copy of the migrated template (the receiver-only database)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    try:
        yield name
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stored(dsn: str) -> dict[str, set[str]]:
    """Every row of every data and bookkeeping table, without ids and load times."""
    import psycopg

    from receiver.tables import TABLES

    tables = [t.name for t in TABLES] + ["collection_runs", "collector_runs", "snapshot_pointers"]
    tables.append("security_posture_daily")  # kept by the loader (sql/027)
    found: dict[str, set[str]] = {}
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        for table in tables:
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
                if r[0] not in BOOKKEEPING
            ]
            if not columns:
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            found[table] = {repr(r) for r in conn.execute(f'SELECT {listed} FROM "{table}"')}
        found["ingestions"] = {
            repr(r)
            for r in conn.execute(
                "SELECT bucket, object_key, version_id, account_id, run_id, status, rows, "
                "schema_version FROM ingestions"
            )
        }
    return found


@pytest.mark.parametrize("foreign_keys", ["row", "set"])
def test_bulk_fill_stores_what_the_receiver_stores(
    foreign_keys: str,
    templates: dict[str, Any],
    migrated_dsn: str,
    second_database: str,
    server_url: str,
    database_roles: dict[str, Any],
) -> None:
    from receiver.db import connect
    from receiver.loader import FileRef
    from receiver.receive import load_bytes

    roster = _roster(2)
    today = _eventful_today(roster, templates)
    filled_db = urlsplit(migrated_dsn).path.lstrip("/")
    result = populate.populate(
        migrated_dsn,
        _dsn(server_url, filled_db, database_roles["loader"]),
        accounts=2,
        days=5,
        sample_days=2,
        workers=(2, 2),
        seed=SEED,
        today=today,
        progress=lambda message: None,
        foreign_keys=foreign_keys,
    )
    assert result.fill.rows > 0 and result.fill.days == 3

    # the same ten documents, every one through the receiver, in order
    executor = connect(database_url=_dsn(server_url, second_database, database_roles["loader"]))
    try:
        for day in (today - timedelta(days=k) for k in range(4, -1, -1)):
            for account in roster:
                doc = generate.document(templates, SEED, account, day)
                body, key = generate.encode(doc), generate.object_key(doc)
                ref = FileRef(
                    populate.BUCKET, key, populate._version(key), None, len(body),
                    account.account_id,
                )  # fmt: skip
                loaded = load_bytes(executor, ref, body, expected_account=account.account_id)
                assert loaded.status == "loaded", loaded.error
    finally:
        executor.close()

    filled, received = _stored(migrated_dsn), _stored(_dsn(server_url, second_database))
    assert set(filled) == set(received)
    assert filled["collector_runs"] and filled["resources"] and filled["cost_daily"]
    for table in sorted(received):
        assert filled[table] == received[table], (
            table,
            sorted(filled[table] - received[table])[:2],
            sorted(received[table] - filled[table])[:2],
        )
    statuses = " ".join(filled["collector_runs"])
    assert "'error'" in statuses, "the chosen days hold a collector error"


def test_tiny_populate_loses_no_rows(
    templates: dict[str, Any], migrated_dsn: str, server_url: str, database_roles: dict[str, Any]
) -> None:
    import psycopg

    database = urlsplit(migrated_dsn).path.lstrip("/")
    result = populate.populate(
        migrated_dsn,
        _dsn(server_url, database, database_roles["loader"]),
        accounts=2,
        days=3,
        sample_days=2,
        workers=(2, 2),
        seed=SEED,
        today=date(2026, 12, 4),
        progress=lambda message: None,
    )
    assert [(x.workers, x.files, x.failed, x.lost_rows) for x in result.loads] == [
        (2, 2, 0, 0),
        (2, 2, 0, 0),
    ]
    for load in result.loads:
        assert load.rows_reported["collection_runs"] == 2
        assert load.rows_reported == {
            t: load.rows_present[t] for t in load.rows_reported
        }  # every reported row is there, under the day's ingestions
        assert len(load.durations_ms) == 2 and load.file_p95_ms >= load.file_p50_ms > 0
    with psycopg.connect(migrated_dsn) as conn:
        runs = conn.execute(
            "SELECT account_id, window_end FROM collection_runs ORDER BY 1, 2"
        ).fetchall()
        loaded = conn.execute("SELECT count(*) FROM ingestions WHERE status = 'loaded'").fetchone()
        schemas = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
            (populate.STAGE,),
        ).fetchone()
    accounts = [a.account_id for a in _roster(2)]
    days = [date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)]
    assert [(a.strip(), d) for a, d in runs] == [(a, d) for a in accounts for d in days]
    assert loaded == (6,)
    assert schemas == (0,), "the staging schema is dropped"
    assert result.fill.rows > 300


def test_lost_rows_count_what_is_missing() -> None:
    run = populate.LoadRun(date(2026, 1, 1), 8, 2, 1.0, [10.0, 30.0])
    run.rows_reported = {"resources": 10, "cost_daily": 5}
    run.rows_present = {"resources": 7, "cost_daily": 5}
    assert run.lost_rows == 3
    assert run.files_per_minute == 120
    assert (run.file_p50_ms, run.file_p95_ms) == (10.0, 30.0)


def test_refuses_when_the_disk_cannot_hold_it(
    templates: dict[str, Any], migrated_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.setattr(populate, "_free_bytes", lambda dsn: 10_000_000)
    with pytest.raises(populate.InsufficientDisk, match="GB"):
        populate.populate(
            migrated_dsn, migrated_dsn, accounts=1000, days=400, seed=SEED,
            progress=lambda message: None,
        )  # fmt: skip
    with psycopg.connect(migrated_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM ingestions").fetchone() == (0,)


def test_set_based_foreign_key_checks_find_a_missing_parent(migrated_dsn: str) -> None:
    import psycopg

    account = "900001000000"
    with psycopg.connect(migrated_dsn, autocommit=True) as conn:
        checks = populate.foreign_key_checks(conn)
        assert len(checks) > 30  # every filled table's account key, and parents
        # sql/038: ingestion_id references nothing, so nothing checks it
        assert not [c for c in checks if " -> ingestions\n" in c]
        conn.execute("INSERT INTO accounts (account_id) VALUES (%s)", (account,))
        conn.execute(
            "INSERT INTO resources (account_id, snapshot_date, region, resource_type, "
            "resource_id) VALUES (%s, '2026-01-01', 'eu-west-1', 'ec2:instance', 'i-1')",
            (account,),
        )
        assert not [c for c in checks if conn.execute(c, {"accounts": [account]}).fetchone()]
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "INSERT INTO ssm_patches (account_id, snapshot_date, region, instance_id, patch_id, "
            "ingestion_id) VALUES (%s, '2026-01-01', 'eu-west-1', 'i-9', 'KB1', 424242)",
            (account,),
        )
        broken = [c for c in checks if conn.execute(c, {"accounts": [account]}).fetchone()]
        assert len(broken) == 1, broken  # no such managed instance (ingestion 424242 is allowed)
        assert {b.split(" -> ")[1].split("\n")[0] for b in broken} == {"ssm_managed_instances"}
