output "bucket_name" {
  description = "Data bucket."
  value       = module.analytics.bucket_name
}

output "kms_key_arn" {
  description = "Analytics KMS key."
  value       = module.analytics.kms_key_arn
}

output "queue_url" {
  description = "Upload notification queue."
  value       = module.analytics.queue_url
}

output "dlq_url" {
  description = "Upload notification dead-letter queue."
  value       = module.analytics.dlq_url
}

output "cluster_arn" {
  description = "Aurora cluster (Data API resourceArn)."
  value       = module.analytics.cluster_arn
}

output "secret_arn" {
  description = "Master credentials secret: only the migration function uses it, to create the database roles."
  value       = module.analytics.secret_arn
}

output "reader_secret_arn" {
  description = "Reader role's secret (Data API secretArn): SELECT on the views only, for the report and dashboards."
  value       = module.analytics.reader_secret_arn
}

output "database_name" {
  description = "PostgreSQL database name."
  value       = module.analytics.database_name
}

output "receiver_function_name" {
  description = "Receiver Lambda function."
  value       = module.analytics.receiver_function_name
}

output "migration_function_name" {
  description = "Migration Lambda function."
  value       = module.analytics.migration_function_name
}

output "sender_function_name" {
  description = "Sender Lambda function (invoke it to collect now)."
  value       = module.sender.function_name
}

output "sender_dlq_url" {
  description = "Queue receiving failed scheduled sender runs."
  value       = module.sender.dlq_url
}

output "alarm_topic_arn" {
  description = "SNS topic receiving the alarms of both modules."
  value       = module.analytics.alarm_topic_arn
}

output "dashboard_url" {
  description = "URL of the QuickSight dashboard (null unless enable_dashboards)."
  value       = one(module.dashboards[*].dashboard_url)
}

output "dashboard_dataset_ids" {
  description = "QuickSight data set ids by key (null unless enable_dashboards)."
  value       = one(module.dashboards[*].dataset_ids)
}
