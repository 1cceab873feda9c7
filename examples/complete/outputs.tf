output "sender_settings" {
  description = "What senders in other accounts need."
  value       = module.analytics.sender_settings
}

output "cluster_arn" {
  description = "Aurora cluster ARN (Data API)."
  value       = module.analytics.cluster_arn
}

output "secret_arn" {
  description = "Master credentials secret ARN: only the migration function uses it (to create the database roles)."
  value       = module.analytics.secret_arn
}

output "reader_secret_arn" {
  description = "Reader role's secret ARN (Data API): SELECT on the views only, for the report and dashboards."
  value       = module.analytics.reader_secret_arn
}

output "sender_function_name" {
  description = "Sender function; invoke it to collect now."
  value       = module.sender.function_name
}

output "alarm_topic_arn" {
  description = "Alarm topic."
  value       = module.analytics.alarm_topic_arn
}

output "dashboard_url" {
  description = "QuickSight dashboard (null unless enable_dashboards)."
  value       = one(module.dashboards[*].dashboard_url)
}
