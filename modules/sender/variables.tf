#------------------------------------------------------------------------------
# Naming and tagging
#------------------------------------------------------------------------------

variable "name" {
  description = "Name of the sender function and prefix of its other resources (lower case letters, digits and single hyphens, 2-48 characters, starting with a letter)."
  type        = string
  default     = "observability-sender"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,46}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-48 characters of lower case letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}

#------------------------------------------------------------------------------
# Where to send (the analytics module's sender_settings output)
#------------------------------------------------------------------------------

variable "analytics_bucket_name" {
  description = "Data bucket of the analytics account (sender_settings.bucket_name). The sender writes only under data/<this account id>/."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.analytics_bucket_name))
    error_message = "analytics_bucket_name must be a valid S3 bucket name."
  }
}

variable "analytics_kms_key_arn" {
  description = "ARN of the analytics KMS key (sender_settings.kms_key_arn). Uploads are encrypted with it; the sender cannot decrypt."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.analytics_kms_key_arn))
    error_message = "analytics_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "analytics_region" {
  description = "Region of the analytics bucket (sender_settings.region); REGION of the function."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.analytics_region))
    error_message = "analytics_region must be a region name such as eu-west-1."
  }
}

#------------------------------------------------------------------------------
# What to collect, and when
#------------------------------------------------------------------------------

variable "regions" {
  description = "Regions the regional collectors cover (SENDER_REGIONS). Empty: the region this module is deployed in."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", r))]) && length(distinct(var.regions)) == length(var.regions)
    error_message = "regions must hold distinct region names such as eu-west-1."
  }
}

variable "collectors" {
  description = "Collectors to run (SENDER_COLLECTORS), names from collector-actions.json. Empty: all of them. Only the enabled collectors' IAM actions are granted."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.collectors : can(regex("^[a-z][a-z0-9_]*$", c))]) && length(distinct(var.collectors)) == length(var.collectors)
    error_message = "collectors must hold distinct collector names (lower case letters, digits and underscores)."
  }
}

variable "intervals" {
  description = "Intervals to schedule, each with its own EventBridge rule: DAILY, WEEKLY, MONTHLY and/or YEARLY."
  type        = list(string)
  default     = ["DAILY"]

  validation {
    condition     = alltrue([for i in var.intervals : contains(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], i)]) && length(distinct(var.intervals)) == length(var.intervals)
    error_message = "intervals must hold distinct values among DAILY, WEEKLY, MONTHLY, YEARLY."
  }
}

variable "schedule_expressions" {
  description = "EventBridge schedule per interval, overriding the defaults (DAILY cron(0 2 * * ? *), WEEKLY cron(0 3 ? * MON *), MONTHLY cron(0 4 1 * ? *), YEARLY cron(0 5 1 1 ? *), all UTC). Values are cron(...) with six fields (one of day-of-month/day-of-week being ?) or rate(...)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, _ in var.schedule_expressions : contains(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], k)])
    error_message = "schedule_expressions keys must be among DAILY, WEEKLY, MONTHLY, YEARLY."
  }

  validation {
    condition = alltrue([
      for _, e in var.schedule_expressions :
      can(regex("^rate\\((1 (minute|hour|day)|[1-9][0-9]* (minutes|hours|days))\\)$", e)) && !can(regex("^rate\\(1 (minutes|hours|days)\\)$", e)) ||
      (
        can(regex("^cron\\([0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Z*,/-]+ [0-9A-Z*,/?L#-]+ [0-9*,/-]+\\)$", e)) &&
        try(
          length([for f in [split(" ", e)[2], split(" ", e)[4]] : f if f == "?"]) == 1,
          false
        )
      )
    ])
    error_message = "schedule_expressions values must be cron(min hour day-of-month month day-of-week year) with exactly one of day-of-month/day-of-week set to ?, or rate(N unit)."
  }
}

variable "detailed_metrics" {
  description = "Publish per-collector custom metrics (SENDER_COLLECTOR_METRICS). false: at most 10 custom metrics per run; per-collector detail stays in the logs and in collector_runs."
  type        = bool
  default     = false
}

variable "publish_metrics" {
  description = "Publish the sender's custom CloudWatch metrics (EMF, POWERTOOLS_METRICS_DISABLED). At USD 0.30 per metric-month the default 10 run metrics cost about USD 3 per account per month (USD 3,000 at 1,000 accounts). false: no custom metric at all (not even ColdStart); lost are the run totals as CloudWatch metrics (collectors by status, items, duration, API and Cost Explorer calls, upload bytes), which the logs and collector_runs still hold. The sender's alarms use the free AWS/Lambda and AWS/SQS metrics and keep working. Cannot be false with detailed_metrics = true."
  type        = bool
  default     = true
}

variable "first_run_backfill_months" {
  description = "Months of history the sender backfills once, by itself, on its first run (SENDER_FIRST_RUN_BACKFILL_MONTHS; 0-38, 0 disables). It claims the SSM parameter /<name>/first-run-backfill so that the backfill happens once. Default 14: what Cost Explorer keeps."
  type        = number
  default     = 14

  validation {
    condition     = var.first_run_backfill_months >= 0 && var.first_run_backfill_months <= 38 && floor(var.first_run_backfill_months) == var.first_run_backfill_months
    error_message = "first_run_backfill_months must be a whole number between 0 and 38."
  }
}

variable "cost_mode" {
  description = "Cost Explorer collection (SENDER_COST_MODE): account (this account's own cost), organization (this sender, in the management/payer account, collects every linked account's cost) or off (the organization collects it: no Cost Explorer call and no ce: permission)."
  type        = string
  default     = "account"

  validation {
    condition     = contains(["account", "organization", "off"], var.cost_mode)
    error_message = "cost_mode must be account, organization or off."
  }
}

