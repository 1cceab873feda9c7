-- 035_security_standards: Security Hub standards scores and control statuses, and the findings'
-- remediation and description text (issue 14 items 1 and 6, contract 1.2).
--
-- securityhub_standard_scores: per account, snapshot date, region and enabled standard, its
-- controls counted by status (passed, failed, unknown, no data, disabled), as the sender's
-- securityhub_standards collector derives them from the control findings by Security Hub's
-- rules. The score is computed here, never stored: passed / (passed + failed), unknown, no-data
-- and disabled controls left out (Security Hub, "Calculating security scores"; the console rounds
-- it to a whole percent). securityhub_standard_controls: each control of each standard with its
-- status, title, severity, remediation URL and findings by compliance status.
--
-- Both are snapshot tables, partitioned by month like every other (022: a DEFAULT partition
-- here; receiver.partitions.maintain creates the month partitions and splits DEFAULT). Their
-- current rows follow the snapshot pointers of the collector securityhub_standards: a run that
-- ran out of time sends no standard and ends in error, so it never replaces a complete one.
--
-- Findings depth (columns added, nullable; NULL for rows loaded from senders before 1.2):
-- securityhub_findings.remediation_text / remediation_url (ASFF Remediation.Recommendation),
-- guardduty_findings and guardduty_finding_snapshots .description / .confidence, and
-- inspector_findings.description. Long text is cut by the sender to 8,192 characters (the
-- contract's longText); URLs are never cut (NULL when longer than 2,048). The open-findings
-- views gain the new columns at their end.

CREATE TABLE securityhub_standard_scores (
    account_id                 char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date              date        NOT NULL,
    region                     text        NOT NULL,
    standards_arn              text        NOT NULL,
    standards_subscription_arn text,
    name                       text,
    standards_status           text,
    controls_passed            integer     CHECK (controls_passed >= 0),
    controls_failed            integer     CHECK (controls_failed >= 0),
    controls_unknown           integer     CHECK (controls_unknown >= 0),
    controls_no_data           integer     CHECK (controls_no_data >= 0),
    controls_disabled          integer     CHECK (controls_disabled >= 0),
    ingestion_id               bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at            timestamptz NOT NULL DEFAULT now(),
    last_loaded_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT securityhub_standard_scores_pkey
        PRIMARY KEY (account_id, snapshot_date, region, standards_arn)
) PARTITION BY RANGE (snapshot_date);
CREATE TABLE securityhub_standard_scores_default PARTITION OF securityhub_standard_scores DEFAULT;
COMMENT ON TABLE securityhub_standard_scores IS 'One enabled Security Hub standard in one region of an account on a snapshot date, with its controls counted by status (the security score''s inputs: score = controls_passed / (controls_passed + controls_failed)).';
COMMENT ON COLUMN securityhub_standard_scores.standards_arn IS 'The standard (StandardsArn), e.g. arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0.';
COMMENT ON COLUMN securityhub_standard_scores.standards_status IS 'The subscription''s status: READY or INCOMPLETE (controls evaluated), PENDING, DELETING or FAILED (counts NULL).';
COMMENT ON COLUMN securityhub_standard_scores.controls_passed IS 'Enabled controls with findings, all PASSED (ACTIVE, not SUPPRESSED findings).';
COMMENT ON COLUMN securityhub_standard_scores.controls_failed IS 'Enabled controls with at least one FAILED finding.';
COMMENT ON COLUMN securityhub_standard_scores.controls_unknown IS 'Enabled controls with a WARNING or NOT_AVAILABLE finding and none FAILED: not in the score.';
COMMENT ON COLUMN securityhub_standard_scores.controls_no_data IS 'Enabled controls without findings, or unavailable in the region: not in the score.';
COMMENT ON COLUMN securityhub_standard_scores.controls_disabled IS 'Controls disabled in this standard: not in the score.';

CREATE TABLE securityhub_standard_controls (
    account_id       char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date    date        NOT NULL,
    region           text        NOT NULL,
    standards_arn    text        NOT NULL,
    control_id       text        NOT NULL,
    title            text,
    severity         text        CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    status           text        NOT NULL
        CHECK (status IN ('PASSED', 'FAILED', 'UNKNOWN', 'NO_DATA', 'DISABLED')),
    remediation_url  text,
    findings_passed  integer     CHECK (findings_passed >= 0),
    findings_failed  integer     CHECK (findings_failed >= 0),
    findings_unknown integer     CHECK (findings_unknown >= 0),
    ingestion_id     bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at  timestamptz NOT NULL DEFAULT now(),
    last_loaded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT securityhub_standard_controls_pkey
        PRIMARY KEY (account_id, snapshot_date, region, standards_arn, control_id)
) PARTITION BY RANGE (snapshot_date);
CREATE TABLE securityhub_standard_controls_default
    PARTITION OF securityhub_standard_controls DEFAULT;
COMMENT ON TABLE securityhub_standard_controls IS 'One control of one enabled Security Hub standard in one region of an account on a snapshot date, with its status derived from its control findings by Security Hub''s rules.';
COMMENT ON COLUMN securityhub_standard_controls.control_id IS 'Security control id, the same across standards (IAM.1, S3.8): Compliance.SecurityControlId of its findings.';
COMMENT ON COLUMN securityhub_standard_controls.status IS 'FAILED: a finding failed; UNKNOWN: a finding is WARNING or NOT_AVAILABLE, none failed; PASSED: every finding passed; NO_DATA: enabled without findings (or unavailable in the region); DISABLED: disabled in the standard. ARCHIVED and SUPPRESSED findings are ignored, as Security Hub does.';
COMMENT ON COLUMN securityhub_standard_controls.remediation_url IS 'The control''s remediation page in the Security Hub user guide.';
COMMENT ON COLUMN securityhub_standard_controls.findings_failed IS 'ACTIVE, not SUPPRESSED findings of the control with compliance status FAILED (failed checks, one per resource).';
COMMENT ON COLUMN securityhub_standard_controls.findings_unknown IS 'ACTIVE, not SUPPRESSED findings with compliance status WARNING or NOT_AVAILABLE.';
-- the top failing controls read the failed rows of one day
CREATE INDEX securityhub_standard_controls_failed_idx
    ON securityhub_standard_controls (snapshot_date, control_id)
    WHERE status = 'FAILED';

CREATE VIEW v_securityhub_standard_scores_current AS
SELECT t.*,
       round(100.0 * t.controls_passed / nullif(t.controls_passed + t.controls_failed, 0), 2)
           AS score_percent
FROM securityhub_standard_scores t
JOIN v_snapshot_current s ON s.account_id = t.account_id
 AND s.collector = 'securityhub_standards' AND s.region = t.region
 AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_securityhub_standard_scores_current IS 'Rows of securityhub_standard_scores in the current snapshot of each account and region (see v_snapshot_current), with the standard''s security score.';
COMMENT ON COLUMN v_securityhub_standard_scores_current.score_percent IS 'Security score in percent: controls_passed / (controls_passed + controls_failed) x 100, to 2 decimals (the console rounds it to a whole percent); NULL when no control passed or failed.';

CREATE VIEW v_securityhub_standard_controls_current AS
SELECT t.* FROM securityhub_standard_controls t
JOIN v_snapshot_current s ON s.account_id = t.account_id
 AND s.collector = 'securityhub_standards' AND s.region = t.region
 AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_securityhub_standard_controls_current IS 'Rows of securityhub_standard_controls in the current snapshot of each account and region (see v_snapshot_current).';

CREATE VIEW v_securityhub_standard_score_trend AS
SELECT t.account_id,
       t.region,
       t.standards_arn,
       t.name,
       t.snapshot_date,
       t.controls_passed,
       t.controls_failed,
       t.controls_unknown,
       t.controls_no_data,
       t.controls_disabled,
       round(100.0 * t.controls_passed / nullif(t.controls_passed + t.controls_failed, 0), 2)
           AS score_percent
FROM securityhub_standard_scores t;
COMMENT ON VIEW v_securityhub_standard_score_trend IS 'Each standard''s security score per account, region and day collected (filter on snapshot_date: it is the partition key): controls_passed / (controls_passed + controls_failed) in percent, unknown, no-data and disabled controls left out.';
COMMENT ON COLUMN v_securityhub_standard_score_trend.score_percent IS 'Security score in percent, to 2 decimals; NULL when no control passed or failed (standard not evaluated).';

CREATE VIEW v_securityhub_failing_controls_current AS
WITH per_region AS (
    -- one row per account, region and control: a control shares its findings between the
    -- standards it is in (consolidated control findings), so its failed checks are counted once
    SELECT c.account_id,
           c.region,
           c.control_id,
           max(c.title)                                   AS title,
           max(c.severity)                                AS severity,
           max(c.remediation_url)                         AS remediation_url,
           max(c.findings_failed)                         AS findings_failed,
           array_agg(coalesce(s.name, c.standards_arn))   AS standards,
           min(c.snapshot_date)                           AS snapshot_date
    FROM v_securityhub_standard_controls_current c
    LEFT JOIN securityhub_standard_scores s ON s.account_id = c.account_id
     AND s.snapshot_date = c.snapshot_date AND s.region = c.region
     AND s.standards_arn = c.standards_arn
    WHERE c.status = 'FAILED'
    GROUP BY c.account_id, c.region, c.control_id
), standards_of AS (
    SELECT u.control_id, array_agg(DISTINCT u.name ORDER BY u.name) AS standards
    FROM (SELECT r.control_id, unnest(r.standards) AS name FROM per_region r) u
    GROUP BY u.control_id
)
SELECT r.control_id,
       max(r.title)                                      AS title,
       max(r.severity)                                   AS severity,
       max(CASE r.severity
               WHEN 'CRITICAL' THEN 4 WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 1
               ELSE 0
           END)                                          AS severity_rank,
       max(r.remediation_url)                            AS remediation_url,
       count(DISTINCT r.account_id)                      AS accounts_failing,
       count(*)                                          AS account_regions_failing,
       sum(r.findings_failed)                            AS failed_checks,
       max(so.standards)                                 AS standards,
       min(r.snapshot_date)                              AS oldest_snapshot_date
FROM per_region r
JOIN standards_of so ON so.control_id = r.control_id
GROUP BY r.control_id;
COMMENT ON VIEW v_securityhub_failing_controls_current IS 'Security Hub controls FAILED in the current snapshot, one row per security control id across accounts, regions and standards: its title, severity and remediation page, how many accounts and account-regions fail it, their failed checks, and the standards it fails in. The top failing controls: ORDER BY severity_rank DESC, accounts_failing DESC, failed_checks DESC.';
COMMENT ON COLUMN v_securityhub_failing_controls_current.severity_rank IS '4 CRITICAL, 3 HIGH, 2 MEDIUM, 1 LOW, 0 unknown: for ordering.';
COMMENT ON COLUMN v_securityhub_failing_controls_current.failed_checks IS 'FAILED findings (one per resource checked) of the control, summed over the failing account-regions, each counted once whatever the number of standards the control is in.';
COMMENT ON COLUMN v_securityhub_failing_controls_current.standards IS 'Names of the standards (their ARN when the name is unknown) in which the control fails somewhere.';

ALTER TABLE securityhub_findings
    ADD COLUMN remediation_text text,
    ADD COLUMN remediation_url  text;
COMMENT ON COLUMN securityhub_findings.remediation_text IS 'ASFF Remediation.Recommendation.Text (cut to 8,192 characters); NULL when absent or loaded from a sender before contract 1.2.';
COMMENT ON COLUMN securityhub_findings.remediation_url IS 'ASFF Remediation.Recommendation.Url (never cut; NULL when longer than 2,048 characters, absent or from a sender before 1.2).';

ALTER TABLE guardduty_findings
    ADD COLUMN description text,
    ADD COLUMN confidence  numeric CHECK (confidence >= 0);
COMMENT ON COLUMN guardduty_findings.description IS 'GuardDuty''s description of the finding (cut to 8,192 characters); NULL when loaded from a sender before contract 1.2.';
COMMENT ON COLUMN guardduty_findings.confidence IS 'GuardDuty''s confidence score for the finding, as sent; NULL when absent or from a sender before 1.2.';
ALTER TABLE guardduty_finding_snapshots
    ADD COLUMN description text,
    ADD COLUMN confidence  numeric CHECK (confidence >= 0);
COMMENT ON COLUMN guardduty_finding_snapshots.description IS 'As guardduty_findings.description, as listed on the snapshot date.';
COMMENT ON COLUMN guardduty_finding_snapshots.confidence IS 'As guardduty_findings.confidence, as listed on the snapshot date.';

ALTER TABLE inspector_findings ADD COLUMN description text;
COMMENT ON COLUMN inspector_findings.description IS 'Inspector''s description of the finding (cut to 8,192 characters); NULL when loaded from a sender before contract 1.2.';

-- The open-findings views gain the new columns at their end (their other columns unchanged).
CREATE OR REPLACE VIEW v_securityhub_findings_current AS
SELECT f.account_id, f.region, f.finding_id, f.product_name, f.generator_id, f.title,
       f.severity_label, f.severity_normalized, f.resource_type, f.resource_id,
       f.compliance_status, f.workflow_status, f.first_observed_at, f.last_observed_at,
       f.created_at, f.updated_at, f.first_loaded_at, f.last_loaded_at,
       f.remediation_text, f.remediation_url
FROM securityhub_findings f
WHERE f.record_state = 'ACTIVE'
  AND f.workflow_status IN ('NEW', 'NOTIFIED');

CREATE OR REPLACE VIEW v_inspector_findings_current AS
SELECT i.account_id, i.region, i.finding_arn, i.severity, i.title, i.type, i.resource_type,
       i.resource_id, i.inspector_score, i.exploit_available, i.fix_available,
       i.first_observed_at, i.last_observed_at, i.updated_at, i.first_loaded_at, i.last_loaded_at,
       i.description
FROM inspector_findings i
WHERE i.status = 'ACTIVE';

CREATE OR REPLACE VIEW v_guardduty_findings_current AS
SELECT p.account_id,
       t.snapshot_date,
       p.region,
       t.finding_id,
       t.detector_id,
       t.type,
       t.severity,
       t.title,
       t.resource_type,
       t.resource_id,
       t.count,
       t.archived,
       t.created_at,
       t.updated_at,
       t.ingestion_id,
       t.first_loaded_at,
       t.last_loaded_at,
       t.description,
       t.confidence
FROM snapshot_pointers p
CROSS JOIN LATERAL (
    SELECT r.window_end - 1 AS snapshot_date
    FROM collection_runs r
    JOIN collector_runs c ON c.account_id = r.account_id AND c.run_id = r.run_id
    WHERE r.account_id = p.account_id AND r.window_end <= p.snapshot_date + 1
      AND c.collector = 'guardduty_findings' AND c.region = p.region AND c.status = 'ok'
    ORDER BY r.window_end DESC
    LIMIT 1
) s
CROSS JOIN LATERAL (
    SELECT g.*
    FROM guardduty_finding_snapshots g
    WHERE g.account_id = p.account_id AND g.region = p.region AND g.snapshot_date = s.snapshot_date
    OFFSET 0
) t
WHERE p.kind = 'region' AND p.collector = 'guardduty_findings';
