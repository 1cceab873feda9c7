#------------------------------------------------------------------------------
# Upload notifications: S3 -> queue (+ DLQ) -> receiver Lambda
#------------------------------------------------------------------------------

locals {
  # AWS guidance: at least six times the function timeout, plus the batching window.
  queue_visibility_timeout = 6 * var.receiver_timeout + var.receiver_batching_window_seconds
}

resource "aws_sqs_queue" "uploads_dlq" {
  name                              = "${var.name}-uploads-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

resource "aws_sqs_queue" "uploads" {
  name                              = "${var.name}-uploads"
  visibility_timeout_seconds        = local.queue_visibility_timeout
  message_retention_seconds         = var.queue_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.uploads_dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
}

# Only the uploads queue may use the DLQ as its dead-letter target.
resource "aws_sqs_queue_redrive_allow_policy" "uploads_dlq" {
  queue_url = aws_sqs_queue.uploads_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.uploads.arn]
  })
}

resource "aws_sqs_queue_policy" "uploads" {
  queue_url = aws_sqs_queue.uploads.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DataBucketNotifications"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.uploads.arn
        Condition = {
          ArnEquals    = { "aws:SourceArn" = local.bucket_arn }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.uploads.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

# Nothing sends to the DLQ but SQS's redrive; the policy only refuses requests without TLS.
resource "aws_sqs_queue_policy" "uploads_dlq" {
  queue_url = aws_sqs_queue.uploads_dlq.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.uploads_dlq.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_lambda_event_source_mapping" "receiver" {
  event_source_arn                   = aws_sqs_queue.uploads.arn
  function_name                      = aws_lambda_function.receiver.arn
  batch_size                         = var.receiver_batch_size
  maximum_batching_window_in_seconds = var.receiver_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.receiver_maximum_concurrency
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.receiver_batch_size <= 10 || var.receiver_batching_window_seconds >= 1
      error_message = "receiver_batch_size above 10 requires receiver_batching_window_seconds >= 1."
    }
    precondition {
      condition     = var.receiver_reserved_concurrency == null || try(var.receiver_reserved_concurrency >= var.receiver_maximum_concurrency, false)
      error_message = "receiver_reserved_concurrency must be >= receiver_maximum_concurrency, or the event source mapping is throttled."
    }
  }

  depends_on = [aws_iam_role_policy.receiver]
}
