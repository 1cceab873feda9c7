# Plans the example offline with a mocked AWS provider:
#   terraform -chdir=examples/organization/analytics test
# The released zips are the analytics module's test fixtures.

mock_provider "aws" {
  source          = "../../../tests/terraform_mocks"
  override_during = plan
}

variables {
  organization_id       = "o-abcdefghij"
  management_account_id = "111111111111"
  vpc_id                = "vpc-0123456789abcdef0"
  subnet_ids            = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  release_dir           = "../../../modules/analytics/tests/fixtures"
  release_version       = "0.2.0"
}

run "admits_the_organization" {
  command = plan

  assert {
    condition = one([
      for s in jsondecode(module.analytics.bucket_policy).Statement : s.Condition.StringEquals["aws:PrincipalOrgID"]
      if s.Sid == "SendersFromOrganizationsPutOwnPrefix"
    ]) == ["o-abcdefghij"]
    error_message = "The bucket admits the organization."
  }
}

run "hands_apply_2_its_inputs" {
  command = plan

  assert {
    condition = (
      output.management_inputs.sender_package_s3.key == "releases/0.2.0/sender-0.2.0-arm64.zip" &&
      output.management_inputs.analytics_region == "eu-west-1" &&
      output.management_inputs.sender_architecture == "arm64"
    )
    error_message = "The management configuration gets the released sender's S3 location and the analytics settings."
  }
}
