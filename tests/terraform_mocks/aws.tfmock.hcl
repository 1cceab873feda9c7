# The one set of offline mock values for every `terraform test` suite in this repository (the
# modules, the root module and the examples point their mock_provider's `source` here; Terraform
# resolves it relative to the directory under test, and a path outside that directory works).
# Data sources describe account 111111111111 of organization o-abcdefghij in eu-west-1, and
# computed ARNs look like ARNs so that the provider's own validation passes. A block here serves
# every suite that uses its type; one that needs other values overrides them in its own file.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "111111111111"
    arn        = "arn:aws:iam::111111111111:user/test"
  }
}

mock_data "aws_region" {
  defaults = {
    id   = "eu-west-1"
    name = "eu-west-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
    key_id = "00000000-0000-0000-0000-000000000001"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock-bucket"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:111111111111:mock-queue"
    id  = "https://sqs.eu-west-1.amazonaws.com/111111111111/mock-queue"
    url = "https://sqs.eu-west-1.amazonaws.com/111111111111/mock-queue"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:eu-west-1:111111111111:mock-topic"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::111111111111:role/mock-role"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:111111111111:log-group:mock"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:eu-west-1:111111111111:function:mock"
    invoke_arn    = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111111111111:function:mock/invocations"
    qualified_arn = "arn:aws:lambda:eu-west-1:111111111111:function:mock:$LATEST"
    version       = "$LATEST"
  }
}

mock_resource "aws_rds_cluster" {
  defaults = {
    arn = "arn:aws:rds:eu-west-1:111111111111:cluster:mock"
    master_user_secret = [{
      kms_key_id    = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-mock-AbCdEf"
      secret_status = "active"
    }]
  }
}

mock_resource "aws_rds_cluster_instance" {
  defaults = {
    arn = "arn:aws:rds:eu-west-1:111111111111:db:mock"
  }
}

mock_resource "aws_security_group" {
  defaults = {
    arn = "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0123456789abcdef0"
    id  = "sg-0123456789abcdef0"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:mock"
  }
}

mock_resource "aws_lambda_event_source_mapping" {
  defaults = {
    arn = "arn:aws:lambda:eu-west-1:111111111111:event-source-mapping:00000000-0000-0000-0000-000000000001"
  }
}

mock_resource "aws_s3_object" {
  defaults = {
    version_id = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY"
  }
}

# The database role secrets (aurora.tf); a test that needs one ARN per role overrides them.
mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/role-AbCdEf"
  }
}

mock_data "aws_organizations_organization" {
  defaults = {
    id                = "o-abcdefghij"
    arn               = "arn:aws:organizations::111111111111:organization/o-abcdefghij"
    master_account_id = "111111111111"
  }
}

mock_resource "aws_cloudformation_stack_set" {
  defaults = {
    arn          = "arn:aws:cloudformation:eu-west-1:111111111111:stackset/observability-sender:00000000-0000-0000-0000-000000000001"
    stack_set_id = "observability-sender:00000000-0000-0000-0000-000000000001"
  }
}

mock_data "aws_vpc" {
  defaults = {
    id = "vpc-0123456789abcdef0"
  }
}

mock_data "aws_subnets" {
  defaults = {
    ids = ["subnet-0123456789abcdef1", "subnet-0123456789abcdef0"]
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }
}

mock_resource "aws_vpc" {
  defaults = {
    id  = "vpc-0123456789abcdef0"
    arn = "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-0123456789abcdef0"
  }
}

mock_resource "aws_subnet" {
  defaults = {
    id  = "subnet-0123456789abcdef0"
    arn = "arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-0123456789abcdef0"
  }
}
