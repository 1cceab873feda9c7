-- 005_operations: Trusted Advisor, Health, Application Signals, Resilience Hub,
-- Compute Optimizer and Support cases.

CREATE TABLE trusted_advisor_checks (
    account_id                char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date             date        NOT NULL,
    check_id                  text        NOT NULL,
    name                      text,
    category                  text,
    status                    text        CHECK (status IN ('ok', 'warning', 'error', 'not_available')),
    resources_processed       integer     CHECK (resources_processed >= 0),
    resources_flagged         integer     CHECK (resources_flagged >= 0),
    resources_suppressed      integer     CHECK (resources_suppressed >= 0),
    estimated_monthly_savings numeric,
    currency                  text,
    refreshed_at              timestamptz,
    ingestion_id              bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at           timestamptz NOT NULL DEFAULT now(),
    last_loaded_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trusted_advisor_checks_pkey PRIMARY KEY (account_id, snapshot_date, check_id)
);
COMMENT ON TABLE trusted_advisor_checks IS 'Result of one Trusted Advisor check for an account on a snapshot date.';
CREATE INDEX trusted_advisor_checks_status_idx ON trusted_advisor_checks (snapshot_date, status);

CREATE TABLE health_events (
    account_id            char(12)    NOT NULL REFERENCES accounts (account_id),
    event_arn             text        NOT NULL,
    service               text,
    event_type_code       text,
    event_type_category   text,
    region                text,
    status_code           text,
    scope                 text,
    start_time            timestamptz,
    end_time              timestamptz,
    last_updated_at       timestamptz,
    affected_entity_count integer     CHECK (affected_entity_count >= 0),
    ingestion_id          bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at       timestamptz NOT NULL DEFAULT now(),
    last_loaded_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT health_events_pkey PRIMARY KEY (account_id, event_arn)
);
COMMENT ON TABLE health_events IS 'One AWS Health event (latest state) affecting an account.';
CREATE INDEX health_events_status_idx ON health_events (account_id, status_code, start_time);

CREATE TABLE appsignals_services (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    region          text        NOT NULL,
    name            text        NOT NULL,
    environment     text        NOT NULL DEFAULT '',
    type            text,
    attributes      jsonb,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appsignals_services_pkey PRIMARY KEY (account_id, snapshot_date, region, name, environment)
);
COMMENT ON TABLE appsignals_services IS 'One CloudWatch Application Signals service (name + environment) in one region of an account on a snapshot date.';

CREATE TABLE appsignals_slos (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date   date        NOT NULL,
    slo_arn         text        NOT NULL,
    name            text,
    region          text,
    service_name    text,
    goal_attainment numeric,
    attainment      numeric,
    status          text,
    updated_at      timestamptz,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appsignals_slos_pkey PRIMARY KEY (account_id, snapshot_date, slo_arn)
);
COMMENT ON TABLE appsignals_slos IS 'One Application Signals service level objective and its attainment on a snapshot date.';
COMMENT ON COLUMN appsignals_slos.updated_at IS 'When the SLO was last updated in AWS (not load time: see last_loaded_at).';

CREATE TABLE resiliencehub_apps (
    account_id         char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date      date        NOT NULL,
    app_arn            text        NOT NULL,
    name               text,
    region             text,
    compliance_status  text,
    resiliency_score   numeric,
    drift_status       text,
    policy_name        text,
    last_assessment_at timestamptz,
    assessment_status  text,
    ingestion_id       bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at    timestamptz NOT NULL DEFAULT now(),
    last_loaded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resiliencehub_apps_pkey PRIMARY KEY (account_id, snapshot_date, app_arn)
);
COMMENT ON TABLE resiliencehub_apps IS 'One Resilience Hub application and its latest assessment on a snapshot date.';

CREATE TABLE compute_optimizer_recommendations (
    account_id                char(12)    NOT NULL REFERENCES accounts (account_id),
    snapshot_date             date        NOT NULL,
    resource_arn              text        NOT NULL,
    resource_type             text        CHECK (resource_type IN ('EC2', 'EBS', 'LAMBDA', 'ASG')),
    region                    text,
    finding                   text,
    current_configuration     text,
    recommended_configuration text,
    estimated_monthly_savings numeric,
    savings_percentage        numeric,
    performance_risk          text,
    currency                  text,
    ingestion_id              bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at           timestamptz NOT NULL DEFAULT now(),
    last_loaded_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT compute_optimizer_recommendations_pkey PRIMARY KEY (account_id, snapshot_date, resource_arn)
);
COMMENT ON TABLE compute_optimizer_recommendations IS 'One Compute Optimizer recommendation (EC2, EBS, Lambda, ASG) for a resource on a snapshot date.';
COMMENT ON COLUMN compute_optimizer_recommendations.performance_risk IS 'As Compute Optimizer reports it: a risk level (VeryLow..High) or a 0-4 score.';

CREATE TABLE support_cases (
    account_id      char(12)    NOT NULL REFERENCES accounts (account_id),
    case_id         text        NOT NULL,
    display_id      text,
    subject         text,
    status          text,
    severity        text,
    service_code    text,
    category_code   text,
    language        text,
    submitted_by    text,
    created_at      timestamptz,
    ingestion_id    bigint      REFERENCES ingestions (id) ON DELETE SET NULL,
    first_loaded_at timestamptz NOT NULL DEFAULT now(),
    last_loaded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT support_cases_pkey PRIMARY KEY (account_id, case_id)
);
COMMENT ON TABLE support_cases IS 'One AWS Support case (latest state) of an account.';
CREATE INDEX support_cases_status_idx ON support_cases (account_id, status);
