# Security posture of modules/analytics, checked on the plan with a mocked AWS provider (offline).

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

variables {
  name                    = "obs"
  vpc_id                  = "vpc-0123456789abcdef0"
  subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  analytics_package_path  = "does-not-exist/analytics.zip"
  sender_organization_ids = ["o-abcdefghij"]
  sender_account_ids      = ["222222222222", "333333333333"]
}

run "bucket_policy_admits_senders_only_under_their_own_prefix" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == "obs-111111111111-eu-west-1"
    error_message = "The bucket name defaults to <name>-<account>-<region>."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Sid == "SendersFromOrganizationsPutOwnPrefix"
      ]) == {
      Sid       = "SendersFromOrganizationsPutOwnPrefix"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::obs-111111111111-eu-west-1/data/$${aws:PrincipalAccount}/*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = ["o-abcdefghij"] } }
    }
    error_message = "Organization senders must be admitted by aws:PrincipalOrgID, for PutObject under data/<own account>/ only."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Sid == "SenderAccountsPutOwnPrefix"
      ]) == {
      Sid       = "SenderAccountsPutOwnPrefix"
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"] }
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::obs-111111111111-eu-west-1/data/$${aws:PrincipalAccount}/*"
    }
    error_message = "Listed sender accounts must be admitted for PutObject under data/<own account>/ only."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      s.Effect == "Deny" ? true : s.Action == "s3:PutObject" && endswith(s.Resource, "/data/$${aws:PrincipalAccount}/*")
    ])
    error_message = "The bucket policy must allow nothing but PutObject under data/<own account>/."
  }
}

run "bucket_policy_denies_insecure_transport_and_foreign_encryption" {
  command = plan

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Sid == "DenyInsecureTransport"
      ]) == {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::obs-111111111111-eu-west-1", "arn:aws:s3:::obs-111111111111-eu-west-1/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "The bucket must deny every request made without TLS."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Sid == "DenyOtherKmsKeys"
      ]).Condition == {
      StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = aws_kms_key.this.arn }
    }
    error_message = "PutObject not naming the analytics key by its ARN (another key, no key: the AWS managed key) must be denied; no IfExists."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Sid == "DenyEncryptionOtherThanKms"
      ]).Condition == {
      StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
    }
    error_message = "PutObject with an encryption other than aws:kms, or none named, must be denied; no IfExists."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Sid == "DenyCustomerProvidedKeys"
      ]) == {
      Sid       = "DenyCustomerProvidedKeys"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::obs-111111111111-eu-west-1/*"
      Condition = { Null = { "s3:x-amz-server-side-encryption-customer-algorithm" = "false" } }
    }
    error_message = "PutObject with a customer-provided key (SSE-C) must be denied."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if length(regexall("IfExists", jsonencode(lookup(s, "Condition", {})))) > 0
    ]) == 0
    error_message = "No bucket policy condition may pass when its key is absent (IfExists)."
  }
}

run "organization_only_and_account_only" {
  command = plan

  variables {
    sender_organization_ids = []
    sender_account_ids      = ["222222222222"]
  }

  assert {
    condition = length([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s
      if s.Effect == "Allow"
    ]) == 1
    error_message = "Without organizations only the account statement remains."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s
      if s.Sid == "SendersFromOrganizationsEncryptViaS3"
    ]) == 0
    error_message = "Without organizations the key policy has no organization statement."
  }
}

run "key_policy_lets_senders_encrypt_only_through_s3" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "Key rotation must be enabled."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s
      if s.Sid == "SendersFromOrganizationsEncryptViaS3"
      ]) == {
      Sid       = "SendersFromOrganizationsEncryptViaS3"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["kms:GenerateDataKey", "kms:Encrypt"]
      Resource  = "*"
      Condition = {
        StringEquals = {
          "kms:ViaService"     = "s3.eu-west-1.amazonaws.com"
          "aws:PrincipalOrgID" = ["o-abcdefghij"]
        }
        StringLike = {
          "kms:EncryptionContext:aws:s3:arn" = [
            "arn:aws:s3:::obs-111111111111-eu-west-1",
            "arn:aws:s3:::obs-111111111111-eu-west-1/data/*",
          ]
        }
      }
    }
    error_message = "Organization senders may only GenerateDataKey/Encrypt through S3 for the data bucket."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s
      if s.Sid == "SenderAccountsEncryptViaS3"
      ]).Condition.StringEquals == {
      "kms:ViaService" = "s3.eu-west-1.amazonaws.com"
    }
    error_message = "Listed sender accounts may only use the key through S3."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_kms_key.this.policy).Statement :
      !contains(flatten([s.Action]), "kms:Decrypt") if startswith(s.Sid, "Sender")
    ])
    error_message = "Senders must never be able to decrypt."
  }
}

run "everything_is_encrypted_with_the_analytics_key" {
  command = plan

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.this.arn &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
    )
    error_message = "The bucket must default to SSE-KMS with the analytics key and a bucket key."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls &&
      aws_s3_bucket_public_access_block.this.block_public_policy &&
      aws_s3_bucket_public_access_block.this.ignore_public_acls &&
      aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "Versioning must be enabled."
  }

  assert {
    condition = (
      aws_sqs_queue.uploads.kms_master_key_id == aws_kms_key.this.arn &&
      aws_sqs_queue.uploads_dlq.kms_master_key_id == aws_kms_key.this.arn
    )
    error_message = "Queue and DLQ must be encrypted with the analytics key."
  }

  assert {
    condition = alltrue([
      for lg in [aws_cloudwatch_log_group.receiver, aws_cloudwatch_log_group.migration, aws_cloudwatch_log_group.aurora] :
      lg.kms_key_id == aws_kms_key.this.arn && lg.retention_in_days == 365
    ])
    error_message = "Every log group must be KMS-encrypted and expire."
  }

  assert {
    condition     = aws_sns_topic.alarms[0].kms_master_key_id == aws_kms_key.this.arn
    error_message = "The alarm topic must be encrypted with the analytics key."
  }

  assert {
    condition = (
      aws_rds_cluster.this.storage_encrypted &&
      aws_rds_cluster.this.kms_key_id == aws_kms_key.this.arn &&
      aws_rds_cluster.this.manage_master_user_password &&
      aws_rds_cluster.this.master_user_secret_kms_key_id == aws_kms_key.this.arn &&
      alltrue([for i in aws_rds_cluster_instance.this : i.performance_insights_kms_key_id == aws_kms_key.this.arn])
    )
    error_message = "Aurora storage, master secret and Performance Insights must use the analytics key."
  }

  assert {
    condition = (
      aws_lambda_function.receiver.kms_key_arn == aws_kms_key.this.arn &&
      aws_lambda_function.migration.kms_key_arn == aws_kms_key.this.arn
    )
    error_message = "Function environments must be encrypted with the analytics key."
  }
}

run "aurora_defaults_are_safe" {
  command = plan

  assert {
    condition = (
      aws_rds_cluster.this.deletion_protection &&
      !aws_rds_cluster.this.skip_final_snapshot &&
      aws_rds_cluster.this.final_snapshot_identifier == "obs-final" &&
      aws_rds_cluster.this.enable_http_endpoint &&
      aws_rds_cluster.this.iam_database_authentication_enabled &&
      aws_rds_cluster.this.copy_tags_to_snapshot &&
      aws_rds_cluster.this.backup_retention_period == 7
    )
    error_message = "Deletion protection, final snapshot, Data API, IAM auth, tag copy and backups must be on by default."
  }

  assert {
    condition = (
      one(aws_rds_cluster.this.serverlessv2_scaling_configuration).min_capacity == 0 &&
      one(aws_rds_cluster.this.serverlessv2_scaling_configuration).seconds_until_auto_pause == 900
    )
    error_message = "min ACU 0 must auto-pause."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.aurora_cidr) == 0 && length(aws_vpc_security_group_ingress_rule.aurora_sg) == 0
    error_message = "No database ingress by default: the Data API needs none."
  }

  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.this : !i.publicly_accessible && i.instance_class == "db.serverless"])
    error_message = "Instances are private Serverless v2 instances."
  }
}

run "aurora_ingress_when_asked" {
  command = plan

  variables {
    aurora = {
      min_capacity = 0.5
      max_capacity = 8
    }
    database_ingress_cidr_blocks        = ["10.0.0.0/24"]
    database_ingress_security_group_ids = ["sg-0123456789abcdef1"]
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.aurora_cidr["10.0.0.0/24"].from_port == 5432 &&
      aws_vpc_security_group_ingress_rule.aurora_sg["sg-0123456789abcdef1"].referenced_security_group_id == "sg-0123456789abcdef1"
    )
    error_message = "Ingress rules are created for the given CIDRs and security groups on 5432."
  }

  assert {
    condition     = one(aws_rds_cluster.this.serverlessv2_scaling_configuration).max_capacity == 8
    error_message = "max ACU comes from the input."
  }
}

run "least_privilege_for_the_functions" {
  command = plan

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.receiver.policy).Statement : {
        Action = s.Action, Resource = s.Resource, Condition = lookup(s, "Condition", null)
      } if anytrue([for a in flatten([s.Action]) : startswith(a, "s3:")])
      ] == [
      {
        Action    = ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"]
        Resource  = "arn:aws:s3:::obs-111111111111-eu-west-1/data/*"
        Condition = null
      },
      {
        Action    = "s3:PutObject"
        Resource  = ["arn:aws:s3:::obs-111111111111-eu-west-1/loaded/*", "arn:aws:s3:::obs-111111111111-eu-west-1/failed/*"]
        Condition = null
      },
      {
        Action    = "s3:ListBucket"
        Resource  = "arn:aws:s3:::obs-111111111111-eu-west-1"
        Condition = { StringLike = { "s3:prefix" = "data/*" } }
      },
    ]
    error_message = "The receiver's S3 grants are exactly what a move needs: read and delete (versions) under data/, write under loaded/ and failed/ (no PutObject on data/, no delete on the archive), ListBucket for data/ only."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.receiver.policy).Statement : s.Resource
      if s.Sid == "DataApi"
    ]) == "arn:aws:rds:eu-west-1:111111111111:cluster:obs"
    error_message = "Data API calls are limited to the cluster."
  }

  assert {
    condition = toset([
      for s in jsondecode(aws_iam_role_policy.migration.policy).Statement : s.Sid
    ]) == toset(["Logs", "XRay", "AnalyticsKey", "DataApi", "DatabaseSecret", "FillDatabaseRoleSecrets"])
    error_message = "The migration function gets only logs, X-Ray, the key, the Data API and the database secrets (tests/database_roles.tftest.hcl)."
  }

  assert {
    condition = alltrue([
      for s in concat(
        jsondecode(aws_iam_role_policy.receiver.policy).Statement,
        jsondecode(aws_iam_role_policy.migration.policy).Statement,
      ) : s.Resource != "*" || s.Sid == "XRay"
    ])
    error_message = "Only X-Ray (no resource-level permissions) may use Resource *."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.receiver.policy).Statement : s.Resource
      if s.Sid == "DatabaseSecret"
    ]) == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:obs/database/role-AbCdEf"
    error_message = "The receiver may read only the loader's secret (one ARN per role: tests/database_roles.tftest.hcl)."
  }
}

run "every_queue_and_topic_refuses_requests_without_tls" {
  command = plan

  variables {
    alarm_email_addresses = ["ops@example.com"]
  }

  assert {
    condition = alltrue([
      for p in [aws_sqs_queue_policy.uploads.policy, aws_sqs_queue_policy.uploads_dlq.policy, aws_sns_topic_policy.alarms[0].policy] :
      length([
        for s in jsondecode(p).Statement : s
        if s.Effect == "Deny" && s.Principal == "*" && try(s.Condition, null) == { Bool = { "aws:SecureTransport" = "false" } }
      ]) == 1
    ])
    error_message = "The uploads queue, its DLQ and the alarm topic each deny requests made without TLS."
  }

  assert {
    condition = (
      one([for s in jsondecode(aws_sqs_queue_policy.uploads_dlq.policy).Statement : s.Resource]) == aws_sqs_queue.uploads_dlq.arn &&
      one([for s in jsondecode(aws_sqs_queue_policy.uploads.policy).Statement : s.Sid if s.Effect == "Allow"]) == "DataBucketNotifications"
    )
    error_message = "The DLQ policy covers the DLQ; the uploads queue keeps its S3 notification grant beside the TLS deny."
  }
}

run "key_policy_service_principals_are_scoped_to_this_account_and_resource" {
  command = plan

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition
      if s.Sid == "S3EventNotificationsToEncryptedQueue"
      ]) == {
      ArnLike = { "aws:SourceArn" = "arn:aws:s3:::obs-111111111111-eu-west-1" }
      StringEquals = {
        "aws:SourceAccount"                 = "111111111111"
        "kms:EncryptionContext:aws:sqs:arn" = "arn:aws:sqs:eu-west-1:111111111111:obs-uploads"
      }
    }
    error_message = "S3 may use the key only for this bucket's notifications to the uploads queue."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition
      if s.Sid == "CloudWatchAlarmsToEncryptedTopic"
      ]) == {
      ArnLike = { "aws:SourceArn" = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*" }
      StringEquals = {
        "aws:SourceAccount"                      = "111111111111"
        "kms:EncryptionContext:aws:sns:topicArn" = "arn:aws:sns:eu-west-1:111111111111:obs-alarms"
      }
    }
    error_message = "CloudWatch may use the key only for this account's alarms publishing to the alarm topic."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_kms_key.this.policy).Statement : can(s.Condition)
      if can(s.Principal.Service)
    ])
    error_message = "Every service principal of the key policy carries conditions."
  }
}

run "code_signing_applies_to_every_function" {
  command = plan

  variables {
    organization_roster_role_arn = "arn:aws:iam::999999999999:role/observability-roster"
    code_signing_config_arn      = "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
  }

  assert {
    condition = alltrue([
      for f in [aws_lambda_function.receiver, aws_lambda_function.migration, aws_lambda_function.roster[0]] :
      f.code_signing_config_arn == "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
    ])
    error_message = "code_signing_config_arn reaches the receiver, migration and roster functions."
  }
}

run "no_code_signing_by_default" {
  command = plan

  assert {
    condition     = aws_lambda_function.receiver.code_signing_config_arn == null
    error_message = "Code signing is off unless a configuration is given."
  }
}

run "bad_code_signing_config_arn" {
  command = plan

  variables {
    code_signing_config_arn = "arn:aws:lambda:eu-west-1:111111111111:function:not-a-csc"
  }

  expect_failures = [var.code_signing_config_arn]
}
