-- 003_security: Security Hub, GuardDuty, Inspector (events, updated in place) and the
-- security-relevant configuration snapshots (KMS, WAF, CloudTrail, Secrets Manager, ACM, IAM).
-- Snapshot tables are keyed by (account_id, snapshot_date, ...): their primary keys serve the
-- dashboards' (account_id, snapshot_date) scans.

CREATE TABLE securityhub_findings (
    account_id          char(12)    NOT NULL REFERENCES accounts (account_id),
    finding_id          text        NOT NULL,
    product_arn         text,
    product_name        text,
    generator_id        text,
    title               text,
    description         text,
    severity_label      text        CHECK (severity_label IN ('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    severity_normalized numeric,
    resource_type       text,
    resource_id         text,
    region              text,
    compliance_status   text,
    workflow_status     text,
    record_state        text,
    first_observed_at   timestamptz,
    last_observed_at    timestamptz,
    created_at          timestamptz,
    updated_at          timestamptz,
    ingestion_id        bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at     timestamptz NOT NULL DEFAULT now(),
    last_loaded_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT securityhub_findings_pkey PRIMARY KEY (account_id, finding_id)
);
COMMENT ON TABLE securityhub_findings IS 'One Security Hub finding (latest state) of an account.';
COMMENT ON COLUMN securityhub_findings.updated_at IS 'When Security Hub last updated the finding (AWS field, not load time: see last_loaded_at).';
CREATE INDEX securityhub_findings_severity_idx ON securityhub_findings (account_id, severity_label, record_state, workflow_status);

CREATE TABLE securityhub_severity_counts (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    severity_label  text        NOT NULL CHECK (severity_label IN ('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    count           integer     CHECK (count >= 0),
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT securityhub_severity_counts_pkey PRIMARY KEY (account_id, snapshot_date, region, severity_label)
);
COMMENT ON TABLE securityhub_severity_counts IS 'Number of active Security Hub findings of one severity in one region of an account on a snapshot date.';

CREATE TABLE guardduty_findings (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
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
    CONSTRAINT guardduty_findings_pkey PRIMARY KEY (account_id, region, finding_id)
);
COMMENT ON TABLE guardduty_findings IS 'One GuardDuty finding (latest state) in one region of an account.';
COMMENT ON COLUMN guardduty_findings.updated_at IS 'When GuardDuty last updated the finding (AWS field, not load time: see last_loaded_at).';
CREATE INDEX guardduty_findings_active_idx ON guardduty_findings (account_id, severity) WHERE archived IS NOT TRUE;

CREATE TABLE inspector_findings (
    account_id        char(12)    NOT NULL REFERENCES accounts (account_id),
    finding_arn       text        NOT NULL,
    region            text,
    type              text,
    severity          text,
    status            text,
    title             text,
    resource_type     text,
    resource_id       text,
    inspector_score   numeric,
    exploit_available text,
    fix_available     text,
    first_observed_at timestamptz,
    last_observed_at  timestamptz,
    updated_at        timestamptz,
    ingestion_id      bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at   timestamptz NOT NULL DEFAULT now(),
    last_loaded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inspector_findings_pkey PRIMARY KEY (account_id, finding_arn)
);
COMMENT ON TABLE inspector_findings IS 'One Amazon Inspector finding (latest state) of an account.';
COMMENT ON COLUMN inspector_findings.exploit_available IS 'As Inspector reports it: YES or NO.';
COMMENT ON COLUMN inspector_findings.fix_available IS 'As Inspector reports it: YES, NO or PARTIAL.';
CREATE INDEX inspector_findings_status_idx ON inspector_findings (account_id, status, severity);

CREATE TABLE kms_keys (
    account_id       char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date    date        NOT NULL,
    key_arn          text        NOT NULL,
    key_id           text,
    region           text,
    aliases          text[],
    description      text,
    key_state        text,
    key_manager      text,
    key_spec         text,
    key_usage        text,
    origin           text,
    multi_region     boolean,
    rotation_enabled boolean,
    created_at       timestamptz,
    ingestion_id     bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at  timestamptz NOT NULL DEFAULT now(),
    last_loaded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT kms_keys_pkey PRIMARY KEY (account_id, snapshot_date, key_arn)
);
COMMENT ON TABLE kms_keys IS 'One KMS key of an account as seen on a snapshot date.';

CREATE TABLE waf_web_acls (
    account_id           char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date        date        NOT NULL,
    web_acl_arn          text        NOT NULL,
    name                 text,
    web_acl_id           text,
    scope                text        CHECK (scope IN ('REGIONAL', 'CLOUDFRONT')),
    region               text,
    default_action       text,
    capacity             bigint      CHECK (capacity >= 0),
    logging_enabled      boolean,
    associated_resources text[],
    ingestion_id         bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at      timestamptz NOT NULL DEFAULT now(),
    last_loaded_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT waf_web_acls_pkey PRIMARY KEY (account_id, snapshot_date, web_acl_arn)
);
COMMENT ON TABLE waf_web_acls IS 'One WAF web ACL of an account as seen on a snapshot date.';

CREATE TABLE waf_rules (
    account_id         char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date      date        NOT NULL,
    web_acl_arn        text        NOT NULL,
    rule_name          text        NOT NULL,
    priority           integer,
    action             text,
    statement_type     text,
    managed_rule_group text,
    ingestion_id       bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at    timestamptz NOT NULL DEFAULT now(),
    last_loaded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT waf_rules_pkey PRIMARY KEY (account_id, snapshot_date, web_acl_arn, rule_name),
    CONSTRAINT waf_rules_web_acl_fkey FOREIGN KEY (account_id, snapshot_date, web_acl_arn)
        REFERENCES waf_web_acls (account_id, snapshot_date, web_acl_arn) ON DELETE CASCADE
);
COMMENT ON TABLE waf_rules IS 'One rule of a WAF web ACL on a snapshot date (item field name is stored as rule_name).';

CREATE TABLE cloudtrail_trails (
    account_id            char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date         date        NOT NULL,
    trail_arn             text        NOT NULL,
    name                  text,
    home_region           text,
    is_multi_region       boolean,
    is_organization_trail boolean,
    is_logging            boolean,
    log_file_validation   boolean,
    s3_bucket             text,
    kms_key_id            text,
    latest_delivery_at    timestamptz,
    latest_delivery_error text,
    ingestion_id          bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at       timestamptz NOT NULL DEFAULT now(),
    last_loaded_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cloudtrail_trails_pkey PRIMARY KEY (account_id, snapshot_date, trail_arn)
);
COMMENT ON TABLE cloudtrail_trails IS 'One CloudTrail trail visible to an account, with its logging status, on a snapshot date.';

CREATE TABLE secrets (
    account_id       char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date    date        NOT NULL,
    secret_arn       text        NOT NULL,
    name             text,
    region           text,
    kms_key_id       text,
    rotation_enabled boolean,
    rotation_days    integer     CHECK (rotation_days >= 0),
    last_rotated_at  timestamptz,
    last_accessed_at timestamptz,
    last_changed_at  timestamptz,
    created_at       timestamptz,
    primary_region   text,
    ingestion_id     bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at  timestamptz NOT NULL DEFAULT now(),
    last_loaded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT secrets_pkey PRIMARY KEY (account_id, snapshot_date, secret_arn)
);
COMMENT ON TABLE secrets IS 'One Secrets Manager secret (metadata only, never the value) of an account on a snapshot date.';

CREATE TABLE acm_certificates (
    account_id          char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date       date        NOT NULL,
    certificate_arn     text        NOT NULL,
    region              text,
    domain_name         text,
    status              text,
    type                text,
    key_algorithm       text,
    in_use              boolean,
    renewal_eligibility text,
    not_before          timestamptz,
    not_after           timestamptz,
    ingestion_id        bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at     timestamptz NOT NULL DEFAULT now(),
    last_loaded_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT acm_certificates_pkey PRIMARY KEY (account_id, snapshot_date, certificate_arn)
);
COMMENT ON TABLE acm_certificates IS 'One ACM certificate of an account on a snapshot date.';
CREATE INDEX acm_certificates_expiry_idx ON acm_certificates (snapshot_date, not_after);

CREATE TABLE iam_summary (
    account_id                     char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date                  date        NOT NULL,
    users_total                    integer     CHECK (users_total >= 0),
    users_with_console             integer     CHECK (users_with_console >= 0),
    users_with_mfa                 integer     CHECK (users_with_mfa >= 0),
    users_without_mfa              integer     CHECK (users_without_mfa >= 0),
    root_mfa_enabled               boolean,
    root_access_keys               integer     CHECK (root_access_keys >= 0),
    access_keys_active             integer     CHECK (access_keys_active >= 0),
    access_keys_older_than_90_days integer     CHECK (access_keys_older_than_90_days >= 0),
    credential_report_generated_at timestamptz,
    ingestion_id                   bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at                timestamptz NOT NULL DEFAULT now(),
    last_loaded_at                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT iam_summary_pkey PRIMARY KEY (account_id, snapshot_date)
);
COMMENT ON TABLE iam_summary IS 'IAM credential-report summary of an account on a snapshot date.';
COMMENT ON COLUMN iam_summary.root_access_keys IS 'Number of active root access keys (0, 1 or 2).';

CREATE TABLE iam_users (
    account_id                   char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date                date        NOT NULL,
    user_name                    text        NOT NULL,
    arn                          text,
    created_at                   timestamptz,
    password_enabled             boolean,
    password_last_used_at        timestamptz,
    mfa_active                   boolean,
    access_key_1_active          boolean,
    access_key_1_last_rotated_at timestamptz,
    access_key_1_last_used_at    timestamptz,
    access_key_2_active          boolean,
    access_key_2_last_rotated_at timestamptz,
    access_key_2_last_used_at    timestamptz,
    ingestion_id                 bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at              timestamptz NOT NULL DEFAULT now(),
    last_loaded_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT iam_users_pkey PRIMARY KEY (account_id, snapshot_date, user_name),
    CONSTRAINT iam_users_summary_fkey FOREIGN KEY (account_id, snapshot_date)
        REFERENCES iam_summary (account_id, snapshot_date) ON DELETE CASCADE
);
COMMENT ON TABLE iam_users IS 'One IAM user from the credential report of an account on a snapshot date.';
