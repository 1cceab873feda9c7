# Event flow of modules/analytics (bucket -> queue -> receiver, DLQ, migrations, alarms), checked on
# the plan with a mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_sqs_queue.uploads_dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111111111111:obs-uploads-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/111111111111/obs-uploads-dlq"
  }
}

override_resource {
  target          = aws_sqs_queue.uploads
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111111111111:obs-uploads"
    id  = "https://sqs.eu-west-1.amazonaws.com/111111111111/obs-uploads"
  }
}

variables {
  name                   = "obs"
  vpc_id                 = "vpc-0123456789abcdef0"
  subnet_ids             = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_account_ids     = ["222222222222"]
}

run "uploads_flow_from_bucket_to_queue_to_receiver" {
  command = plan

  assert {
    condition = one(aws_s3_bucket_notification.this.queue) == {
      id            = "sender-uploads"
      queue_arn     = "arn:aws:sqs:eu-west-1:111111111111:obs-uploads"
      events        = toset(["s3:ObjectCreated:*"])
      filter_prefix = "data/"
      filter_suffix = ".json.gz"
    }
    error_message = "Object creations under data/ ending in .json.gz must notify the upload queue."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_sqs_queue_policy.uploads.policy).Statement : s
      if s.Sid == "DataBucketNotifications"
      ]) == {
      Sid       = "DataBucketNotifications"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:eu-west-1:111111111111:obs-uploads"
      Condition = {
        ArnEquals    = { "aws:SourceArn" = "arn:aws:s3:::obs-111111111111-eu-west-1" }
        StringEquals = { "aws:SourceAccount" = "111111111111" }
      }
    }
    error_message = "Only the data bucket of this account may send to the queue."
  }

  assert {
    condition = jsondecode(aws_sqs_queue.uploads.redrive_policy) == {
      deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111111111111:obs-uploads-dlq"
      maxReceiveCount     = 5
    }
    error_message = "The queue must redrive to the DLQ after max_receive_count deliveries."
  }

  assert {
    condition = jsondecode(aws_sqs_queue_redrive_allow_policy.uploads_dlq.redrive_allow_policy) == {
      redrivePermission = "byQueue"
      sourceQueueArns   = ["arn:aws:sqs:eu-west-1:111111111111:obs-uploads"]
    }
    error_message = "Only the upload queue may use the DLQ."
  }

  assert {
    condition     = aws_sqs_queue.uploads.visibility_timeout_seconds >= 6 * aws_lambda_function.receiver.timeout
    error_message = "The visibility timeout must be at least six times the receiver timeout."
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.receiver.event_source_arn == "arn:aws:sqs:eu-west-1:111111111111:obs-uploads" &&
      aws_lambda_event_source_mapping.receiver.function_response_types == toset(["ReportBatchItemFailures"]) &&
      aws_lambda_event_source_mapping.receiver.batch_size == 10 &&
      one(aws_lambda_event_source_mapping.receiver.scaling_config).maximum_concurrency == 5
    )
    error_message = "The event source mapping must report partial batch failures and cap concurrency."
  }
}

run "event_source_mapping_inputs" {
  command = plan

  variables {
    receiver_batch_size              = 50
    receiver_batching_window_seconds = 20
    receiver_maximum_concurrency     = 3
    receiver_timeout                 = 120
    max_receive_count                = 3
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.receiver.batch_size == 50 &&
      aws_lambda_event_source_mapping.receiver.maximum_batching_window_in_seconds == 20 &&
      one(aws_lambda_event_source_mapping.receiver.scaling_config).maximum_concurrency == 3
    )
    error_message = "Batch size, batching window and maximum concurrency come from the inputs."
  }

  assert {
    condition     = aws_sqs_queue.uploads.visibility_timeout_seconds == 6 * 120 + 20
    error_message = "Visibility timeout is 6 x timeout + batching window."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.uploads.redrive_policy).maxReceiveCount == 3
    error_message = "maxReceiveCount comes from max_receive_count."
  }
}

