#------------------------------------------------------------------------------
# Organization roster: a scheduled function (same analytics zip) that reads the organization's
# accounts through the read-only role modules/organization creates in the management account,
# stores them in Aurora and publishes SilentAccounts (expected accounts that stopped reporting or
# never reported). Created only when organization_roster_role_arn is set.
#------------------------------------------------------------------------------

locals {
  create_roster        = var.organization_roster_role_arn != null
  roster_function_name = "${var.name}-roster"

  # Merged into the module's alarm definitions (alarms.tf, which adds the shared defaults) when
  # the roster function exists. (A filter, not a conditional: the two definitions differ in shape.)
  roster_alarms = { for key, alarm in {
    silent-accounts = {
      description = "Accounts of the organization are expected to report but sent nothing for more than ${var.silent_after_hours} hours, or never reported. The roster function's log lists them; so do v_collection_health_silent and the report's collection health."
      namespace   = var.metrics_namespace
      metric_name = "SilentAccounts"
      dimensions  = { service = "roster" }
      statistic   = "Maximum"
      period      = 86400
    }
    roster-errors = {
      description = "The roster function failed (for example the roster role in the management account does not exist yet or does not trust it): the roster and SilentAccounts are stale."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = local.roster_function_name }
      statistic   = "Sum"
    }
  } : key => alarm if local.create_roster }
}

resource "aws_cloudwatch_log_group" "roster" {
  count = local.create_roster ? 1 : 0

  name              = "/aws/lambda/${local.roster_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "roster" {
  count = local.create_roster ? 1 : 0

  name               = local.roster_function_name
  description        = "Roster Lambda of ${var.name}: reads the organization's accounts into Aurora"
  assume_role_policy = local.lambda_assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "roster" {
  count = local.create_roster ? 1 : 0

  name = "roster"
  role = aws_iam_role.roster[0].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.roster[0].arn}:*"
      },
      local.xray_statement,
      {
        Sid      = "AssumeRosterRole"
        Effect   = "Allow"
        Action   = "sts:AssumeRole"
        Resource = var.organization_roster_role_arn
      },
      {
        Sid      = "AnalyticsKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.this.arn
      },
      local.rds_data_statement,
      local.secret_statement,
    ]
  })
}

resource "aws_lambda_function" "roster" {
  count = local.create_roster ? 1 : 0

  #checkov:skip=CKV_AWS_116:Invoked asynchronously by its daily schedule with retries disabled (aws_lambda_function_event_invoke_config); a failure raises the roster-errors alarm, and the next day's run replaces a lost one, so a DLQ would hold nothing to replay.
  #checkov:skip=CKV_AWS_117:Reaches Organizations, STS and Aurora (Data API) over HTTPS; VPC attachment would only add NAT/endpoint cost.
  #checkov:skip=CKV_AWS_272:Code signing is optional (code_signing_config_arn, off by default): it needs zips signed with AWS Signer, which the release does not produce. source_code_hash does not replace it: Terraform uses it to decide when to update the code, Lambda never checks it.
  #checkov:skip=CKV_AWS_115:Invoked once a day by one EventBridge rule with retries off, and a refresh replaces the roster in one transaction; reserving concurrency would fail in accounts at the 10-execution minimum.
  function_name = local.roster_function_name
  description   = "Refreshes the organization roster and counts expected accounts that are silent"
  role          = aws_iam_role.roster[0].arn
  handler       = "receiver.roster_handler.lambda_handler"
  runtime       = local.runtime
  architectures = [var.architecture]
  timeout       = 900 # Organizations throttles: about 2 calls per account, retried with backoff
  memory_size   = 256
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
    log_group  = aws_cloudwatch_log_group.roster[0].name
  }

  environment {
    variables = merge(
      local.database_environment,
      local.powertools_environment,
      {
        POWERTOOLS_SERVICE_NAME = "roster"
        ROSTER_ROLE_ARN         = var.organization_roster_role_arn
        SILENT_AFTER_HOURS      = tostring(var.silent_after_hours)
      },
      var.organization_roster_external_id == null ? {} : {
        ROSTER_EXTERNAL_ID = var.organization_roster_external_id
      },
    )
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.analytics_package_path == null) != (var.analytics_package_s3 == null)
      error_message = local.package_error
    }
  }

  depends_on = [aws_iam_role_policy.roster]
}

# A scheduled (asynchronous) invocation that fails is not retried: a missing role fails the same
# way every time, and tomorrow's run refreshes the roster anyway.
resource "aws_lambda_function_event_invoke_config" "roster" {
  count = local.create_roster ? 1 : 0

  function_name                = aws_lambda_function.roster[0].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}

resource "aws_cloudwatch_event_rule" "roster" {
  count = local.create_roster ? 1 : 0

  name                = local.roster_function_name
  description         = "Refresh the organization roster of ${var.name}"
  schedule_expression = var.roster_schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "roster" {
  count = local.create_roster ? 1 : 0

  rule      = aws_cloudwatch_event_rule.roster[0].name
  target_id = "roster"
  arn       = aws_lambda_function.roster[0].arn
}

resource "aws_lambda_permission" "roster" {
  count = local.create_roster ? 1 : 0

  statement_id  = "AllowScheduledRosterRefresh"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.roster[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.roster[0].arn
}
