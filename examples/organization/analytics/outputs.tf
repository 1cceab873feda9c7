output "management_inputs" {
  description = "The inputs of ../management, as a tfvars document: terraform output -json management_inputs > ../management/analytics.auto.tfvars.json"
  value = {
    analytics_bucket_name          = module.analytics.sender_settings.bucket_name
    analytics_kms_key_arn          = module.analytics.sender_settings.kms_key_arn
    analytics_region               = module.analytics.sender_settings.region
    sender_package_s3              = module.analytics.artifact_locations.sender[var.sender_architecture]
    sender_architecture            = var.sender_architecture
    analytics_roster_principal_arn = module.analytics.roster_function_role_arn
  }
}

output "sender_settings" {
  description = "Where senders upload (bucket_name, kms_key_arn, region): also the inputs of ../member."
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
