# modules/sender, checked on the plan with a mocked AWS provider (offline). The sender runs in
# account 111111111111; the analytics bucket and key live in account 999999999999.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111111111111:observability-sender-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/111111111111/observability-sender-dlq"
  }
}

variables {
  analytics_bucket_name = "obs-999999999999-eu-west-1"
  analytics_kms_key_arn = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
  analytics_region      = "eu-west-1"
  sender_package_path   = "does-not-exist/sender.zip"
}

run "uploads_only_to_its_own_prefix_and_encrypts_only" {
  command = plan

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s
      if s.Sid == "UploadToOwnPrefix"
      ]) == {
      Sid      = "UploadToOwnPrefix"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = "arn:aws:s3:::obs-999999999999-eu-west-1/data/111111111111/*"
    }
    error_message = "The sender may only PutObject under data/<its account id>/."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s
      if s.Sid == "EncryptUploads"
      ]) == {
      Sid      = "EncryptUploads"
      Effect   = "Allow"
      Action   = ["kms:GenerateDataKey", "kms:Encrypt"]
      Resource = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
    }
    error_message = "The sender may only encrypt with the analytics key."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s.Resource
      if s.Sid == "ContinueHistoryRun"
    ]) == "arn:aws:lambda:eu-west-1:111111111111:function:observability-sender"
    error_message = "The sender may invoke only itself."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s.Resource != "*" || s.Sid == "XRay"
    ])
    error_message = "Only X-Ray may use Resource * in the sender policy."
  }
}

run "collector_actions_come_from_the_json_file" {
  command = plan

  assert {
    condition = toset(one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action) == toset(distinct(flatten(values(
      jsondecode(file("collector-actions.json")).collectors
    ))))
    error_message = "With no collector selection, every collector's actions are granted."
  }

  assert {
    condition = alltrue([
      for a in one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action :
      can(regex("^[a-z0-9-]+:(Describe|Get|List|BatchGet|GenerateCredentialReport)[A-Za-z0-9]*$", a))
    ])
    error_message = "Collectors get read-only actions only."
  }

  assert {
    condition     = !contains(one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action, "secretsmanager:GetSecretValue")
    error_message = "The sender must never read secret values."
  }

  assert {
    condition     = one(aws_lambda_function.this.environment).variables["SENDER_COLLECTORS"] == ""
    error_message = "SENDER_COLLECTORS is empty (all) by default."
  }
}

run "selected_collectors_narrow_the_policy" {
  command = plan

  variables {
    collectors = ["cost", "kms_keys"]
  }

  assert {
    condition = one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action == [
      "ce:GetCostAndUsage", "ce:GetCostForecast",
      "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListKeys",
    ]
    error_message = "Only the selected collectors' actions are granted."
  }

  assert {
    condition     = one(aws_lambda_function.this.environment).variables["SENDER_COLLECTORS"] == "cost,kms_keys"
    error_message = "SENDER_COLLECTORS lists the selection."
  }
}

run "function_environment" {
  command = plan

  variables {
    regions = ["eu-west-1", "us-east-1"]
  }

  assert {
    condition = one(aws_lambda_function.this.environment).variables == tomap({
      REGION                           = "eu-west-1"
      BUCKET                           = "obs-999999999999-eu-west-1"
      ANALYTICS_KMS_KEY                = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
      SENDER_REGIONS                   = "eu-west-1,us-east-1"
      SENDER_COLLECTORS                = ""
      SENDER_COLLECTOR_METRICS         = "false"
      SENDER_FIRST_RUN_BACKFILL_MONTHS = "14"
      SENDER_FIRST_RUN_PARAMETER       = "/observability-sender/first-run-backfill"
      SENDER_COST_MODE                 = "account"
      SENDER_COST_TAG_KEYS             = ""
      SENDER_ACCOUNT_LABELS            = "{}"
      POWERTOOLS_SERVICE_NAME          = "sender"
      POWERTOOLS_METRICS_NAMESPACE     = "MultiAccountObservability"
      POWERTOOLS_METRICS_DISABLED      = "false"
      LOG_LEVEL                        = "INFO"
    })
    error_message = "The sender environment must carry the documented variables."
  }

  assert {
    condition = (
      aws_lambda_function.this.handler == "sender.handler.lambda_handler" &&
      aws_lambda_function.this.runtime == "python3.13" &&
      aws_lambda_function.this.timeout == 900 &&
      aws_lambda_function.this.memory_size == 1024 &&
      aws_lambda_function.this.architectures == tolist(["arm64"]) &&
      one(aws_lambda_function.this.tracing_config).mode == "Active"
    )
    error_message = "Handler, runtime, timeout, architecture and tracing must be set."
  }
}

