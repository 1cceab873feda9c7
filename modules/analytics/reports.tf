#------------------------------------------------------------------------------
# Morning report: a scheduled function (same analytics zip, report.scheduled) that renders the
# HTML report (the code of `python -m report`) as the READ-ONLY reader role into the data bucket
# under reports/<UTC date>.html, SSE-KMS with the analytics key, expired by the bucket's
# reports-expiration lifecycle rule (s3.tf). Optionally it publishes a short plain-text summary
# to an SNS topic the module creates, encrypted with the analytics key. On by default
# (report_enabled): one short run a day costs cents a month (docs/cost.md).
#------------------------------------------------------------------------------

locals {
  create_report         = var.report_enabled
  create_report_topic   = var.report_enabled && (var.create_report_summary_topic || length(var.report_summary_email_addresses) > 0)
  report_function_name  = "${var.name}-report"
  report_topic_name     = "${var.name}-reports"
  reports_prefix        = "reports/" # contract/layout.py REPORTS_PREFIX
  reader_secret_arn     = local.database_role_secret_arns["reader"]
  report_topic_arn_name = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.report_topic_name}"

  # Merged into the module's alarm definitions (alarms.tf) when the function exists.
  report_alarms = { for key, alarm in {
    report-errors = {
      description = "The morning report function failed: today's reports/<date>.html (and its summary) is missing. Its log says why; rerun it with aws lambda invoke --function-name ${local.report_function_name} once fixed."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = local.report_function_name }
      statistic   = "Sum"
    }
  } : key => alarm if local.create_report }
}

resource "aws_cloudwatch_log_group" "report" {
  count = local.create_report ? 1 : 0

  name              = "/aws/lambda/${local.report_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "report" {
  count = local.create_report ? 1 : 0

  name               = local.report_function_name
  description        = "Morning report Lambda of ${var.name}: reads the views as the reader role, writes reports/"
  assume_role_policy = local.lambda_assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "report" {
  count = local.create_report ? 1 : 0

  name = "report"
  role = aws_iam_role.report[0].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "Logs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "${aws_cloudwatch_log_group.report[0].arn}:*"
        },
        local.xray_statement,
        # The report only reads: one statement at a time, no transaction, no batch.
        {
          Sid      = "DataApiRead"
          Effect   = "Allow"
          Action   = "rds-data:ExecuteStatement"
          Resource = local.cluster_arn
        },
        {
          # The reader role's secret (SELECT on the views), never the loader's or the master's.
          Sid      = "ReaderSecret"
          Effect   = "Allow"
          Action   = "secretsmanager:GetSecretValue"
          Resource = local.reader_secret_arn
        },
        {
          # The secret is encrypted with the analytics key: decrypt it only through Secrets
          # Manager, and only that secret.
          Sid      = "ReaderSecretKey"
          Effect   = "Allow"
          Action   = "kms:Decrypt"
          Resource = aws_kms_key.this.arn
          Condition = {
            StringEquals = {
              "kms:ViaService"                  = "secretsmanager.${local.region}.${local.dns_suffix}"
              "kms:EncryptionContext:SecretARN" = local.reader_secret_arn
            }
          }
        },
        {
          # Writes (and a same-day rerun's overwrite) under reports/ only; no read, list or delete.
          Sid      = "WriteReports"
          Effect   = "Allow"
          Action   = "s3:PutObject"
          Resource = "${local.bucket_arn}/${local.reports_prefix}*"
        },
        {
          # SSE-KMS of the page: the key only through S3, only for this bucket's reports/ (with a
          # bucket key S3 uses the bucket ARN as encryption context).
          Sid      = "ReportsKeyViaS3"
          Effect   = "Allow"
          Action   = "kms:GenerateDataKey"
          Resource = aws_kms_key.this.arn
          Condition = {
            StringEquals = { "kms:ViaService" = "s3.${local.region}.${local.dns_suffix}" }
            StringLike = {
              "kms:EncryptionContext:aws:s3:arn" = [local.bucket_arn, "${local.bucket_arn}/${local.reports_prefix}*"]
            }
          }
        },
      ],
      # (a filter, not a conditional: the two branches differ in shape)
      [for s in [
        {
          Sid      = "PublishSummary"
          Effect   = "Allow"
          Action   = "sns:Publish"
          Resource = local.report_topic_arn_name
        },
        {
          # Publishing to a KMS-encrypted topic: the key only through SNS, only for this topic.
          Sid      = "SummaryKeyViaSns"
          Effect   = "Allow"
          Action   = ["kms:GenerateDataKey*", "kms:Decrypt"]
          Resource = aws_kms_key.this.arn
          Condition = {
            StringEquals = {
              "kms:ViaService"                         = "sns.${local.region}.${local.dns_suffix}"
              "kms:EncryptionContext:aws:sns:topicArn" = local.report_topic_arn_name
            }
          }
        },
      ] : s if local.create_report_topic],
    )
  })
}

