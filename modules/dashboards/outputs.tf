output "dashboard_id" {
  description = "Id of the QuickSight dashboard."
  value       = local.dashboard_id
}

output "dashboard_arn" {
  description = "ARN of the QuickSight dashboard (from the CloudFormation stack)."
  value       = aws_cloudformation_stack.dashboard.outputs["DashboardArn"]
}

output "dashboard_url_path" {
  description = "Path of the dashboard in the QuickSight console: append it to https://<region>.quicksight.aws.amazon.com."
  value       = "/sn/dashboards/${local.dashboard_id}"
}

output "dashboard_url" {
  description = "URL of the dashboard in the QuickSight console of this region (people sign in to QuickSight first)."
  value       = "https://${local.region}.quicksight.aws.amazon.com/sn/dashboards/${local.dashboard_id}"
}

output "stack_id" {
  description = "Id of the CloudFormation stack holding the dashboard (its events explain a failed dashboard)."
  value       = aws_cloudformation_stack.dashboard.id
}

output "dataset_ids" {
  description = "QuickSight data set id of each data set, by key of datasets.json."
  value       = local.dataset_ids
}

output "dataset_arns" {
  description = "ARN of each QuickSight data set, by key of datasets.json."
  value       = { for k, d in aws_quicksight_data_set.this : k => d.arn }
}

output "spice_dataset_keys" {
  description = "Keys of the SPICE data sets (each refreshed daily at refresh_schedule)."
  value       = local.spice_keys
}

output "refresh_schedules" {
  description = "Refresh of each SPICE data set, by key: the daily refresh's interval, time_of_day, timezone and refresh_type (INCREMENTAL_REFRESH for history data sets, FULL_REFRESH otherwise), the incremental refresh's lookback ({column, size, unit}, null if none) and the weekly full refresh (weekly_full: {day_of_week, time_of_day}, null if none)."
  value = {
    for k, r in aws_quicksight_refresh_schedule.this : k => {
      interval     = one(one(r.schedule).schedule_frequency).interval
      time_of_day  = one(one(r.schedule).schedule_frequency).time_of_the_day
      timezone     = one(one(r.schedule).schedule_frequency).timezone
      refresh_type = one(r.schedule).refresh_type
      lookback     = contains(local.incremental_keys, k) ? local.datasets[k].refresh : null
      weekly_full = contains(local.incremental_keys, k) ? {
        day_of_week = var.refresh_schedule.full_refresh_day
        time_of_day = var.refresh_schedule.full_refresh_time_of_day
      } : null
    }
  }
}

output "data_source_arn" {
  description = "ARN of the QuickSight data source (the Aurora cluster, signed in as the reader role)."
  value       = aws_quicksight_data_source.this.arn
}

output "data_source" {
  description = "What the data source connects to, for review: host, port, database, the secret it signs in with (the reader role's) and the VPC connection."
  value = {
    host               = var.database_host
    port               = var.database_port
    database           = var.database_name
    secret_arn         = one(aws_quicksight_data_source.this.credentials).secret_arn
    vpc_connection_arn = one(aws_quicksight_data_source.this.vpc_connection_properties).vpc_connection_arn
  }
}

output "vpc_connection_arn" {
  description = "ARN of the QuickSight VPC connection."
  value       = aws_quicksight_vpc_connection.this.arn
}

output "vpc_connection_role_arn" {
  description = "IAM role QuickSight assumes for the VPC connection (created, or vpc_connection_role_arn)."
  value       = local.vpc_connection_role_arn
}

output "security_group_id" {
  description = "Security group of QuickSight's network interfaces (PostgreSQL to the cluster only)."
  value       = aws_security_group.quicksight.id
}

output "template_s3_location" {
  description = "Where the dashboard's CloudFormation template was uploaded ({ bucket, key }), or null when it went inline."
  value       = local.template_inline ? null : { bucket = aws_s3_object.dashboard_template[0].bucket, key = aws_s3_object.dashboard_template[0].key }
}
