# The data source (datasets.tf, secrets.tf): the cluster through the VPC connection, over SSL,
# signed in with the READ-ONLY reader role's secret, never the master secret; QuickSight's Secrets
# Manager role may read that one secret and decrypt it through Secrets Manager only.
# Planned with the mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

override_resource {
  target          = aws_quicksight_vpc_connection.this
  override_during = plan
  values          = { arn = "arn:aws:quicksight:eu-west-1:111111111111:vpcConnection/obs-aurora" }
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
  principals                 = [{ arn = "arn:aws:quicksight:eu-west-1:111111111111:group/default/observability-owners", access = "owner" }]
  datasets_file              = "tests/fixtures/datasets.json"
  dashboard_definition_file  = "tests/fixtures/dashboard-definition.json"
  tags                       = { project = "observability" }
}

run "the_reader_secret_over_ssl_through_the_vpc_connection" {
  command = plan

  assert {
    condition = (
      one(aws_quicksight_data_source.this.credentials).secret_arn == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf" &&
      length(one(aws_quicksight_data_source.this.credentials).credential_pair) == 0 &&
      one(aws_quicksight_data_source.this.credentials).copy_source_arn == null
    )
    error_message = "The data source signs in with the reader role's secret, and with nothing else."
  }

  assert {
    condition = (
      aws_quicksight_data_source.this.type == "AURORA_POSTGRESQL" &&
      one(aws_quicksight_data_source.this.parameters).aurora_postgresql == tolist([{
        host     = "obs.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
        port     = 5432
        database = "observability"
      }])
    )
    error_message = "The data source is the Aurora PostgreSQL cluster's endpoint, port and database."
  }

  assert {
    condition = (
      one(aws_quicksight_data_source.this.ssl_properties).disable_ssl == false &&
      one(aws_quicksight_data_source.this.vpc_connection_properties).vpc_connection_arn == "arn:aws:quicksight:eu-west-1:111111111111:vpcConnection/obs-aurora"
    )
    error_message = "SSL is on and the connection goes through the module's VPC connection."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.quicksight_secrets[0].policy).Statement == [
      {
        Sid      = "ReadTheReaderSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
      },
      {
        Sid      = "DecryptTheReaderSecretThroughSecretsManager"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"
        Condition = {
          StringEquals = {
            "kms:ViaService"                  = "secretsmanager.eu-west-1.amazonaws.com"
            "kms:EncryptionContext:SecretARN" = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/reader-AbCdEf"
          }
        }
      },
    ]
    error_message = "QuickSight's Secrets Manager role may read the reader secret and decrypt it, through Secrets Manager, for that secret only."
  }

  assert {
    condition     = aws_iam_role_policy.quicksight_secrets[0].role == "aws-quicksight-secretsmanager-role-v0"
    error_message = "The grant goes to the role QuickSight creates for Secrets Manager."
  }
}

run "waits_for_the_migration_run" {
  command = plan

  variables {
    database_ready = "obs-migration_0123456789abcdef"
  }

  assert {
    condition     = terraform_data.database_ready.input == "obs-migration_0123456789abcdef"
    error_message = "The migration run's id reaches the resource the data source depends on."
  }
}

run "the_master_secret_is_refused" {
  command = plan

  variables {
    reader_secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-AbCdEf"
  }

  expect_failures = [var.reader_secret_arn]
}

run "the_loader_secret_is_refused" {
  command = plan

  variables {
    reader_secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/loader-AbCdEf"
  }

  expect_failures = [var.reader_secret_arn]
}

run "a_secret_named_like_the_master_under_a_reader_path_is_refused" {
  command = plan

  variables {
    reader_secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-x/database/reader-AbCdEf"
  }

  expect_failures = [var.reader_secret_arn]
}

run "no_secrets_role_grant" {
  command = plan

  variables {
    quicksight_secrets_role_name = null
  }

  assert {
    condition     = length(aws_iam_role_policy.quicksight_secrets) == 0 && one(aws_quicksight_data_source.this.credentials).secret_arn == var.reader_secret_arn
    error_message = "With quicksight_secrets_role_name = null the module grants nothing and still uses the reader secret."
  }
}
