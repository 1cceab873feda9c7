"""The daily security posture table (``sql/027_security_daily.sql``), kept by the loader.

``v_security_posture`` gives, per account and day (a day with Security Hub counts or a collection
run), the open Security Hub findings of that day, what the latest complete GuardDuty listing of
each region on or before the day held, and the ACTIVE Inspector findings first observed by the
end of that day. Until 027 it computed that per row at read time; at 1,000 accounts x 400 days a
30-day read took seconds. ``security_posture_daily`` now holds those rows, and the view reads it.

The values depend on the account's whole history and current state (a late GuardDuty listing
changes the days after it, an Inspector finding closed today leaves every past day), so each
file's transaction recomputes its account's rows with ``REFRESH_SQL``: one set-based pass over
the account's history (about 15 ms at 400 days), writing only the rows whose values changed.
It runs after the pointers (the GuardDuty regions are the account's pointer regions, as the
view's definition has it), under the same per-account lock. ``REBUILD_SQL`` recomputes every
account at once, for history written without the loader (a bulk fill, a restore); retention
(``receiver.partitions.maintain``) refreshes each account after dropping months.
"""

from __future__ import annotations

from receiver.db import Executor

COLUMNS = (
    "account_id",
    "snapshot_date",
    "securityhub_open_critical",
    "securityhub_open_high",
    "securityhub_open_medium",
    "securityhub_open_low",
    "securityhub_open_informational",
    "securityhub_suppressed",
    "securityhub_resolved",
    "securityhub_active_records",
    "guardduty_high",
    "guardduty_medium",
    "guardduty_low",
    "guardduty_listed_on",
    "inspector_critical",
    "inspector_high",
    "inspector_medium",
    "inspector_low",
    "inspector_other",
)
VALUES = COLUMNS[2:]


