#------------------------------------------------------------------------------
# Receiver (SQS -> Aurora) and migration (SQL files -> Aurora) functions
#------------------------------------------------------------------------------

locals {
  cluster_arn = "arn:${local.partition}:rds:${local.region}:${local.account_id}:cluster:${local.cluster_identifier}"
  # The master secret: only the migration function reads it (to bootstrap the database roles).
  secret_arn = aws_rds_cluster.this.master_user_secret[0].secret_arn
  # The receiver and the roster function write rows: they sign in as the loader (aurora.tf).
  loader_secret_arn = local.database_role_secret_arns["loader"]

  package_error = "Exactly one of analytics_package_path and analytics_package_s3 must be set."

  lambda_assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  powertools_environment = {
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    LOG_LEVEL                    = var.log_level
  }

  database_environment = {
    DB_NAME            = var.database_name
    AURORA_CLUSTER_ARN = local.cluster_arn
    AURORA_SECRET_ARN  = local.loader_secret_arn
    REGION             = local.region
  }

  # Data API calls a function may make: one transaction per file, a few statements each.
  rds_data_statement = {
    Sid    = "DataApi"
    Effect = "Allow"
    Action = [
      "rds-data:BeginTransaction",
      "rds-data:CommitTransaction",
      "rds-data:RollbackTransaction",
      "rds-data:ExecuteStatement",
      "rds-data:BatchExecuteStatement",
    ]
    Resource = local.cluster_arn
  }

  # The loader's secret, for the functions whose environment is database_environment.
  secret_statement = {
    Sid      = "DatabaseSecret"
    Effect   = "Allow"
    Action   = "secretsmanager:GetSecretValue"
    Resource = local.loader_secret_arn
  }

  xray_statement = {
    Sid      = "XRay"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    Resource = "*"
  }
}

#------------------------------------------------------------------------------
# Receiver
#------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "receiver" {
  name              = "/aws/lambda/${local.receiver_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "receiver" {
  name               = local.receiver_function_name
  description        = "Receiver Lambda of ${var.name}: loads uploaded files into Aurora"
  assume_role_policy = local.lambda_assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "receiver" {
  name = "receiver"
  role = aws_iam_role.receiver.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.receiver.arn}:*"
      },
      local.xray_statement,
      {
        Sid    = "QueueConsumer"
        Effect = "Allow"
        Action = [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
        ]
        Resource = aws_sqs_queue.uploads.arn
      },
      {
        # A move copies the version it read from data/ (GetObjectVersion on the source) to
        # loaded/ or failed/, then deletes that version (DeleteObjectVersion). Nothing else may
        # write under data/: only senders upload there.
        Sid    = "ReadAndRemoveUploads"
        Effect = "Allow"
        Action = [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:DeleteObject",
          "s3:DeleteObjectVersion",
        ]
        Resource = "${local.bucket_arn}/data/*"
      },
      {
        # The copies and failed/<rest>.reason.json; no delete of any kind on the archive.
        Sid      = "WriteLoadedAndFailed"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = ["${local.bucket_arn}/loaded/*", "${local.bucket_arn}/failed/*"]
      },
      {
        # Never used to list: with it S3 answers a missing data/ object (a duplicate notification
        # of a file already moved) with 404 NoSuchKey instead of 403 AccessDenied. S3 checks it
        # with the requested key as s3:prefix, so the prefix condition keeps that behaviour.
        Sid       = "MissingUploadsAre404"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = local.bucket_arn
        Condition = { StringLike = { "s3:prefix" = "data/*" } }
      },
      {
        Sid      = "AnalyticsKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.this.arn
      },
      local.rds_data_statement,
      local.secret_statement,
    ]
  })
}

resource "aws_lambda_function" "receiver" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the SQS event source mapping; failed messages go to the queue's redrive DLQ, which a function DLQ cannot replace.
  #checkov:skip=CKV_AWS_117:Reaches Aurora through the RDS Data API (HTTPS), S3 and SQS; VPC attachment would only add NAT/endpoint cost.
  #checkov:skip=CKV_AWS_272:Code signing is optional (code_signing_config_arn, off by default): it needs zips signed with AWS Signer, which the release does not produce. source_code_hash does not replace it: Terraform uses it to decide when to update the code, Lambda never checks it.
  function_name = local.receiver_function_name
  description   = "Validates uploaded files and upserts them into Aurora"
  role          = aws_iam_role.receiver.arn
  handler       = "receiver.handler.lambda_handler"
  runtime       = local.runtime
  architectures = [var.architecture]
  timeout       = var.receiver_timeout
  memory_size   = var.receiver_memory_size
  kms_key_arn   = aws_kms_key.this.arn

  filename          = var.analytics_package_path
  s3_bucket         = try(var.analytics_package_s3.bucket, null)
  s3_key            = try(var.analytics_package_s3.key, null)
  s3_object_version = try(var.analytics_package_s3.version, null)
  source_code_hash  = local.package_hash

  code_signing_config_arn = var.code_signing_config_arn

  reserved_concurrent_executions = coalesce(var.receiver_reserved_concurrency, -1)

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.receiver.name
  }

  environment {
    variables = merge(local.database_environment, local.powertools_environment, {
      BUCKET                     = local.bucket_name
      ANALYTICS_KMS_KEY          = aws_kms_key.this.arn
      POWERTOOLS_SERVICE_NAME    = "receiver"
      ORGANIZATION_COST_ACCOUNTS = join(",", var.organization_cost_accounts)
    })
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.analytics_package_path == null) != (var.analytics_package_s3 == null)
      error_message = local.package_error
    }
  }

  # The receiver signs in as the loader, which the migration function creates: on an upgrade it
  # switches to the loader's secret only after the migrations (and the roles) are in place.
  depends_on = [aws_iam_role_policy.receiver, aws_lambda_invocation.migration]
}