run "first_run_backfill_claims_exactly_one_parameter" {
  command = plan

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s
      if s.Sid == "FirstRunClaim"
      ]) == {
      Sid      = "FirstRunClaim"
      Effect   = "Allow"
      Action   = ["ssm:PutParameter", "ssm:DeleteParameter"]
      Resource = "arn:aws:ssm:eu-west-1:111111111111:parameter/observability-sender/first-run-backfill"
    }
    error_message = "The sender may create and delete only its own first-run claim parameter."
  }
}

run "no_backfill_no_ssm_permission" {
  command = plan

  variables {
    first_run_backfill_months = 0
  }

  assert {
    condition = (
      one(aws_lambda_function.this.environment).variables["SENDER_FIRST_RUN_BACKFILL_MONTHS"] == "0" &&
      length([for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s if s.Sid == "FirstRunClaim"]) == 0
    )
    error_message = "With the first-run backfill disabled the role gets no SSM permission."
  }
}

run "detailed_metrics_and_organization_cost_mode" {
  command = plan

  variables {
    detailed_metrics = true
    cost_mode        = "organization"
    timeout          = 600
    memory_size      = 2048
  }

  assert {
    condition = (
      one(aws_lambda_function.this.environment).variables["SENDER_COLLECTOR_METRICS"] == "true" &&
      one(aws_lambda_function.this.environment).variables["SENDER_COST_MODE"] == "organization" &&
      contains(one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action, "ce:GetCostAndUsage") &&
      aws_lambda_function.this.timeout == 600 &&
      aws_lambda_function.this.memory_size == 2048
    )
    error_message = "detailed_metrics, cost_mode, timeout and memory_size reach the function."
  }
}

run "publish_metrics_off_disables_every_custom_metric" {
  command = plan

  variables {
    publish_metrics = false
  }

  assert {
    condition = (
      one(aws_lambda_function.this.environment).variables["POWERTOOLS_METRICS_DISABLED"] == "true" &&
      one(aws_lambda_function.this.environment).variables["SENDER_COLLECTOR_METRICS"] == "false" &&
      length(aws_cloudwatch_metric_alarm.this) == 2
    )
    error_message = "publish_metrics = false sets POWERTOOLS_METRICS_DISABLED=true and keeps the alarms (AWS/Lambda and AWS/SQS metrics)."
  }
}

run "detailed_metrics_need_published_metrics" {
  command = plan
  variables {
    publish_metrics  = false
    detailed_metrics = true
  }
  expect_failures = [aws_lambda_function.this]
}

run "cost_mode_off_drops_cost_explorer" {
  command = plan

  variables {
    cost_mode = "off"
  }

  assert {
    condition = (
      one(aws_lambda_function.this.environment).variables["SENDER_COST_MODE"] == "off" &&
      length([for a in one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action : a if startswith(a, "ce:")]) == 0 &&
      contains(one(jsondecode(aws_iam_role_policy.collectors.policy).Statement).Action, "kms:ListKeys")
    )
    error_message = "cost_mode off removes every ce: action and keeps the others."
  }
}

run "bad_cost_mode" {
  command = plan
  variables {
    cost_mode = "payer"
  }
  expect_failures = [var.cost_mode]
}

run "cost_tag_keys_reach_the_function" {
  command = plan

  variables {
    cost_tag_keys = ["CostCenter", "team", "aws:createdBy"]
  }

  assert {
    condition     = one(aws_lambda_function.this.environment).variables["SENDER_COST_TAG_KEYS"] == "CostCenter,team,aws:createdBy"
    error_message = "cost_tag_keys reach the function as SENDER_COST_TAG_KEYS, comma-separated."
  }
}

run "bad_cost_tag_key" {
  command = plan
  variables {
    cost_tag_keys = ["team$x"]
  }
  expect_failures = [var.cost_tag_keys]
}

run "too_many_cost_tag_keys" {
  command = plan
  variables {
    cost_tag_keys = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11"]
  }
  expect_failures = [var.cost_tag_keys]
}

run "backfill_out_of_range" {
  command = plan
  variables {
    first_run_backfill_months = 39
  }
  expect_failures = [var.first_run_backfill_months]
}

