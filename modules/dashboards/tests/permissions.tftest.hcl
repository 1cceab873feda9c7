# Permissions per principal (main.tf, datasets.tf, dashboard.tf): a reader sees the dashboard only,
# an author also uses the data sets and the data source, an owner manages everything. The action
# lists are QuickSight's documented owner and viewer lists. Planned with the mocked AWS provider.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

# The dashboard's template names the data sets by ARN: known at plan time only through overrides.
override_resource {
  target          = aws_quicksight_data_set.this
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-any" }
}

variables {
  name                       = "obs"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  database_security_group_id = "sg-0bbbbbbbbbbbbbbb2"
  database_host              = "obs.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
  database_name              = "observability"
  reader_secret_arn          = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
  datasets_file              = "tests/fixtures/datasets.json"
  dashboard_definition_file  = "tests/fixtures/dashboard-definition.json"
  principals = [
    { arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners", access = "owner" },
    { arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/analysts", access = "author" },
    { arn = "arn:aws:quicksight:eu-west-1:111111111111:user/default/jane@example.com" },
  ]
}

run "actions_by_access" {
  command = plan

  # The data source: owners manage it, authors may use it, readers have no entry.
  assert {
    condition = { for p in aws_quicksight_data_source.this.permission : p.principal => p.actions } == {
      "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners" = toset([
        "quicksight:DeleteDataSource", "quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions",
        "quicksight:PassDataSource", "quicksight:UpdateDataSource", "quicksight:UpdateDataSourcePermissions",
      ])
      "arn:aws:quicksight:eu-west-1:111111111111:group/default/analysts" = toset([
        "quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions", "quicksight:PassDataSource",
      ])
    }
    error_message = "Data source: owner and viewer actions for owners and authors, nothing for readers."
  }

  # Every data set: the same two principals.
  assert {
    condition = alltrue([
      for d in aws_quicksight_data_set.this : { for p in d.permissions : p.principal => p.actions } == {
        "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners" = toset([
          "quicksight:CancelIngestion", "quicksight:CreateIngestion", "quicksight:CreateRefreshSchedule", "quicksight:DeleteDataSet",
          "quicksight:DeleteDataSetRefreshProperties", "quicksight:DeleteRefreshSchedule", "quicksight:DescribeDataSet",
          "quicksight:DescribeDataSetPermissions", "quicksight:DescribeDataSetRefreshProperties", "quicksight:DescribeIngestion",
          "quicksight:DescribeRefreshSchedule", "quicksight:ListIngestions", "quicksight:ListRefreshSchedules", "quicksight:PassDataSet",
          "quicksight:PutDataSetRefreshProperties", "quicksight:UpdateDataSet", "quicksight:UpdateDataSetPermissions",
          "quicksight:UpdateRefreshSchedule",
        ])
        "arn:aws:quicksight:eu-west-1:111111111111:group/default/analysts" = toset([
          "quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions", "quicksight:DescribeIngestion",
          "quicksight:ListIngestions", "quicksight:PassDataSet",
        ])
      }
    ]) && length(aws_quicksight_data_set.this) == 3
    error_message = "Each data set: owner actions for owners, viewer actions for authors, nothing for readers."
  }

  # The dashboard: everyone, readers and authors as viewers.
  assert {
    condition = {
      for p in jsondecode(aws_cloudformation_stack.dashboard.template_body).Resources.Dashboard.Properties.Permissions : p.Principal => p.Actions
      } == {
      "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners" = [
        "quicksight:DeleteDashboard", "quicksight:DescribeDashboard", "quicksight:DescribeDashboardPermissions", "quicksight:ListDashboardVersions",
        "quicksight:QueryDashboard", "quicksight:UpdateDashboard", "quicksight:UpdateDashboardPermissions", "quicksight:UpdateDashboardPublishedVersion",
      ]
      "arn:aws:quicksight:eu-west-1:111111111111:group/default/analysts"        = ["quicksight:DescribeDashboard", "quicksight:ListDashboardVersions", "quicksight:QueryDashboard"]
      "arn:aws:quicksight:eu-west-1:111111111111:user/default/jane@example.com" = ["quicksight:DescribeDashboard", "quicksight:ListDashboardVersions", "quicksight:QueryDashboard"]
    }
    error_message = "Dashboard: owner actions for owners, viewer actions for authors and readers."
  }
}

run "no_owner_is_refused" {
  command = plan

  variables {
    principals = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:user/default/jane@example.com" }]
  }

  expect_failures = [var.principals]
}

run "an_iam_arn_is_refused" {
  command = plan

  variables {
    principals = [{ arn = "arn:aws:iam::111111111111:role/admin", access = "owner" }]
  }

  expect_failures = [var.principals]
}

run "an_unknown_access_is_refused" {
  command = plan

  variables {
    principals = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners", access = "admin" }]
  }

  expect_failures = [var.principals]
}

run "a_principal_twice_is_refused" {
  command = plan

  variables {
    principals = [
      { arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners", access = "owner" },
      { arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners", access = "reader" },
    ]
  }

  expect_failures = [var.principals]
}
