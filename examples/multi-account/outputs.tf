output "sender_settings" {
  description = "Bucket, key and region the senders upload to."
  value       = module.analytics.sender_settings
}

output "sender_function_names" {
  description = "Sender function of each member account."
  value = {
    member_a = module.sender_member_a.function_name
    member_b = module.sender_member_b.function_name
  }
}

output "upload_prefixes" {
  description = "Where each member's files land."
  value = {
    member_a = module.sender_member_a.upload_prefix
    member_b = module.sender_member_b.upload_prefix
  }
}

output "cluster_arn" {
  description = "Aurora cluster ARN (Data API)."
  value       = module.analytics.cluster_arn
}
