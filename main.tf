# Single-account quickstart: the analytics stack and a sender in the same account.
#
#   make package
#   export AWS_REGION=eu-west-1
#   terraform init && terraform apply
#
# For several accounts, use modules/analytics once and modules/sender in every account
# (see examples/).

data "aws_caller_identity" "current" {}

data "aws_vpc" "default" {
  count   = var.vpc_id == null ? 1 : 0
  default = true
}

data "aws_subnets" "default" {
  count = var.vpc_id == null ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default[0].id]
  }

  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

locals {
  vpc_id     = var.vpc_id != null ? var.vpc_id : data.aws_vpc.default[0].id
  subnet_ids = var.subnet_ids != null ? var.subnet_ids : sort(data.aws_subnets.default[0].ids)
}

module "analytics" {
  source = "./modules/analytics"

  name = var.name
  tags = var.tags

  # The sender below runs in this same account.
  sender_account_ids = [data.aws_caller_identity.current.account_id]

  analytics_package_path = var.analytics_package_path
  analytics_package_s3   = var.analytics_package_s3
  architecture           = var.architecture

  vpc_id              = local.vpc_id
  subnet_ids          = local.subnet_ids
  aurora              = var.aurora
  deletion_protection = var.deletion_protection
  skip_final_snapshot = var.skip_final_snapshot

  bucket_force_destroy  = var.bucket_force_destroy
  log_retention_days    = var.log_retention_days
  alarm_email_addresses = var.alarm_email_addresses

  receiver_reserved_concurrency = var.receiver_reserved_concurrency
  code_signing_config_arn       = var.code_signing_config_arn

  # The dashboard's CloudFormation template (over the 51,200 bytes CloudFormation takes inline)
  # goes through this bucket when dashboards are enabled.
  create_artifacts_bucket = var.enable_dashboards
}

module "sender" {
  source = "./modules/sender"

  name = "${var.name}-sender"
  tags = var.tags

  analytics_bucket_name = module.analytics.sender_settings.bucket_name
  analytics_kms_key_arn = module.analytics.sender_settings.kms_key_arn
  analytics_region      = module.analytics.sender_settings.region

  sender_package_path  = var.sender_package_path
  sender_package_s3    = var.sender_package_s3
  architecture         = var.architecture
  regions              = var.regions
  collectors           = var.collectors
  intervals            = var.intervals
  schedule_expressions = var.schedule_expressions

  log_retention_days      = var.log_retention_days
  alarm_topic_arn         = module.analytics.alarm_topic_arn
  code_signing_config_arn = var.code_signing_config_arn
}

# QuickSight dashboards on the analytics database (opt-in): see modules/dashboards/README.md for
# the prerequisites (QuickSight Enterprise, Secrets Manager access for QuickSight).
module "dashboards" {
  source = "./modules/dashboards"
  count  = var.enable_dashboards ? 1 : 0

  name = var.name
  tags = var.tags

  vpc_id                     = local.vpc_id
  subnet_ids                 = local.subnet_ids
  database_security_group_id = module.analytics.security_group_id
  database_host              = module.analytics.cluster_endpoint
  database_name              = module.analytics.database_name
  reader_secret_arn          = module.analytics.reader_secret_arn
  kms_key_arn                = module.analytics.kms_key_arn
  database_ready             = module.analytics.database_ready

  principals       = var.dashboard_principals
  refresh_schedule = var.dashboard_refresh_schedule
  template_bucket = {
    name        = module.analytics.artifacts_bucket_name
    kms_key_arn = module.analytics.kms_key_arn
  }
}
