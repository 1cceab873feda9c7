variable "region" {
  description = "Home region of every sender: the analytics region, where the artifacts bucket is (Lambda reads code only from its own region)."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the StackSet and of the sender in every account."
  type        = string
  default     = "observability-sender"
}

variable "tags" {
  description = "Tags applied to every taggable resource (and propagated to the stacks)."
  type        = map(string)
  default     = { project = "multi-account-observability" }
}

variable "organizational_unit_ids" {
  description = "OUs (ou-...) or the root (r-...) whose accounts get the sender."
  type        = list(string)
}

variable "regions" {
  description = "Regions every sender covers from the home region."
  type        = list(string)
  default     = ["eu-west-1", "us-east-1"]
}

# From ../analytics: terraform output -json management_inputs > analytics.auto.tfvars.json

variable "analytics_bucket_name" {
  description = "management_inputs.analytics_bucket_name of ../analytics."
  type        = string
}

variable "analytics_kms_key_arn" {
  description = "management_inputs.analytics_kms_key_arn of ../analytics."
  type        = string
}

variable "analytics_region" {
  description = "management_inputs.analytics_region of ../analytics."
  type        = string
}

variable "sender_package_s3" {
  description = "management_inputs.sender_package_s3 of ../analytics: the released sender zip in the organization-readable artifacts bucket."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
}

variable "sender_architecture" {
  description = "management_inputs.sender_architecture of ../analytics: the architecture of that zip."
  type        = string
  default     = "arm64"
}

variable "analytics_roster_principal_arn" {
  description = "management_inputs.analytics_roster_principal_arn of ../analytics: the roster function's role, the only principal the roster role trusts."
  type        = string
  default     = null
}