run "functions_are_configured_for_the_packaged_handlers" {
  command = plan

  assert {
    condition = (
      aws_lambda_function.receiver.handler == "receiver.handler.lambda_handler" &&
      aws_lambda_function.migration.handler == "receiver.migrate_handler.lambda_handler" &&
      aws_lambda_function.receiver.runtime == "python3.13" &&
      aws_lambda_function.receiver.architectures == tolist(["arm64"]) &&
      one(aws_lambda_function.receiver.tracing_config).mode == "Active" &&
      one(aws_lambda_function.migration.tracing_config).mode == "Active" &&
      aws_lambda_function.receiver.filename == "does-not-exist/analytics.zip"
    )
    error_message = "Handlers, runtime, architecture, tracing and package must be set."
  }

  assert {
    condition = one(aws_lambda_function.receiver.environment).variables == tomap({
      DB_NAME                      = "core"
      AURORA_CLUSTER_ARN           = "arn:aws:rds:eu-west-1:111111111111:cluster:obs"
      AURORA_SECRET_ARN            = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/role-AbCdEf"
      REGION                       = "eu-west-1"
      BUCKET                       = "obs-111111111111-eu-west-1"
      ANALYTICS_KMS_KEY            = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
      POWERTOOLS_SERVICE_NAME      = "receiver"
      POWERTOOLS_METRICS_NAMESPACE = "MultiAccountObservability"
      LOG_LEVEL                    = "INFO"
      ORGANIZATION_COST_ACCOUNTS   = ""
    })
    error_message = "The receiver environment must carry the documented variables."
  }

  assert {
    condition = keys(one(aws_lambda_function.migration.environment).variables) == sort([
      "DB_NAME", "AURORA_CLUSTER_ARN", "AURORA_SECRET_ARN", "REGION", "DATABASE_ROLES",
      "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL", "RETENTION_DAYS",
    ])
    error_message = "The migration environment must carry the database variables and the retention of its maintenance runs."
  }

  assert {
    condition     = aws_lambda_function.receiver.reserved_concurrent_executions == -1
    error_message = "Receiver concurrency is unreserved by default."
  }
}

run "package_hash_from_an_existing_file" {
  command = plan

  variables {
    # Any existing file stands in for dist/analytics.zip.
    analytics_package_path = "tests/wiring.tftest.hcl"
  }

  assert {
    condition = (
      aws_lambda_function.receiver.source_code_hash == filebase64sha256("tests/wiring.tftest.hcl") &&
      aws_lambda_function.migration.source_code_hash == filebase64sha256("tests/wiring.tftest.hcl")
    )
    error_message = "source_code_hash is the file's base64 SHA-256 when the package exists."
  }
}

run "package_from_s3" {
  command = plan

  variables {
    analytics_package_path   = null
    analytics_package_s3     = { bucket = "artifacts", key = "obs/analytics.zip", version = "v1" }
    analytics_package_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    architecture             = "x86_64"
  }

  assert {
    condition = (
      aws_lambda_function.receiver.s3_bucket == "artifacts" &&
      aws_lambda_function.receiver.s3_key == "obs/analytics.zip" &&
      aws_lambda_function.receiver.s3_object_version == "v1" &&
      aws_lambda_function.receiver.filename == null &&
      aws_lambda_function.migration.s3_key == "obs/analytics.zip" &&
      aws_lambda_function.receiver.source_code_hash == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" &&
      aws_lambda_function.migration.architectures == tolist(["x86_64"])
    )
    error_message = "The S3 package location and hash must reach both functions."
  }
}

run "migrations_run_when_the_sql_changes" {
  command = plan

  variables {
    sql_checksum = "abc123"
  }

  assert {
    condition = (
      aws_lambda_invocation.migration[0].triggers == tomap({ sql_checksum = "abc123" }) &&
      jsondecode(aws_lambda_invocation.migration[0].input).sql_checksum == "abc123" &&
      aws_lambda_invocation.migration[0].function_name == "obs-migrate"
    )
    error_message = "The migration invocation must be triggered by the SQL checksum."
  }
}

run "default_sql_checksum_hashes_the_sql_directory" {
  command = plan

  assert {
    condition     = can(regex("^[0-9a-f]{64}$", output.sql_checksum)) && aws_lambda_invocation.migration[0].triggers.sql_checksum == output.sql_checksum && output.sql_checksum_source == "sql_directory"
    error_message = "Without an input, the checksum is a SHA-256 of sql/*.sql."
  }
}

