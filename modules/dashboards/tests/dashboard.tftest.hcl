# The dashboard (dashboard.tf): one CloudFormation stack holding one AWS::QuickSight::Dashboard whose
# Definition is the definition file's, with its DataSetIdentifierDeclarations replaced by the real
# data set ARNs; permissions, publish options and tags. Planned with the mocked AWS provider.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_quicksight_data_set.this["cost_daily"]
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-cost-daily" }
}

override_resource {
  target          = aws_quicksight_data_set.this["findings_open"]
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-findings-open" }
}

override_resource {
  target          = aws_quicksight_data_set.this["compliance_daily"]
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-compliance-daily" }
}

override_resource {
  target          = aws_cloudformation_stack.dashboard
  override_during = plan
  values          = { outputs = { DashboardArn = "arn:aws:quicksight:eu-west-1:111111111111:dashboard/obs" } }
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
  principals                 = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners", access = "owner" }]
  datasets_file              = "tests/fixtures/datasets.json"
  dashboard_definition_file  = "tests/fixtures/dashboard-definition.json"
  tags                       = { project = "observability", team = "platform" }
}

run "the_definition_file_with_the_real_data_set_arns" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudformation_stack.dashboard.template_body).Resources.Dashboard.Properties.Definition == merge(
      jsondecode(file("tests/fixtures/dashboard-definition.json")),
      {
        DataSetIdentifierDeclarations = [
          { Identifier = "cost_daily", DataSetArn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-cost-daily" },
          { Identifier = "findings_open", DataSetArn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-findings-open" },
          { Identifier = "compliance_daily", DataSetArn = "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-compliance-daily" },
        ]
      }
    )
    error_message = "The Definition is the file's, unchanged but for the data set declarations, which name the real data sets."
  }

  assert {
    condition     = !strcontains(aws_cloudformation_stack.dashboard.template_body, "000000000000") && !strcontains(aws_cloudformation_stack.dashboard.template_body, "placeholder")
    error_message = "No placeholder ARN of the file survives."
  }

  assert {
    condition = (
      keys(jsondecode(aws_cloudformation_stack.dashboard.template_body).Resources) == ["Dashboard"] &&
      jsondecode(aws_cloudformation_stack.dashboard.template_body).Resources.Dashboard.Type == "AWS::QuickSight::Dashboard"
    )
    error_message = "The stack holds exactly one QuickSight dashboard."
  }

  assert {
    condition = {
      for k, v in jsondecode(aws_cloudformation_stack.dashboard.template_body).Resources.Dashboard.Properties : k => v
      if contains(["AwsAccountId", "DashboardId", "Name", "DashboardPublishOptions", "Tags"], k)
      } == {
      AwsAccountId = "111111111111"
      DashboardId  = "obs"
      Name         = "AWS observability"
      DashboardPublishOptions = {
        AdHocFilteringOption = { AvailabilityStatus = "ENABLED" }
        ExportToCSVOption    = { AvailabilityStatus = "ENABLED" }
        SheetControlsOption  = { VisibilityState = "EXPANDED" }
      }
      Tags = [{ Key = "project", Value = "observability" }, { Key = "team", Value = "platform" }]
    }
    error_message = "The dashboard is named, in this account, with ad hoc filtering and CSV export enabled, and tagged."
  }

  assert {
    condition = (
      aws_cloudformation_stack.dashboard.name == "obs-dashboard" &&
      aws_cloudformation_stack.dashboard.template_url == null &&
      length(aws_s3_object.dashboard_template) == 0 &&
      aws_cloudformation_stack.dashboard.tags == tomap({ project = "observability", team = "platform" })
    )
    error_message = "A small template goes inline, in a tagged stack."
  }

  assert {
    condition = (
      output.dashboard_arn == "arn:aws:quicksight:eu-west-1:111111111111:dashboard/obs" &&
      output.dashboard_id == "obs" &&
      output.dashboard_url_path == "/sn/dashboards/obs" &&
      output.dashboard_url == "https://eu-west-1.quicksight.aws.amazon.com/sn/dashboards/obs"
    )
    error_message = "The dashboard's id, ARN and console path are outputs."
  }
}

run "no_tags_no_tags_property" {
  command = plan

  variables {
    tags = {}
  }

  assert {
    condition     = !contains(keys(jsondecode(aws_cloudformation_stack.dashboard.template_body).Resources.Dashboard.Properties), "Tags")
    error_message = "Without tags the template carries no empty Tags list."
  }
}

run "through_s3" {
  command = plan

  variables {
    template_bucket = {
      name        = "obs-artifacts-111111111111-eu-west-1"
      kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
    }
  }

  # (template_body is computed when template_url is set: the provider reads it back from S3.)
  assert {
    condition = (
      startswith(aws_cloudformation_stack.dashboard.template_url, "https://obs-artifacts-111111111111-eu-west-1.s3.eu-west-1.amazonaws.com/quicksight/obs-dashboard-") &&
      aws_cloudformation_stack.dashboard.template_url == "https://obs-artifacts-111111111111-eu-west-1.s3.eu-west-1.amazonaws.com/${aws_s3_object.dashboard_template[0].key}"
    )
    error_message = "With template_bucket the stack reads the template from S3."
  }

  assert {
    condition = (
      jsondecode(aws_s3_object.dashboard_template[0].content).Resources.Dashboard.Properties.Definition.DataSetIdentifierDeclarations[0].DataSetArn == "arn:aws:quicksight:eu-west-1:111111111111:dataset/obs-cost-daily" &&
      aws_s3_object.dashboard_template[0].server_side_encryption == "aws:kms" &&
      aws_s3_object.dashboard_template[0].kms_key_id == "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
    )
    error_message = "The uploaded template is the same, encrypted with the given key."
  }
}
