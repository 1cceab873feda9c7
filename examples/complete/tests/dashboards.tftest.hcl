# The example with enable_dashboards, planned offline with a mocked AWS provider:
#   terraform -chdir=examples/complete test

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = module.analytics.aws_secretsmanager_secret.database_role["reader"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs-complete/database/reader-AbCdEf" }
}

# The shared mock gives every subnet the same id; QuickSight needs two distinct ones.
override_resource {
  target          = aws_subnet.private[0]
  override_during = plan
  values          = { id = "subnet-0aaaaaaaaaaaaaaa1" }
}

override_resource {
  target          = aws_subnet.private[1]
  override_during = plan
  values          = { id = "subnet-0aaaaaaaaaaaaaaa2" }
}

run "dashboards_off_by_default" {
  command = plan

  assert {
    condition     = length(module.dashboards) == 0 && output.dashboard_url == null
    error_message = "The example creates no dashboards unless asked."
  }
}

run "dashboards_on" {
  command = plan

  variables {
    enable_dashboards    = true
    dashboard_principals = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/admins", access = "owner" }]
  }

  assert {
    condition = (
      module.dashboards[0].data_source.secret_arn == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs-complete/database/reader-AbCdEf" &&
      module.dashboards[0].template_s3_location.bucket == "obs-complete-artifacts-111111111111-eu-west-1" &&
      alltrue([for r in values(module.dashboards[0].refresh_schedules) : r.time_of_day == "06:30"]) &&
      output.dashboard_url == "https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/obs-complete"
    )
    error_message = "The example's dashboards read the reader secret, send their template through the artifacts bucket and refresh at 06:30 UTC."
  }
}
