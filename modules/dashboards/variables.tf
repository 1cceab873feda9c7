#------------------------------------------------------------------------------
# Naming and tagging
#------------------------------------------------------------------------------

variable "name" {
  description = "Name prefix of every resource and QuickSight id (2-24 lower case letters, digits and single hyphens, starting with a letter): usually the analytics module's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-24 characters of lower case letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource (the QuickSight VPC connection, data source, data sets and dashboard, the security group, the IAM role, the CloudFormation stack)."
  type        = map(string)
  default     = {}
  nullable    = false
}

#------------------------------------------------------------------------------
# The Aurora cluster (outputs of modules/analytics)
#------------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC of the Aurora cluster: QuickSight's network interfaces are created in it."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Subnets (two or more, in different Availability Zones) of the QuickSight VPC connection: usually the Aurora cluster's subnets."
  type        = list(string)

  validation {
    condition     = length(distinct(var.subnet_ids)) == length(var.subnet_ids) && length(var.subnet_ids) >= 2 && length(var.subnet_ids) <= 15 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold 2 to 15 distinct ids like subnet-0123456789abcdef0."
  }
}

variable "database_security_group_id" {
  description = "Security group of the Aurora cluster (modules/analytics output security_group_id). The module adds one ingress rule to it: PostgreSQL from QuickSight's security group."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]{8,17}$", var.database_security_group_id))
    error_message = "database_security_group_id must look like sg-0123456789abcdef0."
  }
}

variable "database_host" {
  description = "Writer endpoint of the Aurora cluster (modules/analytics output cluster_endpoint)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{0,252}[a-z0-9]$", var.database_host))
    error_message = "database_host must be a DNS name such as obs.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com."
  }
}

variable "database_port" {
  description = "PostgreSQL port of the Aurora cluster."
  type        = number
  default     = 5432

  validation {
    condition     = var.database_port >= 1150 && var.database_port <= 65535 && floor(var.database_port) == var.database_port
    error_message = "database_port must be a whole number between 1150 and 65535 (the ports Aurora accepts)."
  }
}

variable "database_name" {
  description = "PostgreSQL database name (modules/analytics output database_name)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and hold at most 63 letters, digits and underscores."
  }
}

variable "reader_secret_arn" {
  description = "ARN of the READ-ONLY reader role's secret (modules/analytics output reader_secret_arn, name <name>/database/reader): SELECT on the views only. The master secret (rds!cluster-...) and the migrator and loader secrets are refused."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+/database/reader-[A-Za-z0-9]{6}$", var.reader_secret_arn)) && !strcontains(var.reader_secret_arn, "rds!")
    error_message = "reader_secret_arn must be the reader role's secret (…:secret:<name>/database/reader-XXXXXX, modules/analytics output reader_secret_arn), never the master secret or another role's."
  }
}

variable "database_ready" {
  description = "A value known only once the database roles exist and the reader secret holds its password (modules/analytics output database_ready, the migration run's id). The data source, which QuickSight connects with when it is created, waits for it. null: no wait."
  type        = string
  default     = null

  validation {
    condition     = var.database_ready == null || try(length(var.database_ready) > 0, true)
    error_message = "database_ready must be a non-empty string (modules/analytics output database_ready), or null."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key encrypting the reader secret (modules/analytics output kms_key_arn): QuickSight's Secrets Manager role is allowed to decrypt with it, only through Secrets Manager and only for that secret."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias."
  }
}

#------------------------------------------------------------------------------
# QuickSight's roles
#------------------------------------------------------------------------------

variable "vpc_connection_role_arn" {
  description = "Existing IAM role QuickSight assumes to create the VPC connection's network interfaces. null creates one (trusting quicksight.amazonaws.com, with only the EC2 actions QuickSight documents, scoped to the subnets and the security group)."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_connection_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.vpc_connection_role_arn))
    error_message = "vpc_connection_role_arn must be an IAM role ARN, or null."
  }
}

variable "quicksight_secrets_role_name" {
  description = "Name of the IAM role QuickSight assumes to read Secrets Manager when people open the dashboard (created by QuickSight when an administrator grants it access to Secrets Manager: aws-quicksight-secretsmanager-role-v0). The module adds an inline policy to it: GetSecretValue on the reader secret and kms:Decrypt of the analytics key through Secrets Manager for that secret only. null adds nothing (grant it yourself, see the README)."
  type        = string
  default     = "aws-quicksight-secretsmanager-role-v0"

  validation {
    condition     = var.quicksight_secrets_role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.quicksight_secrets_role_name))
    error_message = "quicksight_secrets_role_name must be an IAM role name (1-64 characters of letters, digits and +=,.@_-), or null."
  }
}

#------------------------------------------------------------------------------
# Who sees what
#------------------------------------------------------------------------------

