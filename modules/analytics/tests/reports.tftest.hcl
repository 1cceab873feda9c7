# The morning report function (reports.tf): on by default, scheduled, signed in as the reader
# role, allowed to write only under reports/ with the analytics key through S3, publishing only to
# its own encrypted topic, and its pages expired by a lifecycle rule. Checked on the plan with a
# mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_secretsmanager_secret.database_role["loader"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf" }
}

override_resource {
  target          = aws_secretsmanager_secret.database_role["reader"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf" }
}

override_resource {
  target          = aws_cloudwatch_event_rule.report
  override_during = plan
  values          = { arn = "arn:aws:events:eu-west-1:111111111111:rule/obs-report" }
}

override_resource {
  target          = aws_sns_topic.reports
  override_during = plan
  values          = { arn = "arn:aws:sns:eu-west-1:111111111111:obs-reports" }
}

override_resource {
  target          = aws_cloudwatch_log_group.report
  override_during = plan
  values          = { arn = "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/obs-report" }
}

variables {
  name                   = "obs"
  vpc_id                 = "vpc-0123456789abcdef0"
  subnet_ids             = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_account_ids     = ["222222222222"]
  tags                   = { project = "observability" }
}

run "the_report_runs_every_morning_by_default" {
  command = plan

  assert {
    condition = (
      aws_lambda_function.report[0].function_name == "obs-report" &&
      aws_lambda_function.report[0].handler == "report.scheduled.lambda_handler" &&
      aws_lambda_function.report[0].filename == "does-not-exist/analytics.zip" &&
      aws_lambda_function.report[0].kms_key_arn == aws_kms_key.this.arn &&
      aws_lambda_function.report[0].tracing_config[0].mode == "Active" &&
      aws_lambda_function.report[0].tags == tomap({ project = "observability" })
    )
    error_message = "The report function runs report.scheduled from the analytics zip, encrypted, traced and tagged."
  }

  assert {
    condition = (
      aws_cloudwatch_event_rule.report[0].schedule_expression == "cron(0 6 * * ? *)" &&
      aws_cloudwatch_event_target.report[0].rule == "obs-report" &&
      aws_lambda_permission.report[0].principal == "events.amazonaws.com" &&
      aws_lambda_permission.report[0].source_arn == "arn:aws:events:eu-west-1:111111111111:rule/obs-report" &&
      aws_lambda_function_event_invoke_config.report[0].maximum_retry_attempts == 0
    )
    error_message = "EventBridge invokes the report function daily at 06:00 UTC; a failed run is not retried."
  }

  assert {
    condition = {
      for k, v in aws_lambda_function.report[0].environment[0].variables : k => v
      if contains(["AURORA_SECRET_ARN", "BUCKET", "ANALYTICS_KMS_KEY", "REPORT_DAYS", "REPORT_COST_BASIS", "REPORT_GROUP_BY", "NEW_FINDINGS_HOURS", "POWERTOOLS_SERVICE_NAME", "DB_NAME"], k)
      } == {
      AURORA_SECRET_ARN       = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
      BUCKET                  = "obs-111111111111-eu-west-1"
      ANALYTICS_KMS_KEY       = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
      REPORT_DAYS             = "30"
      REPORT_COST_BASIS       = "amortized"
      REPORT_GROUP_BY         = "ou"
      NEW_FINDINGS_HOURS      = "24"
      POWERTOOLS_SERVICE_NAME = "report"
      DB_NAME                 = "core"
    }
    error_message = "The report signs in with the reader's secret (not the loader's) and writes to the data bucket with the key's ARN."
  }

  assert {
    condition     = !contains(keys(aws_lambda_function.report[0].environment[0].variables), "REPORT_TOPIC_ARN")
    error_message = "No topic, no summary: the function gets no topic by default."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_iam_role_policy.report[0].policy).Statement : s.Sid
    ]) == toset(["Logs", "XRay", "DataApiRead", "ReaderSecret", "ReaderSecretKey", "WriteReports", "ReportsKeyViaS3"])
    error_message = "Without a topic the report function gets logs, X-Ray, Data API reads, the reader secret, reports/ and the key through S3 and Secrets Manager."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.report[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      if contains(["DataApiRead", "ReaderSecret", "WriteReports"], s.Sid)
      } == {
      DataApiRead  = ["rds-data:ExecuteStatement", "arn:aws:rds:eu-west-1:111111111111:cluster:obs"]
      ReaderSecret = ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"]
      WriteReports = ["s3:PutObject", "arn:aws:s3:::obs-111111111111-eu-west-1/reports/*"]
    }
    error_message = "One Data API action on the cluster, the reader secret only, PutObject under reports/ only."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.report[0].policy).Statement : s.Condition
      if s.Sid == "ReportsKeyViaS3"
      ]) == {
      StringEquals = { "kms:ViaService" = "s3.eu-west-1.amazonaws.com" }
      StringLike = {
        "kms:EncryptionContext:aws:s3:arn" = [
          "arn:aws:s3:::obs-111111111111-eu-west-1",
          "arn:aws:s3:::obs-111111111111-eu-west-1/reports/*",
        ]
      }
    }
    error_message = "The key encrypts pages only through S3, only for the bucket's reports/."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.report[0].policy).Statement : s.Condition
      if s.Sid == "ReaderSecretKey"
      ]) == {
      StringEquals = {
        "kms:ViaService"                  = "secretsmanager.eu-west-1.amazonaws.com"
        "kms:EncryptionContext:SecretARN" = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
      }
    }
    error_message = "The key decrypts only the reader secret, only through Secrets Manager."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.report[0].policy).Statement : s.Resource != "*" || s.Sid == "XRay"
    ])
    error_message = "Only X-Ray (no resource-level permissions) may use Resource *."
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.report[0].name == "/aws/lambda/obs-report" &&
      aws_cloudwatch_log_group.report[0].kms_key_id == aws_kms_key.this.arn &&
      aws_cloudwatch_log_group.report[0].retention_in_days == 365
    )
    error_message = "The report log group is KMS-encrypted and expires."
  }

  assert {
    condition = one([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : [r.status, r.filter[0].prefix, r.expiration[0].days]
      if r.id == "reports-expiration"
    ]) == ["Enabled", "reports/", 90]
    error_message = "Pages under reports/ expire after report_retention_days (90 by default)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["report-errors"].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.this["report-errors"].dimensions.FunctionName == "obs-report" &&
      length(aws_sns_topic.reports) == 0
    )
    error_message = "A failed run alarms; no summary topic unless asked for."
  }

  assert {
    condition = (
      output.report_function_name == "obs-report" &&
      output.reports_location == "s3://obs-111111111111-eu-west-1/reports/" &&
      output.report_summary_topic_arn == null
    )
    error_message = "Function name, reports location and (null) topic are outputs."
  }
}

