#------------------------------------------------------------------------------
# Artifacts bucket (opt-in): the released Lambda zips, readable by the sender
# organizations and accounts, so that member accounts deploy from S3 and never
# need local files. Lambda reads code only from a bucket in the function's own
# region: this bucket serves senders whose home region is this module's region.
#------------------------------------------------------------------------------

locals {
  artifacts_bucket_name = coalesce(var.artifacts_bucket_name, "${var.name}-artifacts-${local.account_id}-${local.region}")
  artifacts_bucket_arn  = "arn:${local.partition}:s3:::${local.artifacts_bucket_name}"

  # "sender/arm64" => { package, architecture, path, key }
  artifact_files = merge([
    for package, paths in(var.create_artifacts_bucket ? var.artifacts : {}) : {
      for architecture, path in paths : "${package}/${architecture}" => {
        package      = package
        architecture = architecture
        path         = path
        key          = "releases/${coalesce(var.artifacts_version, "unset")}/${basename(path)}"
      }
    }
  ]...)

  artifact_reader_statements = concat(
    length(var.sender_organization_ids) > 0 ? [
      {
        Sid       = "OrganizationsReadReleases"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource  = "${local.artifacts_bucket_arn}/releases/*"
        Condition = { StringEquals = { "aws:PrincipalOrgID" = var.sender_organization_ids } }
      },
    ] : [],
    length(var.sender_account_ids) > 0 ? [
      {
        Sid       = "SenderAccountsReadReleases"
        Effect    = "Allow"
        Principal = { AWS = local.sender_account_roots }
        Action    = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource  = "${local.artifacts_bucket_arn}/releases/*"
      },
    ] : [],
  )

  artifacts_bucket_policy_statements = concat(
    [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.artifacts_bucket_arn, "${local.artifacts_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.artifacts_bucket_arn, "${local.artifacts_bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ],
    local.artifact_reader_statements,
  )

  # Readers decrypt the zips only through S3 in this region, only for objects of this bucket
  # (with a bucket key S3 uses the bucket ARN as encryption context). Added to the key policy in
  # kms.tf when the bucket is created.
  artifacts_kms_conditions = {
    StringEquals = {
      "kms:ViaService" = "s3.${local.region}.${local.dns_suffix}"
    }
    StringLike = {
      "kms:EncryptionContext:aws:s3:arn" = [local.artifacts_bucket_arn, "${local.artifacts_bucket_arn}/releases/*"]
    }
  }

  artifacts_kms_statements = [for s in concat(
    length(var.sender_organization_ids) > 0 ? [
      {
        Sid       = "OrganizationsDecryptReleasesViaS3"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = merge(local.artifacts_kms_conditions, {
          StringEquals = merge(local.artifacts_kms_conditions.StringEquals, {
            "aws:PrincipalOrgID" = var.sender_organization_ids
          })
        })
      },
    ] : [],
    length(var.sender_account_ids) > 0 ? [
      {
        Sid       = "SenderAccountsDecryptReleasesViaS3"
        Effect    = "Allow"
        Principal = { AWS = local.sender_account_roots }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = local.artifacts_kms_conditions
      },
    ] : [],
  ) : s if var.create_artifacts_bucket]
}

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_144:The zips are released files, reproducible from the tagged sources; a copy in another region would not serve Lambda functions there without its own bucket anyway.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events of the artifacts bucket.
  count = var.create_artifacts_bucket ? 1 : 0

  bucket        = local.artifacts_bucket_name
  force_destroy = var.bucket_force_destroy
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = length(var.artifacts) == 0 || var.artifacts_version != null
      error_message = "artifacts_version is required when artifacts are uploaded (objects go under releases/<version>/)."
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  count = var.create_artifacts_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  count = var.create_artifacts_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.artifacts[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  count = var.create_artifacts_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  count = var.create_artifacts_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  count = var.create_artifacts_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id

  rule {
    # Releases stay (a sender pinned to an old release keeps working); replaced versions of a
    # release file and abandoned uploads do not.
    id     = "all-objects"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

resource "aws_s3_bucket_logging" "artifacts" {
  count = var.create_artifacts_bucket && var.access_log_bucket_name != null ? 1 : 0

  bucket        = aws_s3_bucket.artifacts[0].id
  target_bucket = var.access_log_bucket_name
  target_prefix = "${local.artifacts_bucket_name}/"
}

resource "aws_s3_object" "artifacts" {
  for_each = local.artifact_files

  bucket       = aws_s3_bucket.artifacts[0].bucket
  key          = each.value.key
  source       = each.value.path
  content_type = "application/zip"
  # The ETag of an SSE-KMS object is not the MD5 of its content: the file's own hash decides
  # when the object is replaced.
  source_hash            = filesha256(each.value.path)
  server_side_encryption = "aws:kms"
  kms_key_id             = aws_kms_key.this.arn
  bucket_key_enabled     = true
  tags                   = var.tags

  # Uploaded once versioning is on, so that every object has a version id to pin.
  depends_on = [
    aws_s3_bucket_versioning.artifacts,
    aws_s3_bucket_server_side_encryption_configuration.artifacts,
  ]
}

resource "aws_s3_bucket_policy" "artifacts" {
  count = var.create_artifacts_bucket ? 1 : 0

  bucket = aws_s3_bucket.artifacts[0].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [for s in local.artifacts_bucket_policy_statements : s]
  })

  # After the public access block (as for the data bucket), and after the uploads: the apply test
  # runs on moto, which enforces a Deny without its conditions; in AWS the order changes nothing.
  depends_on = [aws_s3_bucket_public_access_block.artifacts, aws_s3_object.artifacts]
}
