#------------------------------------------------------------------------------
# The StackSet
#------------------------------------------------------------------------------

variable "name" {
  description = "Name of the StackSet, and of the sender in every account (function, role, key alias, queue, rules): lower case letters, digits and single hyphens, 2-48 characters, starting with a letter."
  type        = string
  default     = "observability-sender"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,46}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-48 characters of lower case letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "tags" {
  description = "Tags of the StackSet, propagated to its stacks, and of every taggable resource of the template and of this module."
  type        = map(string)
  default     = {}
}

variable "organizational_unit_ids" {
  description = "Organizational units (ou-...) or the root (r-...) whose accounts, now and joining later, get the sender. Nested OUs are included."
  type        = list(string)

  validation {
    condition     = length(var.organizational_unit_ids) > 0 && alltrue([for id in var.organizational_unit_ids : can(regex("^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$", id))]) && length(distinct(var.organizational_unit_ids)) == length(var.organizational_unit_ids)
    error_message = "organizational_unit_ids must hold distinct OU ids (ou-xxxx-xxxxxxxx) or a root id (r-xxxx), at least one."
  }
}

variable "home_region" {
  description = "The one region every account's sender is deployed in (it covers sender.regions from there). null: the provider's region. sender_package_s3 must be in this region."
  type        = string
  default     = null

  validation {
    condition     = var.home_region == null || can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.home_region))
    error_message = "home_region must be a region name such as eu-west-1, or null."
  }
}

variable "call_as" {
  description = "SELF when applied in the management account, DELEGATED_ADMIN when applied in a CloudFormation StackSets delegated administrator account."
  type        = string
  default     = "SELF"

  validation {
    condition     = contains(["SELF", "DELEGATED_ADMIN"], var.call_as)
    error_message = "call_as must be SELF or DELEGATED_ADMIN."
  }
}

variable "max_concurrent_percentage" {
  description = "Percentage of the target accounts deployed at the same time (1-100)."
  type        = number
  default     = 25

  validation {
    condition     = var.max_concurrent_percentage >= 1 && var.max_concurrent_percentage <= 100 && floor(var.max_concurrent_percentage) == var.max_concurrent_percentage
    error_message = "max_concurrent_percentage must be a whole number between 1 and 100."
  }
}

variable "failure_tolerance_percentage" {
  description = "Percentage of the target accounts that may fail before CloudFormation stops the operation (0-100)."
  type        = number
  default     = 10

  validation {
    condition     = var.failure_tolerance_percentage >= 0 && var.failure_tolerance_percentage <= 100 && floor(var.failure_tolerance_percentage) == var.failure_tolerance_percentage
    error_message = "failure_tolerance_percentage must be a whole number between 0 and 100."
  }
}

#------------------------------------------------------------------------------
# Where to send (the analytics module's sender_settings output) and the code
#------------------------------------------------------------------------------

variable "analytics_bucket_name" {
  description = "Data bucket of the analytics account (sender_settings.bucket_name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.analytics_bucket_name))
    error_message = "analytics_bucket_name must be a valid S3 bucket name."
  }
}

variable "analytics_kms_key_arn" {
  description = "ARN of the analytics KMS key (sender_settings.kms_key_arn). Its account is the analytics account, trusted by the roster role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.analytics_kms_key_arn))
    error_message = "analytics_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "analytics_region" {
  description = "Region of the analytics bucket (sender_settings.region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.analytics_region))
    error_message = "analytics_region must be a region name such as eu-west-1."
  }
}

variable "sender_package_s3" {
  description = "S3 location of the sender zip, readable by every target account (e.g. the analytics module's organization-readable artifacts bucket), in home_region. Set version (or change the key per release) so that new code reaches the stacks."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.sender_package_s3.bucket)) && length(var.sender_package_s3.key) > 0
    error_message = "sender_package_s3 needs a valid bucket name and a key."
  }
}

#------------------------------------------------------------------------------
# The senders
#------------------------------------------------------------------------------

variable "cost_mode" {
  description = "account: every member collects its own Cost Explorer data. organization: the member stacks skip Cost Explorer (SENDER_COST_MODE=off) and the management account's sender (deploy_management_sender) collects it for every linked account in a few requests a day."
  type        = string
  default     = "account"

  validation {
    condition     = contains(["account", "organization"], var.cost_mode)
    error_message = "cost_mode must be account or organization."
  }
}

variable "deploy_management_sender" {
  description = "Also deploy modules/sender in the account this module is applied in (StackSets never deploy to the management account). With cost_mode = organization it runs with cost_mode organization; apply in the management (payer) account then."
  type        = bool
  default     = false
}