run "the_bucket_notifies_the_receiver_of_data_only" {
  command = plan

  assert {
    condition = [
      for q in aws_s3_bucket_notification.this.queue : [q.filter_prefix, q.filter_suffix]
    ] == [["data/", ".json.gz"]]
    error_message = "A page written under reports/ must never reach the receiver's queue."
  }
}

run "a_summary_topic_with_email_subscribers" {
  command = plan

  variables {
    report_summary_email_addresses = ["finops@example.com"]
    report_schedule_expression     = "cron(30 7 ? * MON-FRI *)"
    report_days                    = 14
    report_cost_basis              = "unblended"
    report_group_by                = "tag:Team"
    report_new_findings_hours      = 72
    report_retention_days          = 400
  }

  assert {
    condition = (
      aws_sns_topic.reports[0].name == "obs-reports" &&
      aws_sns_topic.reports[0].kms_master_key_id == aws_kms_key.this.arn &&
      aws_sns_topic_subscription.report_email["finops@example.com"].protocol == "email" &&
      aws_lambda_function.report[0].environment[0].variables.REPORT_TOPIC_ARN == "arn:aws:sns:eu-west-1:111111111111:obs-reports" &&
      output.report_summary_topic_arn == "arn:aws:sns:eu-west-1:111111111111:obs-reports"
    )
    error_message = "E-mail addresses create the encrypted topic, subscribe them and tell the function."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.report[0].policy).Statement : s.Sid => s
      if contains(["PublishSummary", "SummaryKeyViaSns"], s.Sid)
      } == {
      PublishSummary = {
        Sid      = "PublishSummary"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = "arn:aws:sns:eu-west-1:111111111111:obs-reports"
      }
      SummaryKeyViaSns = {
        Sid      = "SummaryKeyViaSns"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
        Condition = {
          StringEquals = {
            "kms:ViaService"                         = "sns.eu-west-1.amazonaws.com"
            "kms:EncryptionContext:aws:sns:topicArn" = "arn:aws:sns:eu-west-1:111111111111:obs-reports"
          }
        }
      }
    }
    error_message = "The function may publish to its topic only, and use the key only through SNS for it."
  }

  assert {
    condition = (
      aws_cloudwatch_event_rule.report[0].schedule_expression == "cron(30 7 ? * MON-FRI *)" &&
      aws_lambda_function.report[0].environment[0].variables.REPORT_DAYS == "14" &&
      aws_lambda_function.report[0].environment[0].variables.REPORT_COST_BASIS == "unblended" &&
      aws_lambda_function.report[0].environment[0].variables.REPORT_GROUP_BY == "tag:Team" &&
      aws_lambda_function.report[0].environment[0].variables.NEW_FINDINGS_HOURS == "72" &&
      one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.expiration[0].days if r.id == "reports-expiration"]) == 400
    )
    error_message = "Schedule, period, cost basis, grouping, new-findings window and retention are configurable."
  }
}

