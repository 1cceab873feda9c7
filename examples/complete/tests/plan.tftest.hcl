# Plans the example offline with a mocked AWS provider: terraform -chdir=examples/complete test

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

run "plans" {
  command = plan

  assert {
    condition     = module.sender.schedule_expressions["DAILY"] == "cron(15 2 * * ? *)" && length(module.sender.schedule_expressions) == 4
    error_message = "All four intervals are scheduled, DAILY overridden."
  }

  assert {
    condition     = module.analytics.sender_settings.bucket_name == "obs-complete-111111111111-eu-west-1"
    error_message = "The sender writes to the analytics bucket."
  }
}
