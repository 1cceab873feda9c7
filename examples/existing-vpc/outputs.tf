output "sender_settings" {
  description = "What senders need."
  value       = module.analytics.sender_settings
}

output "cluster_endpoint" {
  description = "Writer endpoint for direct PostgreSQL connections from the allowed clients."
  value       = module.analytics.cluster_endpoint
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = module.analytics.security_group_id
}

output "secret_arn" {
  description = "Master credentials secret ARN: only the migration function uses it (to create the database roles)."
  value       = module.analytics.secret_arn
}

output "reader_secret_arn" {
  description = "Reader role's secret ARN (Data API): SELECT on the views only, for the report and dashboards."
  value       = module.analytics.reader_secret_arn
}
