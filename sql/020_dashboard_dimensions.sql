-- 020_dashboard_dimensions: what the QuickSight datasets (src/dashboards) need beyond 019.
-- Views only. The dashboards filter every sheet by account, OU path and account tag; each dataset
-- joins v_account_dimensions for those three, so all datasets name and format them alike and a
-- cross-dataset filter in QuickSight finds the same column in each.

CREATE VIEW v_account_dimensions AS
SELECT l.account_id,
       coalesce(l.account_name, l.account_id::text)                        AS account_name,
       coalesce(l.ou_path, '(no OU known)')                                AS ou_path,
       coalesce((SELECT string_agg(t.key || '=' || t.value, '; ' ORDER BY t.key)
                 FROM jsonb_each_text(l.tags) t), '')                      AS account_labels,
       l.in_roster,
       l.expected
FROM v_account_labels l;
COMMENT ON VIEW v_account_dimensions IS 'One row per known account (roster or reporting): the name (the account id when unknown), the OU path (''(no OU known)'' without a roster), and its account tags as one text ''key=value; key=value'' sorted by key, for filtering dashboards by account, OU and tag.';
COMMENT ON COLUMN v_account_dimensions.account_labels IS 'The account''s tags from the organization roster as ''key=value'' pairs joined by ''; '', sorted by key; empty when the account has no tags or no roster is configured.';

CREATE VIEW v_securityhub_findings_current AS
SELECT f.account_id, f.region, f.finding_id, f.product_name, f.generator_id, f.title,
       f.severity_label, f.severity_normalized, f.resource_type, f.resource_id,
       f.compliance_status, f.workflow_status, f.first_observed_at, f.last_observed_at,
       f.created_at, f.updated_at, f.first_loaded_at, f.last_loaded_at
FROM securityhub_findings f
WHERE f.record_state = 'ACTIVE'
  AND f.workflow_status IN ('NEW', 'NOTIFIED');
COMMENT ON VIEW v_securityhub_findings_current IS 'Security Hub findings open now, one row each, in the latest state loaded: record state ACTIVE and workflow NEW or NOTIFIED (SUPPRESSED and RESOLVED ones, passed controls among them, are closed), as v_security_posture counts them and v_critical_findings_current lists the critical ones. Only findings a sender listed are here: a sender that stopped paging early (collector partial) lists fewer findings than v_security_posture counts.';
