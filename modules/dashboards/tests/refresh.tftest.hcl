# Data sets and their refresh (datasets.tf): one data set per entry of the declaration, with its
# SQL, columns and import mode; one daily full refresh per SPICE data set, at the configured time.
# Planned with the mocked AWS provider (offline) on tests/fixtures (two SPICE, one DIRECT_QUERY).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_quicksight_data_source.this
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:datasource/obs-aurora" }
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
  tags                       = { project = "observability" }
}

run "one_data_set_per_declaration" {
  command = plan

  assert {
    condition = { for k, d in aws_quicksight_data_set.this : k => [d.data_set_id, d.name, d.import_mode] } == {
      cost_daily       = ["obs-cost-daily", "obs: Cost per account, service and day", "SPICE"]
      findings_open    = ["obs-findings-open", "obs: Open findings", "DIRECT_QUERY"]
      compliance_daily = ["obs-compliance-daily", "obs: Compliance score per day", "SPICE"]
    }
    error_message = "Data set ids are <name>-<key with hyphens>; names (prefixed with the module name) and import modes come from the file."
  }

  assert {
    condition = (
      one(one(aws_quicksight_data_set.this["findings_open"].physical_table_map).custom_sql) == {
        data_source_arn = "arn:aws:quicksight:eu-west-1:111111111111:datasource/obs-aurora"
        name            = "findings_open"
        sql_query       = "SELECT account_id, severity, finding_count FROM v_findings_open"
        columns = tolist([
          { name = "account_id", type = "STRING" },
          { name = "severity", type = "STRING" },
          { name = "finding_count", type = "INTEGER" },
        ])
      } &&
      one(aws_quicksight_data_set.this["findings_open"].physical_table_map).physical_table_map_id == "findings-open"
    )
    error_message = "A data set is the file's custom SQL, with its declared columns, on the module's data source."
  }

  assert {
    condition = (
      one(aws_quicksight_data_set.this["cost_daily"].logical_table_map).alias == "cost_daily" &&
      one(one(aws_quicksight_data_set.this["cost_daily"].logical_table_map).source).physical_table_id == "cost-daily" &&
      aws_quicksight_data_set.this["cost_daily"].tags == tomap({ project = "observability" })
    )
    error_message = "Each data set declares the logical table over its physical table, and is tagged."
  }

  assert {
    condition     = output.dataset_ids == { cost_daily = "obs-cost-daily", findings_open = "obs-findings-open", compliance_daily = "obs-compliance-daily" }
    error_message = "The data set ids are an output."
  }
}

run "a_daily_refresh_per_spice_data_set_after_the_morning_load" {
  command = plan

  assert {
    condition     = toset(keys(aws_quicksight_refresh_schedule.this)) == toset(["cost_daily", "compliance_daily"])
    error_message = "One refresh schedule per SPICE data set; none for DIRECT_QUERY."
  }

  assert {
    condition = alltrue([
      for k, r in aws_quicksight_refresh_schedule.this : (
        r.data_set_id == "obs-${replace(k, "_", "-")}" &&
        r.schedule_id == "obs-${replace(k, "_", "-")}-daily" &&
        one(r.schedule).refresh_type == "FULL_REFRESH" &&
        one(one(r.schedule).schedule_frequency).interval == "DAILY" &&
        one(one(r.schedule).schedule_frequency).time_of_the_day == "07:00" &&
        one(one(r.schedule).schedule_frequency).timezone == "UTC"
      )
    ])
    error_message = "Each SPICE data set is fully refreshed daily at 07:00 UTC by default."
  }
}

run "another_time_and_timezone" {
  command = plan

  variables {
    refresh_schedule = { time_of_day = "08:30", timezone = "Europe/Paris" }
  }

  assert {
    condition = alltrue([
      for r in aws_quicksight_refresh_schedule.this : (
        one(one(r.schedule).schedule_frequency).time_of_the_day == "08:30" &&
        one(one(r.schedule).schedule_frequency).timezone == "Europe/Paris"
      )
    ]) && length(aws_quicksight_refresh_schedule.this) == 2
    error_message = "The refresh time and timezone are configurable."
  }
}

run "a_time_out_of_range_is_refused" {
  command = plan

  variables {
    refresh_schedule = { time_of_day = "24:00" }
  }

  expect_failures = [var.refresh_schedule]
}

run "a_timezone_that_is_not_a_name_is_refused" {
  command = plan

  variables {
    refresh_schedule = { timezone = "+02:00" }
  }

  expect_failures = [var.refresh_schedule]
}
