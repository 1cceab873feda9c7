# One analytics account and two member accounts, each reached through an assumed role. The bucket
# and key admit exactly the two member accounts; each sender writes only under data/<its id>/.

provider "aws" {
  alias  = "analytics"
  region = var.region

  assume_role {
    role_arn     = var.analytics_role_arn
    session_name = "observability-terraform"
  }
}

provider "aws" {
  alias  = "member_a"
  region = var.region

  assume_role {
    role_arn     = var.member_a_role_arn
    session_name = "observability-terraform"
  }
}

provider "aws" {
  alias  = "member_b"
  region = var.region

  assume_role {
    role_arn     = var.member_b_role_arn
    session_name = "observability-terraform"
  }
}

data "aws_caller_identity" "member_a" {
  provider = aws.member_a
}

data "aws_caller_identity" "member_b" {
  provider = aws.member_b
}

module "analytics" {
  source = "../../modules/analytics"
  providers = {
    aws = aws.analytics
  }

  name = var.name
  tags = var.tags

  sender_account_ids = [
    data.aws_caller_identity.member_a.account_id,
    data.aws_caller_identity.member_b.account_id,
  ]

  analytics_package_path = var.analytics_package_path
  vpc_id                 = var.vpc_id
  subnet_ids             = var.subnet_ids
  alarm_email_addresses  = var.alarm_email_addresses
}

module "sender_member_a" {
  source = "../../modules/sender"
  providers = {
    aws = aws.member_a
  }

  name = "${var.name}-sender"
  tags = var.tags

  analytics_bucket_name = module.analytics.sender_settings.bucket_name
  analytics_kms_key_arn = module.analytics.sender_settings.kms_key_arn
  analytics_region      = module.analytics.sender_settings.region

  sender_package_path = var.sender_package_path
  regions             = var.member_regions
}

module "sender_member_b" {
  source = "../../modules/sender"
  providers = {
    aws = aws.member_b
  }

  name = "${var.name}-sender"
  tags = var.tags

  analytics_bucket_name = module.analytics.sender_settings.bucket_name
  analytics_kms_key_arn = module.analytics.sender_settings.kms_key_arn
  analytics_region      = module.analytics.sender_settings.region

  sender_package_path = var.sender_package_path
  regions             = var.member_regions
  # Member B only needs cost and security data.
  collectors = ["cost", "securityhub", "guardduty_findings", "inspector_findings"]
}
