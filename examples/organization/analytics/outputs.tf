output "sender_settings" {
  description = "Pass these to ../member in every account (analytics_bucket_name, analytics_kms_key_arn, analytics_region)."
  value       = module.analytics.sender_settings
}

output "cluster_arn" {
  description = "Aurora cluster ARN (Data API)."
  value       = module.analytics.cluster_arn
}

output "secret_arn" {
  description = "Master credentials secret ARN (Data API)."
  value       = module.analytics.secret_arn
}
