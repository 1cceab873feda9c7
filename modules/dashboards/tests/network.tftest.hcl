# The VPC connection (network.tf): QuickSight's network interfaces in the cluster's subnets, with a
# security group that reaches the cluster on PostgreSQL only, and the role QuickSight assumes.
# Planned with the mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_security_group.quicksight
  override_during = plan
  values          = { id = "sg-0aaaaaaaaaaaaaaa1", arn = "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0aaaaaaaaaaaaaaa1" }
}

override_resource {
  target          = aws_quicksight_vpc_connection.this
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:vpcConnection/obs-aurora" }
}

variables {
  name                       = "obs"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  database_security_group_id = "sg-0bbbbbbbbbbbbbbb2"
  database_host              = "obs.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
  database_name              = "observability"
  reader_secret_arn          = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
  principals                 = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/observability-owners", access = "owner" }]
  datasets_file              = "tests/fixtures/datasets.json"
  dashboard_definition_file  = "tests/fixtures/dashboard-definition.json"
  tags                       = { project = "observability" }
}

run "connection_in_the_cluster_subnets_with_its_own_security_group" {
  command = plan

  assert {
    condition = (
      aws_quicksight_vpc_connection.this.subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]) &&
      aws_quicksight_vpc_connection.this.security_group_ids == toset(["sg-0aaaaaaaaaaaaaaa1"]) &&
      aws_quicksight_vpc_connection.this.vpc_connection_id == "obs-aurora" &&
      aws_quicksight_vpc_connection.this.role_arn == aws_iam_role.vpc_connection[0].arn &&
      aws_quicksight_vpc_connection.this.tags == tomap({ project = "observability" })
    )
    error_message = "The VPC connection uses the given subnets, the module's security group and role, and is tagged."
  }

  assert {
    condition     = aws_security_group.quicksight.vpc_id == "vpc-0123456789abcdef0" && length(aws_security_group.quicksight.ingress) == 0 && length(aws_security_group.quicksight.egress) == 0
    error_message = "QuickSight's security group lives in the cluster's VPC with no inline rule (no default allow-all egress)."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.quicksight_to_aurora.security_group_id == "sg-0aaaaaaaaaaaaaaa1" &&
      aws_vpc_security_group_egress_rule.quicksight_to_aurora.referenced_security_group_id == "sg-0bbbbbbbbbbbbbbb2" &&
      aws_vpc_security_group_egress_rule.quicksight_to_aurora.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.quicksight_to_aurora.from_port == 5432 &&
      aws_vpc_security_group_egress_rule.quicksight_to_aurora.to_port == 5432
    )
    error_message = "The only egress is PostgreSQL to the Aurora security group."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.aurora_from_quicksight.security_group_id == "sg-0bbbbbbbbbbbbbbb2" &&
      aws_vpc_security_group_ingress_rule.aurora_from_quicksight.referenced_security_group_id == "sg-0aaaaaaaaaaaaaaa1" &&
      aws_vpc_security_group_ingress_rule.aurora_from_quicksight.from_port == 5432 &&
      aws_vpc_security_group_ingress_rule.aurora_from_quicksight.to_port == 5432 &&
      aws_vpc_security_group_ingress_rule.aurora_from_quicksight.ip_protocol == "tcp"
    )
    error_message = "The Aurora security group admits PostgreSQL from QuickSight's security group, nothing else."
  }

  assert {
    condition = jsondecode(aws_iam_role.vpc_connection[0].assume_role_policy) == {
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Principal = { Service = "quicksight.amazonaws.com" }, Action = "sts:AssumeRole" }]
    }
    error_message = "Only QuickSight may assume the VPC connection role."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.vpc_connection[0].policy).Statement : s.Sid => [s.Action, s.Resource]
      } == {
      DescribeTakesNoResource = [["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets"], "*"]
      NetworkInterfacesInTheConnectionSubnets = ["ec2:CreateNetworkInterface", [
        "arn:aws:ec2:eu-west-1:111111111111:network-interface/*",
        "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0aaaaaaaaaaaaaaa1",
        "arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-0123456789abcdef0",
        "arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-0123456789abcdef1",
      ]]
      ManageTheNetworkInterfaces = [["ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"], [
        "arn:aws:ec2:eu-west-1:111111111111:network-interface/*",
        "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0aaaaaaaaaaaaaaa1",
      ]]
    }
    error_message = "The role holds only the EC2 actions the QuickSight guide lists, scoped to this connection's subnets and security group."
  }

  assert {
    condition     = output.vpc_connection_arn == "arn:aws:quicksight:eu-west-1:111111111111:vpcConnection/obs-aurora" && output.security_group_id == "sg-0aaaaaaaaaaaaaaa1"
    error_message = "The connection and its security group are outputs."
  }
}

run "an_existing_role" {
  command = plan

  variables {
    vpc_connection_role_arn = "arn:aws:iam::111111111111:role/platform-quicksight-vpc"
    database_port           = 5433
  }

  assert {
    condition = (
      length(aws_iam_role.vpc_connection) == 0 && length(aws_iam_role_policy.vpc_connection) == 0 &&
      aws_quicksight_vpc_connection.this.role_arn == "arn:aws:iam::111111111111:role/platform-quicksight-vpc" &&
      output.vpc_connection_role_arn == "arn:aws:iam::111111111111:role/platform-quicksight-vpc"
    )
    error_message = "With vpc_connection_role_arn the module creates no role and uses the given one."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.quicksight_to_aurora.from_port == 5433 &&
      aws_vpc_security_group_ingress_rule.aurora_from_quicksight.to_port == 5433 &&
      one(one(aws_quicksight_data_source.this.parameters).aurora_postgresql).port == 5433
    )
    error_message = "Another database port moves the rules and the data source together."
  }
}

run "one_subnet_is_refused" {
  command = plan

  variables {
    subnet_ids = ["subnet-0123456789abcdef0"]
  }

  expect_failures = [var.subnet_ids]
}

run "the_same_subnet_twice_is_refused" {
  command = plan

  variables {
    subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"]
  }

  expect_failures = [var.subnet_ids]
}
