# The repository-root quickstart (analytics + sender in one account), checked on the plan with a
# mocked AWS provider (offline). Run from the repository root:
#   terraform test -test-directory=tests/terraform_unit

mock_provider "aws" {
  source          = "./tests/terraform_mocks"
  override_during = plan
}

variables {
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_package_path    = "does-not-exist/sender.zip"
}

run "defaults_use_the_default_vpc" {
  command = plan

  assert {
    condition = (
      module.analytics.security_group_id == "sg-0123456789abcdef0" &&
      output.bucket_name == "observability-111111111111-eu-west-1"
    )
    error_message = "The quickstart deploys into the default VPC with derived names."
  }
}

run "the_sender_writes_to_the_analytics_bucket_of_the_same_account" {
  command = plan

  assert {
    condition = (
      module.sender.upload_prefix == "s3://observability-111111111111-eu-west-1/data/111111111111/" &&
      module.sender.function_name == "observability-sender"
    )
    error_message = "The sender uploads to data/<this account>/ of the analytics bucket."
  }

  assert {
    condition     = module.sender.schedule_expressions == tomap({ DAILY = "cron(0 2 * * ? *)" })
    error_message = "The quickstart schedules the daily run."
  }
}

run "explicit_vpc" {
  command = plan

  variables {
    vpc_id     = "vpc-0fedcba9876543210"
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
  }

  assert {
    condition     = output.bucket_name == "observability-111111111111-eu-west-1"
    error_message = "An explicit VPC is accepted."
  }
}

run "bad_name" {
  command = plan

  variables {
    name = "Observability"
  }

  expect_failures = [var.name]
}
