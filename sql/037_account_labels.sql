-- 037_account_labels: product, team, environment or any label per account, and cost and
-- security grouped by label (issue 14 item 5, contract 1.2).
--
-- Two sources. With an organization roster (009), the account tags Organizations reports and
-- the OU path; without one (or for an account outside it), the labels set on the account's
-- sender (SENDER_ACCOUNT_LABELS, the sender module's account_labels), which the sender reports
-- in the document's account section and the loader stores in accounts.labels ({} = none set;
-- NULL = a sender before 1.2, and a file without the field keeps the stored value).
--
-- v_account_label_values: one row per account and label, the roster winning label by label: a
-- roster tag hides a sender label of the same key (keys compare exactly, as AWS tag keys do);
-- sender labels fill the keys the roster lacks. The OU path is the label ou_path (the roster's,
-- else the one the sender reported), unless a tag of that name exists. source says where each
-- value came from: roster_tag, roster_ou, sender_ou or sender.
--
-- v_cost_by_label_monthly and v_security_posture_by_label group by every label key: for each
-- key, one row per value, and one with label_value NULL for the accounts without that label,
-- so each key's rows add up to the whole organization.

ALTER TABLE accounts
    ADD COLUMN labels jsonb CHECK (labels IS NULL OR jsonb_typeof(labels) = 'object');
COMMENT ON COLUMN accounts.labels IS 'Labels set on the account''s sender (SENDER_ACCOUNT_LABELS: label -> value); {} when none is set, NULL when its sender predates contract 1.2. The organization roster''s account tags win over these (v_account_label_values).';

CREATE OR REPLACE VIEW v_accounts AS
SELECT account_id, name, email, status, joined_at, organization_id, management_account_id,
       ou_id, ou_path, first_loaded_at, last_loaded_at, labels
FROM accounts;
COMMENT ON VIEW v_accounts IS 'Every account that sent data, with its details from Organizations when available and the labels set on its sender (the accounts table without its ingestion link).';

CREATE VIEW v_account_label_values AS
WITH known AS (
    SELECT coalesce(o.account_id, a.account_id) AS account_id,
           o.account_id IS NOT NULL              AS in_roster,
           o.tags                                AS roster_tags,
           coalesce(o.ou_path, a.ou_path)        AS ou_path,
           a.labels                              AS sender_labels
    FROM organization_accounts o
    FULL JOIN accounts a ON a.account_id = o.account_id
),
candidates AS (
    SELECT k.account_id, t.key AS label_key, t.value AS label_value,
           'roster_tag'::text AS source, 1 AS precedence
    FROM known k
    CROSS JOIN LATERAL jsonb_each_text(coalesce(k.roster_tags, '{}'::jsonb)) t
    UNION ALL
    SELECT k.account_id, 'ou_path', k.ou_path,
           CASE WHEN k.in_roster THEN 'roster_ou' ELSE 'sender_ou' END, 2
    FROM known k
    WHERE k.ou_path IS NOT NULL
    UNION ALL
    SELECT k.account_id, s.key, s.value, 'sender', 3
    FROM known k
    CROSS JOIN LATERAL jsonb_each_text(coalesce(k.sender_labels, '{}'::jsonb)) s
)
SELECT DISTINCT ON (c.account_id, c.label_key)
       c.account_id::char(12) AS account_id, c.label_key, c.label_value, c.source
FROM candidates c
ORDER BY c.account_id, c.label_key, c.precedence;
COMMENT ON VIEW v_account_label_values IS 'One row per known account and label: the organization roster''s account tags (source roster_tag), the OU path as label ou_path (roster_ou, or sender_ou outside the roster), and the labels set on the sender (sender) for the keys the roster lacks: the roster wins label by label.';

CREATE VIEW v_cost_by_label_monthly AS
WITH keys AS (
    SELECT DISTINCT label_key FROM v_account_label_values
),
costs AS (
    SELECT m.account_id, m.month, m.currency,
           sum(m.unblended_cost) AS unblended_cost,
           sum(m.amortized_cost) AS amortized_cost
    FROM cost_month_totals m
    GROUP BY m.account_id, m.month, m.currency
)
SELECT k.label_key,
       l.label_value,
       c.month,
       c.currency,
       count(*)              AS account_count,
       sum(c.unblended_cost) AS unblended_cost,
       sum(c.amortized_cost) AS amortized_cost
FROM costs c
CROSS JOIN keys k
LEFT JOIN v_account_label_values l ON l.account_id = c.account_id AND l.label_key = k.label_key
GROUP BY k.label_key, l.label_value, c.month, c.currency;
COMMENT ON VIEW v_cost_by_label_monthly IS 'Cost per label key, label value, month and currency (cost_month_totals: Cost Explorer''s daily cost summed; the current month is month to date and may still change while Cost Explorer marks days estimated): the accounts with that value together; label_value NULL = the accounts without that label. Labels from v_account_label_values (roster tags win over sender labels).';

CREATE VIEW v_security_posture_by_label AS
WITH keys AS (
    SELECT DISTINCT label_key FROM v_account_label_values
)
SELECT k.label_key,
       l.label_value,
       p.snapshot_date,
       count(*)                              AS account_count,
       sum(p.securityhub_open_critical)      AS securityhub_open_critical,
       sum(p.securityhub_open_high)          AS securityhub_open_high,
       sum(p.securityhub_open_medium)        AS securityhub_open_medium,
       sum(p.securityhub_open_low)           AS securityhub_open_low,
       sum(p.securityhub_open_informational) AS securityhub_open_informational,
       sum(p.guardduty_high)                 AS guardduty_high,
       sum(p.guardduty_medium)               AS guardduty_medium,
       sum(p.guardduty_low)                  AS guardduty_low,
       sum(p.inspector_critical)             AS inspector_critical,
       sum(p.inspector_high)                 AS inspector_high,
       sum(p.inspector_medium)               AS inspector_medium,
       sum(p.inspector_low)                  AS inspector_low
FROM security_posture_daily p
CROSS JOIN keys k
LEFT JOIN v_account_label_values l ON l.account_id = p.account_id AND l.label_key = k.label_key
GROUP BY k.label_key, l.label_value, p.snapshot_date;
COMMENT ON VIEW v_security_posture_by_label IS 'v_security_posture summed per label key, label value and day: open Security Hub findings (workflow NEW or NOTIFIED) by severity, GuardDuty findings by severity, active Inspector findings by severity, over the accounts with that value (label_value NULL = without that label). Security Hub sums skip accounts that sent no workflow split.';
