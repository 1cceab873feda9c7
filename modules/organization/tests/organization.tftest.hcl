# modules/organization, checked on the plan with a mocked AWS provider (offline). Applied in the
# management account 111111111111 of organization o-abcdefghij; the analytics account is
# 999999999999.

mock_provider "aws" {
  source          = "../../tests/terraform_mocks"
  override_during = plan
}

variables {
  organizational_unit_ids = ["ou-ab12-abcdefgh", "ou-ab12-ijklmnop"]
  analytics_bucket_name   = "obs-999999999999-eu-west-1"
  analytics_kms_key_arn   = "arn:aws:kms:eu-west-1:999999999999:key/11111111-2222-3333-4444-555555555555"
  analytics_region        = "eu-west-1"
  sender_package_s3       = { bucket = "obs-artifacts-999999999999-eu-west-1", key = "sender/1.2.0/sender-arm64.zip" }
}

run "service_managed_stack_set_with_auto_deployment" {
  command = plan

  assert {
    condition = (
      aws_cloudformation_stack_set.sender.permission_model == "SERVICE_MANAGED" &&
      one(aws_cloudformation_stack_set.sender.auto_deployment).enabled == true &&
      one(aws_cloudformation_stack_set.sender.auto_deployment).retain_stacks_on_account_removal == false &&
      aws_cloudformation_stack_set.sender.capabilities == toset(["CAPABILITY_NAMED_IAM"]) &&
      aws_cloudformation_stack_set.sender.call_as == "SELF"
    )
    error_message = "A service-managed StackSet that enrols joining accounts and removes leaving ones."
  }

  assert {
    condition = (
      aws_cloudformation_stack_set.sender.template_body == output.template_json &&
      jsondecode(aws_cloudformation_stack_set.sender.template_body).Resources.Function.Type == "AWS::Lambda::Function"
    )
    error_message = "The StackSet deploys the rendered template."
  }

  assert {
    condition = (
      one(aws_cloudformation_stack_set.sender.operation_preferences).max_concurrent_percentage == 25 &&
      one(aws_cloudformation_stack_set.sender.operation_preferences).failure_tolerance_percentage == 10
    )
    error_message = "Operation preferences come from the inputs."
  }
}

run "one_instance_per_account_in_the_home_region" {
  command = plan

  assert {
    condition = (
      one(aws_cloudformation_stack_set_instance.sender.deployment_targets).organizational_unit_ids == toset(["ou-ab12-abcdefgh", "ou-ab12-ijklmnop"]) &&
      aws_cloudformation_stack_set_instance.sender.region == "eu-west-1" &&
      aws_cloudformation_stack_set_instance.sender.retain_stack == false &&
      output.home_region == "eu-west-1"
    )
    error_message = "The OUs are the targets, in the provider's region by default."
  }

  assert {
    condition     = jsondecode(output.template_json).Resources.Function.Properties.Environment.Variables.SENDER_REGIONS == "eu-west-1"
    error_message = "The senders cover the home region when no regions are given."
  }
}

run "explicit_home_region_and_delegated_admin" {
  command = plan

  variables {
    home_region                  = "us-east-1"
    call_as                      = "DELEGATED_ADMIN"
    max_concurrent_percentage    = 50
    failure_tolerance_percentage = 0
    sender                       = { regions = ["us-east-1", "eu-west-1"] }
  }

  assert {
    condition = (
      aws_cloudformation_stack_set_instance.sender.region == "us-east-1" &&
      aws_cloudformation_stack_set.sender.call_as == "DELEGATED_ADMIN" &&
      aws_cloudformation_stack_set_instance.sender.call_as == "DELEGATED_ADMIN" &&
      one(aws_cloudformation_stack_set_instance.sender.operation_preferences).max_concurrent_percentage == 50 &&
      one(aws_cloudformation_stack_set_instance.sender.operation_preferences).failure_tolerance_percentage == 0 &&
      jsondecode(output.template_json).Resources.Function.Properties.Environment.Variables.SENDER_REGIONS == "us-east-1,eu-west-1"
    )
    error_message = "home_region, call_as, preferences and regions are passed on."
  }
}

run "roster_role_trusts_the_analytics_roster_function_only" {
  command = plan

  variables {
    analytics_roster_principal_arn = "arn:aws:iam::999999999999:role/observability-roster-function"
  }

  assert {
    condition = jsondecode(aws_iam_role.roster[0].assume_role_policy).Statement == [{
      Sid       = "AnalyticsRosterFunction"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::999999999999:root" }
      Action    = "sts:AssumeRole"
      Condition = { ArnEquals = { "aws:PrincipalArn" = "arn:aws:iam::999999999999:role/observability-roster-function" } }
    }]
    error_message = "Only the analytics roster function may assume the roster role."
  }

  assert {
    condition     = aws_iam_role.roster[0].name == "observability-roster"
    error_message = "The roster role has its default name."
  }
}

