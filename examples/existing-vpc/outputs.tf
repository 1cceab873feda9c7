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
  description = "Master credentials secret ARN."
  value       = module.analytics.secret_arn
}
