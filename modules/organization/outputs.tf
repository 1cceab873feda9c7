output "stack_set_name" {
  description = "Name of the sender StackSet."
  value       = aws_cloudformation_stack_set.sender.name
}

output "stack_set_arn" {
  description = "ARN of the sender StackSet."
  value       = aws_cloudformation_stack_set.sender.arn
}

output "stack_set_id" {
  description = "Id of the sender StackSet."
  value       = aws_cloudformation_stack_set.sender.stack_set_id
}

output "home_region" {
  description = "Region of every member account's sender."
  value       = local.home_region
}

output "template_json" {
  description = "The rendered CloudFormation template of the member sender (JSON)."
  value       = module.template.template_json
}

output "member_environment" {
  description = "Environment variables of the member senders."
  value       = module.template.environment
}

output "roster_role_arn" {
  description = "ARN of the read-only roster role (give it to the analytics module's roster input). null when create_roster_role is false."
  value       = try(aws_iam_role.roster[0].arn, null)
}

output "management_sender" {
  description = "The management account's sender (function_name, function_arn, role_arn, dlq_arn), or null when deploy_management_sender is false."
  value = var.deploy_management_sender ? {
    function_name = module.management_sender[0].function_name
    function_arn  = module.management_sender[0].function_arn
    role_arn      = module.management_sender[0].role_arn
    dlq_arn       = module.management_sender[0].dlq_arn
  } : null
}