resource "aws_lambda_function" "report" {
  count = local.create_report ? 1 : 0

  #checkov:skip=CKV_AWS_116:Invoked asynchronously by its daily schedule with retries disabled (aws_lambda_function_event_invoke_config); a failure raises the report-errors alarm and a rerun (aws lambda invoke) replaces the day's page, so a DLQ would hold nothing to replay.
  #checkov:skip=CKV_AWS_117:Reaches Aurora through the RDS Data API, S3 and SNS over HTTPS; VPC attachment would only add NAT/endpoint cost.
  #checkov:skip=CKV_AWS_272:Code signing is optional (code_signing_config_arn, off by default): it needs zips signed with AWS Signer, which the release does not produce. source_code_hash does not replace it: Terraform uses it to decide when to update the code, Lambda never checks it.
  #checkov:skip=CKV_AWS_115:Invoked once a day by one EventBridge rule with retries off, and only reads; reserving concurrency would fail in accounts at the 10-execution minimum.
  function_name = local.report_function_name
  description   = "Renders the HTML report into reports/<date>.html and publishes its summary"
  role          = aws_iam_role.report[0].arn
  handler       = "report.scheduled.lambda_handler"
  runtime       = local.runtime
  architectures = [var.architecture]
  timeout       = 300 # a paused Aurora resumes in seconds; the Data API calls retry within this
  memory_size   = 512
  kms_key_arn   = aws_kms_key.this.arn

  filename          = var.analytics_package_path
  s3_bucket         = try(var.analytics_package_s3.bucket, null)
  s3_key            = try(var.analytics_package_s3.key, null)
  s3_object_version = try(var.analytics_package_s3.version, null)
  source_code_hash  = local.package_hash

  code_signing_config_arn = var.code_signing_config_arn

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.report[0].name
  }

  environment {
    variables = merge(
      local.database_environment,
      local.powertools_environment,
      {
        POWERTOOLS_SERVICE_NAME = "report"
        AURORA_SECRET_ARN       = local.reader_secret_arn # the read-only role, not the loader
        BUCKET                  = local.bucket_name
        ANALYTICS_KMS_KEY       = aws_kms_key.this.arn
        REPORT_DAYS             = tostring(var.report_days)
        REPORT_COST_BASIS       = var.report_cost_basis
        REPORT_GROUP_BY         = var.report_group_by
        NEW_FINDINGS_HOURS      = tostring(var.report_new_findings_hours)
      },
      local.create_report_topic ? { REPORT_TOPIC_ARN = aws_sns_topic.reports[0].arn } : {},
    )
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.analytics_package_path == null) != (var.analytics_package_s3 == null)
      error_message = local.package_error
    }
  }

  depends_on = [aws_iam_role_policy.report]
}

# A failed morning run is not retried automatically: the usual causes (a schema behind the code,
# permissions) fail the same way again; the alarm fires and a manual invoke reruns the same day.
resource "aws_lambda_function_event_invoke_config" "report" {
  count = local.create_report ? 1 : 0

  function_name                = aws_lambda_function.report[0].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}

resource "aws_cloudwatch_event_rule" "report" {
  count = local.create_report ? 1 : 0

  name                = local.report_function_name
  description         = "Render the morning report of ${var.name}"
  schedule_expression = var.report_schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "report" {
  count = local.create_report ? 1 : 0

  rule      = aws_cloudwatch_event_rule.report[0].name
  target_id = "report"
  arn       = aws_lambda_function.report[0].arn
}

resource "aws_lambda_permission" "report" {
  count = local.create_report ? 1 : 0

  statement_id  = "AllowScheduledReport"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.report[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.report[0].arn
}

#------------------------------------------------------------------------------
# Summary topic (opt-in): encrypted with the analytics key; e-mail subscriptions optional (any
# other subscriber, e.g. AWS Chatbot, can subscribe to the report_summary_topic_arn output).
#------------------------------------------------------------------------------

resource "aws_sns_topic" "reports" {
  count = local.create_report_topic ? 1 : 0

  name              = local.report_topic_name
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "reports" {
  count = local.create_report_topic ? 1 : 0

  arn = aws_sns_topic.reports[0].arn
  # Account administration and TLS only (alarms.tf); publishing needs an identity policy too
  # (the report role's PublishSummary).
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.topic_policy_statements["reports"]
  })
}

resource "aws_sns_topic_subscription" "report_email" {
  for_each = local.create_report_topic ? toset(var.report_summary_email_addresses) : toset([])

  topic_arn = aws_sns_topic.reports[0].arn
  protocol  = "email"
  endpoint  = each.value
}
