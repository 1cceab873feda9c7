#------------------------------------------------------------------------------
# The sender as a CloudFormation template, for the organization's StackSet.
#
# Everything that defines the sender comes from ../../sender/spec, the source
# modules/sender uses too. The account, partition, region, URL suffix and the
# stack's own key are passed to it as "${AWS::AccountId}", "${AWS::Partition}",
# "${AWS::Region}", "${AWS::URLSuffix}" and "${SenderKey.Arn}"; after
# jsonencode, every JSON string holding "${" becomes {"Fn::Sub": "..."}.
# Organization-wide values (bucket, keys, regions, collectors, code location)
# are baked in: they are the same in every account.
#------------------------------------------------------------------------------

module "spec" {
  source = "../../sender/spec"

  account_id  = "$${AWS::AccountId}"
  partition   = "$${AWS::Partition}"
  region      = "$${AWS::Region}"
  dns_suffix  = "$${AWS::URLSuffix}"
  kms_key_arn = "$${SenderKey.Arn}"

  name                      = var.sender.name
  analytics_bucket_name     = var.analytics_bucket_name
  analytics_kms_key_arn     = var.analytics_kms_key_arn
  analytics_region          = var.analytics_region
  regions                   = length(var.sender.regions) == 0 ? [var.home_region] : var.sender.regions
  collectors                = var.sender.collectors
  intervals                 = var.sender.intervals
  schedule_expressions      = var.sender.schedule_expressions
  log_level                 = var.sender.log_level
  metrics_namespace         = var.sender.metrics_namespace
  detailed_metrics          = var.sender.detailed_metrics
  publish_metrics           = var.sender.publish_metrics
  first_run_backfill_months = var.sender.first_run_backfill_months
  cost_tag_keys             = var.sender.cost_tag_keys
  cost_mode                 = var.cost_mode
}

