# Plans the example offline with mocked providers, one account per alias:
#   terraform -chdir=examples/multi-account test

mock_provider "aws" {
  alias           = "analytics"
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

mock_provider "aws" {
  alias           = "member_a"
  source          = "../../tests/terraform_mocks"
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "222222222222"
    }
  }
}

mock_provider "aws" {
  alias           = "member_b"
  source          = "../../tests/terraform_mocks"
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "333333333333"
    }
  }
}

variables {
  analytics_role_arn = "arn:aws:iam::111111111111:role/terraform"
  member_a_role_arn  = "arn:aws:iam::222222222222:role/terraform"
  member_b_role_arn  = "arn:aws:iam::333333333333:role/terraform"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "each_member_writes_to_its_own_prefix" {
  command = plan

  assert {
    condition = output.upload_prefixes == {
      member_a = "s3://observability-111111111111-eu-west-1/data/222222222222/"
      member_b = "s3://observability-111111111111-eu-west-1/data/333333333333/"
    }
    error_message = "Each member uploads under its own account id."
  }

  assert {
    condition = one([
      for s in jsondecode(module.analytics.bucket_policy).Statement : s.Principal.AWS
      if s.Sid == "SenderAccountsPutOwnPrefix"
    ]) == ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]
    error_message = "The bucket admits exactly the two member accounts."
  }
}
