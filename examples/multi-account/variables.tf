variable "region" {
  description = "Region of every deployment (analytics stack and senders)."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "observability"
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = { project = "multi-account-observability" }
}

variable "analytics_role_arn" {
  description = "Role Terraform assumes in the analytics account."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.analytics_role_arn))
    error_message = "analytics_role_arn must be an IAM role ARN."
  }
}

variable "member_a_role_arn" {
  description = "Role Terraform assumes in member account A."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.member_a_role_arn))
    error_message = "member_a_role_arn must be an IAM role ARN."
  }
}

variable "member_b_role_arn" {
  description = "Role Terraform assumes in member account B."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.member_b_role_arn))
    error_message = "member_b_role_arn must be an IAM role ARN."
  }
}

variable "vpc_id" {
  description = "VPC of the Aurora cluster, in the analytics account."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two or more AZs) of the Aurora cluster, in the analytics account."
  type        = list(string)
}

variable "member_regions" {
  description = "Regions the senders cover."
  type        = list(string)
  default     = ["eu-west-1", "us-east-1"]
}

variable "alarm_email_addresses" {
  description = "E-mail addresses notified by the analytics alarms."
  type        = list(string)
  default     = []
}

variable "analytics_package_path" {
  description = "Path of dist/analytics.zip, relative to this directory."
  type        = string
  default     = "../../dist/analytics.zip"
}

variable "sender_package_path" {
  description = "Path of dist/sender.zip, relative to this directory."
  type        = string
  default     = "../../dist/sender.zip"
}
