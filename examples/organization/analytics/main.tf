# Apply 1 of 2: the analytics account of an AWS Organization. The bucket and key admit every
# account of the organization (aws:PrincipalOrgID); each writes only under data/<its own account
# id>/. The released sender zips are uploaded to an organization-readable artifacts bucket, and
# the roster function reads the organization through the management account's roster role
# (created by apply 2, ../management: its ARN is known in advance).

provider "aws" {
  region = var.region
}

locals {
  release = "${var.release_dir}/%s-${var.release_version}-%s.zip"
}

module "analytics" {
  source = "../../../modules/analytics"

  name = var.name
  tags = var.tags

  sender_organization_ids = [var.organization_id]

  analytics_package_path = format(local.release, "analytics", var.analytics_architecture)
  vpc_id                 = var.vpc_id
  subnet_ids             = var.subnet_ids

  receiver_maximum_concurrency = 10
  aurora = {
    min_capacity = 0
    max_capacity = 16
  }

  # The sender zips, readable by the organization: the StackSet deploys them from here.
  create_artifacts_bucket = true
  artifacts_version       = var.release_version
  artifacts = {
    sender = { (var.sender_architecture) = format(local.release, "sender", var.sender_architecture) }
  }

  # Expected versus reporting accounts: the management account's read-only roster role.
  organization_roster_role_arn = "arn:aws:iam::${var.management_account_id}:role/${var.roster_role_name}"

  # ../management runs its sender with cost_mode = "organization": the receiver accepts that
  # account's Cost Explorer rows for the other linked accounts (the members skip Cost Explorer).
  organization_cost_accounts = [var.management_account_id]

  alarm_email_addresses = var.alarm_email_addresses
}
