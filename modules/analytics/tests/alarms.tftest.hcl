# The module's alarms (alarms.tf, roster.tf, reports.tf): one aws_cloudwatch_metric_alarm.this per definition,
# each definition merged over the shared defaults. The names and every setting are pinned here, so
# that a change to the definitions or the defaults that renames or retunes a deployed alarm fails.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

variables {
  name                         = "obs"
  vpc_id                       = "vpc-0123456789abcdef0"
  subnet_ids                   = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path       = "does-not-exist/analytics.zip"
  sender_account_ids           = ["222222222222"]
  organization_roster_role_arn = "arn:aws:iam::333333333333:role/observability-roster"
}

run "every_alarm_name_and_setting" {
  command = plan

  assert {
    condition = toset([for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]) == toset([
      "obs-dlq-messages",
      "obs-queue-oldest-message",
      "obs-receiver-errors",
      "obs-migration-errors",
      "obs-no-uploads",
      "obs-silent-accounts",
      "obs-roster-errors",
      "obs-report-errors",
    ])
    error_message = "The alarm names are <name>-<key>, eight with the roster and report functions: renaming one replaces a deployed alarm."
  }

  assert {
    condition = {
      for key, a in aws_cloudwatch_metric_alarm.this : key => [
        a.namespace, a.metric_name, a.dimensions, a.statistic, a.period, a.evaluation_periods,
        a.comparison_operator, a.threshold, a.treat_missing_data,
      ]
      } == {
      dlq-messages         = ["AWS/SQS", "ApproximateNumberOfMessagesVisible", tomap({ QueueName = "obs-uploads-dlq" }), "Maximum", 300, 1, "GreaterThanThreshold", 0, "notBreaching"]
      queue-oldest-message = ["AWS/SQS", "ApproximateAgeOfOldestMessage", tomap({ QueueName = "obs-uploads" }), "Maximum", 300, 1, "GreaterThanThreshold", 3600, "notBreaching"]
      receiver-errors      = ["AWS/Lambda", "Errors", tomap({ FunctionName = "obs-receiver" }), "Sum", 300, 1, "GreaterThanThreshold", 0, "notBreaching"]
      migration-errors     = ["AWS/Lambda", "Errors", tomap({ FunctionName = "obs-migrate" }), "Sum", 300, 1, "GreaterThanThreshold", 0, "notBreaching"]
      no-uploads           = ["AWS/SQS", "NumberOfMessagesSent", tomap({ QueueName = "obs-uploads" }), "Sum", 86400, 1, "LessThanOrEqualToThreshold", 0, "breaching"]
      silent-accounts      = ["MultiAccountObservability", "SilentAccounts", tomap({ service = "roster" }), "Maximum", 86400, 1, "GreaterThanThreshold", 0, "notBreaching"]
      roster-errors        = ["AWS/Lambda", "Errors", tomap({ FunctionName = "obs-roster" }), "Sum", 300, 1, "GreaterThanThreshold", 0, "notBreaching"]
      report-errors        = ["AWS/Lambda", "Errors", tomap({ FunctionName = "obs-report" }), "Sum", 300, 1, "GreaterThanThreshold", 0, "notBreaching"]
    }
    error_message = "Each alarm keeps its metric, statistic, period, evaluation periods, comparison, threshold and missing-data treatment."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["queue-oldest-message"].alarm_description == "The oldest upload notification has waited more than 3600 seconds: the receiver is failing, throttled or too slow." &&
      aws_cloudwatch_metric_alarm.this["queue-oldest-message"].alarm_actions == toset([aws_sns_topic.alarms[0].arn]) &&
      aws_cloudwatch_metric_alarm.this["queue-oldest-message"].ok_actions == toset([aws_sns_topic.alarms[0].arn])
    )
    error_message = "queue-oldest-message: its description names the threshold, and it notifies the topic on alarm and on OK."
  }
}

run "an_override_changes_only_its_own_setting" {
  command = plan

  variables {
    oldest_message_age_alarm_seconds = 900
    create_no_uploads_alarm          = false
    organization_roster_role_arn     = null
    report_enabled                   = false
  }

  assert {
    condition = (
      toset(keys(aws_cloudwatch_metric_alarm.this)) == toset(["dlq-messages", "queue-oldest-message", "receiver-errors", "migration-errors"]) &&
      aws_cloudwatch_metric_alarm.this["queue-oldest-message"].threshold == 900 &&
      aws_cloudwatch_metric_alarm.this["dlq-messages"].threshold == 0
    )
    error_message = "Without the roster, the report and the no-uploads alarm four alarms remain; the age threshold follows its variable and no other alarm's."
  }
}
