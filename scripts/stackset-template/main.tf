# Renders the member sender's StackSet template with example inputs, offline and with no provider:
# `make stackset-template` applies this configuration (state in build/) and writes its output to
# dist/sender-stackset.json. Other inputs: -var-file (tests/terraform/test_stackset.py uses one).

terraform {
  required_version = ">= 1.5"
}

variable "analytics_bucket_name" {
  description = "Data bucket of the analytics account."
  type        = string
  default     = "observability-222222222222-eu-west-1"
}

variable "analytics_kms_key_arn" {
  description = "ARN of the analytics KMS key."
  type        = string
  default     = "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555"
}

variable "analytics_region" {
  description = "Region of the analytics bucket."
  type        = string
  default     = "eu-west-1"
}

variable "home_region" {
  description = "Region of the stack instances."
  type        = string
  default     = "eu-west-1"
}

variable "sender_package_s3" {
  description = "S3 location of the sender zip."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
  default = { bucket = "observability-artifacts-222222222222-eu-west-1", key = "sender/sender-arm64.zip" }
}

variable "cost_mode" {
  description = "SENDER_COST_MODE of the members: account or off."
  type        = string
  default     = "off"
}

variable "sender" {
  description = "Settings of the member senders (modules/organization's sender input)."
  type        = any
  default = {
    regions   = ["eu-west-1", "us-east-1"]
    intervals = ["DAILY", "MONTHLY"]
  }
}

variable "tags" {
  description = "Tags of every taggable resource of the template."
  type        = map(string)
  default     = { project = "multi-account-observability" }
}

module "template" {
  source = "../../modules/organization/template"

  analytics_bucket_name = var.analytics_bucket_name
  analytics_kms_key_arn = var.analytics_kms_key_arn
  analytics_region      = var.analytics_region
  home_region           = var.home_region
  sender_package_s3     = var.sender_package_s3
  cost_mode             = var.cost_mode
  sender                = var.sender
  tags                  = var.tags
}

output "template_json" {
  description = "The rendered template."
  value       = module.template.template_json
}
