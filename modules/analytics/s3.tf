#------------------------------------------------------------------------------
# Data bucket: senders write data/<account id>/...json.gz, the receiver moves
# each file to loaded/ or failed/.
#------------------------------------------------------------------------------

locals {
  # Each sender may write only below its own account id: the policy variable is resolved by S3
  # from the caller's credentials, so a member cannot write into another member's prefix.
  sender_put_resource = "${local.bucket_arn}/data/$${aws:PrincipalAccount}/*"

  bucket_policy_statements = concat(
    [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
      {
        # Every write (PutObject, and CopyObject's destination, which S3 authorizes as PutObject)
        # must name SSE-KMS explicitly. The negated operators match when the header is absent, so
        # a request that omits it, or carries SSE-C headers only, is refused too: bucket default
        # encryption is not relied on. Multipart uploads are refused as a consequence (UploadPart
        # carries no encryption header); the sender and the receiver write single requests.
        Sid       = "DenyEncryptionOtherThanKms"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/*"
        Condition = { StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" } }
      },
      {
        # ... and it must name the analytics key by its ARN: "aws:kms" alone (the AWS managed key
        # aws/s3), another key, or this key by id or alias (S3 compares the header as a string)
        # are refused.
        Sid       = "DenyOtherKmsKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/*"
        Condition = { StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = aws_kms_key.this.arn } }
      },
      {
        # Customer-provided keys (SSE-C): the receiver could never read such an object.
        Sid       = "DenyCustomerProvidedKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/*"
        Condition = { Null = { "s3:x-amz-server-side-encryption-customer-algorithm" = "false" } }
      },
    ],
    length(var.sender_organization_ids) > 0 ? [
      {
        Sid       = "SendersFromOrganizationsPutOwnPrefix"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = "s3:PutObject"
        Resource  = local.sender_put_resource
        Condition = { StringEquals = { "aws:PrincipalOrgID" = var.sender_organization_ids } }
      },
    ] : [],
    length(var.sender_account_ids) > 0 ? [
      {
        Sid       = "SenderAccountsPutOwnPrefix"
        Effect    = "Allow"
        Principal = { AWS = local.sender_account_roots }
        Action    = "s3:PutObject"
        Resource  = local.sender_put_resource
      },
    ] : [],
  )

  bucket_policy = {
    Version = "2012-10-17"
    # The identity `for` keeps checkov 3.3 (CKV_AWS_70) from crashing on a concat() it cannot
    # resolve; it then reports the check as unknown instead of a stack trace.
    Statement = [for s in local.bucket_policy_statements : s]
  }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is left to the operator: the bucket is a transit area (files move to loaded/ and the database holds the data).
  bucket        = local.bucket_name
  force_destroy = var.bucket_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode(local.bucket_policy)

  # The public access block must exist first: with restrict_public_buckets the organization
  # statement (principal "*" restricted by aws:PrincipalOrgID) is not considered public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
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

  rule {
    # The receiver deletes the original after copying it: clean up the delete markers left
    # behind once their noncurrent versions have expired.
    id     = "data-delete-markers"
    status = "Enabled"

    filter {
      prefix = "data/"
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  dynamic "rule" {
    # reports/: the morning report's pages (reports.tf), kept report_retention_days.
    for_each = { for k, v in { loaded = var.loaded_expiration_days, failed = var.failed_expiration_days, reports = var.report_retention_days } : k => v if v != null }

    content {
      id     = "${rule.key}-expiration"
      status = "Enabled"

      filter {
        prefix = "${rule.key}/"
      }

      expiration {
        days = rule.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket_name == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket_name
  target_prefix = coalesce(var.access_log_prefix, "${local.bucket_name}/")
}

resource "aws_s3_bucket_notification" "this" {
  bucket = aws_s3_bucket.this.id

  queue {
    id            = "sender-uploads"
    queue_arn     = aws_sqs_queue.uploads.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "data/"
    filter_suffix = ".json.gz"
  }

  # S3 checks that it may publish when the notification is created.
  depends_on = [aws_sqs_queue_policy.uploads]
}
