output "runtime" {
  description = "Lambda runtime of the sender."
  value       = local.runtime
}

output "handler" {
  description = "Lambda handler of the sender."
  value       = local.handler
}

output "function_description" {
  description = "Description of the function."
  value       = local.function_description
}

output "role_description" {
  description = "Description of the execution role."
  value       = local.role_description
}

output "default_timeout" {
  description = "Function timeout in seconds when none is given."
  value       = local.default_timeout
}

output "default_memory_size" {
  description = "Function memory in MB when none is given."
  value       = local.default_memory_size
}

output "environment" {
  description = "Environment variables of the function."
  value       = local.environment
}

output "schedules" {
  description = "Schedule expression of each enabled interval."
  value       = local.schedules
}

output "schedule_inputs" {
  description = "Input of each interval's schedule target (JSON)."
  value       = { for i, _ in local.schedules : i => jsonencode({ interval = i }) }
}

output "schedule_descriptions" {
  description = "Description of each interval's schedule rule."
  value       = { for i, _ in local.schedules : i => "Runs the ${var.name} sender for the ${i} interval" }
}

output "known_collectors" {
  description = "Every collector of collector-actions.json."
  value       = local.known_collectors
}

output "unknown_collectors" {
  description = "Requested collectors that collector-actions.json does not know (must be empty)."
  value       = local.unknown_collectors
}

output "enabled_collectors" {
  description = "Collectors the sender runs."
  value       = local.enabled_collectors
}

output "granted_iam_actions" {
  description = "Read-only IAM actions granted for the enabled collectors (without ce: in cost mode off)."
  value       = local.granted_iam_actions
}

output "assume_role_policy" {
  description = "Trust policy of the execution role (object)."
  value       = local.assume_role_policy
}

output "collectors_policy" {
  description = "Inline policy of the collectors' read-only actions (object)."
  value       = local.collectors_policy
}

output "sender_policy" {
  description = "Inline policy of the sender's own resources (object)."
  value       = local.sender_policy
}

output "inline_policies_length" {
  description = "Characters of both inline policies as JSON (IAM allows 10,240 per role)."
  value       = length(jsonencode(local.collectors_policy)) + length(jsonencode(local.sender_policy))
}

output "kms_key_policy" {
  description = "Policy of the sender's own KMS key (object)."
  value       = local.kms_key_policy
}

output "dlq_policy" {
  description = "Queue policy of the dead-letter queue: TLS only (object)."
  value       = local.dlq_policy
}

output "alarms" {
  description = "Alarm definitions by name suffix: description, namespace, metric_name, dimensions, statistic."
  value       = local.alarms
}

output "alarm_settings" {
  description = "Settings every alarm shares: period, evaluation_periods, comparison_operator, threshold, treat_missing_data."
  value       = local.alarm_common
}

output "names" {
  description = "Names and ARNs derived from the inputs: function_arn, log_group_name/arn, dlq_name/arn, first_run_parameter_name/arn, upload_resource."
  value = {
    function_arn             = local.function_arn
    log_group_name           = local.log_group_name
    log_group_arn            = local.log_group_arn
    dlq_name                 = local.dlq_name
    dlq_arn                  = local.dlq_arn
    first_run_parameter_name = local.first_run_parameter_name
    first_run_parameter_arn  = local.first_run_parameter_arn
    upload_resource          = local.upload_resource
  }
}
