-- 011_open_findings: count what is open, and say what each figure is.
--
-- Security Hub: securityhub_severity_counts.count is every ACTIVE finding of a severity,
-- whatever its workflow status, so SUPPRESSED and RESOLVED findings (passed control findings
-- among them) were reported as if open. Senders now also send the split by workflow status;
-- open = NEW + NOTIFIED. Rows from older senders have NULL workflow columns: their open count
-- is unknown (NULL), never guessed from count.
--
-- GuardDuty: guardduty_findings keeps every finding ever seen in its latest state, but GuardDuty
-- deletes findings 90 days after their last update and disabling a detector deletes them all,
-- so "not archived" there only ever grows. A finding is open when the detector lists it, not
-- archived, in the latest complete collection: guardduty_finding_snapshots records per run
-- (snapshot_date) which findings each region's collector listed, and the views read only the
-- latest snapshot whose collector status was ok. A collector that ended partial, error or
-- skipped never replaces the picture (an older complete snapshot stays current).

CREATE TABLE guardduty_finding_snapshots (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    finding_id      text        NOT NULL,
    detector_id     text,
    type            text,
    severity        numeric     CHECK (severity BETWEEN 0 AND 10),
    title           text,
    resource_type   text,
    resource_id     text,
    count           bigint      CHECK (count >= 0),
    archived        boolean,
    created_at      timestamptz,
    updated_at      timestamptz,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT guardduty_finding_snapshots_pkey PRIMARY KEY (account_id, snapshot_date, region, finding_id)
);
COMMENT ON TABLE guardduty_finding_snapshots IS 'One GuardDuty finding as a region''s collector listed it on a snapshot date (current and archived during the window); what a complete collection did not list no longer exists in GuardDuty.';

-- Best effort for data loaded before this file: a finding row names the last file that wrote
-- it, so the findings of each region's latest complete collection are recovered as of that run.
INSERT INTO guardduty_finding_snapshots (account_id, snapshot_date, region, finding_id,
                                         detector_id, type, severity, title, resource_type,
                                         resource_id, count, archived, created_at, updated_at,
                                         ingestion_id)
SELECT g.account_id, r.window_end - 1, g.region, g.finding_id, g.detector_id, g.type, g.severity,
       g.title, g.resource_type, g.resource_id, g.count, g.archived, g.created_at, g.updated_at,
       g.ingestion_id
FROM guardduty_findings g
JOIN ingestions i ON i.id = g.ingestion_id
JOIN collection_runs r ON r.run_id = i.run_id AND r.account_id = g.account_id
JOIN collector_runs c ON c.run_id = r.run_id AND c.collector = 'guardduty_findings'
 AND c.region = g.region AND c.status = 'ok';

-- Per account and region: dates of complete GuardDuty collections (status ok only: a partial
-- listing misses findings, so it must not make findings look closed).
CREATE VIEW v_guardduty_complete_collections AS
SELECT r.account_id, c.region, r.window_end - 1 AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.run_id = r.run_id
WHERE c.collector = 'guardduty_findings' AND c.status = 'ok'
GROUP BY r.account_id, c.region, r.window_end;
COMMENT ON VIEW v_guardduty_complete_collections IS 'Per account, region and snapshot date: a GuardDuty collection that ended ok (complete).';

CREATE VIEW v_guardduty_findings_current AS
SELECT t.*
FROM guardduty_finding_snapshots t
JOIN (
    SELECT account_id, region, max(snapshot_date) AS snapshot_date
    FROM v_guardduty_complete_collections
    GROUP BY account_id, region
) s ON s.account_id = t.account_id AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_guardduty_findings_current IS 'GuardDuty findings as listed by the latest complete (status ok) collection of each account and region; open = archived IS NOT TRUE. Errors, skips and partial collections never replace it.';

ALTER TABLE securityhub_severity_counts
    ADD COLUMN workflow_new        integer CHECK (workflow_new >= 0),
    ADD COLUMN workflow_notified   integer CHECK (workflow_notified >= 0),
    ADD COLUMN workflow_suppressed integer CHECK (workflow_suppressed >= 0),
    ADD COLUMN workflow_resolved   integer CHECK (workflow_resolved >= 0);
COMMENT ON TABLE securityhub_severity_counts IS 'ACTIVE Security Hub findings of one severity in one region of an account on a snapshot date: all of them (count) and by workflow status (open = workflow_new + workflow_notified).';
COMMENT ON COLUMN securityhub_severity_counts.count IS 'Every ACTIVE finding of this severity whatever its workflow status (SUPPRESSED and RESOLVED ones too): not the open count.';
COMMENT ON COLUMN securityhub_severity_counts.workflow_new IS 'ACTIVE findings with workflow status NEW (open); NULL when the sender predates workflow counts.';
COMMENT ON COLUMN securityhub_severity_counts.workflow_notified IS 'ACTIVE findings with workflow status NOTIFIED (open); NULL when the sender predates workflow counts.';
COMMENT ON COLUMN securityhub_severity_counts.workflow_suppressed IS 'ACTIVE findings with workflow status SUPPRESSED (closed: reviewed, no action needed).';
COMMENT ON COLUMN securityhub_severity_counts.workflow_resolved IS 'ACTIVE findings with workflow status RESOLVED (closed; Security Hub resolves passed control findings).';