run "roster_role_with_an_external_id" {
  command = plan

  variables {
    analytics_roster_principal_arn = "arn:aws:iam::999999999999:role/observability-roster-function"
    roster_external_id             = "observability-roster"
  }

  assert {
    condition = one(jsondecode(aws_iam_role.roster[0].assume_role_policy).Statement).Condition == {
      ArnEquals    = { "aws:PrincipalArn" = "arn:aws:iam::999999999999:role/observability-roster-function" }
      StringEquals = { "sts:ExternalId" = "observability-roster" }
    }
    error_message = "The external id is required along with the principal condition."
  }
}

run "roster_role_falls_back_to_the_analytics_account" {
  command = plan

  assert {
    condition = (
      one(jsondecode(aws_iam_role.roster[0].assume_role_policy).Statement).Principal == { AWS = "arn:aws:iam::999999999999:root" } &&
      !can(one(jsondecode(aws_iam_role.roster[0].assume_role_policy).Statement).Condition)
    )
    error_message = "Without a principal ARN the analytics account (root) is trusted."
  }
}

run "roster_role_reads_the_organization_only" {
  command = plan

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Action])) == toset([
      "organizations:DescribeOrganization", "organizations:DescribeOrganizationalUnit",
      "organizations:ListAccounts", "organizations:ListAccountsForParent",
      "organizations:ListOrganizationalUnitsForParent", "organizations:ListParents",
      "organizations:ListRoots", "organizations:ListTagsForResource",
    ])
    error_message = "The roster role gets exactly the eight read actions."
  }

  assert {
    condition = alltrue([
      for a in flatten([for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Action]) :
      can(regex("^organizations:(Describe|List)[A-Za-z]+$", a))
    ])
    error_message = "Nothing writable: only Describe and List actions."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "No NotAction/NotResource."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Resource if s.Sid == "ThisOrganizationTree"]) == [
      "arn:aws:organizations::111111111111:account/o-abcdefghij/*",
      "arn:aws:organizations::111111111111:ou/o-abcdefghij/*",
      "arn:aws:organizations::111111111111:root/o-abcdefghij/*",
    ]
    error_message = "Actions with a resource type are scoped to this organization's accounts, OUs and roots."
  }

  assert {
    condition = sort(one([for s in jsondecode(aws_iam_role_policy.roster[0].policy).Statement : s.Action if s.Resource == "*"])) == tolist([
      "organizations:DescribeOrganization", "organizations:ListAccounts", "organizations:ListRoots",
    ])
    error_message = "Only the actions without a resource type use Resource *."
  }
}

run "no_roster_role" {
  command = plan

  variables {
    create_roster_role = false
  }

  assert {
    condition     = length(aws_iam_role.roster) == 0 && output.roster_role_arn == null
    error_message = "create_roster_role = false creates no role."
  }
}

run "account_cost_mode_without_management_sender" {
  command = plan

  assert {
    condition = (
      length(module.management_sender) == 0 &&
      output.management_sender == null &&
      output.member_environment.SENDER_COST_MODE == "account" &&
      contains(jsondecode(output.template_json).Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0].Action, "ce:GetCostAndUsage")
    )
    error_message = "By default every member collects its own cost and nothing is deployed in the management account."
  }
}

run "organization_cost_mode_with_management_sender" {
  command = plan

  variables {
    cost_mode                = "organization"
    deploy_management_sender = true
    sender                   = { intervals = ["DAILY", "MONTHLY"], detailed_metrics = false, first_run_backfill_months = 6 }
  }

  assert {
    condition = (
      output.member_environment.SENDER_COST_MODE == "off" &&
      length([for a in jsondecode(output.template_json).Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0].Action : a if startswith(a, "ce:")]) == 0
    )
    error_message = "Members skip Cost Explorer and get no ce: action in organization cost mode."
  }

  assert {
    condition = (
      module.management_sender[0].environment.SENDER_COST_MODE == "organization" &&
      module.management_sender[0].environment.SENDER_FIRST_RUN_BACKFILL_MONTHS == "6" &&
      module.management_sender[0].environment.SENDER_FIRST_RUN_BACKFILL_MONTHS == output.member_environment.SENDER_FIRST_RUN_BACKFILL_MONTHS &&
      module.management_sender[0].schedule_expressions == tomap({ DAILY = "cron(0 2 * * ? *)", MONTHLY = "cron(0 4 1 * ? *)" })
    )
    error_message = "The management sender collects the organization's cost, with the members' other settings."
  }
}

run "custom_metrics_published_by_default" {
  command = plan

  assert {
    condition = (
      output.member_environment.POWERTOOLS_METRICS_DISABLED == "false" &&
      jsondecode(output.template_json).Resources.Function.Properties.Environment.Variables.POWERTOOLS_METRICS_DISABLED == "false"
    )
    error_message = "By default the member senders publish their run metrics."
  }
}

