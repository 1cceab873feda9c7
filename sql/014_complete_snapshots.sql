-- 014_complete_snapshots: a snapshot missing some of its parts never supersedes a complete one.
--
-- v_snapshot_current (007) takes the latest run whose collector ended ok or partial. A partial
-- run is kept on purpose (what it listed is real), but some figures are only right when whole:
--
-- Security Hub severity counts. Senders send them only when complete (counted by the server
-- with GetFindingStatisticsV2, or after every GetFindings page was read); a run that ran out of
-- time sends findings and no counts (older senders behaved the same). The current counts of an
-- account and region are therefore those of the latest run, ok or partial, that sent counts:
-- a partial run without counts no longer makes the account vanish from the current counts.
--
-- AWS Config rules. The compliance percentage is only right over every rule. Senders now send
-- all of a region's rules or none (a run that runs out of time while fetching non-compliant
-- resources still sends every rule, with a warning); older senders cut the rule list when the
-- time budget ran out, and the runner then records the error 'time budget exhausted after ...'
-- (or 'did not finish within its time budget ...' for an abandoned task). A collection is
-- complete for its rules when it ended ok, or partial without either of those errors.

CREATE VIEW v_securityhub_count_snapshots AS
SELECT r.account_id, c.region, r.window_end - 1 AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.run_id = r.run_id
WHERE c.collector = 'securityhub' AND c.status IN ('ok', 'partial')
  AND EXISTS (
      SELECT 1 FROM securityhub_severity_counts t
      WHERE t.account_id = r.account_id AND t.region = c.region
        AND t.snapshot_date = r.window_end - 1
  )
GROUP BY r.account_id, c.region, r.window_end;
COMMENT ON VIEW v_securityhub_count_snapshots IS 'Per account, region and snapshot date: a Security Hub collection (ok or partial) that sent its severity counts (senders send them only when complete).';

CREATE OR REPLACE VIEW v_securityhub_severity_counts_current AS
SELECT t.*,
       t.workflow_new + t.workflow_notified AS open_count
FROM securityhub_severity_counts t
JOIN (
    SELECT account_id, region, max(snapshot_date) AS snapshot_date
    FROM v_securityhub_count_snapshots
    GROUP BY account_id, region
) s ON s.account_id = t.account_id AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_securityhub_severity_counts_current IS 'Rows of securityhub_severity_counts of the latest collection of each account and region that sent counts (see v_securityhub_count_snapshots; a partial run without counts never replaces them), with open_count = workflow NEW + NOTIFIED (NULL when unknown).';

CREATE VIEW v_config_complete_collections AS
SELECT r.account_id, c.region, r.window_end - 1 AS snapshot_date
FROM collection_runs r
JOIN collector_runs c ON c.run_id = r.run_id
WHERE c.collector = 'config'
  AND (c.status = 'ok'
       OR (c.status = 'partial'
           AND coalesce(c.error, '') NOT LIKE 'time budget exhausted%'
           AND coalesce(c.error, '') NOT LIKE '%did not finish within its time budget%'))
GROUP BY r.account_id, c.region, r.window_end;
COMMENT ON VIEW v_config_complete_collections IS 'Per account, region and snapshot date: an AWS Config collection whose rule list is complete (ok, or partial for another reason than running out of time).';

CREATE OR REPLACE VIEW v_config_rules_current AS
SELECT t.* FROM config_rules t
JOIN (
    SELECT account_id, region, max(snapshot_date) AS snapshot_date
    FROM v_config_complete_collections
    GROUP BY account_id, region
) s ON s.account_id = t.account_id AND s.region = t.region AND s.snapshot_date = t.snapshot_date;
COMMENT ON VIEW v_config_rules_current IS 'Rows of config_rules of the latest collection of each account and region whose rule list is complete (see v_config_complete_collections): the compliance percentage covers every rule.';

-- The trend skips (account, date) pairs where some region's rule list was cut short.
CREATE OR REPLACE VIEW v_compliance_trend AS
SELECT r.account_id,
       a.name                                                     AS account_name,
       r.snapshot_date,
       count(*)                                                   AS rules_total,
       count(*) FILTER (WHERE r.compliance = 'COMPLIANT')         AS rules_compliant,
       count(*) FILTER (WHERE r.compliance = 'NON_COMPLIANT')     AS rules_non_compliant,
       count(*) FILTER (WHERE r.compliance = 'NOT_APPLICABLE')    AS rules_not_applicable,
       count(*) FILTER (WHERE r.compliance = 'INSUFFICIENT_DATA'
                           OR r.compliance IS NULL)               AS rules_insufficient_data,
       coalesce(sum(r.non_compliant_resource_count), 0)           AS non_compliant_resources,
       round(100.0 * count(*) FILTER (WHERE r.compliance = 'COMPLIANT')
             / nullif(count(*) FILTER (WHERE r.compliance IN ('COMPLIANT', 'NON_COMPLIANT')), 0),
             2)                                                   AS compliance_pct
FROM config_rules r
JOIN accounts a ON a.account_id = r.account_id
WHERE NOT EXISTS (
    SELECT 1
    FROM collection_runs cr
    JOIN collector_runs c ON c.run_id = cr.run_id AND c.collector = 'config'
    WHERE cr.account_id = r.account_id AND cr.window_end - 1 = r.snapshot_date
      AND c.status = 'partial'
      AND NOT EXISTS (
          SELECT 1 FROM v_config_complete_collections k
          WHERE k.account_id = r.account_id AND k.region = c.region
            AND k.snapshot_date = r.snapshot_date
      )
)
GROUP BY r.account_id, a.name, r.snapshot_date;
COMMENT ON VIEW v_compliance_trend IS 'Per account and snapshot date: AWS Config rules by compliance and the compliant percentage of evaluated rules; dates where some region''s rule list was cut short by the time budget are left out.';
