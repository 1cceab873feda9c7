# The two JSON files `make dashboards` writes (main.tf, dashboard.tf): the module's own files plan,
# broken ones are refused at plan time with every problem named, and a template too large for
# CloudFormation's inline limit asks for template_bucket. Planned with the mocked AWS provider.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

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
  principals                 = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/owners", access = "owner" }]
}

# The files shipped with the module (datasets.json, dashboard-definition.json), through S3 so
# that their size does not matter here.
run "the_generated_files" {
  command = plan

  variables {
    template_bucket = { name = "obs-artifacts-111111111111-eu-west-1" }
  }

  assert {
    condition = (
      length(aws_quicksight_data_set.this) == length(jsondecode(file("datasets.json")).datasets) &&
      length(aws_quicksight_refresh_schedule.this) == length([for d in jsondecode(file("datasets.json")).datasets : d if d.import_mode == "SPICE"]) &&
      length(aws_quicksight_refresh_schedule.this) > 0
    )
    error_message = "Every declared data set is created, and every SPICE one refreshed."
  }

  assert {
    condition = [
      for d in jsondecode(aws_s3_object.dashboard_template[0].content).Resources.Dashboard.Properties.Definition.DataSetIdentifierDeclarations : d.Identifier
    ] == [for d in jsondecode(file("datasets.json")).datasets : d.key]
    error_message = "The dashboard declares every data set by its key."
  }
}

run "broken_data_sets_are_refused" {
  command = plan

  variables {
    datasets_file             = "tests/fixtures/bad-datasets.json"
    dashboard_definition_file = "tests/fixtures/dashboard-definition.json"
  }

  expect_failures = [terraform_data.definition_files]
}

run "a_definition_naming_an_unknown_data_set_is_refused" {
  command = plan

  variables {
    datasets_file             = "tests/fixtures/datasets.json"
    dashboard_definition_file = "tests/fixtures/bad-definition.json"
  }

  expect_failures = [terraform_data.definition_files]
}

run "a_large_template_needs_a_bucket" {
  command = plan

  variables {
    datasets_file             = "tests/fixtures/datasets.json"
    dashboard_definition_file = "tests/fixtures/large-definition.json"
  }

  expect_failures = [aws_cloudformation_stack.dashboard]
}

run "a_large_template_through_s3" {
  command = plan

  variables {
    datasets_file             = "tests/fixtures/datasets.json"
    dashboard_definition_file = "tests/fixtures/large-definition.json"
    template_bucket           = { name = "obs-artifacts-111111111111-eu-west-1" }
  }

  assert {
    condition     = length(aws_s3_object.dashboard_template) == 1 && aws_s3_object.dashboard_template[0].server_side_encryption == "aws:kms"
    error_message = "Through S3 the large template is accepted (SSE-KMS, the bucket's default key when none is given)."
  }
}

run "a_missing_file_is_refused" {
  command = plan

  variables {
    datasets_file             = "tests/fixtures/no-such-file.json"
    dashboard_definition_file = "tests/fixtures/datasets.json"
  }

  # The second is JSON, but no dashboard definition.
  expect_failures = [var.datasets_file, var.dashboard_definition_file]
}
