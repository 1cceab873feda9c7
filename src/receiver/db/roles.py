"""The three database roles and their privileges: migrator, loader, reader.

- the **migrator** owns the schema ``public`` and every object in it; the SQL migrations run as it;
- the **loader** may SELECT, INSERT, UPDATE and DELETE rows of the tables (not
  ``schema_migrations``), use their sequences and read the views; it owns nothing, so it can
  drop, alter, truncate or create nothing;
- the **reader** may SELECT the views and nothing else (the report, dashboards).

``bootstrap`` runs as the cluster's master user (on Aurora a member of ``rds_superuser``, not a
superuser): it creates the roles or updates their password, makes the migrator the owner of the
schema and hands it every object the master (or another role the master acts for) owns there,
which is the upgrade path of an install whose tables belong to the master. ``apply_grants`` runs
as the migrator at the end of every migration run, in its transaction, so a table or view a
migration adds is granted before anyone can see it. It walks the catalog rather than relying on
``ALTER DEFAULT PRIVILEGES``, which cannot tell a view from a table.

Passwords are sent as SCRAM-SHA-256 verifiers, never in clear: the cluster logs DDL
(``log_statement = ddl``) and ``ALTER ROLE ... PASSWORD`` is DDL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from receiver.db.base import DatabaseError, Executor

ROLE_KINDS = ("migrator", "loader", "reader")
# PostgreSQL identifiers we never need to quote: lower case, digits, underscores, 63 bytes.
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SCRAM_ITERATIONS = 4096
# pg_advisory_xact_lock key of the migration runner and the bootstrap, so they never interleave:
# any constant bigint unique to this project ("obs-migr").
LOCK_KEY = 0x6F62732D6D696772

# Tables the loader never writes: the migration ledger (a loader able to insert a row there could
# make the runner skip a migration).
LOADER_EXCLUDED_TABLES = ("schema_migrations",)


class RoleError(DatabaseError):
    """A role cannot be set up safely (a bad name, or an existing role with too many powers)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class RoleNames:
    migrator: str
    loader: str
    reader: str

    def __post_init__(self) -> None:
        names = [self.migrator, self.loader, self.reader]
        for name in names:
            check_role_name(name)
        if len(set(names)) != 3:
            raise RoleError(f"the three database roles need distinct names, got {names}")

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Credentials]) -> RoleNames:
        return cls(**{kind: credentials[kind].username for kind in ROLE_KINDS})


@dataclass
class BootstrapResult:
    created: list[str] = field(default_factory=list)
    reassigned: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # owned by a role the master cannot act for


