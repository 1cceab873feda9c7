# Plans the example offline with a mocked AWS provider:
#   terraform -chdir=examples/organization/management test

mock_provider "aws" {
  source          = "../../../tests/terraform_mocks"
  override_during = plan
}

variables {
  organizational_unit_ids        = ["r-ab12"]
  analytics_bucket_name          = "observability-999999999999-eu-west-1"
  analytics_kms_key_arn          = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
  analytics_region               = "eu-west-1"
  sender_package_s3              = { bucket = "observability-artifacts-999999999999-eu-west-1", key = "releases/0.2.0/sender-0.2.0-arm64.zip", version = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" }
  analytics_roster_principal_arn = "arn:aws:iam::999999999999:role/observability-roster"
}

run "plans" {
  command = plan

  assert {
    condition = (
      output.roster_role_arn != null &&
      output.management_sender != null &&
      jsondecode(module.organization.template_json).Resources.Function.Properties.Code.S3ObjectVersion == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" &&
      module.organization.member_environment.SENDER_COST_MODE == "off"
    )
    error_message = "The whole organization, the roster role and the management sender in organization cost mode."
  }
}
