-- 004_compliance_inventory: AWS Config compliance, Systems Manager inventory and the
-- service resource inventory. All are snapshots keyed by (account_id, snapshot_date, ...).
-- Key columns that AWS may leave empty (application version/architecture) are NOT NULL
-- with '' meaning "not reported", so the natural key stays a plain unique constraint.

CREATE TABLE config_rules (
    account_id                   char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date                date        NOT NULL,
    region                       text        NOT NULL,
    rule_name                    text        NOT NULL,
    compliance                   text        CHECK (compliance IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
    non_compliant_resource_count integer     CHECK (non_compliant_resource_count >= 0),
    source_owner                 text,
    source_identifier            text,
    ingestion_id                 bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at              timestamptz NOT NULL DEFAULT now(),
    last_loaded_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT config_rules_pkey PRIMARY KEY (account_id, snapshot_date, region, rule_name)
);
COMMENT ON TABLE config_rules IS 'One AWS Config rule in one region of an account and its compliance on a snapshot date.';
CREATE INDEX config_rules_compliance_idx ON config_rules (snapshot_date, compliance);

CREATE TABLE config_conformance_packs (
    account_id               char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date            date        NOT NULL,
    region                   text        NOT NULL,
    pack_name                text        NOT NULL,
    compliance               text        CHECK (compliance IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
    compliant_rule_count     integer     CHECK (compliant_rule_count >= 0),
    non_compliant_rule_count integer     CHECK (non_compliant_rule_count >= 0),
    ingestion_id             bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at          timestamptz NOT NULL DEFAULT now(),
    last_loaded_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT config_conformance_packs_pkey PRIMARY KEY (account_id, snapshot_date, region, pack_name)
);
COMMENT ON TABLE config_conformance_packs IS 'One AWS Config conformance pack in one region of an account and its compliance on a snapshot date.';

CREATE TABLE config_noncompliant_resources (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    rule_name       text        NOT NULL,
    resource_type   text        NOT NULL,
    resource_id     text        NOT NULL,
    annotation      text,
    recorded_at     timestamptz,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT config_noncompliant_resources_pkey
        PRIMARY KEY (account_id, snapshot_date, region, rule_name, resource_type, resource_id)
);
COMMENT ON TABLE config_noncompliant_resources IS 'One resource that a Config rule evaluated NON_COMPLIANT in one region of an account on a snapshot date.';

CREATE TABLE ssm_managed_instances (
    account_id       char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date    date        NOT NULL,
    region           text        NOT NULL,
    instance_id      text        NOT NULL,
    computer_name    text,
    platform_type    text,
    platform_name    text,
    platform_version text,
    agent_version    text,
    ping_status      text,
    last_ping_at     timestamptz,
    ip_address       text,
    ingestion_id     bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at  timestamptz NOT NULL DEFAULT now(),
    last_loaded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ssm_managed_instances_pkey PRIMARY KEY (account_id, snapshot_date, region, instance_id)
);
COMMENT ON TABLE ssm_managed_instances IS 'One Systems Manager managed instance in one region of an account on a snapshot date.';

CREATE TABLE ssm_applications (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    instance_id     text        NOT NULL,
    name            text        NOT NULL,
    version         text        NOT NULL DEFAULT '',
    architecture    text        NOT NULL DEFAULT '',
    publisher       text,
    installed_at    timestamptz,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ssm_applications_pkey
        PRIMARY KEY (account_id, snapshot_date, region, instance_id, name, version, architecture),
    CONSTRAINT ssm_applications_instance_fkey FOREIGN KEY (account_id, snapshot_date, region, instance_id)
        REFERENCES ssm_managed_instances (account_id, snapshot_date, region, instance_id) ON DELETE CASCADE
);
COMMENT ON TABLE ssm_applications IS 'One application installed on a managed instance on a snapshot date (empty version/architecture = not reported).';

CREATE TABLE ssm_patches (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    instance_id     text        NOT NULL,
    patch_id        text        NOT NULL,
    title           text,
    classification  text,
    severity        text,
    state           text,
    installed_at    timestamptz,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ssm_patches_pkey PRIMARY KEY (account_id, snapshot_date, region, instance_id, patch_id),
    CONSTRAINT ssm_patches_instance_fkey FOREIGN KEY (account_id, snapshot_date, region, instance_id)
        REFERENCES ssm_managed_instances (account_id, snapshot_date, region, instance_id) ON DELETE CASCADE
);
COMMENT ON TABLE ssm_patches IS 'One patch and its state on a managed instance on a snapshot date.';
CREATE INDEX ssm_patches_state_idx ON ssm_patches (snapshot_date, state, severity);

CREATE TABLE resources (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    resource_type   text        NOT NULL CHECK (resource_type IN (
                        'ec2:instance', 'ec2:subnet', 'ebs:volume', 'rds:db', 's3:bucket',
                        'elb:load-balancer', 'autoscaling:group', 'lambda:function')),
    resource_id     text        NOT NULL,
    arn             text,
    name            text,
    state           text,
    attributes      jsonb,
    tags            jsonb,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resources_pkey PRIMARY KEY (account_id, snapshot_date, region, resource_type, resource_id)
);
COMMENT ON TABLE resources IS 'One service resource (EC2, EBS, RDS, S3, ELB, ASG, Lambda, subnet) in one region of an account on a snapshot date.';
