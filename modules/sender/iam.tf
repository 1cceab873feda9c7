#------------------------------------------------------------------------------
# Execution role: read-only collector actions, one upload prefix, the analytics
# key for encryption only, its own DLQ and itself (history continuation).
#------------------------------------------------------------------------------

locals {
  upload_resource = "arn:${local.partition}:s3:::${var.analytics_bucket_name}/data/${local.account_id}/*"

  collectors_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadOnlyCollectors"
      Effect   = "Allow"
      Action   = local.granted_iam_actions
      Resource = "*"
    }]
  })

  sender_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this.arn}:*"
      },
      {
        Sid      = "XRay"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "UploadToOwnPrefix"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = local.upload_resource
      },
      {
        Sid      = "EncryptUploads"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Encrypt"]
        Resource = var.analytics_kms_key_arn
      },
      {
        Sid      = "ContinueHistoryRun"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = local.function_arn
      },
      {
        Sid      = "OnFailureDestination"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dlq.arn
      },
      {
        Sid      = "SenderKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = local.kms_key_arn
      },
    ]
  })
}

resource "aws_iam_role" "this" {
  name        = var.name
  description = "Sender Lambda of ${var.name}: reads account data, uploads it to the analytics bucket"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "collectors" {
  name   = "collectors"
  role   = aws_iam_role.this.id
  policy = local.collectors_policy

  lifecycle {
    precondition {
      # IAM limits the inline policies of a role to 10,240 characters in total.
      condition     = length(local.collectors_policy) + length(local.sender_policy) <= 10240
      error_message = "The collector actions exceed the 10,240-character inline policy limit of a role: split them or use managed policies."
    }
  }
}

resource "aws_iam_role_policy" "sender" {
  name   = "sender"
  role   = aws_iam_role.this.id
  policy = local.sender_policy
}
