#------------------------------------------------------------------------------
# Alarms -> SNS topic (created, KMS-encrypted, unless alarm_topic_arn is given)
#------------------------------------------------------------------------------

locals {
  create_topic    = var.create_alarms && var.alarm_topic_arn == null
  alarm_topic_arn = var.create_alarms ? coalesce(var.alarm_topic_arn, try(aws_sns_topic.alarms[0].arn, null)) : null
  alarm_actions   = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]

  # Each alarm fires on any non-zero value of its metric within five minutes, unless its
  # definition below says otherwise; a definition holds only what sets it apart.
  alarm_defaults = {
    period              = 300
    evaluation_periods  = 1
    comparison_operator = "GreaterThanThreshold"
    threshold           = 0
    treat_missing_data  = "notBreaching"
  }

  # alarm name suffix -> definition; aws_cloudwatch_metric_alarm.this creates one alarm each.
  alarm_definitions = merge(
    {
      dlq-messages = {
        description = "Upload notifications reached the dead-letter queue: files were not loaded after ${var.max_receive_count} attempts. Inspect the receiver logs, fix, then redrive the DLQ."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = aws_sqs_queue.uploads_dlq.name }
        statistic   = "Maximum"
      }
      queue-oldest-message = {
        description = "The oldest upload notification has waited more than ${var.oldest_message_age_alarm_seconds} seconds: the receiver is failing, throttled or too slow."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = aws_sqs_queue.uploads.name }
        statistic   = "Maximum"
        threshold   = var.oldest_message_age_alarm_seconds
      }
      receiver-errors = {
        description = "The receiver Lambda raised errors (not per-file failures, which go to failed/)."
        namespace   = "AWS/Lambda"
        metric_name = "Errors"
        dimensions  = { FunctionName = aws_lambda_function.receiver.function_name }
        statistic   = "Sum"
      }
      migration-errors = {
        description = "The migration Lambda failed: on apply, the database schema is behind the deployed code; on its daily maintenance run, partitions ahead, rollups or retention did not run (see its log)."
        namespace   = "AWS/Lambda"
        metric_name = "Errors"
        dimensions  = { FunctionName = aws_lambda_function.migration.function_name }
        statistic   = "Sum"
      }
    },
    var.create_no_uploads_alarm ? {
      no-uploads = {
        description         = "No file reached the upload queue for a day: senders are not running or cannot write to the bucket."
        namespace           = "AWS/SQS"
        metric_name         = "NumberOfMessagesSent"
        dimensions          = { QueueName = aws_sqs_queue.uploads.name }
        statistic           = "Sum"
        period              = 86400
        comparison_operator = "LessThanOrEqualToThreshold"
        treat_missing_data  = "breaching"
      }
    } : {},
    local.roster_alarms, # roster.tf: silent accounts and roster errors
    local.report_alarms, # reports.tf: the morning report failed
  )
  alarms = var.create_alarms ? { for key, alarm in local.alarm_definitions : key => merge(local.alarm_defaults, alarm) } : {}
}

# The statements every topic of the module carries (alarms, morning report summary): the
# account administers it, and nothing is published over plain HTTP.
locals {
  topic_policy_statements = {
    for key, arn in merge(
      local.create_topic ? { alarms = aws_sns_topic.alarms[0].arn } : {},
      local.create_report_topic ? { reports = aws_sns_topic.reports[0].arn } : {},
      ) : key => [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action = [
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:AddPermission",
          "sns:RemovePermission",
          "sns:DeleteTopic",
          "sns:Subscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:Publish",
        ]
        Resource = arn
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  }
}

resource "aws_sns_topic" "alarms" {
  count = local.create_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alarms" {
  count = local.create_topic ? 1 : 0

  arn = aws_sns_topic.alarms[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "CloudWatchAlarmsOfThisAccount"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms[0].arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ], local.topic_policy_statements["alarms"])
  })
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = local.create_topic ? toset(var.alarm_email_addresses) : toset([])

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
