# The organization roster function (roster.tf): created only with organization_roster_role_arn,
# least privilege, scheduled, no retries, and alarmed on SilentAccounts; checked on the plan with a
# mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_cloudwatch_event_rule.roster
  override_during = plan
  values = {
    arn = "arn:aws:events:eu-west-1:111111111111:rule/obs-roster"
  }
}

variables {
  name                   = "obs"
  vpc_id                 = "vpc-0123456789abcdef0"
  subnet_ids             = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_account_ids     = ["222222222222"]
}

run "no_roster_function_by_default" {
  command = plan

  assert {
    condition = (
      length(aws_lambda_function.roster) == 0 &&
      length(aws_iam_role.roster) == 0 &&
      length(aws_cloudwatch_event_rule.roster) == 0 &&
      output.roster_function_name == null &&
      output.roster_function_role_arn == null &&
      !contains(keys(aws_cloudwatch_metric_alarm.this), "silent-accounts")
    )
    error_message = "Without organization_roster_role_arn there is no roster function, schedule or alarm."
  }
}

run "roster_function_when_the_role_is_given" {
  command = plan

  variables {
    organization_roster_role_arn    = "arn:aws:iam::333333333333:role/observability-roster"
    organization_roster_external_id = "obs-roster-1"
    silent_after_hours              = 48
    roster_schedule_expression      = "cron(0 3 * * ? *)"
  }

  assert {
    condition = (
      aws_lambda_function.roster[0].function_name == "obs-roster" &&
      aws_lambda_function.roster[0].handler == "receiver.roster_handler.lambda_handler" &&
      aws_lambda_function.roster[0].filename == "does-not-exist/analytics.zip" &&
      aws_lambda_function.roster[0].kms_key_arn == aws_kms_key.this.arn &&
      aws_lambda_function.roster[0].timeout == 900
    )
    error_message = "The roster function runs the roster handler of the analytics zip, encrypted."
  }

  assert {
    condition = (
      aws_lambda_function.roster[0].environment[0].variables.ROSTER_ROLE_ARN == "arn:aws:iam::333333333333:role/observability-roster" &&
      aws_lambda_function.roster[0].environment[0].variables.ROSTER_EXTERNAL_ID == "obs-roster-1" &&
      aws_lambda_function.roster[0].environment[0].variables.SILENT_AFTER_HOURS == "48" &&
      aws_lambda_function.roster[0].environment[0].variables.POWERTOOLS_SERVICE_NAME == "roster" &&
      aws_lambda_function.roster[0].environment[0].variables.AURORA_CLUSTER_ARN == "arn:aws:rds:eu-west-1:111111111111:cluster:obs" &&
      aws_lambda_function.roster[0].environment[0].variables.DB_NAME == "core"
    )
    error_message = "The roster function gets the role, external id, threshold and database settings."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Sid
    ]) == toset(["Logs", "XRay", "AssumeRosterRole", "AnalyticsKey", "DataApi", "DatabaseSecret"])
    error_message = "The roster function gets only logs, X-Ray, the roster role, the key, the Data API and the secret."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s
      if s.Sid == "AssumeRosterRole"
      ]) == {
      Sid      = "AssumeRosterRole"
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = "arn:aws:iam::333333333333:role/observability-roster"
    }
    error_message = "The roster function may assume exactly the roster role."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Resource != "*" || s.Sid == "XRay"
    ])
    error_message = "Only X-Ray (no resource-level permissions) may use Resource *."
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.roster[0].name == "/aws/lambda/obs-roster" &&
      aws_cloudwatch_log_group.roster[0].kms_key_id == aws_kms_key.this.arn &&
      aws_cloudwatch_log_group.roster[0].retention_in_days == 365
    )
    error_message = "The roster log group is KMS-encrypted and expires."
  }

  assert {
    condition = (
      aws_cloudwatch_event_rule.roster[0].schedule_expression == "cron(0 3 * * ? *)" &&
      aws_cloudwatch_event_target.roster[0].rule == "obs-roster" &&
      aws_lambda_permission.roster[0].principal == "events.amazonaws.com" &&
      aws_lambda_permission.roster[0].source_arn == "arn:aws:events:eu-west-1:111111111111:rule/obs-roster" &&
      aws_lambda_function_event_invoke_config.roster[0].maximum_retry_attempts == 0
    )
    error_message = "EventBridge invokes the roster function on the schedule, and a failed run is not retried."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["silent-accounts"].metric_name == "SilentAccounts" &&
      aws_cloudwatch_metric_alarm.this["silent-accounts"].namespace == "MultiAccountObservability" &&
      aws_cloudwatch_metric_alarm.this["silent-accounts"].dimensions.service == "roster" &&
      aws_cloudwatch_metric_alarm.this["silent-accounts"].threshold == 0 &&
      aws_cloudwatch_metric_alarm.this["silent-accounts"].comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.this["silent-accounts"].alarm_actions == toset([aws_sns_topic.alarms[0].arn]) &&
      aws_cloudwatch_metric_alarm.this["roster-errors"].dimensions.FunctionName == "obs-roster"
    )
    error_message = "SilentAccounts > 0 and roster failures alarm to the module's topic."
  }

  assert {
    condition     = output.roster_function_name == "obs-roster"
    error_message = "The function name is an output."
  }
}

run "no_alarms_means_no_roster_alarms" {
  command = plan

  variables {
    organization_roster_role_arn = "arn:aws:iam::333333333333:role/observability-roster"
    create_alarms                = false
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 0 && length(aws_lambda_function.roster) == 1
    error_message = "create_alarms = false also drops the roster alarms, not the function."
  }

  assert {
    condition     = !contains(keys(aws_lambda_function.roster[0].environment[0].variables), "ROSTER_EXTERNAL_ID")
    error_message = "No external id variable unless one is given."
  }
}

run "roster_role_must_be_a_role_arn" {
  command = plan
  variables {
    organization_roster_role_arn = "arn:aws:iam::333333333333:user/someone"
  }
  expect_failures = [var.organization_roster_role_arn]
}

run "schedule_must_be_cron_or_rate" {
  command = plan
  variables {
    roster_schedule_expression = "daily"
  }
  expect_failures = [var.roster_schedule_expression]
}

run "silent_after_hours_must_be_whole_and_positive" {
  command = plan
  variables {
    silent_after_hours = 0.5
  }
  expect_failures = [var.silent_after_hours]
}