#------------------------------------------------------------------------------
# Migration
#------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "migration" {
  name              = "/aws/lambda/${local.migration_function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "migration" {
  name               = local.migration_function_name
  description        = "Migration Lambda of ${var.name}: applies sql/*.sql to Aurora"
  assume_role_policy = local.lambda_assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "migration" {
  name = "migration"
  role = aws_iam_role.migration.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.migration.arn}:*"
      },
      local.xray_statement,
      {
        # The secrets are encrypted with the analytics key: decrypt to read them, a data key to
        # fill an empty role secret; only through Secrets Manager.
        Sid      = "AnalyticsKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.this.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.${local.dns_suffix}" }
        }
      },
      local.rds_data_statement,
      {
        # The master secret to create the roles; the role secrets for their passwords (and the
        # migrator's to run the migrations as the schema owner).
        Sid      = "DatabaseSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = concat([local.secret_arn], values(local.database_role_secret_arns))
      },
      {
        # Only to fill a role secret that has no value yet (the first run after it was created).
        Sid      = "FillDatabaseRoleSecrets"
        Effect   = "Allow"
        Action   = "secretsmanager:PutSecretValue"
        Resource = values(local.database_role_secret_arns)
      },
    ]
  })
}

resource "aws_lambda_function" "migration" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by terraform apply (aws_lambda_invocation), which fails on error, and asynchronously only by the daily maintenance schedule (maintenance.tf), whose event carries nothing but {"action": "maintain"}: a failure raises the migration-errors alarm and the next day's run redoes the same idempotent work, so a DLQ would hold nothing to replay.
  #checkov:skip=CKV_AWS_117:Reaches Aurora through the RDS Data API (HTTPS); VPC attachment would only add NAT/endpoint cost.
  #checkov:skip=CKV_AWS_272:Code signing is optional (code_signing_config_arn, off by default): it needs zips signed with AWS Signer, which the release does not produce. source_code_hash does not replace it: Terraform uses it to decide when to update the code, Lambda never checks it.
  #checkov:skip=CKV_AWS_115:Invoked only by terraform apply and the daily maintenance schedule, both serialised by a PostgreSQL advisory lock; reserving concurrency would fail in accounts at the 10-execution minimum.
  function_name = local.migration_function_name
  description   = "Applies the SQL migrations packaged in the zip, in order, once each; daily, the partition maintenance and retention"
  role          = aws_iam_role.migration.arn
  handler       = "receiver.migrate_handler.lambda_handler"
  runtime       = local.runtime
  architectures = [var.architecture]
  timeout       = var.migration_timeout
  memory_size   = var.migration_memory_size
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
    log_group  = aws_cloudwatch_log_group.migration.name
  }

  environment {
    variables = merge(local.database_environment, local.powertools_environment, {
      POWERTOOLS_SERVICE_NAME = "migration"
      AURORA_SECRET_ARN       = local.secret_arn                                               # the master, to bootstrap the roles
      RETENTION_DAYS          = var.retention_days == null ? "" : tostring(var.retention_days) # maintenance.tf
      DATABASE_ROLES = jsonencode({
        for kind, username in local.database_role_names : kind => {
          username   = username
          secret_arn = local.database_role_secret_arns[kind]
        }
      })
    })
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.analytics_package_path == null) != (var.analytics_package_s3 == null)
      error_message = local.package_error
    }
  }

  depends_on = [aws_iam_role_policy.migration]
}

# Runs the migrations during apply whenever the SQL changes. aws_lambda_invocation fails the apply
# when the function returns an error, so a broken migration stops the rollout.
resource "aws_lambda_invocation" "migration" {
  count = var.run_migrations_on_apply ? 1 : 0

  function_name = aws_lambda_function.migration.function_name
  input = jsonencode({
    action       = "migrate"
    sql_checksum = local.sql_checksum
  })

  triggers = {
    sql_checksum = local.sql_checksum
  }

  depends_on = [
    aws_rds_cluster_instance.this,
    aws_iam_role_policy.migration,
  ]
}
