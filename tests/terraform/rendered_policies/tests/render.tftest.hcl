# One plan on the mocked provider (modules/organization's mock values: account 111111111111,
# eu-west-1, organization o-abcdefghij); tests/test_rendered_policies.py reads its JSON.

mock_provider "aws" {
  source          = "../../../modules/organization/tests/mocks"
  override_during = plan
}

run "render" {
  command = plan
}