# modules/ copied without sql/ beside it (a registry or release user): the package decides.
run "without_sql_the_local_zip_triggers_the_migrations" {
  command = plan

  variables {
    sql_directory          = "does-not-exist/sql"
    analytics_package_path = "tests/fixtures/analytics-0.2.0-arm64.zip"
  }

  assert {
    condition = (
      output.sql_checksum == "package:${filebase64sha256("tests/fixtures/analytics-0.2.0-arm64.zip")}" &&
      output.sql_checksum_source == "package" &&
      aws_lambda_invocation.migration[0].triggers.sql_checksum == output.sql_checksum &&
      jsondecode(aws_lambda_invocation.migration[0].input).sql_checksum == output.sql_checksum
    )
    error_message = "Without sql/, the local zip's hash (which carries the migrations) triggers the migration Lambda."
  }
}

run "without_sql_the_package_hash_input_triggers_the_migrations" {
  command = plan

  variables {
    sql_directory            = "tests/fixtures" # zips, no *.sql
    analytics_package_path   = null
    analytics_package_s3     = { bucket = "artifacts", key = "obs/analytics.zip", version = "v7" }
    analytics_package_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  }

  assert {
    condition     = output.sql_checksum == "package:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" && output.sql_checksum_source == "package"
    error_message = "analytics_package_sha256 comes before the S3 object's version."
  }
}

run "without_sql_the_s3_object_version_triggers_the_migrations" {
  command = plan

  variables {
    sql_directory          = "tests/fixtures"
    analytics_package_path = null
    analytics_package_s3   = { bucket = "artifacts", key = "obs/analytics.zip", version = "v7" }
  }

  assert {
    condition = (
      output.sql_checksum == "s3:artifacts/obs/analytics.zip?versionId=v7" &&
      output.sql_checksum_source == "package" &&
      aws_lambda_invocation.migration[0].triggers.sql_checksum == output.sql_checksum
    )
    error_message = "With an S3 package and no hash, its version triggers the migration Lambda."
  }
}

run "without_sql_nor_package_identity_the_migrations_run_once" {
  command = plan

  variables {
    sql_directory          = "tests/fixtures"
    analytics_package_path = null
    analytics_package_s3   = { bucket = "artifacts", key = "obs/analytics.zip" }
  }

  assert {
    condition     = output.sql_checksum == sha256("") && output.sql_checksum_source == "none"
    error_message = "Nothing to hash: a constant checksum (migrations on the first apply), reported as none."
  }
}

run "the_sql_checksum_input_comes_first" {
  command = plan

  variables {
    sql_checksum           = "release-0.2.0"
    sql_directory          = "tests/fixtures"
    analytics_package_path = "tests/fixtures/analytics-0.2.0-arm64.zip"
  }

  assert {
    condition     = output.sql_checksum == "release-0.2.0" && output.sql_checksum_source == "input"
    error_message = "An explicit sql_checksum wins over the package's hash."
  }
}

run "migrations_can_be_left_to_the_operator" {
  command = plan

  variables {
    run_migrations_on_apply = false
  }

  assert {
    condition     = length(aws_lambda_invocation.migration) == 0
    error_message = "No invocation when run_migrations_on_apply is false."
  }
}

run "bucket_lifecycle" {
  command = plan

  variables {
    loaded_expiration_days = 30
    failed_expiration_days = null
    access_log_bucket_name = "my-access-logs"
  }

  assert {
    condition = [
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id
    ] == ["all-objects", "data-delete-markers", "loaded-expiration", "reports-expiration"]
    error_message = "failed/ has no expiry rule when failed_expiration_days is null; reports/ expires (report_retention_days)."
  }

  assert {
    condition = one([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.expiration[0].days
      if r.id == "loaded-expiration"
    ]) == 30
    error_message = "loaded/ expires after loaded_expiration_days."
  }

  assert {
    condition = one([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : r
      if r.id == "all-objects"
      ]).noncurrent_version_expiration[0].noncurrent_days == 30 && one([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : r
      if r.id == "all-objects"
    ]).abort_incomplete_multipart_upload[0].days_after_initiation == 7
    error_message = "Noncurrent versions and incomplete uploads expire."
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_bucket == "my-access-logs" && aws_s3_bucket_logging.this[0].target_prefix == "obs-111111111111-eu-west-1/"
    error_message = "Access logs go to the given bucket."
  }
}

