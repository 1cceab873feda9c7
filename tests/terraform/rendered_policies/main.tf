# Every module with every optional policy switched on, for tests/terraform/test_rendered_policies.py: it runs
# `terraform test -json -verbose` here (tests/render.tftest.hcl, mocked AWS provider, offline) and
# audits the policies of the resulting plan (parliament on the identity policies, an evaluator on
# the bucket policy). Nothing here is ever applied.

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
  region = "eu-west-1"
}

module "analytics" {
  source = "../../../modules/analytics"

  name                         = "obs"
  vpc_id                       = "vpc-0123456789abcdef0"
  subnet_ids                   = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path       = "does-not-exist/analytics.zip"
  sender_organization_ids      = ["o-abcdefghij"]
  sender_account_ids           = ["222222222222"]
  organization_roster_role_arn = "arn:aws:iam::111111111111:role/observability-roster"
  create_artifacts_bucket      = true
  alarm_email_addresses        = ["ops@example.com"]
}

module "sender" {
  source = "../../../modules/sender"

  name                  = "obs-sender"
  analytics_bucket_name = "obs-111111111111-eu-west-1"
  analytics_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
  analytics_region      = "eu-west-1"
  sender_package_path   = "does-not-exist/sender.zip"
}

module "organization" {
  source = "../../../modules/organization"

  organizational_unit_ids  = ["ou-ab12-abcdefgh"]
  analytics_bucket_name    = "obs-999999999999-eu-west-1"
  analytics_kms_key_arn    = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
  analytics_region         = "eu-west-1"
  sender_package_s3        = { bucket = "obs-artifacts-999999999999-eu-west-1", key = "sender/1.2.0/sender-arm64.zip" }
  deploy_management_sender = true
  cost_mode                = "organization"
}