run "a_topic_without_subscribers" {
  command = plan

  variables {
    create_report_summary_topic = true
  }

  assert {
    condition     = length(aws_sns_topic.reports) == 1 && length(aws_sns_topic_subscription.report_email) == 0
    error_message = "create_report_summary_topic alone creates the topic for other subscribers."
  }
}

run "report_disabled" {
  command = plan

  variables {
    report_enabled                 = false
    report_summary_email_addresses = ["finops@example.com"]
    report_retention_days          = null
  }

  assert {
    condition = (
      length(aws_lambda_function.report) == 0 &&
      length(aws_iam_role.report) == 0 &&
      length(aws_cloudwatch_event_rule.report) == 0 &&
      length(aws_sns_topic.reports) == 0 &&
      !contains(keys(aws_cloudwatch_metric_alarm.this), "report-errors") &&
      output.report_function_name == null &&
      output.report_summary_topic_arn == null &&
      length([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "reports-expiration"]) == 0
    )
    error_message = "report_enabled = false creates no function, schedule, topic or alarm; null retention keeps reports/ forever."
  }
}

run "schedule_must_be_cron_or_rate" {
  command = plan
  variables {
    report_schedule_expression = "every morning"
  }
  expect_failures = [var.report_schedule_expression]
}

run "days_must_be_whole" {
  command = plan
  variables {
    report_days = 0.5
  }
  expect_failures = [var.report_days]
}

run "cost_basis_must_be_known" {
  command = plan
  variables {
    report_cost_basis = "blended"
  }
  expect_failures = [var.report_cost_basis]
}

run "group_by_must_be_ou_or_tag" {
  command = plan
  variables {
    report_group_by = "team"
  }
  expect_failures = [var.report_group_by]
}

run "retention_must_be_whole_and_positive" {
  command = plan
  variables {
    report_retention_days = 0
  }
  expect_failures = [var.report_retention_days]
}

run "emails_must_be_emails" {
  command = plan
  variables {
    report_summary_email_addresses = ["not-an-address"]
  }
  expect_failures = [var.report_summary_email_addresses]
}

run "new_findings_hours_in_range" {
  command = plan
  variables {
    report_new_findings_hours = 0
  }
  expect_failures = [var.report_new_findings_hours]
}

run "report_group_by_an_account_label" {
  command = plan
  variables {
    report_group_by = "label:product"
  }

  assert {
    condition     = aws_lambda_function.report[0].environment[0].variables.REPORT_GROUP_BY == "label:product"
    error_message = "label:<key> groups the report by an account label (sql/037)."
  }
}
