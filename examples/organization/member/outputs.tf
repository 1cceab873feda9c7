output "function_name" {
  description = "Sender function of this account."
  value       = module.sender.function_name
}

output "upload_prefix" {
  description = "Where this account's files land."
  value       = module.sender.upload_prefix
}
