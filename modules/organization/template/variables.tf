# Inputs are validated by modules/organization, which passes them on unchanged.

variable "analytics_bucket_name" {
  description = "Data bucket of the analytics account."
  type        = string
}

variable "analytics_kms_key_arn" {
  description = "ARN of the analytics KMS key (encrypt only)."
  type        = string
}

variable "analytics_region" {
  description = "Region of the analytics bucket."
  type        = string
}

variable "home_region" {
  description = "Region every stack instance is deployed in; the regions the sender covers default to it."
  type        = string
}

variable "sender_package_s3" {
  description = "S3 location of the sender zip, readable by every member account, in home_region."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
}

variable "cost_mode" {
  description = "SENDER_COST_MODE of the members: account (each its own cost) or off (the management account collects it)."
  type        = string
  default     = "account"
}

variable "sender" {
  description = "Settings of the member senders (modules/sender's inputs of the same names)."
  type = object({
    name                            = optional(string, "observability-sender")
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
}

variable "tags" {
  description = "Tags of every taggable resource of the template."
  type        = map(string)
  default     = {}
}