locals {
  name = var.sender.name
  tags = [for k in sort(keys(var.tags)) : { Key = k, Value = var.tags[k] }]

  # CloudFormation logical ids: ScheduleDaily, AlarmDlqMessages, ...
  schedule_ids = { for i, _ in module.spec.schedules : i => "Schedule${title(lower(i))}" }
  alarm_ids    = { for a, _ in module.spec.alarms : a => "Alarm${replace(title(replace(a, "-", " ")), " ", "")}" }

  code = merge(
    { S3Bucket = var.sender_package_s3.bucket, S3Key = var.sender_package_s3.key },
    var.sender_package_s3.version == null ? {} : { S3ObjectVersion = var.sender_package_s3.version },
  )

  core_resources = {
    SenderKey = {
      Type = "AWS::KMS::Key"
      Properties = {
        Description         = "${local.name}: sender logs, dead-letter queue and environment"
        EnableKeyRotation   = true
        PendingWindowInDays = var.sender.kms_key_deletion_window_in_days
        KeyPolicy           = module.spec.kms_key_policy
        Tags                = local.tags
      }
    }
    SenderKeyAlias = {
      Type = "AWS::KMS::Alias"
      Properties = {
        AliasName   = "alias/${local.name}"
        TargetKeyId = { Ref = "SenderKey" }
      }
    }
    LogGroup = {
      Type = "AWS::Logs::LogGroup"
      Properties = {
        LogGroupName    = module.spec.names.log_group_name
        RetentionInDays = var.sender.log_retention_days
        KmsKeyId        = { "Fn::GetAtt" = ["SenderKey", "Arn"] }
        Tags            = local.tags
      }
    }
    DeadLetterQueue = {
      Type = "AWS::SQS::Queue"
      Properties = {
        QueueName                    = module.spec.names.dlq_name
        MessageRetentionPeriod       = var.sender.dlq_message_retention_seconds
        KmsMasterKeyId               = { "Fn::GetAtt" = ["SenderKey", "Arn"] }
        KmsDataKeyReusePeriodSeconds = 300
        Tags                         = local.tags
      }
    }
    DeadLetterQueuePolicy = {
      Type = "AWS::SQS::QueuePolicy"
      Properties = {
        Queues         = [{ Ref = "DeadLetterQueue" }]
        PolicyDocument = module.spec.dlq_policy
      }
    }
    Role = {
      Type = "AWS::IAM::Role"
      Properties = {
        RoleName                 = local.name
        Description              = module.spec.role_description
        AssumeRolePolicyDocument = module.spec.assume_role_policy
        Policies = [
          { PolicyName = "collectors", PolicyDocument = module.spec.collectors_policy },
          { PolicyName = "sender", PolicyDocument = module.spec.sender_policy },
        ]
        Tags = local.tags
      }
    }
    Function = {
      Type = "AWS::Lambda::Function"
      # The same reasons as modules/sender's checkov skips, for checkov's CloudFormation scan.
      Metadata = {
        checkov = {
          skip = [
            { id = "CKV_AWS_116", comment = "Failed asynchronous invocations go to an SQS on-failure destination (FunctionEventInvokeConfig), which records the error as well as the event." },
            { id = "CKV_AWS_117", comment = "Calls public AWS APIs in several regions and uploads to another account's bucket; a VPC would only add NAT/endpoint cost." },
            { id = "CKV_AWS_115", comment = "A few scheduled runs a day; reserved concurrency (sender.reserved_concurrency) would only take from the account's pool." },
          ]
        }
      }
      Properties = merge(
        {
          FunctionName  = local.name
          Description   = module.spec.function_description
          Role          = { "Fn::GetAtt" = ["Role", "Arn"] }
          Handler       = module.spec.handler
          Runtime       = module.spec.runtime
          Architectures = [var.sender.architecture]
          Timeout       = coalesce(var.sender.timeout, module.spec.default_timeout)
          MemorySize    = coalesce(var.sender.memory_size, module.spec.default_memory_size)
          KmsKeyArn     = { "Fn::GetAtt" = ["SenderKey", "Arn"] }
          Code          = local.code
          TracingConfig = { Mode = "Active" }
          LoggingConfig = { LogFormat = "Text", LogGroup = { Ref = "LogGroup" } }
          Environment   = { Variables = module.spec.environment }
          Tags          = local.tags
        },
        var.sender.reserved_concurrency == null ? {} : { ReservedConcurrentExecutions = var.sender.reserved_concurrency },
      )
    }
    FunctionEventInvokeConfig = {
      Type = "AWS::Lambda::EventInvokeConfig"
      Properties = {
        FunctionName             = { Ref = "Function" }
        Qualifier                = "$LATEST"
        MaximumRetryAttempts     = var.sender.maximum_retry_attempts
        MaximumEventAgeInSeconds = var.sender.maximum_event_age_in_seconds
        DestinationConfig = {
          OnFailure = { Destination = { "Fn::GetAtt" = ["DeadLetterQueue", "Arn"] } }
        }
      }
    }
  }

  schedule_resources = merge([
    for interval, expression in module.spec.schedules : {
      (local.schedule_ids[interval]) = {
        Type = "AWS::Events::Rule"
        Properties = {
          Name               = "${local.name}-${lower(interval)}"
          Description        = module.spec.schedule_descriptions[interval]
          ScheduleExpression = expression
          State              = "ENABLED"
          Targets = [{
            Id    = "sender"
            Arn   = { "Fn::GetAtt" = ["Function", "Arn"] }
            Input = module.spec.schedule_inputs[interval]
          }]
        }
      }
      "${local.schedule_ids[interval]}Permission" = {
        Type = "AWS::Lambda::Permission"
        Properties = {
          FunctionName  = { Ref = "Function" }
          Action        = "lambda:InvokeFunction"
          Principal     = "events.amazonaws.com"
          SourceArn     = { "Fn::GetAtt" = [local.schedule_ids[interval], "Arn"] }
          SourceAccount = { Ref = "AWS::AccountId" }
        }
      }
    }
  ]...)

  alarm_resources = {
    for alarm, spec in(var.sender.create_alarms ? module.spec.alarms : {}) : local.alarm_ids[alarm] => {
      Type = "AWS::CloudWatch::Alarm"
      Properties = {
        AlarmName          = "${local.name}-${alarm}"
        AlarmDescription   = spec.description
        Namespace          = spec.namespace
        MetricName         = spec.metric_name
        Dimensions         = [for k, v in spec.dimensions : { Name = k, Value = v }]
        Statistic          = spec.statistic
        Period             = module.spec.alarm_settings.period
        EvaluationPeriods  = module.spec.alarm_settings.evaluation_periods
        ComparisonOperator = module.spec.alarm_settings.comparison_operator
        Threshold          = module.spec.alarm_settings.threshold
        TreatMissingData   = module.spec.alarm_settings.treat_missing_data
        Tags               = local.tags
      }
    }
  }

  template = {
    AWSTemplateFormatVersion = "2010-09-09"
    Description              = "Observability sender ${local.name}: collects this account's data on its schedules and uploads it to the analytics bucket ${var.analytics_bucket_name} (rendered by modules/organization/template)."
    Resources                = merge(local.core_resources, local.schedule_resources, local.alarm_resources)
    Outputs = {
      FunctionName = { Description = "Sender function", Value = { Ref = "Function" } }
      FunctionArn  = { Description = "Sender function ARN", Value = { "Fn::GetAtt" = ["Function", "Arn"] } }
      RoleArn      = { Description = "Execution role ARN", Value = { "Fn::GetAtt" = ["Role", "Arn"] } }
      DlqArn       = { Description = "On-failure destination queue ARN", Value = { "Fn::GetAtt" = ["DeadLetterQueue", "Arn"] } }
      KmsKeyArn    = { Description = "Sender key ARN", Value = { "Fn::GetAtt" = ["SenderKey", "Arn"] } }
    }
  }

  # Every JSON string that holds a "${...}" reference becomes {"Fn::Sub": "..."} (no generated
  # string contains a double quote, so a JSON string is exactly the text between two quotes).
  template_json = replace(jsonencode(local.template), "/\"([^\"]*\\$\\{[^\"]*)\"/", "{\"Fn::Sub\":\"$1\"}")
}
