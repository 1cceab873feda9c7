# Everything in one account, with most options set: a dedicated VPC with private subnets for
# Aurora, an access-log bucket, alarm e-mails, all four intervals, several regions.

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:The example takes the first two available zones; pin zone ids in a real network module.
  state = "available"
}

locals {
  tags = {
    project     = "multi-account-observability"
    environment = var.environment
  }
}

#------------------------------------------------------------------------------
# Network: two private subnets are enough; the Lambdas use the Data API.
#------------------------------------------------------------------------------

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:Example VPC with private subnets only and no internet path; add flow logs in a real network module.
  cidr_block           = "10.42.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = var.name })
}

resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = merge(local.tags, { Name = "${var.name}-private-${count.index + 1}" })
}

resource "aws_default_security_group" "this" {
  # Lock down the VPC's default security group (no rules).
  vpc_id = aws_vpc.this.id
  tags   = local.tags
}

#------------------------------------------------------------------------------
# Access logs of the data bucket
#------------------------------------------------------------------------------

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_145:S3 server access logs can only be delivered to a bucket encrypted with SSE-S3.
  #checkov:skip=CKV_AWS_144:Access logs need no cross-region copy in this example.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events of the access-log bucket.
  #checkov:skip=CKV_AWS_18:This is the access-log bucket itself.
  bucket        = "${var.name}-access-logs-${data.aws_caller_identity.current.account_id}-${var.region}"
  force_destroy = var.allow_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = 365
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  # Server access logs support SSE-S3 only.
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.bucket
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "S3ServerAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.access_logs.arn}/*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

#------------------------------------------------------------------------------
# Analytics stack
#------------------------------------------------------------------------------

module "analytics" {
  source = "../../modules/analytics"

  name = var.name
  tags = local.tags

  sender_account_ids = [data.aws_caller_identity.current.account_id]

  analytics_package_path = var.analytics_package_path
  architecture           = "arm64"

  # Named through the policy that admits the logging service: S3 refuses to enable logging to a
  # bucket that does not admit it yet. Known at plan time (the module's count depends on it).
  access_log_bucket_name = aws_s3_bucket_policy.access_logs.bucket
  loaded_expiration_days = 730
  failed_expiration_days = 365
  bucket_force_destroy   = var.allow_destroy

  max_receive_count            = 3
  receiver_batch_size          = 10
  receiver_maximum_concurrency = 4
  receiver_timeout             = 300

  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.private[*].id
  aurora = {
    engine_version           = "16.6"
    min_capacity             = 0
    max_capacity             = 8
    seconds_until_auto_pause = 1800
    backup_retention_period  = 14
    preferred_backup_window  = "01:00-01:30"
  }
  deletion_protection = var.deletion_protection
  skip_final_snapshot = var.allow_destroy

  log_retention_days               = 400
  log_level                        = "INFO"
  alarm_email_addresses            = var.alarm_email_addresses
  oldest_message_age_alarm_seconds = 1800

  # Holds the dashboards' CloudFormation template (too large to send inline) when enabled.
  create_artifacts_bucket = var.enable_dashboards
}

#------------------------------------------------------------------------------
# Sender in the same account
#------------------------------------------------------------------------------

module "sender" {
  source = "../../modules/sender"

  name = "${var.name}-sender"
  tags = local.tags

  analytics_bucket_name = module.analytics.sender_settings.bucket_name
  analytics_kms_key_arn = module.analytics.sender_settings.kms_key_arn
  analytics_region      = module.analytics.sender_settings.region

  sender_package_path = var.sender_package_path
  regions             = var.regions
  intervals           = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
  schedule_expressions = {
    DAILY = "cron(15 2 * * ? *)"
  }
  memory_size            = 2048
  maximum_retry_attempts = 1

  log_retention_days = 400
  alarm_topic_arn    = module.analytics.alarm_topic_arn
}

#------------------------------------------------------------------------------
# QuickSight dashboards (opt-in: needs QuickSight Enterprise and its access to Secrets Manager,
# see modules/dashboards/README.md)
#------------------------------------------------------------------------------

module "dashboards" {
  source = "../../modules/dashboards"
  count  = var.enable_dashboards ? 1 : 0

  name = var.name
  tags = local.tags

  vpc_id                     = aws_vpc.this.id
  subnet_ids                 = aws_subnet.private[*].id
  database_security_group_id = module.analytics.security_group_id
  database_host              = module.analytics.cluster_endpoint
  database_name              = module.analytics.database_name
  reader_secret_arn          = module.analytics.reader_secret_arn
  kms_key_arn                = module.analytics.kms_key_arn
  database_ready             = module.analytics.database_ready

  principals = var.dashboard_principals
  # SPICE refreshed after the morning load (the DAILY sender run is moved to 02:15 UTC above).
  refresh_schedule = { time_of_day = "06:30", timezone = "UTC" }

  template_bucket = {
    name        = module.analytics.artifacts_bucket_name
    kms_key_arn = module.analytics.kms_key_arn
  }
  stack_notification_arns = []
}
