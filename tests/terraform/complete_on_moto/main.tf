# What a registry user applies: tests/terraform/test_terraform_apply.py copies this file into an empty folder
# next to a copy of `modules/` and a `release/` folder holding the released files (`make release`:
# the four zips, SHA256SUMS, manifest.json), and applies it there on a moto server. Nothing else
# of the repository is present and no Python runs during the apply: the version and file names
# come from release/manifest.json.
#
# The settings follow examples/complete (one account, dedicated VPC, access-log bucket, all four
# intervals), with destroyable resources, and the artifacts bucket on: the analytics module
# uploads the sender zips and the sender is deployed from that bucket, not from a local file.
# The environment points the AWS provider at moto (AWS_ENDPOINT_URL, test keys).

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "obs-moto"
}

variable "region" {
  description = "Region of the whole deployment."
  type        = string
  default     = "eu-west-1"
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:A test deployment takes the first two available zones.
  state = "available"
}

locals {
  release  = jsondecode(file("${path.root}/release/manifest.json"))
  version  = local.release.version
  zip_path = { for name, zip in local.release.zips : "${zip.package}/${zip.architecture}" => "${path.root}/release/${name}" }
  tags     = { project = "multi-account-observability", environment = "moto" }
}

#------------------------------------------------------------------------------
# Network and access logs, as in examples/complete
#------------------------------------------------------------------------------

resource "aws_vpc" "this" {
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

resource "aws_s3_bucket" "access_logs" {
  bucket        = "${var.name}-access-logs-${data.aws_caller_identity.current.account_id}-${var.region}"
  force_destroy = true
  tags          = local.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
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
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
}

#------------------------------------------------------------------------------
# Analytics, with the artifacts bucket holding the released sender zips
#------------------------------------------------------------------------------

module "analytics" {
  source = "./modules/analytics"

  name = var.name
  tags = local.tags

  sender_account_ids = [data.aws_caller_identity.current.account_id]

  analytics_package_path = local.zip_path["analytics/arm64"]
  architecture           = "arm64"
  # No sql_checksum: modules/ alone has no sql/ beside it, so the module falls back to the
  # analytics zip's hash (the zip carries sql/) to decide when the migrations run.

  create_artifacts_bucket = true
  artifacts_version       = local.version
  artifacts = {
    sender = { for arch in ["arm64", "x86_64"] : arch => local.zip_path["sender/${arch}"] }
  }

  access_log_bucket_name = aws_s3_bucket_policy.access_logs.bucket
  bucket_force_destroy   = true

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
  }
  deletion_protection = false
  skip_final_snapshot = true

  log_retention_days               = 400
  oldest_message_age_alarm_seconds = 1800

  # The morning report (on by default) with its summary topic; the test subscribes a queue to it.
  create_report_summary_topic = true
  report_retention_days       = 30
}

#------------------------------------------------------------------------------
# Sender in the same account, deployed from the artifacts bucket
#------------------------------------------------------------------------------

module "sender" {
  source = "./modules/sender"

  name = "${var.name}-sender"
  tags = local.tags

  analytics_bucket_name = module.analytics.sender_settings.bucket_name
  analytics_kms_key_arn = module.analytics.sender_settings.kms_key_arn
  analytics_region      = module.analytics.sender_settings.region

  sender_package_s3     = module.analytics.artifact_locations.sender.arm64
  sender_package_sha256 = module.analytics.artifact_sha256.sender.arm64
  architecture          = "arm64"

  regions   = [var.region, "us-east-1"]
  intervals = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
  schedule_expressions = {
    DAILY = "cron(15 2 * * ? *)"
  }
  memory_size            = 2048
  maximum_retry_attempts = 1

  log_retention_days = 400
  alarm_topic_arn    = module.analytics.alarm_topic_arn
}

output "sender_settings" {
  description = "What a sender needs (bucket, KMS key, region)."
  value       = module.analytics.sender_settings
}

output "cluster_arn" {
  description = "Aurora cluster ARN."
  value       = module.analytics.cluster_arn
}

output "secret_arn" {
  description = "Master credentials secret ARN."
  value       = module.analytics.secret_arn
}

output "database_role_secret_arns" {
  description = "Secret ARN of each database role (migrator, loader, reader)."
  value       = module.analytics.database_role_secret_arns
}

output "database_role_names" {
  description = "PostgreSQL user name of each database role."
  value       = module.analytics.database_role_names
}

output "sender_function_name" {
  description = "Sender function."
  value       = module.sender.function_name
}

output "artifacts_bucket_name" {
  description = "Bucket holding the released zips."
  value       = module.analytics.artifacts_bucket_name
}

output "artifact_locations" {
  description = "S3 locations of the uploaded zips."
  value       = module.analytics.artifact_locations
}

output "report_function_name" {
  description = "Morning report function."
  value       = module.analytics.report_function_name
}

output "reports_location" {
  description = "Where the morning reports land."
  value       = module.analytics.reports_location
}

output "report_summary_topic_arn" {
  description = "Topic receiving each report's summary."
  value       = module.analytics.report_summary_topic_arn
}
