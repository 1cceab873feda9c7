#------------------------------------------------------------------------------
# Daily database maintenance: the migration function (the only one signed in as the schema owner)
# run by a schedule with {"action": "maintain"}. It creates the monthly partitions ahead, moves
# rows a file dated outside them left in a DEFAULT partition into their own month, writes the
# monthly rollups of every month older than retention_days, then detaches and drops those months'
# partitions (whole months, never row by row). See src/receiver/partitions.py and docs/scale.md.
#------------------------------------------------------------------------------

locals {
  maintenance_rule_name = "${var.name}-maintenance"
}

resource "aws_cloudwatch_event_rule" "maintenance" {
  name                = local.maintenance_rule_name
  description         = "Partitions ahead, monthly rollups and retention of ${var.name}'s database"
  schedule_expression = var.maintenance_schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "maintenance" {
  rule      = aws_cloudwatch_event_rule.maintenance.name
  target_id = "maintain"
  arn       = aws_lambda_function.migration.arn
  input     = jsonencode({ action = "maintain" })
}

resource "aws_lambda_permission" "maintenance" {
  statement_id  = "AllowScheduledMaintenance"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.migration.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.maintenance.arn
}

# Maintenance is idempotent: one retry covers a transient failure (Aurora resuming from zero
# ACUs); a second failure raises the migration-errors alarm and the next day's run catches up.
resource "aws_lambda_function_event_invoke_config" "maintenance" {
  function_name                = aws_lambda_function.migration.function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600
}