variable "principals" {
  description = <<-EOT
    QuickSight users or groups (ARNs: arn:aws:quicksight:<region>:<account>:user|group/<namespace>/<name>) and their access:
    reader (views the dashboard), author (also uses the data sets and the data source in analyses of their own) or
    owner (also edits, shares and deletes them, and manages the SPICE refreshes). At least one owner.
  EOT
  type = list(object({
    arn    = string
    access = optional(string, "reader")
  }))

  validation {
    condition     = alltrue([for p in var.principals : can(regex("^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:[0-9]{12}:(user|group)/[A-Za-z0-9._-]+/.+$", p.arn))])
    error_message = "Every principal arn must be a QuickSight user or group ARN (arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> or group/<namespace>/<name>)."
  }

  validation {
    condition     = alltrue([for p in var.principals : contains(["reader", "author", "owner"], p.access)])
    error_message = "Every principal's access must be reader, author or owner."
  }

  validation {
    condition     = length(distinct([for p in var.principals : p.arn])) == length(var.principals)
    error_message = "Each principal may appear once (with the highest access it needs)."
  }

  validation {
    condition     = length([for p in var.principals : p if p.access == "owner"]) >= 1 && length(var.principals) <= 64
    error_message = "principals must hold at least one owner (nobody could manage the dashboard otherwise) and at most 64 entries (QuickSight's limit per resource)."
  }
}

#------------------------------------------------------------------------------
# Data sets, refreshes, dashboard
#------------------------------------------------------------------------------

variable "datasets_file" {
  description = "Path of the data sets declaration (JSON: {\"datasets\": [{key, name, import_mode, sql, columns}]}). null: the module's datasets.json, written by `make dashboards`."
  type        = string
  default     = null

  validation {
    condition     = var.datasets_file == null || can(length(jsondecode(file(var.datasets_file)).datasets) > 0)
    error_message = "datasets_file must be a readable JSON file holding a non-empty \"datasets\" list."
  }
}

variable "dashboard_definition_file" {
  description = "Path of the dashboard definition (JSON: QuickSight's DashboardVersionDefinition, whose DataSetIdentifierDeclarations name the data sets by key). null: the module's dashboard-definition.json, written by `make dashboards`."
  type        = string
  default     = null

  validation {
    condition     = var.dashboard_definition_file == null || can(jsondecode(file(var.dashboard_definition_file)).DataSetIdentifierDeclarations)
    error_message = "dashboard_definition_file must be a readable JSON file holding a DashboardVersionDefinition (with DataSetIdentifierDeclarations)."
  }
}

variable "dashboard_name" {
  description = "Display name of the dashboard."
  type        = string
  default     = "AWS observability"

  validation {
    condition     = length(var.dashboard_name) >= 1 && length(var.dashboard_name) <= 2048
    error_message = "dashboard_name must be 1-2048 characters."
  }
}

variable "refresh_schedule" {
  description = "SPICE refreshes, in timezone (a tz database name such as UTC or Europe/Paris): every SPICE data set daily at time_of_day (HH:MM, 24 hours; incremental for history data sets, full for the others), and each history data set fully every week on full_refresh_day (SUNDAY..SATURDAY) at full_refresh_time_of_day (HH:MM; keep it apart from time_of_day so the two do not run at once). Choose times after the morning load (the senders' DAILY run and the receiver)."
  type = object({
    time_of_day              = optional(string, "07:00")
    timezone                 = optional(string, "UTC")
    full_refresh_day         = optional(string, "SUNDAY")
    full_refresh_time_of_day = optional(string, "06:00")
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.refresh_schedule.time_of_day))
    error_message = "refresh_schedule.time_of_day must be HH:MM (00:00-23:59)."
  }

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.refresh_schedule.full_refresh_time_of_day)) && var.refresh_schedule.full_refresh_time_of_day != var.refresh_schedule.time_of_day
    error_message = "refresh_schedule.full_refresh_time_of_day must be HH:MM (00:00-23:59), not the daily time_of_day."
  }

  validation {
    condition     = contains(["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"], var.refresh_schedule.full_refresh_day)
    error_message = "refresh_schedule.full_refresh_day must be a day of the week in capitals (SUNDAY..SATURDAY)."
  }

  validation {
    condition     = can(regex("^(UTC|GMT|[A-Z][A-Za-z_-]+(/[A-Z][A-Za-z0-9_+-]+){1,2})$", var.refresh_schedule.timezone))
    error_message = "refresh_schedule.timezone must be UTC or a tz database name such as Europe/Paris."
  }
}

variable "template_bucket" {
  description = "S3 bucket receiving the dashboard's CloudFormation template (key_prefix + <name>-dashboard-<hash>.json, SSE-KMS with kms_key_arn or the bucket's default) for CloudFormation to read by URL. Required when the template exceeds the 51,200 bytes CloudFormation accepts inline; null sends it inline."
  type = object({
    name        = string
    key_prefix  = optional(string, "quicksight/")
    kms_key_arn = optional(string)
  })
  default = null

  validation {
    condition     = var.template_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.template_bucket.name))
    error_message = "template_bucket.name must be a valid S3 bucket name."
  }

  validation {
    condition     = var.template_bucket == null || try(var.template_bucket.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.template_bucket.kms_key_arn)), false)
    error_message = "template_bucket.kms_key_arn must be a KMS key ARN, or null."
  }
}

variable "stack_notification_arns" {
  description = "SNS topics receiving the dashboard stack's CloudFormation events (a topic encrypted with a customer managed key must let CloudFormation use it). Empty: none."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.stack_notification_arns) <= 5 && alltrue([for a in var.stack_notification_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))])
    error_message = "stack_notification_arns must hold at most 5 SNS topic ARNs."
  }
}
