variable "region" {
  description = "Region the sender is deployed in (its own home; it covers var.regions)."
  type        = string
  default     = "eu-west-1"
}

variable "member_role_arn" {
  description = "Role Terraform assumes in the member account (e.g. OrganizationAccountAccessRole)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.member_role_arn))
    error_message = "member_role_arn must be an IAM role ARN."
  }
}

variable "name" {
  description = "Name of the sender function."
  type        = string
  default     = "observability-sender"
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = { project = "multi-account-observability" }
}

variable "analytics_bucket_name" {
  description = "sender_settings.bucket_name of ../analytics."
  type        = string
}

variable "analytics_kms_key_arn" {
  description = "sender_settings.kms_key_arn of ../analytics."
  type        = string
}

variable "analytics_region" {
  description = "sender_settings.region of ../analytics."
  type        = string
}

variable "regions" {
  description = "Regions the sender covers."
  type        = list(string)
  default     = ["eu-west-1", "us-east-1"]
}

variable "sender_package_path" {
  description = "Path of dist/sender.zip, relative to this directory."
  type        = string
  default     = "../../../dist/sender.zip"
}
