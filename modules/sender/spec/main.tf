#------------------------------------------------------------------------------
# What a sender is, written once: modules/sender deploys it with Terraform
# resources and modules/organization/template renders it as a CloudFormation
# template for the StackSet. No resources, no provider: every output is
# computed from the inputs and collector-actions.json.
#------------------------------------------------------------------------------

locals {
  runtime              = "python3.13"
  handler              = "sender.handler.lambda_handler"
  function_description = "Collects account data (${join(", ", var.intervals)}) and uploads it to the analytics bucket"
  role_description     = "Sender Lambda of ${var.name}: reads account data, uploads it to the analytics bucket"

  default_timeout     = 900
  default_memory_size = 1024

  default_schedule_expressions = {
    DAILY   = "cron(0 2 * * ? *)"
    WEEKLY  = "cron(0 3 ? * MON *)"
    MONTHLY = "cron(0 4 1 * ? *)"
    YEARLY  = "cron(0 5 1 1 ? *)"
  }
  schedule_expressions = merge(local.default_schedule_expressions, var.schedule_expressions)
  schedules            = { for i in var.intervals : i => local.schedule_expressions[i] }

  # Collectors and the read-only IAM actions they need (single source: collector-actions.json).
  collector_actions  = jsondecode(file("${path.module}/../collector-actions.json")).collectors
  known_collectors   = sort(keys(local.collector_actions))
  unknown_collectors = sort(setsubtract(var.collectors, local.known_collectors))
  enabled_collectors = length(var.collectors) == 0 ? local.known_collectors : sort(var.collectors)
  # cost_mode "off": the organization collects Cost Explorer data, so this sender gets no ce: action.
  granted_iam_actions = sort([
    for a in distinct(flatten([for c in local.enabled_collectors : lookup(local.collector_actions, c, [])])) : a
    if !(var.cost_mode == "off" && startswith(a, "ce:"))
  ])

  regions = length(var.regions) == 0 ? [var.region] : var.regions

  # Deterministic names and ARNs (the same in Terraform and in CloudFormation).
  log_group_name           = "/aws/lambda/${var.name}"
  dlq_name                 = "${var.name}-dlq"
  first_run_parameter_name = "/${var.name}/first-run-backfill"
  function_arn             = "arn:${var.partition}:lambda:${var.region}:${var.account_id}:function:${var.name}"
  log_group_arn            = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${local.log_group_name}"
  dlq_arn                  = "arn:${var.partition}:sqs:${var.region}:${var.account_id}:${local.dlq_name}"
  first_run_parameter_arn  = "arn:${var.partition}:ssm:${var.region}:${var.account_id}:parameter${local.first_run_parameter_name}"
  upload_resource          = "arn:${var.partition}:s3:::${var.analytics_bucket_name}/data/${var.account_id}/*"

  environment = {
    REGION                           = var.analytics_region
    BUCKET                           = var.analytics_bucket_name
    ANALYTICS_KMS_KEY                = var.analytics_kms_key_arn
    SENDER_REGIONS                   = join(",", local.regions)
    SENDER_COLLECTORS                = join(",", var.collectors)
    SENDER_COLLECTOR_METRICS         = var.detailed_metrics ? "true" : "false"
    SENDER_FIRST_RUN_BACKFILL_MONTHS = tostring(var.first_run_backfill_months)
    SENDER_FIRST_RUN_PARAMETER       = local.first_run_parameter_name
    SENDER_COST_MODE                 = var.cost_mode
    SENDER_COST_TAG_KEYS             = join(",", var.cost_tag_keys)
    SENDER_ACCOUNT_LABELS            = jsonencode(var.account_labels)
    POWERTOOLS_SERVICE_NAME          = "sender"
    POWERTOOLS_METRICS_NAMESPACE     = var.metrics_namespace
    POWERTOOLS_METRICS_DISABLED      = var.publish_metrics ? "false" : "true"
    LOG_LEVEL                        = var.log_level
  }

  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  }

  collectors_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadOnlyCollectors"
      Effect   = "Allow"
      Action   = local.granted_iam_actions
      Resource = "*"
    }]
  }

  # Execution role: one upload prefix, the analytics key for encryption only, its own DLQ, key,
  # log group and itself (history continuation), and the first-run claim parameter.
  sender_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "Logs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "${local.log_group_arn}:*"
        },
        {
          Sid      = "XRay"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = "*"
        },
        {
          Sid      = "UploadToOwnPrefix"
          Effect   = "Allow"
          Action   = "s3:PutObject"
          Resource = local.upload_resource
        },
        {
          Sid      = "EncryptUploads"
          Effect   = "Allow"
          Action   = ["kms:GenerateDataKey", "kms:Encrypt"]
          Resource = var.analytics_kms_key_arn
        },
        {
          Sid      = "ContinueHistoryRun"
          Effect   = "Allow"
          Action   = "lambda:InvokeFunction"
          Resource = local.function_arn
        },
        {
          Sid      = "OnFailureDestination"
          Effect   = "Allow"
          Action   = "sqs:SendMessage"
          Resource = local.dlq_arn
        },
        {
          Sid      = "SenderKey"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = var.kms_key_arn
        },
      ],
      var.first_run_backfill_months > 0 ? [
        {
          # The first run creates this parameter as a claim, so the backfill happens once.
          Sid      = "FirstRunClaim"
          Effect   = "Allow"
          Action   = ["ssm:PutParameter", "ssm:DeleteParameter"]
          Resource = local.first_run_parameter_arn
        },
      ] : [],
    )
  }

  kms_key_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.${var.dns_suffix}" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:*"
          }
        }
      },
    ]
  }

  # The dead-letter queue refuses requests without TLS. Only the function's role sends to it,
  # through its identity policy (OnFailureDestination), so the queue policy grants nothing.
  dlq_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = local.dlq_arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  }

  # Each alarm fires on any non-zero value within five minutes.
  alarm_common = {
    period              = 300
    evaluation_periods  = 1
    comparison_operator = "GreaterThanThreshold"
    threshold           = 0
    treat_missing_data  = "notBreaching"
  }
  alarms = {
    errors = {
      description = "The sender Lambda failed: a collection run for this account may be missing."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = var.name }
      statistic   = "Sum"
    }
    dlq-messages = {
      description = "A scheduled sender run failed after its retries and was sent to the DLQ."
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = local.dlq_name }
      statistic   = "Maximum"
    }
  }
}
