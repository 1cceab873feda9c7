variable "region" {
  description = "Region of the analytics stack, and home region of every sender (the artifacts bucket serves senders in this region)."
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

variable "management_account_id" {
  description = "Management account of the organization, where ../management creates the roster role."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.management_account_id))
    error_message = "management_account_id must be 12 digits."
  }
}

variable "roster_role_name" {
  description = "Name of the roster role ../management creates (its roster_role_name)."
  type        = string
  default     = "observability-roster"
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

variable "release_dir" {
  description = "Folder holding the released zips (dist/release of `make release`, or the files downloaded from a release and checked against its SHA256SUMS), relative to this directory."
  type        = string
  default     = "../../../dist/release"
}

variable "release_version" {
  description = "Version of the released zips (their file names: sender-<version>-<architecture>.zip)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$", var.release_version))
    error_message = "release_version must be a semantic version such as 0.2.0."
  }
}

variable "analytics_architecture" {
  description = "Architecture of the analytics functions' zip: arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "sender_architecture" {
  description = "Architecture of the senders' zip uploaded for the organization: arm64 or x86_64 (../management's sender architecture must match)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.sender_architecture)
    error_message = "sender_architecture must be arm64 or x86_64."
  }
}
