variable "name" {
  description = "Name prefix of every resource (2-24 lower case letters, digits and single hyphens, starting with a letter)."
  type        = string
  default     = "observability"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-24 characters of lower case letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}

variable "analytics_package_path" {
  description = "Path of dist/analytics.zip (from `make package`), relative to the working directory. Set to null when analytics_package_s3 is used."
  type        = string
  default     = "dist/analytics.zip"
}

variable "analytics_package_s3" {
  description = "S3 location of analytics.zip instead of a local path."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
  default = null
}

variable "sender_package_path" {
  description = "Path of dist/sender.zip (from `make package`), relative to the working directory. Set to null when sender_package_s3 is used."
  type        = string
  default     = "dist/sender.zip"
}

variable "sender_package_s3" {
  description = "S3 location of sender.zip instead of a local path."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
  default = null
}

variable "architecture" {
  description = "Instruction set of the Lambda functions: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "vpc_id" {
  description = "VPC of the Aurora cluster. null uses the region's default VPC (and its default subnets)."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0, or be null."
  }
}

variable "subnet_ids" {
  description = "Subnets (two or more AZs) of the Aurora cluster. null uses the default subnets of the default VPC; required when vpc_id is set."
  type        = list(string)
  default     = null

  validation {
    condition     = var.subnet_ids == null || try(length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))]), false)
    error_message = "subnet_ids must hold at least two ids like subnet-0123456789abcdef0, or be null."
  }
}

variable "aurora" {
  description = "Aurora Serverless v2 settings passed to modules/analytics (engine_version, min_capacity, max_capacity, seconds_until_auto_pause, ...). Defaults: 16.6, 0-4 ACU, pause after 15 minutes."
  type = object({
    engine_version                        = optional(string, "16.6")
    min_capacity                          = optional(number, 0)
    max_capacity                          = optional(number, 4)
    seconds_until_auto_pause              = optional(number, 900)
    instance_count                        = optional(number, 1)
    backup_retention_period               = optional(number, 7)
    preferred_backup_window               = optional(string)
    preferred_maintenance_window          = optional(string)
    performance_insights_enabled          = optional(bool, true)
    performance_insights_retention_period = optional(number, 7)
    log_min_duration_statement_ms         = optional(number, 5000)
    apply_immediately                     = optional(bool, false)
  })
  default  = {}
  nullable = false
}

variable "deletion_protection" {
  description = "Protect the Aurora cluster against deletion."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Destroy the Aurora cluster without a final snapshot."
  type        = bool
  default     = false
}

variable "bucket_force_destroy" {
  description = "Allow destroy to delete the data bucket while it holds objects."
  type        = bool
  default     = false
}

variable "regions" {
  description = "Regions the sender covers. Empty: the deployment region."
  type        = list(string)
  default     = []
}

variable "collectors" {
  description = "Collectors the sender runs (names from modules/sender/collector-actions.json). Empty: all."
  type        = list(string)
  default     = []
}

variable "intervals" {
  description = "Scheduled intervals: DAILY, WEEKLY, MONTHLY and/or YEARLY."
  type        = list(string)
  default     = ["DAILY"]
}

variable "schedule_expressions" {
  description = "EventBridge schedule per interval, overriding the sender module's defaults."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of every log group, in days (one of CloudWatch Logs' allowed values)."
  type        = number
  default     = 365
}

variable "alarm_email_addresses" {
  description = "E-mail addresses notified by the alarms (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "receiver_reserved_concurrency" {
  description = "Reserved concurrent executions of the receiver (modules/analytics receiver_reserved_concurrency). null leaves it unreserved."
  type        = number
  default     = null

  validation {
    condition     = var.receiver_reserved_concurrency == null || try(var.receiver_reserved_concurrency >= 1, false)
    error_message = "receiver_reserved_concurrency must be >= 1, or null."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code-signing configuration applied to every function (the zips must then be signed with AWS Signer), or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code-signing configuration ARN, or null."
  }
}

variable "enable_dashboards" {
  description = "Create the QuickSight dashboards (modules/dashboards) and the artifacts bucket their template goes through. Needs a QuickSight Enterprise subscription and QuickSight's access to Secrets Manager first (modules/dashboards/README.md)."
  type        = bool
  default     = false
}

variable "dashboard_principals" {
  description = "QuickSight users or groups of the dashboards and their access (reader, author or owner; at least one owner), e.g. [{ arn = \"arn:aws:quicksight:eu-west-1:111111111111:group/default/admins\", access = \"owner\" }]. Used when enable_dashboards is true."
  type = list(object({
    arn    = string
    access = optional(string, "reader")
  }))
  default  = []
  nullable = false
}

variable "dashboard_refresh_schedule" {
  description = "Daily refresh of the SPICE data sets: time_of_day (HH:MM) in timezone (tz database name). Default 07:00 UTC, after the senders' 02:00 UTC run."
  type = object({
    time_of_day = optional(string, "07:00")
    timezone    = optional(string, "UTC")
  })
  default  = {}
  nullable = false
}
