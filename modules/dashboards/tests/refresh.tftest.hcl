# Data sets and their refresh (datasets.tf): one data set per entry of the declaration, with its
# SQL, columns and import mode; a history data set (a "refresh" lookback in the file) carries its
# incremental refresh's lookback window, is refreshed incrementally every day and fully once a
# week; the other SPICE data sets fully every day, at the configured times.
# Planned with the mocked AWS provider (offline) on tests/fixtures (two SPICE, cost_daily with a
# lookback, one DIRECT_QUERY).

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
    error_message = "One daily refresh schedule per SPICE data set; none for DIRECT_QUERY."
  }

  assert {
    condition = alltrue([
      for k, r in aws_quicksight_refresh_schedule.this : (
        r.data_set_id == "obs-${replace(k, "_", "-")}" &&
        r.schedule_id == "obs-${replace(k, "_", "-")}-daily" &&
        one(one(r.schedule).schedule_frequency).interval == "DAILY" &&
        one(one(r.schedule).schedule_frequency).time_of_the_day == "07:00" &&
        one(one(r.schedule).schedule_frequency).timezone == "UTC"
      )
    ])
    error_message = "Each SPICE data set is refreshed daily at 07:00 UTC by default."
  }

  assert {
    condition = (
      one(aws_quicksight_refresh_schedule.this["cost_daily"].schedule).refresh_type == "INCREMENTAL_REFRESH" &&
      one(aws_quicksight_refresh_schedule.this["compliance_daily"].schedule).refresh_type == "FULL_REFRESH"
    )
    error_message = "The daily refresh is incremental for a history data set (a lookback in the file), full for the others."
  }
}

run "a_history_data_set_carries_its_lookback_window" {
  command = plan

  assert {
    condition = one(one(one(one(aws_quicksight_data_set.this["cost_daily"].refresh_properties).refresh_configuration).incremental_refresh).lookback_window) == {
      column_name = "usage_date"
      size        = 42
      size_unit   = "DAY"
    }
    error_message = "The data set's refresh properties hold the file's lookback window (column, size, unit)."
  }

  assert {
    condition = (
      length(aws_quicksight_data_set.this["compliance_daily"].refresh_properties) == 0 &&
      length(aws_quicksight_data_set.this["findings_open"].refresh_properties) == 0
    )
    error_message = "A data set without a lookback (current state, or DIRECT_QUERY) has no refresh properties."
  }
}

run "a_weekly_full_refresh_per_history_data_set" {
  command = plan

  assert {
    condition     = keys(aws_quicksight_refresh_schedule.weekly_full) == ["cost_daily"]
    error_message = "Only history data sets get a weekly full refresh."
  }

  assert {
    condition = (
      aws_quicksight_refresh_schedule.weekly_full["cost_daily"].data_set_id == "obs-cost-daily" &&
      aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule_id == "obs-cost-daily-weekly-full" &&
      one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).refresh_type == "FULL_REFRESH" &&
      one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).interval == "WEEKLY" &&
      one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).time_of_the_day == "06:00" &&
      one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).timezone == "UTC" &&
      one(one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).refresh_on_day).day_of_week == "SUNDAY"
    )
    error_message = "The weekly full refresh runs on Sundays at 06:00 UTC by default."
  }

  assert {
    condition = (
      output.refresh_schedules["cost_daily"].refresh_type == "INCREMENTAL_REFRESH" &&
      output.refresh_schedules["cost_daily"].lookback == { column = "usage_date", size = 42, unit = "DAY" } &&
      output.refresh_schedules["cost_daily"].weekly_full == { day_of_week = "SUNDAY", time_of_day = "06:00" } &&
      output.refresh_schedules["compliance_daily"].refresh_type == "FULL_REFRESH" &&
      output.refresh_schedules["compliance_daily"].lookback == null &&
      output.refresh_schedules["compliance_daily"].weekly_full == null
    )
    error_message = "The refresh_schedules output says how each SPICE data set is refreshed."
  }
}

run "another_weekly_full_refresh_day_and_time" {
  command = plan

  variables {
    refresh_schedule = { full_refresh_day = "WEDNESDAY", full_refresh_time_of_day = "23:15", timezone = "Europe/Paris" }
  }

  assert {
    condition = (
      one(one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).refresh_on_day).day_of_week == "WEDNESDAY" &&
      one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).time_of_the_day == "23:15" &&
      one(one(aws_quicksight_refresh_schedule.weekly_full["cost_daily"].schedule).schedule_frequency).timezone == "Europe/Paris"
    )
    error_message = "The weekly full refresh's day and time are configurable."
  }
}

run "a_day_that_is_not_a_weekday_name_is_refused" {
  command = plan

  variables {
    refresh_schedule = { full_refresh_day = "Sunday" }
  }

  expect_failures = [var.refresh_schedule]
}

run "a_weekly_full_refresh_at_the_daily_time_is_refused" {
  command = plan

  variables {
    refresh_schedule = { time_of_day = "06:00" }
  }

  expect_failures = [var.refresh_schedule]
}

run "a_lookback_unit_quicksight_does_not_take_is_refused" {
  command = plan

  variables {
    datasets_file = "tests/fixtures/bad-refresh-unit.json"
  }

  expect_failures = [terraform_data.definition_files]
}

run "a_lookback_column_that_is_not_a_datetime_is_refused" {
  command = plan

  variables {
    datasets_file = "tests/fixtures/bad-refresh-column.json"
  }

  expect_failures = [terraform_data.definition_files]
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
