variable "region" {
  description = "Region of the analytics stack."
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

variable "organization_id" {
  description = "Id of the AWS Organization whose accounts may send (aws organizations describe-organization)."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must match ^o-[a-z0-9]{10,32}$."
  }
}

variable "vpc_id" {
  description = "VPC of the Aurora cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two or more AZs) of the Aurora cluster."
  type        = list(string)
}

variable "alarm_email_addresses" {
  description = "E-mail addresses notified by the alarms."
  type        = list(string)
  default     = []
}

variable "analytics_package_path" {
  description = "Path of dist/analytics.zip, relative to this directory."
  type        = string
  default     = "../../../dist/analytics.zip"
}
