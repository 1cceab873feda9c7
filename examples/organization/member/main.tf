# One member account of the organization. Apply this configuration once per account (one
# workspace or state per account), assuming a role in that account.

provider "aws" {
  region = var.region

  assume_role {
    role_arn     = var.member_role_arn
    session_name = "observability-terraform"
  }
}

module "sender" {
  source = "../../../modules/sender"

  name = var.name
  tags = var.tags

  analytics_bucket_name = var.analytics_bucket_name
  analytics_kms_key_arn = var.analytics_kms_key_arn
  analytics_region      = var.analytics_region

  sender_package_path = var.sender_package_path
  regions             = var.regions
  intervals           = ["DAILY", "MONTHLY"]
}
