-- 009_organization_roster: the organization's accounts as Organizations reports them (the
-- roster), which of them are expected to report, and labels (OU path, account tags) to group
-- cost and security figures by.
--
-- The roster function (src/receiver/roster.py) replaces the roster in one transaction: it
-- records a refresh, upserts every account Organizations listed with that refresh's id, and
-- deletes the accounts of earlier refreshes, so an account that left the organization stops
-- being expected at the next refresh. An account is expected when its roster status is ACTIVE,
-- unless it carries the account tag observability:expected = false (for accounts that by design
-- run no sender, e.g. a management account or a legacy account being wound down).
-- "Reporting" is judged by the sender's own runs (collection_runs.collected_at: the sender ran
-- and its file loaded); a file that arrived but failed to load shows as last_received_at only.

CREATE TABLE organization_roster_refreshes (
    refresh_id            uuid        PRIMARY KEY,
    organization_id       text,
    management_account_id char(12)    CHECK (management_account_id ~ '^[0-9]{12}$'),
    account_count         integer     NOT NULL CHECK (account_count >= 0),
    active_count          integer     NOT NULL CHECK (active_count >= 0),
    removed_count         integer     NOT NULL DEFAULT 0 CHECK (removed_count >= 0),
    silent_after_hours    integer     NOT NULL DEFAULT 36 CHECK (silent_after_hours >= 1),
    started_at            timestamptz NOT NULL,
    refreshed_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organization_roster_refreshes_order CHECK (refreshed_at >= started_at)
);
COMMENT ON TABLE organization_roster_refreshes IS 'One refresh of the organization roster: when, which organization, how many accounts, and the silence threshold (hours) in force.';
CREATE INDEX organization_roster_refreshes_refreshed_idx ON organization_roster_refreshes (refreshed_at);

CREATE TABLE organization_accounts (
    account_id      char(12)    PRIMARY KEY CHECK (account_id ~ '^[0-9]{12}$'),
    name            text        NOT NULL,
    email           text,
    status          text        NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE',
                                                           'PENDING_ACTIVATION', 'CLOSED')),
    joined_method   text        CHECK (joined_method IN ('INVITED', 'CREATED')),
    joined_at       timestamptz,
    ou_id           text        NOT NULL,
    ou_path         text        NOT NULL,
    tags            jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(tags) = 'object'),
    refresh_id      uuid        NOT NULL REFERENCES organization_roster_refreshes (refresh_id),
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    refreshed_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE organization_accounts IS 'One account of the organization as Organizations reported it at the latest roster refresh: name, status, OU (id and path of names from the root) and account tags.';
COMMENT ON COLUMN organization_accounts.ou_id IS 'Id of the account''s parent: an OU (ou-...) or the root (r-...).';
COMMENT ON COLUMN organization_accounts.ou_path IS 'Names from the root to the parent OU, e.g. Root/Workloads/Production.';
COMMENT ON COLUMN organization_accounts.tags IS 'Account tags from Organizations, e.g. {"CostCenter": "42"}.';
CREATE INDEX organization_accounts_refresh_idx ON organization_accounts (refresh_id);

-- Every expected (ACTIVE) account of the roster with its last report. The threshold is the one
-- the latest refresh recorded (SILENT_AFTER_HOURS of the roster function), 36 hours by default:
-- one missed daily run plus a margin.
CREATE VIEW v_expected_accounts AS
WITH threshold AS (
    SELECT coalesce((SELECT r.silent_after_hours
                     FROM organization_roster_refreshes r
                     ORDER BY r.refreshed_at DESC, r.refresh_id
                     LIMIT 1), 36) AS hours
)
SELECT o.account_id,
       o.name                                            AS account_name,
       o.email,
       o.ou_id,
       o.ou_path,
       o.tags,
       o.joined_at,
       o.refreshed_at                                    AS roster_refreshed_at,
       runs.last_collected_at                            AS last_report_at,
       received.last_received_at,
       round(extract(epoch FROM now() - runs.last_collected_at)::numeric / 3600, 1)
                                                         AS hours_since_report,
       t.hours                                           AS silent_after_hours,
       CASE
           WHEN runs.last_collected_at IS NULL                          THEN 'never_reported'
           WHEN runs.last_collected_at < now() - make_interval(hours => t.hours) THEN 'silent'
           ELSE 'reporting'
       END                                               AS reporting_status
FROM organization_accounts o
CROSS JOIN threshold t
LEFT JOIN LATERAL (
    SELECT max(r.collected_at) AS last_collected_at
    FROM collection_runs r
    WHERE r.account_id = o.account_id
) runs ON true
LEFT JOIN LATERAL (
    SELECT max(i.received_at) AS last_received_at
    FROM ingestions i
    WHERE i.account_id = o.account_id::text
) received ON true
WHERE o.status = 'ACTIVE'
  AND lower(coalesce(o.tags ->> 'observability:expected', 'true')) <> 'false';
COMMENT ON VIEW v_expected_accounts IS 'Every ACTIVE account of the organization roster (but those tagged observability:expected = false) with its last report (latest collection run) and reporting_status: reporting, silent (nothing for more than silent_after_hours, 36 by default) or never_reported.';

-- Collection health's list of expected accounts that are not reporting (what the roster
-- function's SilentAccounts metric counts and the report's collection health shows).
CREATE VIEW v_collection_health_silent AS
SELECT account_id, account_name, ou_path, tags, joined_at, last_report_at, last_received_at,
       hours_since_report, silent_after_hours, reporting_status
FROM v_expected_accounts
WHERE reporting_status <> 'reporting';
COMMENT ON VIEW v_collection_health_silent IS 'Expected (ACTIVE roster) accounts that are silent or never reported, with their last report time.';

-- Labels of every known account (in the roster, or that sent data): the roster's name, OU path
-- and tags win; an account outside the roster keeps what its sender reported (accounts.ou_path).
CREATE VIEW v_account_labels AS
SELECT coalesce(o.account_id, a.account_id)           AS account_id,
       coalesce(o.name, a.name)                        AS account_name,
       coalesce(o.ou_id, a.ou_id)                      AS ou_id,
       coalesce(o.ou_path, a.ou_path)                  AS ou_path,
       coalesce(o.tags, '{}'::jsonb)                   AS tags,
       o.status                                        AS organization_status,
       o.status = 'ACTIVE'
           AND lower(coalesce(o.tags ->> 'observability:expected', 'true')) <> 'false'
                                                       AS expected,
       o.account_id IS NOT NULL                        AS in_roster,
       a.account_id IS NOT NULL                        AS has_reported
FROM organization_accounts o
FULL JOIN accounts a ON a.account_id = o.account_id;
COMMENT ON VIEW v_account_labels IS 'Per known account (roster or reporting): name, OU id and path, account tags and roster status, to group cost and security figures by OU or tag.';
