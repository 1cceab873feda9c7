# The opt-in artifacts bucket of modules/analytics: off by default; when on, organization and
# account readers get the released zips (read only, TLS only, decryption through S3 only) and the
# outputs are what modules/sender takes. Plan with a mocked AWS provider (offline).

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
  sender_account_ids      = ["222222222222"]
}

run "nothing_is_created_when_off" {
  command = plan

  variables {
    # Given files, but the switch is off (the default).
    artifacts_version = "0.2.0"
    artifacts         = { sender = { arm64 = "tests/fixtures/sender-0.2.0-arm64.zip" } }
  }

  assert {
    condition = (
      length(aws_s3_bucket.artifacts) + length(aws_s3_bucket_policy.artifacts) +
      length(aws_s3_bucket_server_side_encryption_configuration.artifacts) +
      length(aws_s3_bucket_public_access_block.artifacts) + length(aws_s3_bucket_versioning.artifacts) +
      length(aws_s3_bucket_logging.artifacts) + length(aws_s3_object.artifacts)
    ) == 0
    error_message = "Nothing of the artifacts bucket may exist unless create_artifacts_bucket is true."
  }

  assert {
    condition     = output.artifact_locations == {} && output.artifact_sha256 == {} && output.artifacts_bucket_name == null && output.artifacts_bucket_arn == null
    error_message = "With the bucket off the artifact outputs are empty."
  }

  assert {
    condition     = length([for s in jsondecode(aws_kms_key.this.policy).Statement : s if strcontains(s.Sid, "Releases")]) == 0
    error_message = "The key policy admits no artifact readers when there is no artifacts bucket."
  }
}

