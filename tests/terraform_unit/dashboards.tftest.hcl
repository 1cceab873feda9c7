# The quickstart with enable_dashboards (modules/dashboards wired to the analytics module), checked
# on the plan with a mocked AWS provider (offline). Run from the repository root:
#   terraform test -test-directory=tests/terraform_unit

mock_provider "aws" {
  source          = "./tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = module.analytics.aws_secretsmanager_secret.database_role["reader"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:observability/database/reader-AbCdEf" }
}

override_resource {
  target          = module.analytics.aws_rds_cluster.this
  override_during = plan
  values = {
    arn      = "arn:aws:rds:eu-west-1:111111111111:cluster:observability"
    endpoint = "observability.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
    master_user_secret = [{
      kms_key_id    = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-mock-AbCdEf"
      secret_status = "active"
    }]
  }
}

variables {
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_package_path    = "does-not-exist/sender.zip"
}

run "off_by_default" {
  command = plan

  assert {
    condition     = length(module.dashboards) == 0 && output.dashboard_url == null && module.analytics.artifacts_bucket_name == null
    error_message = "Without enable_dashboards nothing of QuickSight (nor the artifacts bucket) is planned."
  }
}

run "enabled" {
  command = plan

  variables {
    enable_dashboards          = true
    dashboard_principals       = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/admins", access = "owner" }]
    dashboard_refresh_schedule = { time_of_day = "06:45" }
  }

  assert {
    condition = (
      module.dashboards[0].data_source.secret_arn == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:observability/database/reader-AbCdEf" &&
      module.dashboards[0].data_source.host == "observability.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com" &&
      module.dashboards[0].data_source.database == output.database_name
    )
    error_message = "The dashboards sign in to the quickstart's cluster with its reader secret."
  }

  assert {
    condition     = module.dashboards[0].template_s3_location.bucket == "observability-artifacts-111111111111-eu-west-1"
    error_message = "The dashboard's template goes through the artifacts bucket."
  }

  assert {
    condition     = alltrue([for r in values(module.dashboards[0].refresh_schedules) : r.time_of_day == "06:45" && r.timezone == "UTC"]) && length(module.dashboards[0].refresh_schedules) > 0
    error_message = "The refresh time is passed through."
  }

  assert {
    condition     = output.dashboard_url == "https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/observability"
    error_message = "The dashboard's URL is an output."
  }
}