def compute_sql(account: str | None) -> str:
    """The posture rows of one account (``account`` is its SQL expression) or, given None, of
    every account: ``v_security_posture``'s definition of sql/023, set-based. GuardDuty: per
    pointer region, the latest ok listing on or before each day is carried forward by a running
    max over the account's days and listings (a listing's date leads its array, so the greatest
    array so far is the latest listing, with its counts); Inspector: findings counted from the
    UTC day first observed (a NULL: always), as running sums per account."""

    def mine(alias: str) -> str:
        return "TRUE" if account is None else f"{alias}.account_id = {account}"

    open_count = "u.workflow_new + u.workflow_notified"
    return f"""
WITH keys AS (
    SELECT u.account_id, u.snapshot_date,
           bool_and(u.workflow_new IS NOT NULL AND u.workflow_notified IS NOT NULL)
               FILTER (WHERE u.counted) AS known,
           COALESCE(sum({open_count}) FILTER (WHERE u.severity_label = 'CRITICAL'), 0::bigint)
               AS open_critical,
           COALESCE(sum({open_count}) FILTER (WHERE u.severity_label = 'HIGH'), 0::bigint)
               AS open_high,
           COALESCE(sum({open_count}) FILTER (WHERE u.severity_label = 'MEDIUM'), 0::bigint)
               AS open_medium,
           COALESCE(sum({open_count}) FILTER (WHERE u.severity_label = 'LOW'), 0::bigint)
               AS open_low,
           COALESCE(sum({open_count}) FILTER (WHERE u.severity_label = 'INFORMATIONAL'),
                    0::bigint) AS open_informational,
           sum(u.workflow_suppressed) AS suppressed,
           sum(u.workflow_resolved) AS resolved,
           CASE WHEN count(*) FILTER (WHERE u.counted) > 0
                THEN COALESCE(sum(u.count), 0::bigint) END AS active_records
    FROM (
        SELECT c.account_id, c.snapshot_date, true AS counted, c.severity_label, c.count,
               c.workflow_new, c.workflow_notified, c.workflow_suppressed, c.workflow_resolved
        FROM securityhub_severity_counts c
        WHERE {mine("c")}
        UNION ALL
        SELECT r.account_id, r.window_end - 1, false, NULL, NULL, NULL, NULL, NULL, NULL
        FROM collection_runs r
        WHERE {mine("r")}
    ) u
    GROUP BY u.account_id, u.snapshot_date
),
regions AS (
    SELECT p.account_id, p.region
    FROM snapshot_pointers p
    WHERE p.kind = 'region' AND p.collector = 'guardduty_findings' AND {mine("p")}
),
listings AS (
    SELECT o.account_id, o.region, o.snapshot_date,
           count(g.finding_id) FILTER (WHERE g.severity >= 7::numeric) AS high,
           count(g.finding_id) FILTER (WHERE g.severity >= 4::numeric AND g.severity < 7::numeric)
               AS medium,
           count(g.finding_id) FILTER (WHERE g.severity < 4::numeric) AS low
    FROM (
        SELECT DISTINCT r.account_id, c.region, r.window_end - 1 AS snapshot_date
        FROM collection_runs r
        JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
        JOIN regions p ON p.account_id = c.account_id AND p.region = c.region
        WHERE c.collector = 'guardduty_findings' AND c.status = 'ok' AND {mine("r")}
    ) o
    LEFT JOIN guardduty_finding_snapshots g
      ON g.account_id = o.account_id AND g.region = o.region AND g.snapshot_date = o.snapshot_date
     AND g.archived IS NOT TRUE
    GROUP BY o.account_id, o.region, o.snapshot_date
),
carried AS (
    SELECT x.account_id, x.snapshot_date, x.is_key,
           max(x.listing) OVER (PARTITION BY x.account_id, x.region ORDER BY x.snapshot_date)
               AS listing
    FROM (
        SELECT k.account_id, k.snapshot_date, p.region, true AS is_key,
               CAST(NULL AS bigint[]) AS listing
        FROM keys k
        JOIN regions p ON p.account_id = k.account_id
        UNION ALL
        SELECT l.account_id, l.snapshot_date, l.region, false,
               ARRAY[l.snapshot_date - DATE '2000-01-01', l.high, l.medium, l.low]
        FROM listings l
    ) x
),
guardduty AS (
    SELECT c.account_id, c.snapshot_date,
           sum(c.listing[2]) AS high, sum(c.listing[3]) AS medium, sum(c.listing[4]) AS low,
           DATE '2000-01-01' + CAST(min(c.listing[1]) AS integer) AS listed_on
    FROM carried c
    WHERE c.is_key AND c.listing IS NOT NULL
    GROUP BY c.account_id, c.snapshot_date
),
inspector AS (
    SELECT f.account_id, f.since,
           lead(f.since) OVER (PARTITION BY f.account_id ORDER BY f.since) AS until,
           sum(f.critical) OVER w AS critical, sum(f.high) OVER w AS high,
           sum(f.medium) OVER w AS medium, sum(f.low) OVER w AS low,
           sum(f.other) OVER w AS other
    FROM (
        SELECT i.account_id,
               COALESCE(CAST(i.first_observed_at AT TIME ZONE 'UTC' AS date), DATE '-infinity')
                   AS since,
               count(*) FILTER (WHERE i.severity = 'CRITICAL') AS critical,
               count(*) FILTER (WHERE i.severity = 'HIGH') AS high,
               count(*) FILTER (WHERE i.severity = 'MEDIUM') AS medium,
               count(*) FILTER (WHERE i.severity = 'LOW') AS low,
               count(*) FILTER (WHERE i.severity IS NULL
                                   OR i.severity NOT IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW'))
                   AS other
        FROM inspector_findings i
        WHERE i.status = 'ACTIVE' AND {mine("i")}
        GROUP BY 1, 2
    ) f
    WINDOW w AS (PARTITION BY f.account_id ORDER BY f.since)
),
computed AS (
    SELECT k.account_id, k.snapshot_date,
           CASE WHEN k.known THEN k.open_critical END AS securityhub_open_critical,
           CASE WHEN k.known THEN k.open_high END AS securityhub_open_high,
           CASE WHEN k.known THEN k.open_medium END AS securityhub_open_medium,
           CASE WHEN k.known THEN k.open_low END AS securityhub_open_low,
           CASE WHEN k.known THEN k.open_informational END AS securityhub_open_informational,
           CASE WHEN k.known THEN COALESCE(k.suppressed, 0::bigint) END AS securityhub_suppressed,
           CASE WHEN k.known THEN COALESCE(k.resolved, 0::bigint) END AS securityhub_resolved,
           k.active_records AS securityhub_active_records,
           CAST(COALESCE(g.high, 0) AS bigint) AS guardduty_high,
           CAST(COALESCE(g.medium, 0) AS bigint) AS guardduty_medium,
           CAST(COALESCE(g.low, 0) AS bigint) AS guardduty_low,
           g.listed_on AS guardduty_listed_on,
           CAST(COALESCE(s.critical, 0) AS bigint) AS inspector_critical,
           CAST(COALESCE(s.high, 0) AS bigint) AS inspector_high,
           CAST(COALESCE(s.medium, 0) AS bigint) AS inspector_medium,
           CAST(COALESCE(s.low, 0) AS bigint) AS inspector_low,
           CAST(COALESCE(s.other, 0) AS bigint) AS inspector_other
    FROM keys k
    LEFT JOIN guardduty g ON g.account_id = k.account_id AND g.snapshot_date = k.snapshot_date
    LEFT JOIN inspector s ON s.account_id = k.account_id AND s.since <= k.snapshot_date
                         AND (s.until IS NULL OR k.snapshot_date < s.until)
)"""


