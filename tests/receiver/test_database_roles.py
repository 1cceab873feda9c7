"""The migrator, loader and reader roles (receiver.db.roles), on a real PostgreSQL.

Each test gets a database owned by a master user that is *not* a superuser (CREATEROLE only), as
Aurora's master user is, so the bootstrap proves it needs no superuser. Roles are cluster-wide:
every test uses role names of its own and drops them afterwards.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg
import pytest

from receiver.db import DatabaseError
from receiver.db.psycopg_executor import PsycopgExecutor
from receiver.db.role_secrets import role_credentials
from receiver.db.roles import (
    Credentials,
    RoleError,
    RoleNames,
    apply_grants,
    bootstrap,
    quote_literal,
    scram_sha256_verifier,
)
from receiver.migrations import migrate, migrate_with_roles
from receiver.receive import load_bytes
from receiver.settings import ConfigurationError, DatabaseRoleSettings
from support.receiver_fixtures import (
    FakeContext,
    data_key,
    db_fixture,  # noqa: F401 - fixture
    fixture_doc,
    gz,
)

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"
PERMISSION_DENIED = re.compile(r"permission denied|must be owner|42501")


@dataclass
class Cluster:
    """A database owned by a non-superuser master, and three role credentials to bootstrap."""

    server_url: str
    database: str
    master: str
    credentials: dict[str, Credentials]

    @property
    def names(self) -> RoleNames:
        return RoleNames.from_credentials(self.credentials)

    def url(self, user: str | None = None) -> str:
        parts = urlsplit(self.server_url)
        host = parts.netloc.rsplit("@", 1)[-1]
        netloc = f"{user}@{host}" if user else parts.netloc
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{self.database}"))

    def executor(self, who: str) -> PsycopgExecutor:
        """``master``, ``migrator``, ``loader``, ``reader`` or ``admin`` (the superuser)."""
        if who == "admin":
            return PsycopgExecutor(self.url())
        user = self.master if who == "master" else self.credentials[who].username
        return PsycopgExecutor(self.url(user))

    def migrate_with_roles(self, sql_dir: Path = SQL_DIR):  # type: ignore[no-untyped-def]
        master = self.executor("master")
        try:
            return migrate_with_roles(
                master, lambda: self.executor("migrator"), self.credentials, sql_dir
            )
        finally:
            master.close()


@pytest.fixture
def cluster(server_url: str) -> Iterator[Cluster]:
    suffix = uuid.uuid4().hex[:8]
    master, database = f"master_{suffix}", f"t_{suffix}"
    credentials = {
        kind: Credentials(f"obs_{suffix}_{kind}", f"pw-{kind}-{uuid.uuid4().hex}")
        for kind in ("migrator", "loader", "reader")
    }
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {master} LOGIN CREATEROLE")  # like Aurora: no superuser
        admin.execute(f"CREATE DATABASE {database} OWNER {master}")
    try:
        yield Cluster(server_url, database, master, credentials)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            for c in credentials.values():
                admin.execute(f"DROP ROLE IF EXISTS {c.username}")
            admin.execute(f"DROP ROLE IF EXISTS {master}")


OBJECTS = """
SELECT 'relation' AS kind, c.oid::regclass::text AS name, c.relkind::text AS detail,
       pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
SELECT 'function', p.oid::regprocedure::text, p.prokind::text, pg_get_userbyid(p.proowner),
       p.proacl::text
FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'schema', n.nspname, '', pg_get_userbyid(n.nspowner), n.nspacl::text
FROM pg_namespace n WHERE n.nspname = 'public'
ORDER BY 1, 2
"""


def objects(cluster: Cluster) -> list[dict]:
    admin = cluster.executor("admin")
    try:
        return admin.execute(OBJECTS)
    finally:
        admin.close()


def relations(cluster: Cluster, kinds: str) -> list[str]:
    return [o["name"] for o in objects(cluster) if o["kind"] == "relation" and o["detail"] in kinds]


def assert_denied(executor: PsycopgExecutor, statement: str) -> None:
    with pytest.raises(DatabaseError, match=PERMISSION_DENIED):
        executor.execute(statement)


# --- bootstrap and migrations ----------------------------------------------------------------


def test_fresh_install_the_migrator_owns_everything_and_reruns_change_nothing(cluster):
    boot, result = cluster.migrate_with_roles()
    assert sorted(boot.created) == sorted(c.username for c in cluster.credentials.values())
    assert result.applied == sorted(p.name for p in SQL_DIR.glob("*.sql"))
    found = objects(cluster)
    assert len([o for o in found if o["kind"] == "relation"]) > 60
    assert {o["owner"] for o in found} == {cluster.names.migrator}

    again_boot, again = cluster.migrate_with_roles()
    assert again.applied == [] and again_boot.created == [] and again_boot.reassigned == []
    assert objects(cluster) == found  # owners and privileges, object by object


def test_an_install_owned_by_the_master_upgrades(cluster):
    master = cluster.executor("master")
    try:
        before = migrate(master, SQL_DIR).applied  # the way the master installed it until now
    finally:
        master.close()
    assert {o["owner"] for o in objects(cluster) if o["kind"] != "schema"} == {cluster.master}

    boot, result = cluster.migrate_with_roles()
    assert result.applied == [] and len(before) == len(result.already_applied)
    assert "table schema_migrations" in boot.reassigned
    assert boot.skipped == []
    assert {o["owner"] for o in objects(cluster)} == {cluster.names.migrator}
    loader = cluster.executor("loader")
    try:
        assert load(loader).status == "loaded"
    finally:
        loader.close()


def test_a_migration_added_later_is_granted_in_the_same_run(cluster, tmp_path):
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "001_a.sql").write_text("CREATE TABLE a (id int);\nCREATE VIEW v_a AS SELECT id FROM a;")
    cluster.migrate_with_roles(sql)
    (sql / "002_b.sql").write_text(
        "CREATE TABLE b (id bigint GENERATED ALWAYS AS IDENTITY, x int);\n"
        "CREATE SEQUENCE standalone;\n"
        "CREATE VIEW v_b AS SELECT x FROM b;"
    )
    _, result = cluster.migrate_with_roles(sql)
    assert result.applied == ["002_b.sql"]
    loader, reader = cluster.executor("loader"), cluster.executor("reader")
    try:
        loader.execute("INSERT INTO b (x) VALUES (1)")
        assert loader.execute("SELECT nextval('standalone') AS n") == [{"n": 1}]
        assert reader.execute("SELECT x FROM v_b") == [{"x": 1}]
        assert_denied(reader, "SELECT * FROM b")
    finally:
        loader.close()
        reader.close()


def test_the_bootstrap_refuses_a_role_with_powers(cluster):
    with psycopg.connect(cluster.server_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {cluster.names.loader} LOGIN CREATEDB")
    master = cluster.executor("master")
    try:
        with pytest.raises(RoleError, match="rolcreatedb"):
            bootstrap(master, cluster.credentials)
    finally:
        master.close()


def test_passwords_reach_the_server_as_scram_verifiers(cluster):
    cluster.migrate_with_roles()
    with psycopg.connect(cluster.server_url, autocommit=True) as admin:
        for credentials in cluster.credentials.values():
            (stored,) = admin.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (credentials.username,)
            ).fetchone()
            assert stored.startswith("SCRAM-SHA-256$4096:")
            assert credentials.password not in stored
            salt = base64.b64decode(stored.split("$")[1].split(":")[1])
            assert scram_sha256_verifier(credentials.password, salt=salt) == stored


def test_scram_verifier_matches_libpq(server_url):
    with psycopg.connect(server_url, autocommit=True) as conn:
        libpq = conn.pgconn.encrypt_password(b"pencil", b"user", b"scram-sha-256").decode()
    iterations, salt = libpq.split("$")[1].split(":")
    ours = scram_sha256_verifier("pencil", salt=base64.b64decode(salt), iterations=int(iterations))
    assert ours == libpq


@pytest.mark.parametrize(
    ("text", "literal"),
    [("plain", "'plain'"), ("it's", "'it''s'"), ("back\\slash'", "E'back\\\\slash'''")],
)
def test_quote_literal(text, literal, server_url):
    assert quote_literal(text) == literal
    with psycopg.connect(server_url, autocommit=True) as conn:
        assert conn.execute(f"SELECT {literal} AS v").fetchone() == (text,)


# --- the loader ------------------------------------------------------------------------------


def load(executor, name: str = "full-daily"):  # type: ignore[no-untyped-def]
    from receiver.loader import FileRef

    doc = fixture_doc(name)
    ref = FileRef(
        "analytics", data_key(doc), "v1", account_id=doc["account_id"], size=1, etag='"e"'
    )
    return load_bytes(executor, ref, gz(doc), expected_account=None)


@pytest.fixture
def migrated(cluster: Cluster) -> Cluster:
    """Migrated with roles, plus an automatically updatable view (the shipped ones are not)."""
    cluster.migrate_with_roles()
    migrator = cluster.executor("migrator")
    try:
        migrator.execute("CREATE VIEW v_updatable AS SELECT account_id, name FROM accounts")
        apply_grants(migrator, cluster.names)  # what the runner does after every run
    finally:
        migrator.close()
    return cluster


def test_the_loader_loads_a_real_document(migrated):
    loader = migrated.executor("loader")
    try:
        assert load(loader).status == "loaded"
        assert load(loader).status != "failed"  # and reloading it is fine too
        rows = loader.execute("SELECT count(*) AS n FROM securityhub_findings")
        assert rows[0]["n"] == len(fixture_doc("full-daily")["data"]["securityhub"]["findings"])
        assert loader.execute("SELECT count(*) AS n FROM v_security_posture")[0]["n"] >= 0
    finally:
        loader.close()


LOADER_REFUSED = [
    "DROP TABLE accounts",
    "DROP TABLE accounts CASCADE",
    "DROP VIEW v_security_posture",
    "ALTER TABLE accounts ADD COLUMN x int",
    "ALTER TABLE accounts DROP COLUMN name",
    "ALTER VIEW v_security_posture RENAME TO v_x",
    "ALTER TABLE accounts OWNER TO CURRENT_USER",
    "CREATE TABLE evil (id int)",
    "CREATE VIEW v_evil AS SELECT 1 AS one",
    "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE INDEX evil ON accounts (name)",
    "CREATE TEMP TABLE evil (id int)",
    "CREATE SCHEMA evil",
    "TRUNCATE accounts",
    "TRUNCATE securityhub_findings",
    "INSERT INTO schema_migrations (version, filename, checksum, duration_ms) "
    "VALUES ('999', '999_x.sql', repeat('0', 64), 0)",
    "DELETE FROM schema_migrations",
    "INSERT INTO v_updatable (account_id, name) VALUES ('111111111111', 'x')",
    "UPDATE v_updatable SET name = 'x'",
    "DELETE FROM v_updatable",
]


@pytest.mark.parametrize("statement", LOADER_REFUSED)
def test_the_loader_cannot_change_the_schema(migrated, statement):
    loader = migrated.executor("loader")
    try:
        assert_denied(loader, statement)
    finally:
        loader.close()


def test_the_loader_cannot_drop_or_alter_any_object(migrated):
    before = objects(migrated)
    loader = migrated.executor("loader")
    try:
        # PostgreSQL only warns about a GRANT without grant option: nothing must change.
        loader.execute("GRANT SELECT ON accounts TO PUBLIC")
        for row in before:
            if row["kind"] != "relation":
                continue
            kind = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}.get(
                row["detail"], "TABLE"
            )
            assert_denied(loader, f"DROP {kind} {row['name']}")
            assert_denied(loader, f"ALTER {kind} {row['name']} RENAME TO x_renamed")
            if kind == "TABLE":
                assert_denied(loader, f"TRUNCATE {row['name']}")
    finally:
        loader.close()
    assert objects(migrated) == before


# --- the reader ------------------------------------------------------------------------------


def test_the_reader_selects_every_view_and_no_table(migrated):
    loader = migrated.executor("loader")
    try:
        load(loader)
    finally:
        loader.close()
    views = relations(migrated, "vm")
    tables = relations(migrated, "rp")
    assert "v_security_posture" in views and "v_updatable" in views and "accounts" in tables
    assert len([v for v in views if v.startswith("v_")]) > 40
    reader = migrated.executor("reader")
    try:
        for view in views:
            reader.execute(f"SELECT * FROM {view} LIMIT 1")
        for table in tables:
            assert_denied(reader, f"SELECT * FROM {table} LIMIT 1")
        for sequence in relations(migrated, "S"):
            assert_denied(reader, f"SELECT nextval('{sequence}')")
    finally:
        reader.close()


READER_REFUSED = [
    "INSERT INTO accounts (account_id, name) VALUES ('111111111111', 'x')",
    "UPDATE accounts SET name = 'x'",
    "DELETE FROM accounts",
    "INSERT INTO v_updatable (account_id, name) VALUES ('111111111111', 'x')",
    "UPDATE v_updatable SET name = 'x'",
    "DELETE FROM v_updatable",
    "TRUNCATE accounts",
    "DROP VIEW v_security_posture",
    "CREATE VIEW v_evil AS SELECT 1 AS one",
    "CREATE TEMP TABLE evil (id int)",
    # nothing to alter either: tables, views, columns, comments, privileges, functions, schema
    "ALTER TABLE accounts ADD COLUMN evil int",
    "ALTER TABLE accounts ALTER COLUMN name DROP NOT NULL",
    "ALTER VIEW v_security_posture RENAME TO v_evil",
    "ALTER VIEW v_accounts ALTER COLUMN name SET DEFAULT 'x'",
    "COMMENT ON VIEW v_accounts IS 'evil'",
    "GRANT SELECT ON accounts TO PUBLIC",
    "CREATE TABLE evil (id int)",
    "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "ALTER SCHEMA public RENAME TO evil",
    "CREATE INDEX evil ON accounts (name)",
]


@pytest.mark.parametrize("statement", READER_REFUSED)
def test_the_reader_cannot_write(migrated, statement):
    reader = migrated.executor("reader")
    try:
        assert_denied(reader, statement)
    finally:
        reader.close()


# --- secrets ---------------------------------------------------------------------------------


@pytest.fixture
def secretsmanager(moto_server: str):  # type: ignore[no-untyped-def]
    return boto3.client("secretsmanager", endpoint_url=moto_server, region_name="eu-west-1")


def test_an_empty_secret_is_filled_once(secretsmanager):
    arn = secretsmanager.create_secret(Name=f"role-{uuid.uuid4().hex}")["ARN"]
    first = role_credentials(secretsmanager, arn, "obs_loader", "core")
    stored = json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])
    assert stored == {
        "username": "obs_loader",
        "password": first.password,
        "engine": "postgres",
        "dbname": "core",
    }
    assert len(first.password) >= 40
    again = role_credentials(secretsmanager, arn, "obs_loader", "core")
    assert again == first
    versions = secretsmanager.list_secret_version_ids(SecretId=arn)["Versions"]
    assert len(versions) == 1, "the second run only read the secret"


def test_a_secret_naming_another_user_gets_a_new_password(secretsmanager):
    arn = secretsmanager.create_secret(
        Name=f"role-{uuid.uuid4().hex}",
        SecretString=json.dumps({"username": "someone_else", "password": "x"}),
    )["ARN"]
    credentials = role_credentials(secretsmanager, arn, "obs_reader", "core")
    assert credentials.username == "obs_reader" and credentials.password != "x"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{", "not JSON"),
        ('{"migrator": {}}', "exactly the keys"),
        (
            json.dumps(
                {
                    k: {"username": "Bad-Name", "secret_arn": "arn:x"}
                    for k in ("migrator", "loader", "reader")
                }
            ),
            "lower-case",
        ),
        (
            json.dumps(
                {
                    k: {"username": "same", "secret_arn": "arn:x"}
                    for k in ("migrator", "loader", "reader")
                }
            ),
            "distinct",
        ),
    ],
)
def test_database_roles_setting_is_validated(value, message):
    with pytest.raises(ConfigurationError, match=message):
        DatabaseRoleSettings.parse(value)


# --- through the Data API (the double signs in as each secret's user) -------------------------


def test_migration_function_bootstraps_and_the_receiver_loads_as_the_loader(
    cluster, data_api, secretsmanager, moto_server, monkeypatch
):
    from receiver import migrate_handler
    from receiver.db.data_api import DataApiExecutor

    names = cluster.names
    arns = {
        kind: secretsmanager.create_secret(Name=f"{kind}-{uuid.uuid4().hex}")["ARN"]
        for kind in ("migrator", "loader", "reader")
    }
    master_arn = secretsmanager.create_secret(
        Name=f"master-{uuid.uuid4().hex}",
        SecretString=json.dumps({"username": cluster.master, "password": "unused"}),
    )["ARN"]
    # The master's password is the one thing the double cannot check here: give it one.
    with psycopg.connect(cluster.server_url, autocommit=True) as admin:
        admin.execute(f"ALTER ROLE {cluster.master} PASSWORD 'unused'")
    data_api.secrets_client = secretsmanager
    monkeypatch.setenv("AURORA_CLUSTER_ARN", "arn:aws:rds:eu-west-1:111111111111:cluster:c")
    monkeypatch.setenv("AURORA_SECRET_ARN", master_arn)
    monkeypatch.setenv("DB_NAME", cluster.database)
    monkeypatch.setenv("SQL_DIR", str(SQL_DIR))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv(
        "DATABASE_ROLES",
        json.dumps(
            {kind: {"username": getattr(names, kind), "secret_arn": arns[kind]} for kind in arns}
        ),
    )
    context = FakeContext(function_name="observability-migrate")
    result = migrate_handler.lambda_handler({}, context)
    assert result["applied"] == sorted(p.name for p in SQL_DIR.glob("*.sql"))
    assert sorted(result["roles_created"]) == sorted(getattr(names, k) for k in arns)
    assert {o["owner"] for o in objects(cluster)} == {names.migrator}
    # Statements ran as the master (bootstrap) and as the migrator (migrations), nobody else.
    used = {r["secretArn"] for r in data_api.requests if "secretArn" in r}
    assert used == {master_arn, arns["migrator"]}
    again = migrate_handler.lambda_handler({}, context)
    assert again["applied"] == [] and again["roles_created"] == []

    def as_role(kind: str) -> DataApiExecutor:
        return DataApiExecutor(
            cluster_arn="arn:aws:rds:eu-west-1:111111111111:cluster:c",
            secret_arn=arns[kind],
            database=cluster.database,
            client=boto3.client("rds-data", region_name="eu-west-1"),
            sleep=lambda _: None,
        )

    loader, reader = as_role("loader"), as_role("reader")
    assert load(loader).status == "loaded"
    assert reader.execute("SELECT count(*) AS n FROM v_security_posture")[0]["n"] >= 0
    with pytest.raises(DatabaseError, match=PERMISSION_DENIED):
        loader.execute("DROP TABLE accounts")
    with pytest.raises(DatabaseError, match=PERMISSION_DENIED):
        reader.execute("SELECT * FROM accounts")
    who = reader.execute("SELECT current_user AS u")[0]["u"]
    assert who == names.reader


def test_the_double_refuses_a_wrong_password(migrated, data_api):
    from receiver.db.data_api import DataApiExecutor

    arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:loader-AbCdEf"
    username = migrated.names.loader
    data_api.secrets[arn] = {"username": username, "password": "not-the-password"}
    executor = DataApiExecutor(
        cluster_arn="arn:aws:rds:eu-west-1:111111111111:cluster:c",
        secret_arn=arn,
        database=migrated.database,
        client=boto3.client("rds-data", region_name="eu-west-1"),
        sleep=lambda _: None,
    )
    with pytest.raises(DatabaseError, match="password authentication failed"):
        executor.execute("SELECT 1 AS one")
    data_api.secrets[arn]["password"] = migrated.credentials["loader"].password
    assert executor.execute("SELECT current_user AS u") == [{"u": username}]


def test_the_report_runs_as_the_reader(migrated):
    from report import build_report

    loader = migrated.executor("loader")
    try:
        load(loader)
    finally:
        loader.close()
    reader = migrated.executor("reader")
    try:
        report = build_report(reader, days=30)
    finally:
        reader.close()
    (listed,) = re.findall(r"Source views: ([^.<]+)\.", report.html)
    sources = listed.split(", ")
    assert "v_collection_windows" in sources and all(v.startswith("v_") for v in sources), sources
    assert report.statements > 10 and report.rows_read > 0


def test_cli_migrate_with_database_roles(
    cluster, data_api, secretsmanager, moto_server, monkeypatch
):
    from receiver.cli import main

    arns = {
        kind: secretsmanager.create_secret(Name=f"{kind}-{uuid.uuid4().hex}")["ARN"]
        for kind in ("migrator", "loader", "reader")
    }
    master_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:master-AbCdEf"
    data_api.secrets_client = secretsmanager
    data_api.secrets[master_arn] = {"username": cluster.master, "password": "pw-master"}
    with psycopg.connect(cluster.server_url, autocommit=True) as admin:
        admin.execute(f"ALTER ROLE {cluster.master} PASSWORD 'pw-master'")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    roles = json.dumps(
        {k: {"username": getattr(cluster.names, k), "secret_arn": a} for k, a in arns.items()}
    )
    data_api_options = [
        "--cluster-arn", "arn:aws:rds:eu-west-1:111111111111:cluster:c",
        "--secret-arn", master_arn, "--database", cluster.database,
    ]  # fmt: skip
    assert main(["migrate", *data_api_options, "--database-roles", roles]) == 0
    assert {o["owner"] for o in objects(cluster)} == {cluster.names.migrator}
    loader_secret = json.loads(
        secretsmanager.get_secret_value(SecretId=arns["loader"])["SecretString"]
    )
    assert loader_secret["username"] == cluster.names.loader

    local = ["migrate", "--database-url", cluster.url(cluster.master), "--database-roles", roles]
    assert main(local) == 1  # roles need the Data API (their secrets)


def test_the_roster_refreshes_as_the_loader(migrated):
    """The roster function signs in as the loader: it writes the roster and reads a view."""
    from moto import mock_aws

    from receiver.roster import refresh

    loader = migrated.executor("loader")
    try:
        with mock_aws():
            client = boto3.client("organizations", region_name="us-east-1")
            client.create_organization(FeatureSet="ALL")
            client.create_account(Email="a@example.com", AccountName="member")
            result = refresh(loader, client)
        assert result.summary()
        assert loader.execute("SELECT count(*) AS n FROM organization_accounts")[0]["n"] >= 2
    finally:
        loader.close()


def test_the_receiver_tests_data_api_executor_is_the_loader(db, database_roles):
    """tests/support/receiver_fixtures.py's Data API executor signs in as the session's loader."""
    who = db.executor.execute("SELECT current_user AS u")[0]["u"]
    if db.kind == "data_api":
        assert who == database_roles["loader"].username
        with pytest.raises(DatabaseError, match=PERMISSION_DENIED):
            db.executor.execute("TRUNCATE accounts")
    else:
        assert who != database_roles["loader"].username


OWNERS = """
SELECT t.typname AS name, pg_get_userbyid(t.typowner) AS owner FROM pg_type t
WHERE t.typnamespace = 'public'::regnamespace AND t.typname IN ('mood', 'account_no', 'pair')
UNION ALL
SELECT p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S')
"""


def test_every_kind_of_object_the_master_owns_is_handed_over(cluster, tmp_path):
    master = cluster.executor("master")
    try:
        for statement in [
            "CREATE TYPE mood AS ENUM ('ok', 'bad')",
            "CREATE DOMAIN account_no AS char(12) CHECK (VALUE ~ '^[0-9]{12}$')",
            "CREATE TYPE pair AS (a int, b int)",
            "CREATE TABLE t (id serial PRIMARY KEY, m mood, a account_no)",
            "CREATE SEQUENCE free_counter",
            "CREATE VIEW v_t AS SELECT id, m FROM t",
            "CREATE MATERIALIZED VIEW v_t_totals AS SELECT count(*) AS n FROM t",
            "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1'",
            "CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'",
        ]:
            master.execute(statement)
    finally:
        master.close()
    other = f"other_{cluster.database}"  # a role the master is not a member of
    with psycopg.connect(cluster.server_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {other} NOLOGIN")
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute("CREATE TABLE foreign_owned (id int)")
            admin.execute(f"ALTER TABLE foreign_owned OWNER TO {other}")
        (tmp_path / "sql").mkdir()
        boot, _ = cluster.migrate_with_roles(tmp_path / "sql")
        assert boot.skipped == [f"table foreign_owned (owner {other})"]
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            owners = dict(admin.execute(OWNERS).fetchall())
        assert {"mood", "account_no", "pair", "add_one", "noop", "t_id_seq", "free_counter"} <= set(
            owners
        )
        assert {n for n, o in owners.items() if o != cluster.names.migrator} == {"foreign_owned"}
        reader = cluster.executor("reader")
        try:
            assert reader.execute("SELECT n FROM v_t_totals") == [{"n": 0}]
            assert reader.execute("SELECT count(*) AS n FROM v_t") == [{"n": 0}]
            assert_denied(reader, "SELECT * FROM t")
            assert_denied(reader, "SELECT * FROM foreign_owned")
        finally:
            reader.close()
    finally:
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {other}")
        with psycopg.connect(cluster.server_url, autocommit=True) as admin:
            admin.execute(f"DROP ROLE {other}")


def test_the_loader_and_reader_sessions_run_without_jit(migrated):
    """Their short statements cross jit_above_cost at scale; compiling would cost more than the
    query (docs/scale.md). The setting is the role's in this database, not the server's."""
    for kind in ("loader", "reader"):
        executor = migrated.executor(kind)
        try:
            (row,) = executor.execute("SELECT current_setting('jit') AS jit")
        finally:
            executor.close()
        assert row["jit"] == "off", kind
    migrator = migrated.executor("migrator")
    try:
        settings = migrator.execute(
            "SELECT r.rolname, s.setconfig FROM pg_db_role_setting s "
            "JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    finally:
        migrator.close()
    assert {r["rolname"]: r["setconfig"] for r in settings} == {
        migrated.names.loader: ["jit=off"],
        migrated.names.reader: ["jit=off"],
    }