variable "cost_tag_keys" {
  description = "Cost-allocation tag keys (SENDER_COST_TAG_KEYS): Cost Explorer groups each day's cost by each key, one request (USD 0.01) per key and DAILY run; cost of resources without the tag is reported as untagged. Activate them as cost-allocation tags in the payer account first. Empty: no request. At most 10 keys of 1-128 letters, digits, spaces or _.:/=+-@ (no $ or ,)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.cost_tag_keys) <= 10 && length(distinct(var.cost_tag_keys)) == length(var.cost_tag_keys)
    error_message = "cost_tag_keys: at most 10 distinct keys."
  }

  validation {
    condition     = alltrue([for k in var.cost_tag_keys : can(regex("^[\\p{L}\\p{N}_ .:/=+\\-@]{1,128}$", k))])
    error_message = "cost_tag_keys: each key is 1-128 letters, digits, spaces or _.:/=+-@ ($ and , are not allowed)."
  }
}

variable "account_labels" {
  description = "Labels of this account (SENDER_ACCOUNT_LABELS), e.g. { product = \"payments\", team = \"core\", environment = \"prod\" }: reported in the document's account section so that cost and security can be grouped by label when the receiver has no organization roster (the roster's account tags win, label by label). At most 50; keys 1-128 and values 0-256 letters, digits, spaces or _.:/=+-@ (as AWS tags), keys not starting with aws:."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.account_labels) <= 50 && length(jsonencode(var.account_labels)) <= 2048
    error_message = "account_labels: at most 50 labels, and at most 2048 characters as JSON (Lambda's environment holds 4 KB in all)."
  }

  validation {
    condition = alltrue([
      for key, value in var.account_labels :
      can(regex("^[\\p{L}\\p{N} _.:/=+@-]{1,128}$", key)) &&
      can(regex("^[\\p{L}\\p{N} _.:/=+@-]{0,256}$", value)) &&
      !startswith(lower(key), "aws:")
    ])
    error_message = "account_labels: keys 1-128 and values 0-256 letters, digits, spaces or _.:/=+-@; keys must not start with aws:."
  }
}

#------------------------------------------------------------------------------
# Function
#------------------------------------------------------------------------------

variable "sender_package_path" {
  description = "Local path of dist/sender.zip (built by `make package`). Exactly one of sender_package_path and sender_package_s3 must be set."
  type        = string
  default     = null
}

variable "sender_package_s3" {
  description = "S3 location of sender.zip, in the same region as this module. Exactly one of sender_package_path and sender_package_s3 must be set."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
  default = null
}

variable "sender_package_sha256" {
  description = "Base64-encoded SHA-256 of the zip (filebase64sha256 format), used as source_code_hash. When null it is computed from sender_package_path if that file exists; with an S3 package, set it (or the object version) so that code changes are deployed."
  type        = string
  default     = null

  validation {
    condition     = var.sender_package_sha256 == null || can(regex("^[A-Za-z0-9+/]{43}=$", var.sender_package_sha256))
    error_message = "sender_package_sha256 must be a base64-encoded SHA-256 (44 characters ending in '=')."
  }
}

variable "architecture" {
  description = "Instruction set of the function: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "timeout" {
  description = "Function timeout in seconds (60-900). null: the sender's default, 900 (modules/sender/spec). A history backfill continues in a new invocation before the timeout."
  type        = number
  default     = null

  validation {
    condition     = var.timeout == null || try(var.timeout >= 60 && var.timeout <= 900, false)
    error_message = "timeout must be between 60 and 900 seconds."
  }
}

variable "memory_size" {
  description = "Function memory in MB (128-10240; collectors run concurrently, CPU scales with memory). null: the sender's default, 1024 (modules/sender/spec)."
  type        = number
  default     = null

  validation {
    condition     = var.memory_size == null || try(var.memory_size >= 128 && var.memory_size <= 10240, false)
    error_message = "memory_size must be between 128 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of the function. null leaves it unreserved."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1, false)
    error_message = "reserved_concurrency must be >= 1, or null."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed scheduled (asynchronous) invocation before it goes to the DLQ (0-2)."
  type        = number
  default     = 1

  validation {
    condition     = contains([0, 1, 2], var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "Maximum age of a scheduled event before Lambda stops retrying it and sends it to the DLQ (60-21600)."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600
    error_message = "maximum_event_age_in_seconds must be between 60 and 21600."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long failed invocation records stay in the DLQ (60-1209600 seconds)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days (one of CloudWatch Logs' allowed values)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's custom metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "MultiAccountObservability"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and . _ / # : - and must not start with AWS/."
  }
}

#------------------------------------------------------------------------------
# Encryption of the sender's own data (log group, DLQ, environment)
#------------------------------------------------------------------------------

variable "kms_key_arn" {
  description = "Existing KMS key of this account for the log group, the DLQ and the environment variables. null creates one (with rotation). The analytics key cannot serve: it lives in another account and admits senders only through S3."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN, or null."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days, before the created KMS key is deleted after destroy (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

#------------------------------------------------------------------------------
# Alarms
#------------------------------------------------------------------------------

variable "create_alarms" {
  description = "Create CloudWatch alarms on function errors and on DLQ depth."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "SNS topic notified by the alarms (e.g. a central alerting topic). null creates the alarms without actions."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code-signing configuration for the function, or null for none. With one, Lambda deploys only zips signed by a profile it allows (sign the released zip with AWS Signer first). Terraform's source_code_hash only decides when to update the code; Lambda never checks it."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code-signing configuration ARN (arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>), or null."
  }
}
