data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # `id` holds the region name in both the 5.x and 6.x providers (`name` is deprecated in 6.x).
  region = data.aws_region.current.id

  function_arn = module.spec.names.function_arn

  package_hash = (
    var.sender_package_sha256 != null ? var.sender_package_sha256 :
    var.sender_package_path != null ? (
      fileexists(var.sender_package_path) ? filebase64sha256(var.sender_package_path) : null
    ) : null
  )

  schedules = module.spec.schedules
}

# Environment, schedules, actions and policies: shared with the organization's StackSet template.
module "spec" {
  source = "./spec"

  account_id  = local.account_id
  partition   = local.partition
  region      = local.region
  dns_suffix  = data.aws_partition.current.dns_suffix
  kms_key_arn = local.kms_key_arn

  name                      = var.name
  analytics_bucket_name     = var.analytics_bucket_name
  analytics_kms_key_arn     = var.analytics_kms_key_arn
  analytics_region          = var.analytics_region
  regions                   = var.regions
  collectors                = var.collectors
  intervals                 = var.intervals
  schedule_expressions      = var.schedule_expressions
  log_level                 = var.log_level
  metrics_namespace         = var.metrics_namespace
  detailed_metrics          = var.detailed_metrics
  publish_metrics           = var.publish_metrics
  first_run_backfill_months = var.first_run_backfill_months
  cost_mode                 = var.cost_mode
  cost_tag_keys             = var.cost_tag_keys
  account_labels            = var.account_labels
}

#------------------------------------------------------------------------------
# Function
#------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = module.spec.names.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to an SQS on-failure destination (aws_lambda_function_event_invoke_config), which records the error as well as the event.
  #checkov:skip=CKV_AWS_117:Calls public AWS APIs in several regions and uploads to another account's bucket; VPC attachment would only add NAT/endpoint cost.
  #checkov:skip=CKV_AWS_272:Code signing is optional (code_signing_config_arn, off by default): it needs zips signed with AWS Signer, which the release does not produce. source_code_hash does not replace it: Terraform uses it to decide when to update the code, Lambda never checks it.
  function_name = var.name
  description   = module.spec.function_description
  role          = aws_iam_role.this.arn
  handler       = module.spec.handler
  runtime       = module.spec.runtime
  architectures = [var.architecture]
  timeout       = coalesce(var.timeout, module.spec.default_timeout)
  memory_size   = coalesce(var.memory_size, module.spec.default_memory_size)
  kms_key_arn   = local.kms_key_arn

  filename          = var.sender_package_path
  s3_bucket         = try(var.sender_package_s3.bucket, null)
  s3_key            = try(var.sender_package_s3.key, null)
  s3_object_version = try(var.sender_package_s3.version, null)
  source_code_hash  = local.package_hash

  code_signing_config_arn = var.code_signing_config_arn

  reserved_concurrent_executions = coalesce(var.reserved_concurrency, -1)

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  environment {
    variables = module.spec.environment
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.sender_package_path == null) != (var.sender_package_s3 == null)
      error_message = "Exactly one of sender_package_path and sender_package_s3 must be set."
    }
    precondition {
      condition     = length(module.spec.unknown_collectors) == 0
      error_message = "Unknown collectors: ${join(", ", module.spec.unknown_collectors)}. Known: ${join(", ", module.spec.known_collectors)}."
    }
    precondition {
      # A precondition, not a validation: validations may reference other variables only from Terraform 1.9.
      condition     = var.publish_metrics || !var.detailed_metrics
      error_message = "detailed_metrics = true with publish_metrics = false is contradictory: per-collector metrics cannot be published while custom metrics are disabled. Set one of them differently."
    }
  }

  depends_on = [
    aws_iam_role_policy.sender,
    aws_iam_role_policy.collectors,
  ]
}

#------------------------------------------------------------------------------
# Failed scheduled runs -> DLQ
#------------------------------------------------------------------------------

resource "aws_sqs_queue" "dlq" {
  name                              = module.spec.names.dlq_name
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = jsonencode(module.spec.dlq_policy)
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }
}

#------------------------------------------------------------------------------
# Schedules: one EventBridge rule per enabled interval
#------------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = local.schedules

  name                = "${var.name}-${lower(each.key)}"
  description         = module.spec.schedule_descriptions[each.key]
  schedule_expression = each.value
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = local.schedules

  rule      = aws_cloudwatch_event_rule.schedule[each.key].name
  target_id = "sender"
  arn       = aws_lambda_function.this.arn
  input     = module.spec.schedule_inputs[each.key]
}

resource "aws_lambda_permission" "schedule" {
  for_each = local.schedules

  statement_id   = "schedule-${lower(each.key)}"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.schedule[each.key].arn
  source_account = local.account_id
}