def check_role_name(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise RoleError(
            f"database role name {name!r}: use 1-63 lower-case letters, digits or underscores, "
            "not starting with a digit"
        )
    if name.startswith("pg_") or name.startswith("rds"):
        raise RoleError(f"database role name {name!r}: pg_ and rds prefixes are reserved")
    return name


def scram_sha256_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """The verifier PostgreSQL stores for ``password`` (RFC 5802/7677, as libpq computes it)."""
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def quote_literal(text: str) -> str:
    """A SQL string literal, correct whatever ``standard_conforming_strings`` says."""
    if "\\" in text:
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + text.replace("'", "''") + "'"


# Objects of schema public a role may own, with the ALTER command that changes their owner.
# Sequences that belong to a table column (serial, identity) follow their table and are left out.
_OWNED_OBJECTS = """
SELECT kind, name, owner FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                          ELSE 'TABLE' END AS kind,
           c.oid::regclass::text AS name, c.relowner AS owner_oid, 1 AS rank
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE'
                          ELSE 'FUNCTION' END,
           p.oid::regprocedure::text, p.proowner, 2
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p', 'a')
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                      AND e.objid = p.oid AND e.deptype = 'e')
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
           t.oid::regtype::text, t.typowner, 0
    FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace
      AND (t.typtype IN ('e', 'd', 'r')
           OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass
                      AND e.objid = t.oid AND e.deptype = 'e')
) o
CROSS JOIN LATERAL (SELECT pg_get_userbyid(o.owner_oid) AS owner) u
WHERE o.owner_oid <> (SELECT oid FROM pg_roles WHERE rolname = :migrator)
ORDER BY o.rank, o.name
"""

_FORBIDDEN_POWERS = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls")
_POWERS = """
SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin
FROM pg_roles WHERE rolname = :name
"""


def bootstrap(master: Executor, credentials: Mapping[str, Credentials]) -> BootstrapResult:
    """As the master user: roles with their secrets' passwords, the migrator owning the schema."""
    names = RoleNames.from_credentials(credentials)
    result = BootstrapResult()
    with master.transaction() as tx:
        tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
        for kind in ROLE_KINDS:
            username, password = credentials[kind].username, credentials[kind].password
            if not password:
                raise RoleError(f"the {kind} secret has no password")
            verifier = quote_literal(scram_sha256_verifier(password))
            # Only LOGIN and PASSWORD: a non-superuser may not even name the other attributes
            # in ALTER ROLE; they default to off and are checked below.
            if tx.execute(_POWERS, {"name": username}):
                tx.execute(f"ALTER ROLE {username} WITH LOGIN PASSWORD {verifier}")
            else:
                tx.execute(f"CREATE ROLE {username} WITH LOGIN PASSWORD {verifier}")
                result.created.append(username)
            (powers,) = tx.execute(_POWERS, {"name": username})
            extra = [power for power in _FORBIDDEN_POWERS if powers[power]]
            if extra:
                raise RoleError(
                    f"role {username} ({kind}) already exists with {', '.join(extra)}; "
                    "remove those attributes or choose another name"
                )
        # The master acts for the migrator (to give it objects) and the migrator owns the schema.
        tx.execute(f"GRANT {names.migrator} TO CURRENT_USER")
        tx.execute(f"ALTER SCHEMA public OWNER TO {names.migrator}")
        tx.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        tx.execute(f"GRANT USAGE ON SCHEMA public TO {names.loader}, {names.reader}")
        # Temporary tables are objects too: only the owner and the migrator may create them.
        database = tx.execute("SELECT current_database() AS name")[0]["name"]
        db = '"' + database.replace('"', '""') + '"'
        tx.execute(f"REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC")
        tx.execute(f"GRANT CONNECT ON DATABASE {db} TO {names.migrator}, {names.loader}, "
                   f"{names.reader}")  # fmt: skip
        # No JIT for the loader's and reader's sessions: their statements are short (an upsert,
        # a view read by the report or a dashboard refresh), and at 100+ accounts the planner's
        # cost estimates cross jit_above_cost, so compiling costs more than the query itself
        # (0.5-10 s per statement measured by `make scale`, docs/scale.md).
        for role in (names.loader, names.reader):
            tx.execute(f"ALTER ROLE {role} IN DATABASE {db} SET jit = off")
        for row in tx.execute(_OWNED_OBJECTS, {"migrator": names.migrator}):
            label = f"{row['kind'].lower()} {row['name']}"
            can_act = tx.execute(
                "SELECT pg_has_role(current_user, :owner, 'USAGE') AS ok", {"owner": row["owner"]}
            )[0]["ok"]
            if not can_act:
                result.skipped.append(f"{label} (owner {row['owner']})")
                continue
            tx.execute(f"ALTER {row['kind']} {row['name']} OWNER TO {names.migrator}")
            result.reassigned.append(label)
    return result


def grants_sql(names: RoleNames) -> str:
    """One idempotent statement (a DO block) that sets every privilege of loader and reader."""
    excluded = ", ".join(quote_literal(name) for name in LOADER_EXCLUDED_TABLES)
    return f"""
DO $grants$
DECLARE
    loader  text := {quote_literal(names.loader)};
    reader  text := {quote_literal(names.reader)};
    obj     record;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I, %I', loader, reader);
    FOR obj IN
        SELECT c.oid::regclass::text AS name, c.relkind, c.relname
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND pg_has_role(c.relowner, 'USAGE')
    LOOP
        IF obj.relkind = 'S' THEN
            EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM %I, %I', obj.name, loader, reader);
            EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', obj.name, loader);
        ELSE
            EXECUTE format('REVOKE ALL ON TABLE %s FROM %I, %I', obj.name, loader, reader);
            IF obj.relkind IN ('v', 'm') THEN
                EXECUTE format('GRANT SELECT ON TABLE %s TO %I, %I', obj.name, loader, reader);
            ELSIF obj.relname NOT IN ({excluded}) THEN
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %I',
                               obj.name, loader);
            END IF;
        END IF;
    END LOOP;
END
$grants$"""


def apply_grants(executor: Executor, names: RoleNames) -> None:
    """Give loader and reader exactly their privileges on every object; run as the owner."""
    executor.execute(grants_sql(names))