CREATE OR REPLACE VIEW v_securityhub_severity_counts_current AS
SELECT t.*,
       t.workflow_new + t.workflow_notified AS open_count
FROM securityhub_severity_counts t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'securityhub'
 AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_securityhub_severity_counts_current IS 'Rows of securityhub_severity_counts in the current snapshot (see v_snapshot_current), with open_count = workflow NEW + NOTIFIED (NULL when unknown).';
COMMENT ON COLUMN v_securityhub_severity_counts_current.open_count IS 'Open findings (workflow NEW or NOTIFIED, record state ACTIVE); NULL when the sender predates workflow counts.';

-- v_security_posture, recreated with every figure named for what it is.
-- Security Hub, per account and snapshot date over every region reported that date:
--   securityhub_open_<severity>   workflow NEW or NOTIFIED (NULL when some region's sender
--                                 sent no workflow counts that date)
--   securityhub_suppressed, securityhub_resolved   closed findings, all severities
--   securityhub_active_records    every ACTIVE finding, whatever its workflow status
-- GuardDuty, open on date D: listed and not archived by the latest complete collection of each
-- region on or before D (guardduty_listed_on: the oldest of those collections' dates, NULL
-- when none); bands high >= 7, medium >= 4 and < 7, low < 4.
-- Inspector findings are kept in their latest state, so "active on date D" means first
-- observed by the end of D (UTC) and currently ACTIVE.
DROP VIEW v_security_posture;
CREATE VIEW v_security_posture AS
WITH snapshots AS (
    SELECT account_id, snapshot_date FROM securityhub_severity_counts
    UNION
    SELECT account_id, window_end - 1 FROM collection_runs
),
securityhub AS (
    SELECT account_id,
           snapshot_date,
           bool_and(workflow_new IS NOT NULL AND workflow_notified IS NOT NULL) AS known,
           coalesce(sum(workflow_new + workflow_notified) FILTER (WHERE severity_label = 'CRITICAL'), 0)      AS open_critical,
           coalesce(sum(workflow_new + workflow_notified) FILTER (WHERE severity_label = 'HIGH'), 0)          AS open_high,
           coalesce(sum(workflow_new + workflow_notified) FILTER (WHERE severity_label = 'MEDIUM'), 0)        AS open_medium,
           coalesce(sum(workflow_new + workflow_notified) FILTER (WHERE severity_label = 'LOW'), 0)           AS open_low,
           coalesce(sum(workflow_new + workflow_notified) FILTER (WHERE severity_label = 'INFORMATIONAL'), 0) AS open_informational,
           sum(workflow_suppressed)                                                                           AS suppressed,
           sum(workflow_resolved)                                                                             AS resolved,
           coalesce(sum(count), 0)                                                                            AS active_records
    FROM securityhub_severity_counts
    GROUP BY account_id, snapshot_date
)
SELECT s.account_id,
       a.name                                                  AS account_name,
       s.snapshot_date,
       CASE WHEN sh.known THEN sh.open_critical END            AS securityhub_open_critical,
       CASE WHEN sh.known THEN sh.open_high END                AS securityhub_open_high,
       CASE WHEN sh.known THEN sh.open_medium END              AS securityhub_open_medium,
       CASE WHEN sh.known THEN sh.open_low END                 AS securityhub_open_low,
       CASE WHEN sh.known THEN sh.open_informational END       AS securityhub_open_informational,
       CASE WHEN sh.known THEN coalesce(sh.suppressed, 0) END  AS securityhub_suppressed,
       CASE WHEN sh.known THEN coalesce(sh.resolved, 0) END    AS securityhub_resolved,
       sh.active_records                                       AS securityhub_active_records,
       gd.high                                                 AS guardduty_high,
       gd.medium                                               AS guardduty_medium,
       gd.low                                                  AS guardduty_low,
       gd.listed_on                                            AS guardduty_listed_on,
       insp.critical                                           AS inspector_critical,
       insp.high                                               AS inspector_high,
       insp.medium                                             AS inspector_medium,
       insp.low                                                AS inspector_low,
       insp.other                                              AS inspector_other
