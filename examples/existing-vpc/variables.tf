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

variable "vpc_name" {
  description = "Name tag of the existing VPC."
  type        = string
}

variable "private_subnet_tags" {
  description = "Tags selecting the private subnets (two or more AZs) of the VPC."
  type        = map(string)
  default     = { tier = "private" }
}

variable "sender_account_ids" {
  description = "Accounts whose senders may upload."
  type        = list(string)
}

variable "database_client_security_group_ids" {
  description = "Security groups (bastion, BI tool) allowed to connect to PostgreSQL on 5432."
  type        = list(string)
  default     = []
}

variable "database_client_cidr_blocks" {
  description = "CIDR blocks (e.g. a VPN range) allowed to connect to PostgreSQL on 5432."
  type        = list(string)
  default     = []
}

variable "analytics_package_path" {
  description = "Path of dist/analytics.zip, relative to this directory."
  type        = string
  default     = "../../dist/analytics.zip"
}
