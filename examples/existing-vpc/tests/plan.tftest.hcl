# Plans the example offline with a mocked AWS provider: terraform -chdir=examples/existing-vpc test

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

variables {
  vpc_name                           = "main"
  sender_account_ids                 = ["222222222222"]
  database_client_security_group_ids = ["sg-0123456789abcdef1"]
}

run "plans" {
  command = plan

  assert {
    condition     = output.security_group_id == "sg-0123456789abcdef0"
    error_message = "The cluster gets its own security group in the existing VPC."
  }
}