FROM snapshots s
JOIN accounts a ON a.account_id = s.account_id
LEFT JOIN securityhub sh ON sh.account_id = s.account_id AND sh.snapshot_date = s.snapshot_date
CROSS JOIN LATERAL (
    SELECT count(g.finding_id) FILTER (WHERE g.severity >= 7)                  AS high,
           count(g.finding_id) FILTER (WHERE g.severity >= 4 AND g.severity < 7) AS medium,
           count(g.finding_id) FILTER (WHERE g.severity < 4)                   AS low,
           min(l.snapshot_date)                                                AS listed_on
    FROM (
        SELECT c.region, max(c.snapshot_date) AS snapshot_date
        FROM v_guardduty_complete_collections c
        WHERE c.account_id = s.account_id AND c.snapshot_date <= s.snapshot_date
        GROUP BY c.region
    ) l
    LEFT JOIN guardduty_finding_snapshots g
           ON g.account_id = s.account_id AND g.region = l.region
          AND g.snapshot_date = l.snapshot_date AND g.archived IS NOT TRUE
) gd
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE i.severity = 'CRITICAL')                 AS critical,
           count(*) FILTER (WHERE i.severity = 'HIGH')                     AS high,
           count(*) FILTER (WHERE i.severity = 'MEDIUM')                   AS medium,
           count(*) FILTER (WHERE i.severity = 'LOW')                      AS low,
           count(*) FILTER (WHERE i.severity IS NULL
                               OR i.severity NOT IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')) AS other
    FROM inspector_findings i
    WHERE i.account_id = s.account_id
      AND i.status = 'ACTIVE'
      AND (i.first_observed_at IS NULL
           OR i.first_observed_at < (s.snapshot_date + 1)::timestamp AT TIME ZONE 'UTC')
) insp;
COMMENT ON VIEW v_security_posture IS 'Per account and snapshot date: open Security Hub findings (workflow NEW or NOTIFIED) by severity, suppressed, resolved and all ACTIVE records; open GuardDuty findings (listed, not archived, by the latest complete collection of each region) and active Inspector findings by severity.';
COMMENT ON COLUMN v_security_posture.guardduty_listed_on IS 'Oldest of the dates of the GuardDuty collections the guardduty_* counts come from (one per region); NULL when no complete collection exists yet.';
COMMENT ON COLUMN v_security_posture.securityhub_active_records IS 'Every ACTIVE Security Hub finding whatever its workflow status (open, suppressed and resolved): not an open count.';

-- IAM: users_with_mfa counted every user with MFA, users_without_mfa only console users without
-- it, so the two never added up. One population now, the users with a console password (root
-- apart, as root_mfa_enabled): console_users_with_mfa + console_users_without_mfa =
-- users_with_console. Senders no longer send the old pair; rows loaded before this file are
-- converted exactly (users_without_mfa already counted console users), and
-- v_iam_summary_current converts rows an older sender delivers later in the same way.
ALTER TABLE iam_summary
    ADD COLUMN console_users_with_mfa    integer CHECK (console_users_with_mfa >= 0),
    ADD COLUMN console_users_without_mfa integer CHECK (console_users_without_mfa >= 0);
COMMENT ON COLUMN iam_summary.console_users_with_mfa IS 'Users with a console password and MFA (root not counted); with + without = users_with_console.';
COMMENT ON COLUMN iam_summary.console_users_without_mfa IS 'Users with a console password and no MFA (root not counted).';
COMMENT ON COLUMN iam_summary.users_with_mfa IS 'Older senders only: every user with MFA, console password or not (another population than users_without_mfa); see console_users_with_mfa.';
COMMENT ON COLUMN iam_summary.users_without_mfa IS 'Older senders only: console users without MFA; see console_users_without_mfa.';

UPDATE iam_summary
SET console_users_with_mfa = users_with_console - users_without_mfa,
    console_users_without_mfa = users_without_mfa
WHERE console_users_with_mfa IS NULL AND console_users_without_mfa IS NULL
  AND users_with_console >= users_without_mfa;

DROP VIEW v_iam_summary_current;
CREATE VIEW v_iam_summary_current AS
SELECT t.account_id,
       t.snapshot_date,
       t.users_total,
       t.users_with_console,
       coalesce(t.console_users_with_mfa,
                CASE WHEN t.users_with_console >= t.users_without_mfa
                     THEN t.users_with_console - t.users_without_mfa END) AS console_users_with_mfa,
       coalesce(t.console_users_without_mfa, t.users_without_mfa)        AS console_users_without_mfa,
       t.root_mfa_enabled,
       t.root_access_keys,
       t.access_keys_active,
       t.access_keys_older_than_90_days,
       t.credential_report_generated_at,
       t.ingestion_id,
       t.first_loaded_at,
       t.last_loaded_at
FROM iam_summary t
JOIN v_snapshot_current s ON s.account_id = t.account_id AND s.collector = 'iam'
 AND s.region = '' AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_iam_summary_current IS 'Rows of iam_summary in the current snapshot (see v_snapshot_current), MFA counted over console users only (console_users_with_mfa + console_users_without_mfa = users_with_console; older senders'' rows converted); root apart.';
