#------------------------------------------------------------------------------
# Where the sender runs. modules/sender passes the real values; the StackSet
# template passes CloudFormation pseudo parameters ("${AWS::AccountId}", ...),
# which it resolves with Fn::Sub.
#------------------------------------------------------------------------------

variable "account_id" {
  description = "Account the sender runs in (12 digits), or \"$${AWS::AccountId}\" in a CloudFormation template."
  type        = string
}

variable "partition" {
  description = "Partition of that account (aws, aws-cn, aws-us-gov), or \"$${AWS::Partition}\"."
  type        = string
}

variable "region" {
  description = "Region the sender is deployed in, or \"$${AWS::Region}\"."
  type        = string
}

variable "dns_suffix" {
  description = "DNS suffix of the partition (amazonaws.com), or \"$${AWS::URLSuffix}\"."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the sender's own KMS key (log group, DLQ, environment), or \"$${SenderKey.Arn}\"."
  type        = string
}

#------------------------------------------------------------------------------
# The sender's settings (modules/sender's inputs of the same names, already validated there)
#------------------------------------------------------------------------------

variable "name" {
  description = "Name of the sender function and prefix of its other resources."
  type        = string
}

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

variable "regions" {
  description = "Regions the regional collectors cover. Empty: var.region."
  type        = list(string)
  default     = []
}

variable "collectors" {
  description = "Collectors to run. Empty: all of them."
  type        = list(string)
  default     = []
}

variable "intervals" {
  description = "Intervals to schedule: DAILY, WEEKLY, MONTHLY and/or YEARLY."
  type        = list(string)
  default     = ["DAILY"]
}

variable "schedule_expressions" {
  description = "Schedule expression per interval, overriding the defaults."
  type        = map(string)
  default     = {}
}

variable "log_level" {
  description = "LOG_LEVEL of the function."
  type        = string
  default     = "INFO"
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the custom metrics."
  type        = string
  default     = "MultiAccountObservability"
}

variable "detailed_metrics" {
  description = "Publish per-collector metrics (SENDER_COLLECTOR_METRICS)."
  type        = bool
  default     = false
}

variable "publish_metrics" {
  description = "Publish custom CloudWatch metrics (false: POWERTOOLS_METRICS_DISABLED=true)."
  type        = bool
  default     = true
}

variable "first_run_backfill_months" {
  description = "Months of history the sender backfills once on its first run (0: none)."
  type        = number
  default     = 14
}

variable "cost_mode" {
  description = "account, organization or off (SENDER_COST_MODE)."
  type        = string
  default     = "account"
}

variable "cost_tag_keys" {
  description = "Cost-allocation tag keys (SENDER_COST_TAG_KEYS, comma-separated); validated by modules/sender."
  type        = list(string)
  default     = []
}

variable "account_labels" {
  description = "Labels of the account, label -> value (SENDER_ACCOUNT_LABELS, as JSON); validated by modules/sender."
  type        = map(string)
  default     = {}
}
