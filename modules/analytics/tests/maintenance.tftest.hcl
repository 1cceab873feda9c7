# The daily database maintenance (maintenance.tf): the migration function, the only one signed in
# as the schema owner, invoked by its own schedule with {"action": "maintain"}, told the retention
# through RETENTION_DAYS, retried once, and watched by the migration-errors alarm. Checked on the
# plan with a mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_cloudwatch_event_rule.maintenance
  override_during = plan
  values          = { arn = "arn:aws:events:eu-west-1:111111111111:rule/obs-maintenance" }
}

variables {
  name                   = "obs"
  vpc_id                 = "vpc-0123456789abcdef0"
  subnet_ids             = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_account_ids     = ["222222222222"]
  tags                   = { project = "observability" }
}

run "maintenance_runs_daily_as_the_migration_function" {
  command = plan

  assert {
    condition = (
      aws_cloudwatch_event_rule.maintenance.name == "obs-maintenance" &&
      aws_cloudwatch_event_rule.maintenance.schedule_expression == "cron(50 5 * * ? *)" &&
      aws_cloudwatch_event_rule.maintenance.tags == tomap({ project = "observability" })
    )
    error_message = "The maintenance rule must run daily at 05:50 UTC by default, tagged."
  }

  assert {
    condition = (
      aws_cloudwatch_event_target.maintenance.rule == "obs-maintenance" &&
      aws_cloudwatch_event_target.maintenance.arn == aws_lambda_function.migration.arn &&
      jsondecode(aws_cloudwatch_event_target.maintenance.input) == { action = "maintain" }
    )
    error_message = "The schedule must invoke the migration function with exactly {\"action\": \"maintain\"}."
  }

  assert {
    condition = (
      aws_lambda_permission.maintenance.principal == "events.amazonaws.com" &&
      aws_lambda_permission.maintenance.action == "lambda:InvokeFunction" &&
      aws_lambda_permission.maintenance.function_name == "obs-migrate" &&
      aws_lambda_permission.maintenance.source_arn == "arn:aws:events:eu-west-1:111111111111:rule/obs-maintenance"
    )
    error_message = "Only the maintenance rule may invoke the migration function through EventBridge."
  }

  assert {
    condition     = aws_lambda_function.migration.environment[0].variables["RETENTION_DAYS"] == "400"
    error_message = "The default retention must be 400 days."
  }

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.maintenance.function_name == "obs-migrate" &&
      aws_lambda_function_event_invoke_config.maintenance.maximum_retry_attempts == 1
    )
    error_message = "An asynchronous maintenance run must be retried once, not twice."
  }
}

run "retention_is_configurable_or_off" {
  command = plan

  variables {
    retention_days                  = 730
    maintenance_schedule_expression = "cron(30 3 * * ? *)"
  }

  assert {
    condition = (
      aws_lambda_function.migration.environment[0].variables["RETENTION_DAYS"] == "730" &&
      aws_cloudwatch_event_rule.maintenance.schedule_expression == "cron(30 3 * * ? *)"
    )
    error_message = "retention_days and the schedule must reach the function and the rule."
  }
}

run "null_retention_keeps_every_day" {
  command = plan

  variables {
    retention_days = null
  }

  assert {
    condition     = aws_lambda_function.migration.environment[0].variables["RETENTION_DAYS"] == ""
    error_message = "A null retention must reach the function as an empty RETENTION_DAYS (keep forever)."
  }
}

run "a_retention_shorter_than_a_quarter_is_refused" {
  command = plan

  variables {
    retention_days = 30
  }

  expect_failures = [var.retention_days]
}

run "a_fractional_retention_is_refused" {
  command = plan

  variables {
    retention_days = 400.5
  }

  expect_failures = [var.retention_days]
}

run "a_bad_maintenance_schedule_is_refused" {
  command = plan

  variables {
    maintenance_schedule_expression = "daily"
  }

  expect_failures = [var.maintenance_schedule_expression]
}
