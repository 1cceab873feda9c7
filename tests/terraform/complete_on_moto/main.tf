# examples/complete as a test deploys it on a moto server (tests/test_terraform_apply.py).
# The environment points the AWS provider at moto (AWS_ENDPOINT_URL, test keys); nothing here is
# specific to moto except what a test deployment needs anyway: destroyable resources and zips
# built by the test.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "obs-moto"
}

variable "analytics_package_path" {
  description = "Absolute path of the analytics zip built by the test."
  type        = string
}

variable "sender_package_path" {
  description = "Absolute path of the sender zip built by the test."
  type        = string
}

module "complete" {
  source = "../../../examples/complete"

  name                   = var.name
  analytics_package_path = var.analytics_package_path
  sender_package_path    = var.sender_package_path
  deletion_protection    = false
  allow_destroy          = true
}

output "sender_settings" {
  description = "What a sender needs (bucket, KMS key, region)."
  value       = module.complete.sender_settings
}

output "cluster_arn" {
  description = "Aurora cluster ARN."
  value       = module.complete.cluster_arn
}

output "secret_arn" {
  description = "Master credentials secret ARN."
  value       = module.complete.secret_arn
}

output "sender_function_name" {
  description = "Sender function."
  value       = module.complete.sender_function_name
}
