# modules/dashboards with its generated files, for tests/terraform/test_dashboards_template.py: it
# runs `terraform test -json -verbose` here (tests/render.tftest.hcl, mocked AWS provider, offline)
# and lints the CloudFormation template of the resulting plan. Nothing here is ever applied.

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

module "dashboards" {
  source = "../../../modules/dashboards"

  name                       = "obs"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  database_security_group_id = "sg-0123456789abcdef0"
  database_host              = "obs.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
  database_name              = "observability"
  reader_secret_arn          = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
  principals = [
    { arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/observability-owners", access = "owner" },
    { arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/observability-readers" },
  ]
  template_bucket = {
    name        = "obs-artifacts-111111111111-eu-west-1"
    kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
  }
  tags = { project = "observability" }
}
