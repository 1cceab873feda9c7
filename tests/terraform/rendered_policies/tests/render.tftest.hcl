# One plan on the mocked provider (the shared mock values, tests/terraform_mocks: account
# 111111111111, eu-west-1, organization o-abcdefghij); tests/terraform/test_rendered_policies.py
# reads its JSON. Every policy must be known at plan time: the shared mocks give ARN-shaped values
# to the resource types whose ARNs the policies name.

mock_provider "aws" {
  source          = "../../../tests/terraform_mocks"
  override_during = plan
}

run "render" {
  command = plan
}
