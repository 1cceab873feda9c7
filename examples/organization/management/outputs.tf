output "stack_set_name" {
  description = "The sender StackSet (aws cloudformation list-stack-instances --stack-set-name ...)."
  value       = module.organization.stack_set_name
}

output "roster_role_arn" {
  description = "The roster role: ../analytics's organization_roster_role_arn (arn:aws:iam::<management account>:role/observability-roster)."
  value       = module.organization.roster_role_arn
}

output "management_sender" {
  description = "This account's own sender (organization cost mode)."
  value       = module.organization.management_sender
}
