# Plans the example offline with a mocked AWS provider:
#   terraform -chdir=examples/organization/member test

mock_provider "aws" {
  source          = "../../../tests/terraform_mocks"
  override_during = plan
}

variables {
  member_role_arn       = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
  analytics_bucket_name = "observability-999999999999-eu-west-1"
  analytics_kms_key_arn = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
  analytics_region      = "eu-west-1"
}

run "plans" {
  command = plan

  assert {
    condition     = output.upload_prefix == "s3://observability-999999999999-eu-west-1/data/111111111111/"
    error_message = "The member uploads under its own account id."
  }
}