run "organization_reads_releases_over_tls_only" {
  command = plan

  variables {
    create_artifacts_bucket = true
    access_log_bucket_name  = "obs-access-logs"
    artifacts_version       = "0.2.0"
    artifacts = {
      sender    = { arm64 = "tests/fixtures/sender-0.2.0-arm64.zip", x86_64 = "tests/fixtures/sender-0.2.0-x86_64.zip" }
      analytics = { arm64 = "tests/fixtures/analytics-0.2.0-arm64.zip" }
    }
  }

  assert {
    condition     = aws_s3_bucket.artifacts[0].bucket == "obs-artifacts-111111111111-eu-west-1"
    error_message = "The artifacts bucket name defaults to <name>-artifacts-<account>-<region>."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement : s
      if s.Sid == "OrganizationsReadReleases"
      ]) == {
      Sid       = "OrganizationsReadReleases"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["s3:GetObject", "s3:GetObjectVersion"]
      Resource  = "arn:aws:s3:::obs-artifacts-111111111111-eu-west-1/releases/*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = ["o-abcdefghij"] } }
    }
    error_message = "The organization reads releases/ only, restricted by aws:PrincipalOrgID."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement : s
      if s.Sid == "SenderAccountsReadReleases"
      ]) == {
      Sid       = "SenderAccountsReadReleases"
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::222222222222:root"] }
      Action    = ["s3:GetObject", "s3:GetObjectVersion"]
      Resource  = "arn:aws:s3:::obs-artifacts-111111111111-eu-west-1/releases/*"
    }
    error_message = "Listed sender accounts read releases/ only."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement :
      s.Effect == "Deny" ? true : s.Action == ["s3:GetObject", "s3:GetObjectVersion"] && endswith(s.Resource, "/releases/*")
    ])
    error_message = "The artifacts bucket policy allows nothing but reading releases/."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement : s
      if s.Sid == "DenyInsecureTransport"
      ]) == {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::obs-artifacts-111111111111-eu-west-1", "arn:aws:s3:::obs-artifacts-111111111111-eu-west-1/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "The artifacts bucket must deny every request made without TLS."
  }

  assert {
    condition     = contains([for s in jsondecode(aws_s3_bucket_policy.artifacts[0].policy).Statement : s.Sid if s.Effect == "Deny"], "DenyOutdatedTls")
    error_message = "The artifacts bucket must deny TLS older than 1.2."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.artifacts[0].block_public_acls,
      aws_s3_bucket_public_access_block.artifacts[0].block_public_policy,
      aws_s3_bucket_public_access_block.artifacts[0].ignore_public_acls,
      aws_s3_bucket_public_access_block.artifacts[0].restrict_public_buckets,
      aws_s3_bucket_ownership_controls.artifacts[0].rule[0].object_ownership == "BucketOwnerEnforced",
      aws_s3_bucket_versioning.artifacts[0].versioning_configuration[0].status == "Enabled",
    ])
    error_message = "The artifacts bucket blocks public access, enforces bucket ownership and keeps versions."
  }

  assert {
    condition = (
      one(one(aws_s3_bucket_server_side_encryption_configuration.artifacts[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.artifacts[0].rule).apply_server_side_encryption_by_default).kms_master_key_id == aws_kms_key.this.arn &&
      alltrue([for o in aws_s3_object.artifacts : o.server_side_encryption == "aws:kms" && o.kms_key_id == aws_kms_key.this.arn])
    )
    error_message = "The bucket and every uploaded zip are encrypted with the analytics key."
  }

  assert {
    condition     = aws_s3_bucket_logging.artifacts[0].target_bucket == "obs-access-logs" && aws_s3_bucket_logging.artifacts[0].target_prefix == "obs-artifacts-111111111111-eu-west-1/"
    error_message = "Access logs of the artifacts bucket go where the data bucket's go."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s
      if s.Sid == "OrganizationsDecryptReleasesViaS3"
      ]) == {
      Sid       = "OrganizationsDecryptReleasesViaS3"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = {
        StringEquals = {
          "kms:ViaService"     = "s3.eu-west-1.amazonaws.com"
          "aws:PrincipalOrgID" = ["o-abcdefghij"]
        }
        StringLike = {
          "kms:EncryptionContext:aws:s3:arn" = [
            "arn:aws:s3:::obs-artifacts-111111111111-eu-west-1",
            "arn:aws:s3:::obs-artifacts-111111111111-eu-west-1/releases/*",
          ]
        }
      }
    }
    error_message = "Organization principals may only decrypt, only through S3 in this region, only the artifacts bucket's objects."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition.StringEquals["kms:ViaService"]
      if s.Sid == "SenderAccountsDecryptReleasesViaS3"
    ]) == "s3.eu-west-1.amazonaws.com"
    error_message = "Listed sender accounts may decrypt only through S3."
  }

  assert {
    condition = {
      for k, o in aws_s3_object.artifacts : k => [o.key, o.source_hash]
      } == {
      "sender/arm64"    = ["releases/0.2.0/sender-0.2.0-arm64.zip", filesha256("tests/fixtures/sender-0.2.0-arm64.zip")]
      "sender/x86_64"   = ["releases/0.2.0/sender-0.2.0-x86_64.zip", filesha256("tests/fixtures/sender-0.2.0-x86_64.zip")]
      "analytics/arm64" = ["releases/0.2.0/analytics-0.2.0-arm64.zip", filesha256("tests/fixtures/analytics-0.2.0-arm64.zip")]
    }
    error_message = "Each zip is stored under releases/<version>/<file name>, replaced when the file's hash changes."
  }

  assert {
    condition = output.artifact_locations == {
      sender = {
        arm64  = { bucket = "obs-artifacts-111111111111-eu-west-1", key = "releases/0.2.0/sender-0.2.0-arm64.zip", version = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" }
        x86_64 = { bucket = "obs-artifacts-111111111111-eu-west-1", key = "releases/0.2.0/sender-0.2.0-x86_64.zip", version = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" }
      }
      analytics = {
        arm64 = { bucket = "obs-artifacts-111111111111-eu-west-1", key = "releases/0.2.0/analytics-0.2.0-arm64.zip", version = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" }
      }
    }
    error_message = "artifact_locations gives { bucket, key, version } (modules/sender's sender_package_s3) per package and architecture."
  }

  assert {
    condition     = output.artifact_sha256.sender.arm64 == filebase64sha256("tests/fixtures/sender-0.2.0-arm64.zip")
    error_message = "artifact_sha256 gives the base64 SHA-256 modules/sender takes as sender_package_sha256."
  }

  assert {
    condition     = output.artifacts_bucket_name == "obs-artifacts-111111111111-eu-west-1"
    error_message = "The artifacts bucket name is an output."
  }
}

run "artifacts_need_a_version" {
  command = plan

  variables {
    create_artifacts_bucket = true
    artifacts               = { sender = { arm64 = "tests/fixtures/sender-0.2.0-arm64.zip" } }
  }

  expect_failures = [aws_s3_bucket.artifacts]
}

run "unknown_package_or_architecture" {
  command = plan

  variables {
    create_artifacts_bucket = true
    artifacts_version       = "0.2.0"
    artifacts               = { receiver = { amd64 = "tests/fixtures/sender-0.2.0-arm64.zip" } }
  }

  expect_failures = [var.artifacts]
}