run "regions_default_to_the_deployment_region" {
  command = plan

  assert {
    condition     = one(aws_lambda_function.this.environment).variables["SENDER_REGIONS"] == "eu-west-1"
    error_message = "SENDER_REGIONS defaults to the current region."
  }
}

run "daily_schedule_by_default" {
  command = plan

  assert {
    condition = (
      keys(aws_cloudwatch_event_rule.schedule) == ["DAILY"] &&
      aws_cloudwatch_event_rule.schedule["DAILY"].schedule_expression == "cron(0 2 * * ? *)" &&
      jsondecode(aws_cloudwatch_event_target.schedule["DAILY"].input) == { interval = "DAILY" } &&
      aws_lambda_permission.schedule["DAILY"].principal == "events.amazonaws.com"
    )
    error_message = "Only a DAILY rule at 02:00 UTC with input {\"interval\":\"DAILY\"} by default."
  }
}

run "all_intervals_with_an_override" {
  command = plan

  variables {
    intervals            = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
    schedule_expressions = { WEEKLY = "cron(30 1 ? * SUN *)" }
  }

  assert {
    condition = (
      length(aws_cloudwatch_event_rule.schedule) == 4 &&
      aws_cloudwatch_event_rule.schedule["WEEKLY"].schedule_expression == "cron(30 1 ? * SUN *)" &&
      aws_cloudwatch_event_rule.schedule["MONTHLY"].schedule_expression == "cron(0 4 1 * ? *)" &&
      jsondecode(aws_cloudwatch_event_target.schedule["YEARLY"].input) == { interval = "YEARLY" } &&
      aws_cloudwatch_event_rule.schedule["MONTHLY"].name == "observability-sender-monthly"
    )
    error_message = "One rule per interval, overrides applied, defaults kept."
  }
}

run "failed_runs_go_to_an_encrypted_dlq" {
  command = plan

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 1 &&
      one(one(aws_lambda_function_event_invoke_config.this.destination_config).on_failure).destination == "arn:aws:sqs:eu-west-1:111111111111:observability-sender-dlq"
    )
    error_message = "Failed asynchronous runs go to the DLQ after the retries."
  }

  assert {
    condition = (
      aws_sqs_queue.dlq.kms_master_key_id == aws_kms_key.this[0].arn &&
      aws_cloudwatch_log_group.this.kms_key_id == aws_kms_key.this[0].arn &&
      aws_lambda_function.this.kms_key_arn == aws_kms_key.this[0].arn &&
      aws_kms_key.this[0].enable_key_rotation
    )
    error_message = "DLQ, log group and environment are encrypted with the sender key (rotated)."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s.Resource
      if s.Sid == "OnFailureDestination"
    ]) == "arn:aws:sqs:eu-west-1:111111111111:observability-sender-dlq"
    error_message = "The role may send to its DLQ (Lambda delivers with the execution role)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["errors"].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.this["dlq-messages"].dimensions.QueueName == "observability-sender-dlq" &&
      length(aws_cloudwatch_metric_alarm.this["errors"].alarm_actions) == 0
    )
    error_message = "Alarms on errors and DLQ depth, without actions when no topic is given."
  }
}

run "existing_key_and_topic" {
  command = plan

  variables {
    kms_key_arn     = "arn:aws:kms:eu-west-1:111111111111:key/99999999-8888-7777-6666-555555555555"
    alarm_topic_arn = "arn:aws:sns:eu-west-1:111111111111:alerts"
  }

  assert {
    condition = (
      length(aws_kms_key.this) == 0 &&
      aws_sqs_queue.dlq.kms_master_key_id == "arn:aws:kms:eu-west-1:111111111111:key/99999999-8888-7777-6666-555555555555" &&
      aws_cloudwatch_metric_alarm.this["errors"].alarm_actions == toset(["arn:aws:sns:eu-west-1:111111111111:alerts"])
    )
    error_message = "A given key replaces the created one; alarms notify the given topic."
  }
}

run "tags_reach_taggable_resources" {
  command = plan

  variables {
    tags = { project = "observability" }
  }

  assert {
    condition = alltrue([
      for t in [
        aws_lambda_function.this.tags, aws_iam_role.this.tags, aws_sqs_queue.dlq.tags, aws_kms_key.this[0].tags,
        aws_cloudwatch_log_group.this.tags, aws_cloudwatch_event_rule.schedule["DAILY"].tags,
        aws_cloudwatch_metric_alarm.this["errors"].tags,
      ] : t == tomap({ project = "observability" })
    ])
    error_message = "tags must be set on every taggable resource."
  }
}

