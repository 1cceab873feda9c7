#------------------------------------------------------------------------------
# Analytics KMS key: bucket objects, queues, logs, alarm topic, Aurora storage,
# Aurora master secret, Performance Insights and Lambda environment variables.
#------------------------------------------------------------------------------

locals {
  sender_account_roots = [for id in var.sender_account_ids : "arn:${local.partition}:iam::${id}:root"]

  # Built from names, not read from the resources (which use this key: no cycle).
  uploads_queue_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${var.name}-uploads"
  # The topic the alarms publish to, when it is encrypted with this key: the module's own, or
  # alarm_topic_arn when one is given (it may use this key too).
  alarm_topic_arn_for_key = coalesce(var.alarm_topic_arn, "arn:${local.partition}:sns:${local.region}:${local.account_id}:${var.name}-alarms")

  # Senders may use the key only through S3 in this region, only to encrypt new objects of the
  # data bucket (S3 with a bucket key uses the bucket ARN as encryption context).
  sender_kms_conditions = {
    StringEquals = {
      "kms:ViaService" = "s3.${local.region}.${local.dns_suffix}"
    }
    StringLike = {
      "kms:EncryptionContext:aws:s3:arn" = [local.bucket_arn, "${local.bucket_arn}/data/*"]
    }
  }

  kms_key_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "AccountAdministration"
          Effect    = "Allow"
          Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
          Action    = "kms:*"
          Resource  = "*"
        },
        {
          Sid       = "CloudWatchLogs"
          Effect    = "Allow"
          Principal = { Service = "logs.${local.region}.${local.dns_suffix}" }
          Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
          Resource  = "*"
          Condition = {
            ArnLike = {
              "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
            }
          }
        },
        {
          # S3 publishes event notifications to the KMS-encrypted queue. Only for this bucket
          # (aws:SourceArn, aws:SourceAccount: no other bucket can use S3 as a confused deputy)
          # and only for the uploads queue (SQS's encryption context), as the SQS developer
          # guide's key policy for AWS services sending to encrypted queues shows.
          Sid       = "S3EventNotificationsToEncryptedQueue"
          Effect    = "Allow"
          Principal = { Service = "s3.amazonaws.com" }
          Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource  = "*"
          Condition = {
            ArnLike = { "aws:SourceArn" = local.bucket_arn }
            StringEquals = {
              "aws:SourceAccount"                 = local.account_id
              "kms:EncryptionContext:aws:sqs:arn" = local.uploads_queue_arn
            }
          }
        },
        {
          # CloudWatch alarms publish to the KMS-encrypted SNS topic: only this account's alarms
          # (aws:SourceArn, aws:SourceAccount) and only for the alarm topic (SNS's encryption
          # context), as the SNS developer guide's key policy for AWS event sources shows.
          Sid       = "CloudWatchAlarmsToEncryptedTopic"
          Effect    = "Allow"
          Principal = { Service = "cloudwatch.amazonaws.com" }
          Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
          Resource  = "*"
          Condition = {
            ArnLike = { "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*" }
            StringEquals = {
              "aws:SourceAccount"                      = local.account_id
              "kms:EncryptionContext:aws:sns:topicArn" = local.alarm_topic_arn_for_key
            }
          }
        },
      ],
      length(var.sender_organization_ids) > 0 ? [
        {
          Sid       = "SendersFromOrganizationsEncryptViaS3"
          Effect    = "Allow"
          Principal = { AWS = "*" }
          Action    = ["kms:GenerateDataKey", "kms:Encrypt"]
          Resource  = "*"
          Condition = merge(local.sender_kms_conditions, {
            StringEquals = merge(local.sender_kms_conditions.StringEquals, {
              "aws:PrincipalOrgID" = var.sender_organization_ids
            })
          })
        },
      ] : [],
      length(var.sender_account_ids) > 0 ? [
        {
          Sid       = "SenderAccountsEncryptViaS3"
          Effect    = "Allow"
          Principal = { AWS = local.sender_account_roots }
          Action    = ["kms:GenerateDataKey", "kms:Encrypt"]
          Resource  = "*"
          Condition = local.sender_kms_conditions
        },
      ] : [],
      # Readers of the artifacts bucket (artifacts.tf), when it is created.
      local.artifacts_kms_statements,
    )
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name} analytics: data bucket, queues, logs, alarms, Aurora"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = jsonencode(local.kms_key_policy)
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-analytics"
  target_key_id = aws_kms_key.this.key_id
}
