# The analytics stack in an existing VPC, found by tag, with direct PostgreSQL access for a
# bastion or BI tool security group and an office CIDR. The Lambdas still use the Data API.

provider "aws" {
  region = var.region
}

data "aws_vpc" "this" {
  tags = {
    Name = var.vpc_name
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.this.id]
  }

  tags = var.private_subnet_tags
}

module "analytics" {
  source = "../../modules/analytics"

  name = var.name
  tags = var.tags

  sender_account_ids = var.sender_account_ids

  analytics_package_path = var.analytics_package_path

  vpc_id                              = data.aws_vpc.this.id
  subnet_ids                          = sort(data.aws_subnets.private.ids)
  database_ingress_security_group_ids = var.database_client_security_group_ids
  database_ingress_cidr_blocks        = var.database_client_cidr_blocks

  aurora = {
    engine_version = "17.4"
    min_capacity   = 0.5
    max_capacity   = 4
  }
}
