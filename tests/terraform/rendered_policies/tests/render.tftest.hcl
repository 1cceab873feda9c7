# One plan on the mocked provider (modules/organization's mock values: account 111111111111,
# eu-west-1, organization o-abcdefghij); tests/terraform/test_rendered_policies.py reads its JSON. Every
# policy must be known at plan time: resource types the organization mocks lack get ARN-shaped
# values here.

mock_provider "aws" {
  source          = "../../../modules/organization/tests/mocks"
  override_during = plan

  mock_resource "aws_secretsmanager_secret" {
    defaults = {
      arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/role-AbCdEf"
    }
  }
}

run "render" {
  command = plan
}
