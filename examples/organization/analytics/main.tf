# Analytics account of an AWS Organization: the bucket and key admit every account of the
# organization (aws:PrincipalOrgID); each writes only under data/<its own account id>/. Accounts
# that join later need no change here: deploy ../member in them.

provider "aws" {
  region = var.region
}

module "analytics" {
  source = "../../../modules/analytics"

  name = var.name
  tags = var.tags

  sender_organization_ids = [var.organization_id]

  analytics_package_path = var.analytics_package_path
  vpc_id                 = var.vpc_id
  subnet_ids             = var.subnet_ids

  receiver_maximum_concurrency = 10
  aurora = {
    min_capacity = 0
    max_capacity = 16
  }

  alarm_email_addresses = var.alarm_email_addresses
}
