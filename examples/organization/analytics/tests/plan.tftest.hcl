# Plans the example offline with a mocked AWS provider:
#   terraform -chdir=examples/organization/analytics test

mock_provider "aws" {
  source          = "../../../tests/terraform_unit/mocks"
  override_during = plan
}

variables {
  organization_id = "o-abcdefghij"
  vpc_id          = "vpc-0123456789abcdef0"
  subnet_ids      = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
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
