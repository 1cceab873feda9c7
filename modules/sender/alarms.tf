#------------------------------------------------------------------------------
# Alarms: function errors and failed runs in the DLQ
#------------------------------------------------------------------------------

locals {
  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]

  alarms = var.create_alarms ? module.spec.alarms : {}
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = module.spec.alarm_settings.period
  evaluation_periods  = module.spec.alarm_settings.evaluation_periods
  comparison_operator = module.spec.alarm_settings.comparison_operator
  threshold           = module.spec.alarm_settings.threshold
  treat_missing_data  = module.spec.alarm_settings.treat_missing_data
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