run "unknown_collector" {
  command = plan
  variables {
    collectors = ["cost", "bitcoin_miner"]
  }
  expect_failures = [aws_lambda_function.this]
}

run "bad_cron" {
  command = plan
  variables {
    schedule_expressions = { DAILY = "cron(0 2 * * *)" }
  }
  expect_failures = [var.schedule_expressions]
}

run "cron_with_both_day_fields" {
  command = plan
  variables {
    schedule_expressions = { DAILY = "cron(0 2 * * * *)" }
  }
  expect_failures = [var.schedule_expressions]
}

run "bad_rate" {
  command = plan
  variables {
    schedule_expressions = { DAILY = "rate(1 days)" }
  }
  expect_failures = [var.schedule_expressions]
}

run "rate_is_accepted" {
  command = plan
  variables {
    schedule_expressions = { DAILY = "rate(12 hours)" }
  }
  assert {
    condition     = aws_cloudwatch_event_rule.schedule["DAILY"].schedule_expression == "rate(12 hours)"
    error_message = "rate() expressions are accepted."
  }
}

run "bad_interval" {
  command = plan
  variables {
    intervals = ["HOURLY"]
  }
  expect_failures = [var.intervals]
}

run "bad_schedule_key" {
  command = plan
  variables {
    schedule_expressions = { daily = "cron(0 2 * * ? *)" }
  }
  expect_failures = [var.schedule_expressions]
}

run "bad_kms_key_arn" {
  command = plan
  variables {
    analytics_kms_key_arn = "alias/observability"
  }
  expect_failures = [var.analytics_kms_key_arn]
}

run "bad_region" {
  command = plan
  variables {
    regions = ["europe-west1"]
  }
  expect_failures = [var.regions]
}

run "retries_out_of_range" {
  command = plan
  variables {
    maximum_retry_attempts = 3
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "both_package_locations" {
  command = plan
  variables {
    sender_package_s3 = { bucket = "artifacts", key = "sender.zip" }
  }
  expect_failures = [aws_lambda_function.this]
}

run "the_dlq_refuses_requests_without_tls" {
  command = plan

  assert {
    condition = jsondecode(aws_sqs_queue_policy.dlq.policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = "arn:aws:sqs:eu-west-1:111111111111:observability-sender-dlq"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }]
    }
    error_message = "The DLQ's policy denies every request made without TLS and grants nothing."
  }

  assert {
    condition     = aws_sqs_queue_policy.dlq.queue_url == aws_sqs_queue.dlq.id
    error_message = "The policy is the DLQ's."
  }
}

run "code_signing_is_optional" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.code_signing_config_arn == null
    error_message = "No code signing unless a configuration is given."
  }
}

run "code_signing_when_given" {
  command = plan

  variables {
    code_signing_config_arn = "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
  }

  assert {
    condition     = aws_lambda_function.this.code_signing_config_arn == "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
    error_message = "code_signing_config_arn reaches the function."
  }
}

run "bad_code_signing_config_arn" {
  command = plan

  variables {
    code_signing_config_arn = "csc-0123456789abcdef0"
  }

  expect_failures = [var.code_signing_config_arn]
}

run "account_labels_reach_the_function_as_json" {
  command = plan

  variables {
    account_labels = { product = "Zahlungen", team = "core/payments", environment = "prod" }
  }

  assert {
    condition = (
      jsondecode(one(aws_lambda_function.this.environment).variables["SENDER_ACCOUNT_LABELS"]) ==
      { product = "Zahlungen", team = "core/payments", environment = "prod" }
    )
    error_message = "account_labels reach the function as SENDER_ACCOUNT_LABELS (JSON)."
  }
}

run "no_account_labels_is_an_empty_object" {
  command = plan

  assert {
    condition     = one(aws_lambda_function.this.environment).variables["SENDER_ACCOUNT_LABELS"] == "{}"
    error_message = "Without account_labels the sender reports {}."
  }
}

run "account_label_with_a_bad_character" {
  command = plan
  variables {
    account_labels = { team = "a;b" }
  }
  expect_failures = [var.account_labels]
}

run "account_label_key_reserved_for_aws" {
  command = plan
  variables {
    account_labels = { "aws:team" = "core" }
  }
  expect_failures = [var.account_labels]
}
