# Database roles (aurora.tf, lambda.tf): one secret per role, who may read which, what the
# functions are told. Checked on the plan with a mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_secretsmanager_secret.database_role["migrator"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/migrator-AbCdEf" }
}

override_resource {
  target          = aws_secretsmanager_secret.database_role["loader"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf" }
}

override_resource {
  target          = aws_secretsmanager_secret.database_role["reader"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf" }
}

variables {
  name                         = "obs-test"
  vpc_id                       = "vpc-0123456789abcdef0"
  subnet_ids                   = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path       = "does-not-exist/analytics.zip"
  organization_roster_role_arn = "arn:aws:iam::333333333333:role/obs-roster"
  tags                         = { project = "observability" }
}

run "one_secret_per_role" {
  command = plan

  assert {
    condition = {
      for k, s in aws_secretsmanager_secret.database_role : k => [s.name, s.kms_key_id, s.tags]
      } == {
      migrator = ["obs-test/database/migrator", "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001", tomap({ project = "observability" })]
      loader   = ["obs-test/database/loader", "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001", tomap({ project = "observability" })]
      reader   = ["obs-test/database/reader", "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001", tomap({ project = "observability" })]
    }
    error_message = "Each role has its own secret, encrypted with the analytics key and tagged."
  }

  assert {
    condition = output.database_role_names == {
      migrator = "obs_test_migrator"
      loader   = "obs_test_loader"
      reader   = "obs_test_reader"
    }
    error_message = "Role names are the module name with underscores plus the role."
  }

  assert {
    condition     = output.reader_secret_arn == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
    error_message = "The reader's secret is an output, for the report and dashboards."
  }
}

run "each_function_signs_in_as_its_role" {
  command = plan

  assert {
    condition = (
      one(aws_lambda_function.receiver.environment).variables.AURORA_SECRET_ARN == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf" &&
      one(aws_lambda_function.roster[0].environment).variables.AURORA_SECRET_ARN == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf"
    )
    error_message = "The receiver and the roster function write rows: the loader."
  }

  assert {
    condition = (
      one(aws_lambda_function.migration.environment).variables.AURORA_SECRET_ARN == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-mock-AbCdEf" &&
      jsondecode(one(aws_lambda_function.migration.environment).variables.DATABASE_ROLES) == {
        migrator = { username = "obs_test_migrator", secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/migrator-AbCdEf" }
        loader   = { username = "obs_test_loader", secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf" }
        reader   = { username = "obs_test_reader", secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf" }
      }
    )
    error_message = "The migration function holds the master secret and is told every role."
  }
}

run "each_function_reads_only_its_secrets" {
  command = plan

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.receiver.policy).Statement : s.Resource
      if can(regex("secretsmanager:", jsonencode(s.Action)))
      ] == [
      "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf"
    ]
    error_message = "The receiver may read only the loader's secret."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Resource
      if can(regex("secretsmanager:", jsonencode(s.Action)))
      ] == [
      "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf"
    ]
    error_message = "The roster function may read only the loader's secret."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.migration.policy).Statement : s.Sid => [s.Action, toset(s.Resource)]
      if can(regex("secretsmanager:", jsonencode(s.Action)))
      } == {
      DatabaseSecret = ["secretsmanager:GetSecretValue", toset([
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-mock-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/migrator-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf",
      ])]
      FillDatabaseRoleSecrets = ["secretsmanager:PutSecretValue", toset([
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/migrator-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf",
      ])]
    }
    error_message = "The migration function reads the master and role secrets and may only fill the role secrets."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.migration.policy).Statement : s.Condition
      if s.Sid == "AnalyticsKey"
    ]) == { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } }
    error_message = "The migration function uses the key only through Secrets Manager."
  }
}
