# Apply 2 of 2: the management account (or a CloudFormation StackSets delegated administrator,
# call_as = "DELEGATED_ADMIN", without the roster role and the management sender). A
# service-managed StackSet deploys the sender to every account of the OUs, now and later; the
# roster role lets the analytics account list the organization's accounts; with the organization
# cost mode this account's own sender collects Cost Explorer data for every linked account.
# The analytics_* and sender_* inputs come from ../analytics (its management_inputs output).

provider "aws" {
  region = var.region
}

module "organization" {
  source = "../../../modules/organization"

  name = var.name
  tags = var.tags

  organizational_unit_ids = var.organizational_unit_ids
  home_region             = var.region

  analytics_bucket_name          = var.analytics_bucket_name
  analytics_kms_key_arn          = var.analytics_kms_key_arn
  analytics_region               = var.analytics_region
  sender_package_s3              = var.sender_package_s3
  analytics_roster_principal_arn = var.analytics_roster_principal_arn

  cost_mode                = "organization"
  deploy_management_sender = true

  sender = {
    regions      = var.regions
    intervals    = ["DAILY", "MONTHLY"]
    architecture = var.sender_architecture
  }
}
