# modules/sender with the inputs of a StackSet template: tests/terraform/test_stackset.py plans this on the
# moto server (the provider reads the account and region there) and compares the plan with the
# stack the template created, so that the StackSet's sender and modules/sender cannot drift.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "Region of the sender (the template's home region)."
  type        = string
}

variable "name" {
  description = "Name of the sender."
  type        = string
}

variable "analytics_bucket_name" {
  description = "Data bucket of the analytics account."
  type        = string
}

variable "analytics_kms_key_arn" {
  description = "Analytics KMS key."
  type        = string
}

variable "analytics_region" {
  description = "Region of the analytics bucket."
  type        = string
}

variable "sender_package_s3" {
  description = "S3 location of the sender zip."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
}

variable "kms_key_arn" {
  description = "The key the stack created, so that the planned policies are known and comparable."
  type        = string
}

variable "cost_mode" {
  description = "SENDER_COST_MODE."
  type        = string
}

variable "sender" {
  description = "The template's sender settings (modules/organization's sender input)."
  type = object({
    regions                   = list(string)
    collectors                = list(string)
    intervals                 = list(string)
    first_run_backfill_months = number
    detailed_metrics          = bool
    publish_metrics           = optional(bool, true)
  })
}

variable "tags" {
  description = "Tags."
  type        = map(string)
}

module "sender" {
  source = "../../../modules/sender"

  name                      = var.name
  tags                      = var.tags
  analytics_bucket_name     = var.analytics_bucket_name
  analytics_kms_key_arn     = var.analytics_kms_key_arn
  analytics_region          = var.analytics_region
  sender_package_s3         = var.sender_package_s3
  kms_key_arn               = var.kms_key_arn
  cost_mode                 = var.cost_mode
  regions                   = var.sender.regions
  collectors                = var.sender.collectors
  intervals                 = var.sender.intervals
  first_run_backfill_months = var.sender.first_run_backfill_months
  detailed_metrics          = var.sender.detailed_metrics
  publish_metrics           = var.sender.publish_metrics
}