run "publish_metrics_off_in_members_and_management_sender" {
  command = plan

  variables {
    deploy_management_sender = true
    sender                   = { publish_metrics = false }
  }

  assert {
    condition = (
      output.member_environment.POWERTOOLS_METRICS_DISABLED == "true" &&
      jsondecode(output.template_json).Resources.Function.Properties.Environment.Variables.POWERTOOLS_METRICS_DISABLED == "true" &&
      module.management_sender[0].environment.POWERTOOLS_METRICS_DISABLED == "true"
    )
    error_message = "sender.publish_metrics = false reaches the template's function and the management sender."
  }
}

run "detailed_metrics_need_published_metrics" {
  command = plan
  variables {
    sender = { publish_metrics = false, detailed_metrics = true }
  }
  expect_failures = [var.sender]
}

run "template_has_the_senders_parts" {
  command = plan

  variables {
    sender = { intervals = ["DAILY", "WEEKLY"] }
  }

  assert {
    condition = toset([for k, r in jsondecode(output.template_json).Resources : r.Type]) == toset([
      "AWS::KMS::Key", "AWS::KMS::Alias", "AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy",
      "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::Lambda::EventInvokeConfig", "AWS::Events::Rule",
      "AWS::Lambda::Permission", "AWS::CloudWatch::Alarm",
    ])
    error_message = "Key, log group, DLQ and its TLS-only policy, role, function, on-failure destination, schedules and alarms."
  }

  assert {
    condition = jsondecode(output.template_json).Resources.DeadLetterQueuePolicy.Properties == {
      Queues = [{ Ref = "DeadLetterQueue" }]
      PolicyDocument = {
        Version = "2012-10-17"
        Statement = [{
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "sqs:*"
          Resource  = { "Fn::Sub" = "arn:$${AWS::Partition}:sqs:$${AWS::Region}:$${AWS::AccountId}:observability-sender-dlq" }
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        }]
      }
    }
    error_message = "The member's DLQ refuses requests without TLS, as modules/sender's does."
  }

  assert {
    condition = (
      jsondecode(output.template_json).Resources.ScheduleWeekly.Properties.ScheduleExpression == "cron(0 3 ? * MON *)" &&
      jsondecode(output.template_json).Resources.ScheduleDaily.Properties.Targets[0].Input == jsonencode({ interval = "DAILY" }) &&
      jsondecode(output.template_json).Resources.FunctionEventInvokeConfig.Properties.DestinationConfig.OnFailure.Destination == { "Fn::GetAtt" = ["DeadLetterQueue", "Arn"] } &&
      jsondecode(output.template_json).Resources.Function.Properties.Code == { S3Bucket = "obs-artifacts-999999999999-eu-west-1", S3Key = "sender/1.2.0/sender-arm64.zip" }
    )
    error_message = "Schedules, on-failure destination and code location are in the template."
  }

  assert {
    condition = one([
      for s in jsondecode(output.template_json).Resources.Role.Properties.Policies[1].PolicyDocument.Statement : s.Resource
      if s.Sid == "UploadToOwnPrefix"
    ]) == { "Fn::Sub" = "arn:$${AWS::Partition}:s3:::obs-999999999999-eu-west-1/data/$${AWS::AccountId}/*" }
    error_message = "Each account uploads only under its own prefix (resolved per account by Fn::Sub)."
  }
}

run "tags_reach_the_stack_set_and_the_roster_role" {
  command = plan

  variables {
    tags = { project = "observability" }
  }

  assert {
    condition = (
      aws_cloudformation_stack_set.sender.tags == tomap({ project = "observability" }) &&
      aws_iam_role.roster[0].tags == tomap({ project = "observability" }) &&
      jsondecode(output.template_json).Resources.Function.Properties.Tags == [{ Key = "project", Value = "observability" }]
    )
    error_message = "tags reach the StackSet, the roster role and the template's resources."
  }
}

run "bad_ou_id" {
  command = plan
  variables {
    organizational_unit_ids = ["o-abcdefghij"]
  }
  expect_failures = [var.organizational_unit_ids]
}

run "unknown_collector" {
  command = plan
  variables {
    sender = { collectors = ["cost", "bitcoin_miner"] }
  }
  expect_failures = [aws_cloudformation_stack_set.sender]
}

run "bad_cost_mode" {
  command = plan
  variables {
    cost_mode = "off"
  }
  expect_failures = [var.cost_mode]
}

run "bad_call_as" {
  command = plan
  variables {
    call_as = "MEMBER"
  }
  expect_failures = [var.call_as]
}

run "bad_schedule" {
  command = plan
  variables {
    sender = { schedule_expressions = { DAILY = "cron(0 2 * * *)" } }
  }
  expect_failures = [var.sender]
}
