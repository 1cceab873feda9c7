-- 019_dashboard_views: views for the report's new sections, the dashboards and the morning
-- summary (issue 11). Views only; every figure is named for what it is.
--
-- Inspector: inspector_findings keeps each finding in its latest state; open means status
-- ACTIVE as Inspector reports it (SUPPRESSED and CLOSED are not open), as v_security_posture
-- counts it (011).
--
-- Availability Zones: the resources collector records attributes.availability_zone for EC2
-- instances (Placement.AvailabilityZone), subnets and EBS volumes only; every other resource type
-- (RDS, S3, ELB, Auto Scaling, Lambda) is regional here and counted with availability_zone NULL.
--
-- Critical findings: one row per currently open CRITICAL finding of Security Hub (record state
-- ACTIVE, workflow NEW or NOTIFIED, severity label CRITICAL, and listed by the latest complete
-- collection of its region: securityhub_findings keeps a finding Security Hub has since deleted
-- in its last state, as guardduty_findings does, see 011), GuardDuty (listed, not archived,
-- by the latest complete collection of its region, severity 9.0 to 10.0: GuardDuty's Critical
-- band; v_security_posture.guardduty_high counts every severity >= 7, these included) and
-- Inspector (status ACTIVE, severity CRITICAL). Security Hub also holds the findings Inspector
-- and GuardDuty send it: one collected from the service directly is listed once, under it.

CREATE VIEW v_inspector_findings_current AS
SELECT i.account_id, i.region, i.finding_arn, i.severity, i.title, i.type, i.resource_type,
       i.resource_id, i.inspector_score, i.exploit_available, i.fix_available,
       i.first_observed_at, i.last_observed_at, i.updated_at, i.first_loaded_at, i.last_loaded_at
FROM inspector_findings i
WHERE i.status = 'ACTIVE';
COMMENT ON VIEW v_inspector_findings_current IS 'Amazon Inspector findings open now (current): status ACTIVE as Inspector reports it in the latest state loaded (SUPPRESSED and CLOSED findings left out), one row each; the same findings v_security_posture counts as inspector_* for the latest date.';

CREATE VIEW v_resources_by_az_current AS
SELECT r.account_id,
       r.region,
       r.attributes ->> 'availability_zone'                       AS availability_zone,
       r.resource_type IN ('ec2:instance', 'ec2:subnet', 'ebs:volume') AS zonal,
       r.resource_type,
       max(r.snapshot_date)                                       AS snapshot_date,
       count(*)                                                   AS resource_count
FROM v_resources_current r
GROUP BY r.account_id, r.region, r.attributes ->> 'availability_zone', r.resource_type;
COMMENT ON VIEW v_resources_by_az_current IS 'Resources of the current snapshot (v_resources_current, per account and region) counted per account, region, Availability Zone and resource type. Only EC2 instances, subnets and EBS volumes carry an Availability Zone (zonal = true); every other type (RDS, S3, ELB, Auto Scaling, Lambda) is regional and counted with availability_zone NULL, as is a zonal resource whose zone was not recorded.';
COMMENT ON COLUMN v_resources_by_az_current.zonal IS 'True for the resource types the collector records an Availability Zone for (ec2:instance, ec2:subnet, ebs:volume).';
COMMENT ON COLUMN v_resources_by_az_current.resource_count IS 'Number of resources of this type in this zone (NULL zone: regional) in the current snapshot.';

CREATE VIEW v_critical_findings_current AS
SELECT 'securityhub'::text                           AS source,
       f.account_id,
       f.region,
       f.finding_id,
       f.title,
       f.product_name,
       f.resource_type,
       f.resource_id,
       coalesce(f.first_observed_at, f.created_at)   AS first_seen_at,
       coalesce(f.last_observed_at, f.updated_at)    AS last_seen_at,
       f.first_loaded_at
FROM securityhub_findings f
LEFT JOIN ingestions i ON i.id = f.ingestion_id
LEFT JOIN collection_runs w ON w.run_id = i.run_id AND w.account_id = f.account_id
WHERE f.severity_label = 'CRITICAL'
  AND f.record_state = 'ACTIVE'
  AND f.workflow_status IN ('NEW', 'NOTIFIED')
  -- gone from Security Hub (deleted 90 days after its last update, or Security Hub disabled):
  -- a later complete listing of its region (collector status ok) did not list it
  AND NOT EXISTS (SELECT 1 FROM collection_runs r
                  JOIN collector_runs c ON c.run_id = r.run_id
                  WHERE r.account_id = f.account_id AND c.collector = 'securityhub'
                    AND c.region = f.region AND c.status = 'ok'
                    AND r.collected_at > w.collected_at)
  -- the copy Security Hub holds of an Inspector or GuardDuty finding the sender also collects
  -- directly: the service's own record says whether it is open (counted once, under it)
  AND NOT EXISTS (SELECT 1 FROM inspector_findings i
                  WHERE i.account_id = f.account_id AND i.finding_arn = f.finding_id)
  AND NOT EXISTS (SELECT 1 FROM guardduty_findings g
                  WHERE g.account_id = f.account_id
                    AND f.finding_id = 'arn:aws:guardduty:' || g.region || ':' || g.account_id
                                       || ':detector/' || g.detector_id || '/finding/' || g.finding_id)
UNION ALL
SELECT 'guardduty',
       g.account_id,
       g.region,
       g.finding_id,
       g.title,
       'GuardDuty',
       g.resource_type,
       g.resource_id,
       g.created_at,
       g.updated_at,
       coalesce(l.first_loaded_at, g.first_loaded_at)
FROM v_guardduty_findings_current g
LEFT JOIN guardduty_findings l
       ON l.account_id = g.account_id AND l.region = g.region AND l.finding_id = g.finding_id
WHERE g.archived IS NOT TRUE
  AND g.severity >= 9
UNION ALL
SELECT 'inspector',
       i.account_id,
       i.region,
       i.finding_arn,
       i.title,
       'Inspector',
       i.resource_type,
       i.resource_id,
       i.first_observed_at,
       i.last_observed_at,
       i.first_loaded_at
FROM inspector_findings i
WHERE i.status = 'ACTIVE'
  AND i.severity = 'CRITICAL';
COMMENT ON VIEW v_critical_findings_current IS 'Every currently open CRITICAL finding, one row each: Security Hub (record state ACTIVE, workflow NEW or NOTIFIED, label CRITICAL, not missing from a later complete listing of its region), GuardDuty (listed and not archived by the latest complete collection of its region, severity 9.0 to 10.0, GuardDuty''s Critical band) and Inspector (status ACTIVE, severity CRITICAL). first_seen_at is AWS''s own time (Security Hub FirstObservedAt or CreatedAt, GuardDuty CreatedAt, Inspector firstObservedAt); first_loaded_at is when this database first loaded the finding. A finding Security Hub holds for Inspector or GuardDuty (product_name) is listed under securityhub only when the sender did not collect it from that service directly; otherwise once, under its own service and its state.';
COMMENT ON COLUMN v_critical_findings_current.source IS 'securityhub, guardduty or inspector.';
COMMENT ON COLUMN v_critical_findings_current.finding_id IS 'Security Hub finding id, GuardDuty finding id or Inspector finding ARN.';
COMMENT ON COLUMN v_critical_findings_current.first_seen_at IS 'When AWS first observed or created the finding (the service''s own field).';
COMMENT ON COLUMN v_critical_findings_current.first_loaded_at IS 'When this database first loaded the finding (GuardDuty: from guardduty_findings, which keeps it across snapshots).';
