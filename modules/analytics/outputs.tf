output "bucket_name" {
  description = "Name of the data bucket senders upload to."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the analytics KMS key (bucket objects, queues, logs, alarm topic, Aurora)."
  value       = aws_kms_key.this.arn
}

output "bucket_policy" {
  description = "The data bucket's policy (JSON), for review: who may write where."
  value       = aws_s3_bucket_policy.this.policy
}

output "kms_key_policy" {
  description = "The analytics key's policy (JSON), for review."
  value       = aws_kms_key.this.policy
}

output "kms_key_alias" {
  description = "Alias of the analytics KMS key."
  value       = aws_kms_alias.this.name
}

output "queue_url" {
  description = "URL of the upload notification queue."
  value       = aws_sqs_queue.uploads.id
}

output "queue_arn" {
  description = "ARN of the upload notification queue."
  value       = aws_sqs_queue.uploads.arn
}

output "dlq_url" {
  description = "URL of the upload notification dead-letter queue (redrive it after fixing a failure)."
  value       = aws_sqs_queue.uploads_dlq.id
}

output "dlq_arn" {
  description = "ARN of the upload notification dead-letter queue."
  value       = aws_sqs_queue.uploads_dlq.arn
}

output "receiver_function_name" {
  description = "Name of the receiver Lambda function."
  value       = aws_lambda_function.receiver.function_name
}

output "receiver_function_arn" {
  description = "ARN of the receiver Lambda function."
  value       = aws_lambda_function.receiver.arn
}

output "receiver_role_arn" {
  description = "ARN of the receiver's execution role."
  value       = aws_iam_role.receiver.arn
}

output "migration_function_name" {
  description = "Name of the migration Lambda function (invoke it to apply sql/*.sql by hand)."
  value       = aws_lambda_function.migration.function_name
}

output "migration_function_arn" {
  description = "ARN of the migration Lambda function."
  value       = aws_lambda_function.migration.arn
}

output "cluster_arn" {
  description = "ARN of the Aurora cluster (Data API resourceArn)."
  value       = aws_rds_cluster.this.arn
}

output "cluster_identifier" {
  description = "Identifier of the Aurora cluster."
  value       = aws_rds_cluster.this.cluster_identifier
}

output "cluster_endpoint" {
  description = "Writer endpoint of the Aurora cluster (for direct connections allowed by the ingress inputs)."
  value       = aws_rds_cluster.this.endpoint
}

output "secret_arn" {
  description = "ARN of the Secrets Manager secret holding the master credentials. Only the migration function uses it (to create the database roles); use the role secrets for everything else."
  value       = local.secret_arn
}

output "reader_secret_arn" {
  description = "ARN of the reader role's secret (Data API secretArn): SELECT on the views only, for the report (`python -m report --secret-arn`) and dashboards. Filled by the migration function's first run."
  value       = local.database_role_secret_arns["reader"]
}

output "database_role_secret_arns" {
  description = "ARN of each database role's secret, by role: migrator (owns the schema), loader (reads and writes rows: receiver, roster), reader (reads the views)."
  value       = local.database_role_secret_arns
}

output "database_role_names" {
  description = "PostgreSQL user name of each database role, by role (migrator, loader, reader)."
  value       = local.database_role_names
}

output "database_name" {
  description = "Name of the PostgreSQL database."
  value       = aws_rds_cluster.this.database_name
}

output "security_group_id" {
  description = "Security group of the Aurora cluster."
  value       = aws_security_group.aurora.id
}

output "alarm_topic_arn" {
  description = "SNS topic receiving the alarms (null when create_alarms is false)."
  value       = local.alarm_topic_arn
}

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms, by short name."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }
}

output "sql_checksum" {
  description = "Checksum of the SQL migrations that triggers the migration Lambda."
  value       = local.sql_checksum
}

output "sql_checksum_source" {
  description = "What sql_checksum comes from: input, sql_directory, package (modules/ without sql/: the analytics package's hash or S3 version) or none (migrations run on the first apply only)."
  value       = local.sql_checksum_source
}

output "sender_settings" {
  description = "What a sender needs: pass these to modules/sender (analytics_bucket_name, analytics_kms_key_arn, analytics_region)."
  value = {
    bucket_name = aws_s3_bucket.this.bucket
    kms_key_arn = aws_kms_key.this.arn
    region      = local.region
  }
}

output "artifacts_bucket_name" {
  description = "Name of the artifacts bucket (null unless create_artifacts_bucket)."
  value       = one(aws_s3_bucket.artifacts[*].bucket)
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket (null unless create_artifacts_bucket)."
  value       = one(aws_s3_bucket.artifacts[*].arn)
}

output "artifact_locations" {
  description = "S3 location of every uploaded zip, by package and architecture: { sender = { arm64 = { bucket, key, version } } }. Each value is what modules/sender takes as sender_package_s3 (version pins the object version)."
  value = {
    for package in distinct([for f in values(local.artifact_files) : f.package]) : package => {
      for id, f in local.artifact_files : f.architecture => {
        bucket  = aws_s3_object.artifacts[id].bucket
        key     = aws_s3_object.artifacts[id].key
        version = aws_s3_object.artifacts[id].version_id
      } if f.package == package
    }
  }
}

output "artifact_sha256" {
  description = "Base64-encoded SHA-256 of every uploaded zip, by package and architecture: what modules/sender takes as sender_package_sha256 (source_code_hash)."
  value = {
    for package in distinct([for f in values(local.artifact_files) : f.package]) : package => {
      for f in values(local.artifact_files) : f.architecture => filebase64sha256(f.path) if f.package == package
    }
  }
}

output "roster_function_name" {
  description = "Name of the roster Lambda function (null unless organization_roster_role_arn is set)."
  value       = one(aws_lambda_function.roster[*].function_name)
}

output "roster_function_role_arn" {
  description = "ARN of the roster function's execution role: the principal the roster role of modules/organization must trust (null unless organization_roster_role_arn is set)."
  value       = one(aws_iam_role.roster[*].arn)
}

output "report_function_name" {
  description = "Name of the morning report function (null unless report_enabled). Rerun today's report with `aws lambda invoke --function-name <name> out.json`."
  value       = one(aws_lambda_function.report[*].function_name)
}

output "reports_location" {
  description = "Where the morning reports land: s3://<bucket>/reports/, one <YYYY-MM-DD>.html per day (UTC). Read one with `aws s3 cp s3://<bucket>/reports/<date>.html .`."
  value       = "s3://${aws_s3_bucket.this.bucket}/${local.reports_prefix}"
}

output "report_summary_topic_arn" {
  description = "ARN of the SNS topic receiving each report's plain-text summary (null unless create_report_summary_topic or report_summary_email_addresses)."
  value       = one(aws_sns_topic.reports[*].arn)
}

output "database_ready" {
  description = "Id of this apply's migration run (null when run_migrations_on_apply is false): known once the migrations have run and the database roles and their secrets exist. Pass it to modules/dashboards (database_ready) so QuickSight connects only after that."
  value       = one(aws_lambda_invocation.migration[*].id)
}