run "alarms" {
  command = plan

  variables {
    alarm_email_addresses = ["ops@example.com"]
  }

  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset(["dlq-messages", "queue-oldest-message", "receiver-errors", "migration-errors", "no-uploads", "report-errors"])
    error_message = "All six alarms are created by default (the morning report's included)."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["no-uploads"].metric_name == "NumberOfMessagesSent" &&
      aws_cloudwatch_metric_alarm.this["no-uploads"].period == 86400 &&
      aws_cloudwatch_metric_alarm.this["no-uploads"].treat_missing_data == "breaching" &&
      aws_cloudwatch_metric_alarm.this["dlq-messages"].dimensions.QueueName == "obs-uploads-dlq" &&
      aws_cloudwatch_metric_alarm.this["receiver-errors"].dimensions.FunctionName == "obs-receiver" &&
      aws_cloudwatch_metric_alarm.this["migration-errors"].dimensions.FunctionName == "obs-migrate"
    )
    error_message = "Alarms watch the right metrics."
  }

  assert {
    condition = alltrue([
      for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset([aws_sns_topic.alarms[0].arn])
    ])
    error_message = "Every alarm notifies the topic."
  }

  assert {
    condition     = aws_sns_topic_subscription.alarm_email["ops@example.com"].protocol == "email"
    error_message = "E-mail subscriptions are created."
  }
}

run "alarms_to_an_existing_topic" {
  command = plan

  variables {
    alarm_topic_arn         = "arn:aws:sns:eu-west-1:111111111111:central-alarms"
    create_no_uploads_alarm = false
  }

  assert {
    condition = (
      length(aws_sns_topic.alarms) == 0 &&
      !contains(keys(aws_cloudwatch_metric_alarm.this), "no-uploads") &&
      aws_cloudwatch_metric_alarm.this["dlq-messages"].alarm_actions == toset(["arn:aws:sns:eu-west-1:111111111111:central-alarms"])
    )
    error_message = "An existing topic replaces the created one."
  }
}

run "no_alarms" {
  command = plan

  variables {
    create_alarms = false
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 0 && length(aws_sns_topic.alarms) == 0 && output.alarm_topic_arn == null
    error_message = "create_alarms = false creates no alarm and no topic."
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
        aws_kms_key.this.tags, aws_s3_bucket.this.tags, aws_sqs_queue.uploads.tags, aws_sqs_queue.uploads_dlq.tags,
        aws_lambda_function.receiver.tags, aws_lambda_function.migration.tags, aws_iam_role.receiver.tags,
        aws_rds_cluster.this.tags, aws_rds_cluster_instance.this[0].tags, aws_sns_topic.alarms[0].tags,
        aws_cloudwatch_log_group.receiver.tags, aws_lambda_event_source_mapping.receiver.tags,
        aws_cloudwatch_metric_alarm.this["dlq-messages"].tags, aws_security_group.aurora.tags,
      ] : t == tomap({ project = "observability" })
    ])
    error_message = "tags must be set on every taggable resource."
  }
}

run "sender_settings_output" {
  command = plan

  assert {
    condition = output.sender_settings == {
      bucket_name = "obs-111111111111-eu-west-1"
      kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
      region      = "eu-west-1"
    }
    error_message = "sender_settings carries what a sender needs."
  }
}

run "organization_cost_accounts_reach_the_receiver" {
  command = plan
  variables {
    organization_cost_accounts = ["111111111111", "333333333333"]
  }

  assert {
    condition     = one(aws_lambda_function.receiver.environment).variables["ORGANIZATION_COST_ACCOUNTS"] == "111111111111,333333333333"
    error_message = "organization_cost_accounts must reach the receiver as ORGANIZATION_COST_ACCOUNTS."
  }
}
