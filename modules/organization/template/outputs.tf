output "template_json" {
  description = "The CloudFormation template of the member sender (JSON)."
  value       = local.template_json
}

output "environment" {
  description = "Environment variables of the member sender function."
  value       = module.spec.environment
}

output "schedules" {
  description = "Schedule expression of each enabled interval."
  value       = module.spec.schedules
}

output "granted_iam_actions" {
  description = "Read-only IAM actions the member senders are granted."
  value       = module.spec.granted_iam_actions
}

output "unknown_collectors" {
  description = "Requested collectors that collector-actions.json does not know (must be empty)."
  value       = module.spec.unknown_collectors
}

output "known_collectors" {
  description = "Every collector of collector-actions.json."
  value       = module.spec.known_collectors
}

output "inline_policies_length" {
  description = "Characters of the role's two inline policies (IAM allows 10,240 per role)."
  value       = module.spec.inline_policies_length
}
