#------------------------------------------------------------------------------
# The dashboard, through CloudFormation.
#
# Why a stack: the definition is a JSON file in QuickSight's own API shape (PascalCase
# DashboardVersionDefinition), which `make dashboards` writes and checks against botocore's
# quicksight model. The provider's aws_quicksight_dashboard takes the definition only as its
# nested HCL `definition` block (snake_case, thousands of attributes, no JSON argument), so the
# file would have to be translated into HCL and would drift wherever the provider's schema lags
# the API. AWS::QuickSight::Dashboard takes the same JSON as CreateDashboard, so the file goes in
# unchanged, except that the DataSetIdentifierDeclarations are replaced by the real data set ARNs.
#------------------------------------------------------------------------------

locals {
  # The same ids and names as the requests `make dashboards` writes (src/dashboards/requests.py).
  dashboard_id = var.name

  definition_with_datasets = merge(local.definition, {
    DataSetIdentifierDeclarations = [
      for d in local.dataset_list : {
        Identifier = d.key
        DataSetArn = aws_quicksight_data_set.this[d.key].arn
      }
    ]
  })

  dashboard_properties = merge(
    {
      AwsAccountId = local.account_id
      DashboardId  = local.dashboard_id
      Name         = var.dashboard_name
      Definition   = local.definition_with_datasets
      Permissions = [
        for principal, actions in local.permissions.dashboard : { Principal = principal, Actions = actions }
      ]
      DashboardPublishOptions = {
        AdHocFilteringOption = { AvailabilityStatus = "ENABLED" }
        ExportToCSVOption    = { AvailabilityStatus = "ENABLED" }
        SheetControlsOption  = { VisibilityState = "EXPANDED" }
      }
      # Names the definition's version: a new file is a new dashboard version.
      VersionDescription = "definition sha256 ${substr(sha256(file(local.dashboard_definition_file)), 0, 16)}"
    },
    # Tags only when there are some (no empty list in the template).
    length(var.tags) > 0 ? { Tags = [for k, v in var.tags : { Key = k, Value = v }] } : {},
  )

  dashboard_template = {
    AWSTemplateFormatVersion = "2010-09-09"
    Description              = "QuickSight dashboard of ${var.name} (modules/dashboards)"
    Resources = {
      Dashboard = {
        Type       = "AWS::QuickSight::Dashboard"
        Properties = local.dashboard_properties
      }
    }
    Outputs = {
      DashboardArn = { Value = { "Fn::GetAtt" = ["Dashboard", "Arn"] } }
    }
  }
  template_body = jsonencode(local.dashboard_template)

  # The template's size is known at plan time although the data set ARNs are not: they have the
  # length of the ARNs built here from their ids.
  estimated_template = jsonencode(merge(local.dashboard_template, {
    Resources = { Dashboard = { Type = "AWS::QuickSight::Dashboard", Properties = merge(local.dashboard_properties, {
      Definition = merge(local.definition, {
        DataSetIdentifierDeclarations = [
          for d in local.dataset_list : {
            Identifier = d.key
            DataSetArn = "arn:${local.partition}:quicksight:${local.region}:${local.account_id}:dataset/${local.dataset_ids[d.key]}"
          }
        ]
      })
    }) } }
  }))
  # CloudFormation takes at most 51,200 bytes inline (TemplateBody) and 1 MB from S3. Bytes, not
  # characters: counted through base64 (4 characters per 3 bytes, rounded up).
  template_bytes_upper_bound = ceil(length(base64encode(local.estimated_template)) * 3 / 4)
  template_inline            = var.template_bucket == null
  template_key               = local.template_inline ? null : "${var.template_bucket.key_prefix}${var.name}-dashboard-${substr(sha256(local.estimated_template), 0, 16)}.json"
}

resource "aws_s3_object" "dashboard_template" {
  count = local.template_inline ? 0 : 1

  bucket                 = var.template_bucket.name
  key                    = local.template_key
  content                = local.template_body
  content_type           = "application/json"
  server_side_encryption = "aws:kms"
  kms_key_id             = var.template_bucket.kms_key_arn
  tags                   = var.tags
}

resource "aws_cloudformation_stack" "dashboard" {
  #checkov:skip=CKV_AWS_124:Stack event notifications go to stack_notification_arns when given (default none): terraform apply waits for the stack and prints a failure's reason, and the stack's events stay in CloudFormation.
  name          = "${var.name}-dashboard"
  template_body = local.template_inline ? local.template_body : null
  template_url  = local.template_inline ? null : "https://${var.template_bucket.name}.s3.${local.region}.${local.dns_suffix}/${aws_s3_object.dashboard_template[0].key}"
  # A failed creation deletes the stack, so the next apply starts clean (a failed update rolls
  # back to the previous dashboard version).
  on_failure        = "DELETE"
  notification_arns = var.stack_notification_arns
  tags              = var.tags

  timeouts {
    create = "30m"
    update = "30m"
  }

  lifecycle {
    precondition {
      condition     = local.template_inline ? local.template_bytes_upper_bound <= 51200 : local.template_bytes_upper_bound <= 1048576
      error_message = "The dashboard's CloudFormation template is about ${local.template_bytes_upper_bound} bytes: ${local.template_inline ? "more than the 51,200 CloudFormation takes inline; set template_bucket to send it through S3" : "more than the 1 MB CloudFormation reads from S3; split the dashboard"}."
    }
  }
}
