variable "region" {
  description = "Region of the deployment."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "obs-complete"
}

variable "environment" {
  description = "Environment tag value."
  type        = string
  default     = "test"
}

variable "regions" {
  description = "Regions the sender covers."
  type        = list(string)
  default     = ["eu-west-1", "us-east-1"]
}

variable "alarm_email_addresses" {
  description = "E-mail addresses notified by the alarms."
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

variable "deletion_protection" {
  description = "Protect the Aurora cluster against deletion (set false and apply before destroying)."
  type        = bool
  default     = true
}

variable "allow_destroy" {
  description = "Test environments only: no final snapshot, buckets destroyed with their objects."
  type        = bool
  default     = false
}

variable "enable_dashboards" {
  description = "Create the QuickSight dashboards (modules/dashboards). Needs QuickSight Enterprise and QuickSight's access to Secrets Manager first."
  type        = bool
  default     = false
}

variable "dashboard_principals" {
  description = "QuickSight users or groups of the dashboards and their access (reader, author or owner; at least one owner)."
  type = list(object({
    arn    = string
    access = optional(string, "reader")
  }))
  default = []
}