def _refresh_sql(account: str | None) -> str:
    """``compute_sql`` written into ``security_posture_daily``: rows whose values changed are
    updated, new ones inserted, rows of days that no longer exist deleted. Returns how many
    rows changed and were deleted."""
    columns = ", ".join(COLUMNS)
    excluded = ", ".join(f"EXCLUDED.{c}" for c in VALUES)
    current = ", ".join(f"t.{c}" for c in VALUES)
    assignments = ",\n            ".join(f"{c} = EXCLUDED.{c}" for c in VALUES)
    scope = "TRUE" if account is None else f"t.account_id = {account}"
    return f"""{compute_sql(account)},
upserted AS (
    INSERT INTO security_posture_daily AS t ({columns})
    SELECT {columns} FROM computed
    ORDER BY snapshot_date, account_id  -- a day's rows together: date ranges read few pages
    ON CONFLICT (account_id, snapshot_date) DO UPDATE
        SET {assignments},
            updated_at = now()
        WHERE ({current}) IS DISTINCT FROM ({excluded})
    RETURNING 1
),
deleted AS (
    DELETE FROM security_posture_daily t
    WHERE {scope}
      AND NOT EXISTS (
          SELECT 1 FROM computed c
          WHERE c.account_id = t.account_id AND c.snapshot_date = t.snapshot_date)
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed, (SELECT count(*) FROM deleted) AS deleted
"""


REFRESH_SQL = _refresh_sql("CAST(:account_id AS char(12))")
# Every account in one statement, no account lock: run it while nothing loads (a bulk fill).
REBUILD_SQL = _refresh_sql(None)
EXISTS_SQL = "SELECT to_regclass('public.security_posture_daily') IS NOT NULL AS found"


def refresh(tx: Executor, account_id: str) -> dict[str, int]:
    """Recompute one account's rows inside the file's transaction ``tx``, after its pointers
    (``receiver.loader.refresh_pointers`` holds the account's lock until the commit)."""
    found = tx.execute(REFRESH_SQL, {"account_id": account_id})
    return {"changed": int(found[0]["changed"]), "deleted": int(found[0]["deleted"])}


def refresh_all(executor: Executor) -> dict[str, int]:
    """``refresh`` every account, each in its own transaction under the account's lock (loads
    may run meanwhile): after retention dropped months, pointers or runs. Nothing happens on a
    database migrated to before 027. Returns how many rows changed and were deleted."""
    from receiver import loader  # the loader imports this module

    total = {"changed": 0, "deleted": 0}
    if not executor.execute(EXISTS_SQL)[0]["found"]:
        return total
    for row in executor.execute("SELECT account_id FROM accounts ORDER BY account_id"):
        with executor.transaction() as tx:
            loader._lock_pointers(tx, row["account_id"])  # as a load of the account does
            for key, n in refresh(tx, row["account_id"]).items():
                total[key] += n
    return total


def rebuild(executor: Executor) -> dict[str, int]:
    """Recompute every account's rows in one statement (nothing may load meanwhile); nothing
    happens on a database migrated to before 027. Returns how many rows changed and deleted."""
    if not executor.execute(EXISTS_SQL)[0]["found"]:
        return {"changed": 0, "deleted": 0}
    found = executor.execute(REBUILD_SQL)
    return {"changed": int(found[0]["changed"]), "deleted": int(found[0]["deleted"])}
