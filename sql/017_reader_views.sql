-- 017_reader_views: views over the three tables the report still read directly.
--
-- The reader role (report, dashboards) may SELECT the views and no table (docs/upgrading.md,
-- "Database roles"); these views give it what the report took from accounts, collection_runs and
-- organization_roster_refreshes, and nothing more.

CREATE VIEW v_accounts AS
SELECT account_id, name, email, status, joined_at, organization_id, management_account_id,
       ou_id, ou_path, first_loaded_at, last_loaded_at
FROM accounts;
COMMENT ON VIEW v_accounts IS 'Every account that sent data, with its details from Organizations when available (the accounts table without its ingestion link).';

CREATE VIEW v_collection_windows AS
SELECT account_id, run_id, interval, window_start, window_end, collected_at, sender_version
FROM collection_runs;
COMMENT ON VIEW v_collection_windows IS 'The interval and window of every collection run of every account, and when it was collected.';

CREATE VIEW v_organization_roster_refreshes AS
SELECT refresh_id, organization_id, management_account_id, account_count, active_count,
       removed_count, silent_after_hours, started_at, refreshed_at
FROM organization_roster_refreshes;
COMMENT ON VIEW v_organization_roster_refreshes IS 'Every refresh of the organization roster: when, which organization, how many accounts, the silence threshold in force.';
