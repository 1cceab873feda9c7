# Invalid inputs are refused before anything is planned.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

variables {
  name                   = "obs"
  vpc_id                 = "vpc-0123456789abcdef0"
  subnet_ids             = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path = "does-not-exist/analytics.zip"
  sender_account_ids     = ["222222222222"]
}

run "bad_account_id" {
  command = plan
  variables {
    sender_account_ids = ["12345678901"]
  }
  expect_failures = [var.sender_account_ids]
}

run "bad_organization_cost_account" {
  command = plan
  variables {
    organization_cost_accounts = ["111111111111", "payer"]
  }
  expect_failures = [var.organization_cost_accounts]
}

run "bad_organization_id" {
  command = plan
  variables {
    sender_organization_ids = ["r-abcd"]
  }
  expect_failures = [var.sender_organization_ids]
}

run "min_acu_above_max_acu" {
  command = plan
  variables {
    aurora = { min_capacity = 8, max_capacity = 4 }
  }
  expect_failures = [var.aurora]
}

run "acu_out_of_range" {
  command = plan
  variables {
    aurora = { min_capacity = 0.25, max_capacity = 300 }
  }
  expect_failures = [var.aurora]
}

run "engine_version_without_data_api_scale_to_zero" {
  command = plan
  variables {
    aurora = { engine_version = "14.9" }
  }
  expect_failures = [var.aurora]
}

run "engine_version_too_old_within_major" {
  command = plan
  variables {
    aurora = { engine_version = "15.4" }
  }
  expect_failures = [var.aurora]
}

run "auto_pause_out_of_range" {
  command = plan
  variables {
    aurora = { seconds_until_auto_pause = 60 }
  }
  expect_failures = [var.aurora]
}

run "bad_name" {
  command = plan
  variables {
    name = "Obs_Analytics"
  }
  expect_failures = [var.name]
}

run "bad_architecture" {
  command = plan
  variables {
    architecture = "arm"
  }
  expect_failures = [var.architecture]
}

run "log_retention_not_allowed_by_cloudwatch" {
  command = plan
  variables {
    log_retention_days = 42
  }
  expect_failures = [var.log_retention_days]
}

run "single_subnet" {
  command = plan
  variables {
    subnet_ids = ["subnet-0123456789abcdef0"]
  }
  expect_failures = [var.subnet_ids]
}

run "database_open_to_the_world" {
  command = plan
  variables {
    database_ingress_cidr_blocks = ["0.0.0.0/0"]
  }
  expect_failures = [var.database_ingress_cidr_blocks]
}

run "maximum_concurrency_below_two" {
  command = plan
  variables {
    receiver_maximum_concurrency = 1
  }
  expect_failures = [var.receiver_maximum_concurrency]
}

run "bad_alarm_topic_arn" {
  command = plan
  variables {
    alarm_topic_arn = "central-alarms"
  }
  expect_failures = [var.alarm_topic_arn]
}

run "both_package_locations" {
  command = plan
  variables {
    analytics_package_s3 = { bucket = "artifacts", key = "analytics.zip" }
  }
  # The receiver is planned after the migration invocation (it signs in as the loader the
  # migration function creates), so the migration function's identical precondition stops first;
  # the report function, independent of both, stops on the same precondition.
  expect_failures = [aws_lambda_function.migration, aws_lambda_function.report]
}

run "no_package_location" {
  command = plan
  variables {
    analytics_package_path = null
  }
  # As above: the migration function's precondition stops the plan before the receiver's.
  expect_failures = [aws_lambda_function.migration, aws_lambda_function.report]
}

run "large_batch_without_batching_window" {
  command = plan
  variables {
    receiver_batch_size = 100
  }
  expect_failures = [aws_lambda_event_source_mapping.receiver]
}

run "reserved_concurrency_below_maximum_concurrency" {
  command = plan
  variables {
    receiver_reserved_concurrency = 2
    receiver_maximum_concurrency  = 5
  }
  expect_failures = [aws_lambda_event_source_mapping.receiver]
}

run "supported_engine_versions_and_capacities" {
  command = plan
  variables {
    aurora = { engine_version = "17.4", min_capacity = 0.5, max_capacity = 0.5 + 0.5 }
  }
  assert {
    condition = (
      aws_rds_cluster.this.engine_version == "17.4" &&
      aws_rds_cluster_parameter_group.this.family == "aurora-postgresql17" &&
      one(aws_rds_cluster.this.serverlessv2_scaling_configuration).min_capacity == 0.5 &&
      one(aws_rds_cluster.this.serverlessv2_scaling_configuration).max_capacity == 1
    )
    error_message = "17.4 with 0.5-1 ACU is accepted."
  }
}

run "fifteen_seven_is_accepted" {
  command = plan
  variables {
    aurora = { engine_version = "15.7" }
  }
  assert {
    condition     = aws_rds_cluster_parameter_group.this.family == "aurora-postgresql15"
    error_message = "15.7 is accepted."
  }
}
