-- 021_snapshot_pointers: "current" is stored, not computed from every run at read time.
--
-- Until 020, v_snapshot_current and v_snapshot_current_account (007, 015), and the
-- max(snapshot_date) subqueries of v_securityhub_severity_counts_current and
-- v_config_rules_current (014), aggregated every collection_runs x collector_runs row on each
-- read: seconds per query at 1,000 accounts over 400 days. snapshot_pointers holds their result,
-- one row per (account, kind, collector, region), and the loader keeps it exact in the
-- transaction that loads each file (receiver/loader.py, POINTERS_SQL): after the file's rows are
-- written it takes a per-account advisory lock and recomputes, from that account's history, the
-- pointers the file can change (the account's existing ones, and the keys the file reports good),
-- upserting what has a good run and deleting what no longer has one. The semantics are exactly
-- the read-time ones, per kind:
--
--   region              per (account, collector, region): the latest snapshot date
--                       (window_end - 1) of a run whose collector status was ok or partial;
--   account             per (account, collector), region '': the latest snapshot date of a run in
--                       which every region of that collector was ok or partial;
--   securityhub_counts  per (account, region), collector 'securityhub': the latest snapshot date
--                       of an ok or partial Security Hub run whose severity counts rows exist;
--   config_rules        per (account, region), collector 'config': the latest snapshot date of a
--                       Config run that was ok, or partial for another reason than its time
--                       budget (its rule list is complete).
--
-- error and skipped never supersede; late and out-of-order files only move a pointer forward
-- when they are newer; a file delivered again with a worse status moves it back. The views keep
-- their columns, so every *_current view built on them reads the pointers with no change.

CREATE TABLE snapshot_pointers (
    account_id    char(12)    NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    kind          text        NOT NULL
        CHECK (kind IN ('region', 'account', 'securityhub_counts', 'config_rules')),
    collector     text        NOT NULL,
    region        text        NOT NULL,
    snapshot_date date        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT snapshot_pointers_pkey PRIMARY KEY (account_id, kind, collector, region),
    CONSTRAINT snapshot_pointers_account_kind_region CHECK (kind <> 'account' OR region = ''),
    CONSTRAINT snapshot_pointers_counts_collector
        CHECK (kind <> 'securityhub_counts' OR collector = 'securityhub'),
    CONSTRAINT snapshot_pointers_config_collector CHECK (kind <> 'config_rules' OR collector = 'config')
);
COMMENT ON TABLE snapshot_pointers IS 'Per account, kind, collector and region: the latest good snapshot date (what v_snapshot_current, v_snapshot_current_account and the Security Hub counts and Config rules current views read), kept by the loader in the transaction of each file.';
COMMENT ON COLUMN snapshot_pointers.kind IS 'region: collector ok or partial in that region; account: every region of the collector ok or partial in one run (region ''''); securityhub_counts: Security Hub ok or partial and its severity counts rows exist; config_rules: Config ok, or partial not for its time budget.';
COMMENT ON COLUMN snapshot_pointers.snapshot_date IS 'The run''s window_end - 1 day, as in the snapshot tables.';
COMMENT ON COLUMN snapshot_pointers.updated_at IS 'When the loader last changed this pointer.';
CREATE INDEX snapshot_pointers_date_idx ON snapshot_pointers (snapshot_date);

-- The loader walks one account's runs backwards from a date to the first good one, probing
-- collector_runs by its primary key (account_id, run_id, collector, region).
CREATE INDEX collection_runs_account_end_idx ON collection_runs (account_id, window_end);

INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
SELECT account_id, 'region', collector, region, snapshot_date FROM v_snapshot_current;

INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
SELECT account_id, 'account', collector, '', snapshot_date FROM v_snapshot_current_account;

INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
SELECT account_id, 'securityhub_counts', 'securityhub', region, max(snapshot_date)
FROM v_securityhub_count_snapshots
GROUP BY account_id, region;

INSERT INTO snapshot_pointers (account_id, kind, collector, region, snapshot_date)
SELECT account_id, 'config_rules', 'config', region, max(snapshot_date)
FROM v_config_complete_collections
GROUP BY account_id, region;

CREATE OR REPLACE VIEW v_snapshot_current AS
SELECT p.account_id,
       p.collector,
       p.region,
       p.snapshot_date
FROM snapshot_pointers p
WHERE p.kind = 'region';
COMMENT ON VIEW v_snapshot_current IS 'Per account, collector and region ('''' = global): the latest snapshot date whose collector status was ok or partial (snapshot_pointers kind region, kept by the loader).';

CREATE OR REPLACE VIEW v_snapshot_current_account AS
SELECT p.account_id,
       p.collector,
       p.snapshot_date
FROM snapshot_pointers p
WHERE p.kind = 'account';
COMMENT ON VIEW v_snapshot_current_account IS 'Per account and collector: the latest snapshot date of a run in which every region of that collector was ok or partial (snapshot_pointers kind account, kept by the loader).';

CREATE OR REPLACE VIEW v_securityhub_severity_counts_current AS
SELECT t.*,
       t.workflow_new + t.workflow_notified AS open_count
FROM securityhub_severity_counts t
JOIN snapshot_pointers s ON s.account_id = t.account_id AND s.kind = 'securityhub_counts'
 AND s.collector = 'securityhub' AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_securityhub_severity_counts_current IS 'Rows of securityhub_severity_counts of the latest collection of each account and region that sent counts (snapshot_pointers kind securityhub_counts, the latest date of v_securityhub_count_snapshots; a partial run without counts never replaces them), with open_count = workflow NEW + NOTIFIED (NULL when unknown).';

CREATE OR REPLACE VIEW v_config_rules_current AS
SELECT t.* FROM config_rules t
JOIN snapshot_pointers s ON s.account_id = t.account_id AND s.kind = 'config_rules'
 AND s.collector = 'config' AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_config_rules_current IS 'Rows of config_rules of the latest collection of each account and region whose rule list is complete (snapshot_pointers kind config_rules, the latest date of v_config_complete_collections): the compliance percentage covers every rule.';
