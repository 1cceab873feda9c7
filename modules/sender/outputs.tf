output "function_name" {
  description = "Name of the sender Lambda function (invoke it with {\"interval\": \"DAILY\"} or {\"history\": true} by hand)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the sender Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the sender's execution role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the sender's execution role."
  value       = aws_iam_role.this.arn
}

output "dlq_arn" {
  description = "ARN of the on-failure destination queue of scheduled runs."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the on-failure destination queue of scheduled runs."
  value       = aws_sqs_queue.dlq.id
}

output "kms_key_arn" {
  description = "KMS key encrypting the log group, the DLQ and the environment (created or given)."
  value       = local.kms_key_arn
}

output "log_group_name" {
  description = "Log group of the sender function."
  value       = aws_cloudwatch_log_group.this.name
}

output "schedule_rule_arns" {
  description = "EventBridge rule ARNs, by interval."
  value       = { for k, r in aws_cloudwatch_event_rule.schedule : k => r.arn }
}

output "schedule_expressions" {
  description = "Schedule expression of each enabled interval."
  value       = tomap(module.spec.schedules)
}

output "enabled_collectors" {
  description = "Collectors the sender runs (all known collectors when the collectors input is empty)."
  value       = module.spec.enabled_collectors
}

output "granted_iam_actions" {
  description = "Read-only IAM actions granted for the enabled collectors."
  value       = module.spec.granted_iam_actions
}

output "upload_prefix" {
  description = "S3 URI prefix the sender writes to: s3://<bucket>/data/<this account id>/."
  value       = "s3://${var.analytics_bucket_name}/data/${local.account_id}/"
}

output "environment" {
  description = "Environment variables of the sender function."
  value       = module.spec.environment
}

output "first_run_parameter_name" {
  description = "SSM parameter the sender creates on its first run as a claim, so that its history backfill happens once (delete it to backfill again)."
  value       = module.spec.names.first_run_parameter_name
}
