# One plan on the mocked provider (the shared mock values, tests/terraform_mocks: account
# 111111111111, eu-west-1); tests/terraform/test_dashboards_template.py reads its JSON. Every data
# set gets an ARN built like QuickSight's from its id, so the template is known at plan time.

mock_provider "aws" {
  source          = "../../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = module.dashboards.aws_quicksight_data_set.this
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-mocked" }
}

run "render" {
  command = plan
}