variable "sender" {
  description = "Settings of the senders, modules/sender's inputs of the same names (timeout and memory_size null: the sender's defaults). The template bakes them in: they are the same in every account."
  type = object({
    regions                         = optional(list(string), [])
    collectors                      = optional(list(string), [])
    intervals                       = optional(list(string), ["DAILY"])
    schedule_expressions            = optional(map(string), {})
    architecture                    = optional(string, "arm64")
    timeout                         = optional(number)
    memory_size                     = optional(number)
    reserved_concurrency            = optional(number)
    maximum_retry_attempts          = optional(number, 1)
    maximum_event_age_in_seconds    = optional(number, 21600)
    dlq_message_retention_seconds   = optional(number, 1209600)
    log_retention_days              = optional(number, 365)
    log_level                       = optional(string, "INFO")
    metrics_namespace               = optional(string, "MultiAccountObservability")
    kms_key_deletion_window_in_days = optional(number, 30)
    create_alarms                   = optional(bool, true)
    detailed_metrics                = optional(bool, false)
    publish_metrics                 = optional(bool, true)
    first_run_backfill_months       = optional(number, 14)
    cost_tag_keys                   = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = alltrue([for i in var.sender.intervals : contains(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], i)]) && length(distinct(var.sender.intervals)) == length(var.sender.intervals)
    error_message = "sender.intervals must hold distinct values among DAILY, WEEKLY, MONTHLY, YEARLY."
  }

  validation {
    condition     = alltrue([for k, _ in var.sender.schedule_expressions : contains(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], k)])
    error_message = "sender.schedule_expressions keys must be among DAILY, WEEKLY, MONTHLY, YEARLY."
  }

  validation {
    # The rules of modules/sender's schedule_expressions: a bad expression would otherwise fail
    # only in CloudFormation, account by account.
    condition = alltrue([
      for _, e in var.sender.schedule_expressions :
      can(regex("^rate\\((1 (minute|hour|day)|[1-9][0-9]* (minutes|hours|days))\\)$", e)) && !can(regex("^rate\\(1 (minutes|hours|days)\\)$", e)) ||
      (
        can(regex("^cron\\([0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Z*,/-]+ [0-9A-Z*,/?L#-]+ [0-9*,/-]+\\)$", e)) &&
        try(length([for f in [split(" ", e)[2], split(" ", e)[4]] : f if f == "?"]) == 1, false)
      )
    ])
    error_message = "sender.schedule_expressions values must be cron(min hour day-of-month month day-of-week year) with exactly one of day-of-month/day-of-week set to ?, or rate(N unit)."
  }

  validation {
    condition     = alltrue([for r in var.sender.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", r))]) && length(distinct(var.sender.regions)) == length(var.sender.regions)
    error_message = "sender.regions must hold distinct region names such as eu-west-1."
  }

  validation {
    condition     = contains(["arm64", "x86_64"], var.sender.architecture)
    error_message = "sender.architecture must be arm64 or x86_64."
  }

  validation {
    condition = (
      (var.sender.timeout == null || try(var.sender.timeout >= 60 && var.sender.timeout <= 900, false)) &&
      (var.sender.memory_size == null || try(var.sender.memory_size >= 128 && var.sender.memory_size <= 10240, false)) &&
      (var.sender.reserved_concurrency == null || try(var.sender.reserved_concurrency >= 1, false)) &&
      contains([0, 1, 2], var.sender.maximum_retry_attempts) &&
      var.sender.maximum_event_age_in_seconds >= 60 && var.sender.maximum_event_age_in_seconds <= 21600 &&
      var.sender.dlq_message_retention_seconds >= 60 && var.sender.dlq_message_retention_seconds <= 1209600 &&
      var.sender.kms_key_deletion_window_in_days >= 7 && var.sender.kms_key_deletion_window_in_days <= 30
    )
    error_message = "sender: timeout 60-900, memory_size 128-10240, reserved_concurrency >= 1, maximum_retry_attempts 0-2, maximum_event_age_in_seconds 60-21600, dlq_message_retention_seconds 60-1209600, kms_key_deletion_window_in_days 7-30."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.sender.log_retention_days)
    error_message = "sender.log_retention_days must be one of CloudWatch Logs' allowed values (1, 3, 5, 7, 14, 30, ..., 3653)."
  }

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.sender.log_level) && can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.sender.metrics_namespace)) && !startswith(var.sender.metrics_namespace, "AWS/")
    error_message = "sender.log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL; sender.metrics_namespace 1-255 characters of letters, digits and . _ / # : -, not starting with AWS/."
  }

  validation {
    condition     = var.sender.publish_metrics || !var.sender.detailed_metrics
    error_message = "sender.detailed_metrics = true with sender.publish_metrics = false is contradictory: per-collector metrics cannot be published while custom metrics are disabled. Set one of them differently."
  }

  validation {
    condition     = var.sender.first_run_backfill_months >= 0 && var.sender.first_run_backfill_months <= 38 && floor(var.sender.first_run_backfill_months) == var.sender.first_run_backfill_months
    error_message = "sender.first_run_backfill_months must be a whole number between 0 and 38."
  }
}

#------------------------------------------------------------------------------
# Roster role: read-only Organizations access for the analytics account
#------------------------------------------------------------------------------

variable "create_roster_role" {
  description = "Create the read-only role the analytics account's roster function assumes to list the organization's accounts, OUs and tags. Requires the management account (Organizations answers these calls only there or in an Organizations delegated administrator)."
  type        = bool
  default     = true
}

variable "roster_role_name" {
  description = "Name of the roster role."
  type        = string
  default     = "observability-roster"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.roster_role_name))
    error_message = "roster_role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "analytics_roster_principal_arn" {
  description = "ARN of the analytics account's roster function role (the analytics module's output). When given, only that role may assume the roster role (aws:PrincipalArn condition on the analytics account root, so either side may be applied first); null: any principal of the analytics account that its own IAM allows."
  type        = string
  default     = null

  validation {
    condition     = var.analytics_roster_principal_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.analytics_roster_principal_arn))
    error_message = "analytics_roster_principal_arn must be an IAM role ARN, or null."
  }
}

variable "roster_external_id" {
  description = "External id the roster role requires (sts:ExternalId), the analytics module's organization_roster_external_id. null: none."
  type        = string
  default     = null

  validation {
    condition     = var.roster_external_id == null || try(length(var.roster_external_id) >= 2 && length(var.roster_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.roster_external_id)), false)
    error_message = "roster_external_id must be 2-1224 characters of letters, digits and + = , . @ : / _ -."
  }
}

#------------------------------------------------------------------------------
# Management account sender (deploy_management_sender)
#------------------------------------------------------------------------------

variable "management_sender_alarm_topic_arn" {
  description = "SNS topic notified by the management sender's alarms. null: alarms without actions."
  type        = string
  default     = null
}
