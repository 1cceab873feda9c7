data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_organizations_organization" "this" {}

locals {
  partition = data.aws_partition.current.partition
  # `id` holds the region name in both the 5.x and 6.x providers (`name` is deprecated in 6.x).
  home_region = coalesce(var.home_region, data.aws_region.current.id)

  # The analytics account: the account of its KMS key.
  analytics_account_id = split(":", var.analytics_kms_key_arn)[4]

  member_cost_mode = var.cost_mode == "organization" ? "off" : "account"
}

#------------------------------------------------------------------------------
# The member sender's template, from the same source as modules/sender
#------------------------------------------------------------------------------

module "template" {
  source = "./template"

  analytics_bucket_name = var.analytics_bucket_name
  analytics_kms_key_arn = var.analytics_kms_key_arn
  analytics_region      = var.analytics_region
  home_region           = local.home_region
  sender_package_s3     = var.sender_package_s3
  cost_mode             = local.member_cost_mode
  sender                = merge(var.sender, { name = var.name })
  tags                  = var.tags
}

#------------------------------------------------------------------------------
# Service-managed StackSet: every account of the OUs, now and later, in one region
#------------------------------------------------------------------------------

resource "aws_cloudformation_stack_set" "sender" {
  name             = var.name
  description      = "Observability sender in every account of ${join(", ", var.organizational_unit_ids)} (modules/organization)"
  permission_model = "SERVICE_MANAGED"
  call_as          = var.call_as
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = module.template.template_json

  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }

  managed_execution {
    active = true
  }

  operation_preferences {
    max_concurrent_percentage    = var.max_concurrent_percentage
    failure_tolerance_percentage = var.failure_tolerance_percentage
    region_concurrency_type      = "SEQUENTIAL"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(module.template.unknown_collectors) == 0
      error_message = "Unknown collectors: ${join(", ", module.template.unknown_collectors)}. Known: ${join(", ", module.template.known_collectors)}."
    }
    precondition {
      # IAM limits the inline policies of a role to 10,240 characters in total.
      condition     = module.template.inline_policies_length <= 10240
      error_message = "The collector actions exceed the 10,240-character inline policy limit of a role."
    }
    precondition {
      # CreateStackSet's TemplateBody is limited to 51,200 bytes.
      condition     = length(module.template.template_json) <= 51200
      error_message = "The rendered template exceeds CloudFormation's 51,200-byte TemplateBody limit."
    }
    # With SERVICE_MANAGED and auto_deployment AWS fills in the service-linked administration role;
    # provider versions before the fix of hashicorp/terraform-provider-aws#23464 then show a
    # perpetual diff on it.
    ignore_changes = [administration_role_arn]
  }
}

resource "aws_cloudformation_stack_set_instance" "sender" {
  stack_set_name = aws_cloudformation_stack_set.sender.name
  call_as        = var.call_as
  # provider 5.x names it region (6.x: stack_set_instance_region)
  region = local.home_region

  deployment_targets {
    organizational_unit_ids = var.organizational_unit_ids
  }

  operation_preferences {
    max_concurrent_percentage    = var.max_concurrent_percentage
    failure_tolerance_percentage = var.failure_tolerance_percentage
    region_concurrency_type      = "SEQUENTIAL"
  }

  retain_stack = false
}

#------------------------------------------------------------------------------
# The management account's own sender (StackSets never deploy there)
#------------------------------------------------------------------------------

module "management_sender" {
  source = "../sender"
  count  = var.deploy_management_sender ? 1 : 0

  name = var.name
  tags = var.tags

  analytics_bucket_name = var.analytics_bucket_name
  analytics_kms_key_arn = var.analytics_kms_key_arn
  analytics_region      = var.analytics_region
  sender_package_s3     = var.sender_package_s3

  regions                         = length(var.sender.regions) == 0 ? [local.home_region] : var.sender.regions
  collectors                      = var.sender.collectors
  intervals                       = var.sender.intervals
  schedule_expressions            = var.sender.schedule_expressions
  architecture                    = var.sender.architecture
  timeout                         = var.sender.timeout
  memory_size                     = var.sender.memory_size
  reserved_concurrency            = var.sender.reserved_concurrency
  maximum_retry_attempts          = var.sender.maximum_retry_attempts
  maximum_event_age_in_seconds    = var.sender.maximum_event_age_in_seconds
  dlq_message_retention_seconds   = var.sender.dlq_message_retention_seconds
  log_retention_days              = var.sender.log_retention_days
  log_level                       = var.sender.log_level
  metrics_namespace               = var.sender.metrics_namespace
  kms_key_deletion_window_in_days = var.sender.kms_key_deletion_window_in_days
  create_alarms                   = var.sender.create_alarms
  alarm_topic_arn                 = var.management_sender_alarm_topic_arn
  detailed_metrics                = var.sender.detailed_metrics
  publish_metrics                 = var.sender.publish_metrics
  first_run_backfill_months       = var.sender.first_run_backfill_months
  cost_mode                       = var.cost_mode
  cost_tag_keys                   = var.sender.cost_tag_keys
}
