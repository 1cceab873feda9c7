data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # `id` holds the region name in both the 5.x and 6.x providers (`name` is deprecated in 6.x).
  region = data.aws_region.current.id

  runtime = "python3.13"

  function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.name}"

  package_hash = (
    var.sender_package_sha256 != null ? var.sender_package_sha256 :
    var.sender_package_path != null ? (
      fileexists(var.sender_package_path) ? filebase64sha256(var.sender_package_path) : null
    ) : null
  )

  # Collectors and the read-only IAM actions they need (single source: collector-actions.json).
  collector_actions   = jsondecode(file("${path.module}/collector-actions.json")).collectors
  known_collectors    = sort(keys(local.collector_actions))
  unknown_collectors  = setsubtract(var.collectors, local.known_collectors)
  enabled_collectors  = length(var.collectors) == 0 ? local.known_collectors : sort(var.collectors)
  granted_iam_actions = sort(distinct(flatten([for c in local.enabled_collectors : lookup(local.collector_actions, c, [])])))

  regions = length(var.regions) == 0 ? [local.region] : var.regions

  default_schedule_expressions = {
    DAILY   = "cron(0 2 * * ? *)"
    WEEKLY  = "cron(0 3 ? * MON *)"
    MONTHLY = "cron(0 4 1 * ? *)"
    YEARLY  = "cron(0 5 1 1 ? *)"
  }
  schedule_expressions = merge(local.default_schedule_expressions, var.schedule_expressions)
  schedules            = { for i in var.intervals : i => local.schedule_expressions[i] }
}

#------------------------------------------------------------------------------
# Function
#------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to an SQS on-failure destination (aws_lambda_function_event_invoke_config), which records the error as well as the event.
  #checkov:skip=CKV_AWS_117:Calls public AWS APIs in several regions and uploads to another account's bucket; VPC attachment would only add NAT/endpoint cost.
  #checkov:skip=CKV_AWS_272:Code signing is not configured: the zip is built reproducibly by `make package` and its SHA-256 is pinned by source_code_hash.
  function_name = var.name
  description   = "Collects account data (${join(", ", var.intervals)}) and uploads it to the analytics bucket"
  role          = aws_iam_role.this.arn
  handler       = "sender.handler.lambda_handler"
  runtime       = local.runtime
  architectures = [var.architecture]
  timeout       = var.timeout
  memory_size   = var.memory_size
  kms_key_arn   = local.kms_key_arn

  filename          = var.sender_package_path
  s3_bucket         = try(var.sender_package_s3.bucket, null)
  s3_key            = try(var.sender_package_s3.key, null)
  s3_object_version = try(var.sender_package_s3.version, null)
  source_code_hash  = local.package_hash

  reserved_concurrent_executions = coalesce(var.reserved_concurrency, -1)

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  environment {
    variables = {
      REGION                       = var.analytics_region
      BUCKET                       = var.analytics_bucket_name
      ANALYTICS_KMS_KEY            = var.analytics_kms_key_arn
      SENDER_REGIONS               = join(",", local.regions)
      SENDER_COLLECTORS            = join(",", var.collectors)
      POWERTOOLS_SERVICE_NAME      = "sender"
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      LOG_LEVEL                    = var.log_level
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.sender_package_path == null) != (var.sender_package_s3 == null)
      error_message = "Exactly one of sender_package_path and sender_package_s3 must be set."
    }
    precondition {
      condition     = length(local.unknown_collectors) == 0
      error_message = "Unknown collectors: ${join(", ", sort(local.unknown_collectors))}. Known: ${join(", ", local.known_collectors)}."
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
  name                              = "${var.name}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
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
  description         = "Runs the ${var.name} sender for the ${each.key} interval"
  schedule_expression = each.value
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = local.schedules

  rule      = aws_cloudwatch_event_rule.schedule[each.key].name
  target_id = "sender"
  arn       = aws_lambda_function.this.arn
  input     = jsonencode({ interval = each.key })
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
