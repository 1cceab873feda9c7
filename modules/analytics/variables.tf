#------------------------------------------------------------------------------
# Naming and tagging
#------------------------------------------------------------------------------

variable "name" {
  description = "Name prefix for every resource (lower case letters, digits and single hyphens, 2-24 characters, starting with a letter). Also the Aurora cluster identifier."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-24 characters of lower case letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}

#------------------------------------------------------------------------------
# Who may send
#------------------------------------------------------------------------------

variable "sender_organization_ids" {
  description = "AWS Organization ids (o-...) whose accounts may upload (aws:PrincipalOrgID). Each account may write only under data/<its own account id>/."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.sender_organization_ids : can(regex("^o-[a-z0-9]{10,32}$", id))])
    error_message = "Every organization id must match ^o-[a-z0-9]{10,32}$."
  }
}

variable "sender_account_ids" {
  description = "12-digit AWS account ids that may upload, in addition to the organizations. Each account may write only under data/<its own account id>/."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.sender_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "Every account id must be exactly 12 digits."
  }
}

#------------------------------------------------------------------------------
# KMS
#------------------------------------------------------------------------------

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days, before the analytics KMS key is deleted after destroy (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

#------------------------------------------------------------------------------
# Bucket
#------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the data bucket. Defaults to <name>-<account id>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lower case letters, digits, dots and hyphens)."
  }
}

variable "bucket_force_destroy" {
  description = "Allow terraform destroy to delete the bucket while it still holds objects. Keep false outside of test environments."
  type        = bool
  default     = false
}

variable "loaded_expiration_days" {
  description = "Days after which objects under loaded/ (files already loaded into Aurora) expire. null keeps them forever."
  type        = number
  default     = 365

  validation {
    condition     = var.loaded_expiration_days == null || try(var.loaded_expiration_days >= 1 && floor(var.loaded_expiration_days) == var.loaded_expiration_days, false)
    error_message = "loaded_expiration_days must be a whole number of days >= 1, or null."
  }
}

variable "failed_expiration_days" {
  description = "Days after which objects under failed/ (files the receiver rejected) expire. null keeps them forever."
  type        = number
  default     = 180

  validation {
    condition     = var.failed_expiration_days == null || try(var.failed_expiration_days >= 1 && floor(var.failed_expiration_days) == var.failed_expiration_days, false)
    error_message = "failed_expiration_days must be a whole number of days >= 1, or null."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions (left behind when the receiver moves a file) are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number >= 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number >= 1."
  }
}

variable "access_log_bucket_name" {
  description = "Existing bucket that receives S3 server access logs of the data bucket (and of the artifacts bucket, under <artifacts bucket name>/). null disables access logging."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket_name))
    error_message = "access_log_bucket_name must be a valid S3 bucket name."
  }
}

variable "access_log_prefix" {
  description = "Key prefix for the access logs in access_log_bucket_name. Defaults to <bucket name>/."
  type        = string
  default     = null
}

#------------------------------------------------------------------------------
# Queue
#------------------------------------------------------------------------------

variable "queue_message_retention_seconds" {
  description = "How long an S3 notification waits in the queue before it is dropped (60-1209600 seconds)."
  type        = number
  default     = 345600

  validation {
    condition     = var.queue_message_retention_seconds >= 60 && var.queue_message_retention_seconds <= 1209600
    error_message = "queue_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long a message stays in the dead-letter queue (60-1209600 seconds). Must be longer than the main queue's retention: SQS keeps the original enqueue time."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "max_receive_count" {
  description = "Deliveries of a message before SQS moves it to the dead-letter queue (redrive maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

#------------------------------------------------------------------------------
# Lambda functions
#------------------------------------------------------------------------------

variable "analytics_package_path" {
  description = "Local path of dist/analytics.zip (built by `make package`). Exactly one of analytics_package_path and analytics_package_s3 must be set."
  type        = string
  default     = null
}

variable "analytics_package_s3" {
  description = "S3 location of analytics.zip, in the same region as this module. Exactly one of analytics_package_path and analytics_package_s3 must be set."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
  default = null
}

variable "analytics_package_sha256" {
  description = "Base64-encoded SHA-256 of the zip (filebase64sha256 format), used as source_code_hash. When null it is computed from analytics_package_path if that file exists; with an S3 package, set it (or the object version) so that code changes are deployed."
  type        = string
  default     = null

  validation {
    condition     = var.analytics_package_sha256 == null || can(regex("^[A-Za-z0-9+/]{43}=$", var.analytics_package_sha256))
    error_message = "analytics_package_sha256 must be a base64-encoded SHA-256 (44 characters ending in '=')."
  }
}

variable "architecture" {
  description = "Instruction set of the Lambda functions: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "receiver_timeout" {
  description = "Receiver Lambda timeout in seconds (the queue's visibility timeout is six times this plus the batching window)."
  type        = number
  default     = 300

  validation {
    condition     = var.receiver_timeout >= 30 && var.receiver_timeout <= 900
    error_message = "receiver_timeout must be between 30 and 900 seconds."
  }
}

variable "receiver_memory_size" {
  description = "Receiver Lambda memory in MB. A file needs about 4x its decompressed size (the receiver's MAX_DOCUMENT_BYTES, 256 MiB by default), and more memory also means more CPU for validation."
  type        = number
  default     = 2048

  validation {
    condition     = var.receiver_memory_size >= 128 && var.receiver_memory_size <= 10240
    error_message = "receiver_memory_size must be between 128 and 10240."
  }
}

variable "receiver_reserved_concurrency" {
  description = "Reserved concurrent executions for the receiver. null leaves it unreserved (the event source mapping's maximum concurrency already caps the load on Aurora). When set it must be >= receiver_maximum_concurrency."
  type        = number
  default     = null

  validation {
    condition     = var.receiver_reserved_concurrency == null || try(var.receiver_reserved_concurrency >= 1, false)
    error_message = "receiver_reserved_concurrency must be >= 1, or null."
  }
}

variable "receiver_batch_size" {
  description = "Maximum number of S3 notifications passed to one receiver invocation (1-10000; above 10 requires receiver_batching_window_seconds >= 1)."
  type        = number
  default     = 10

  validation {
    condition     = var.receiver_batch_size >= 1 && var.receiver_batch_size <= 10000
    error_message = "receiver_batch_size must be between 1 and 10000."
  }
}

variable "receiver_batching_window_seconds" {
  description = "How long the event source mapping gathers messages before invoking the receiver (0-300 seconds)."
  type        = number
  default     = 0

  validation {
    condition     = var.receiver_batching_window_seconds >= 0 && var.receiver_batching_window_seconds <= 300
    error_message = "receiver_batching_window_seconds must be between 0 and 300."
  }
}

variable "receiver_maximum_concurrency" {
  description = "Maximum concurrent receiver invocations driven by the queue (event source mapping scaling_config, 2-1000). Protects Aurora from a burst of uploads."
  type        = number
  default     = 5

  validation {
    condition     = var.receiver_maximum_concurrency >= 2 && var.receiver_maximum_concurrency <= 1000
    error_message = "receiver_maximum_concurrency must be between 2 and 1000."
  }
}

variable "migration_timeout" {
  description = "Migration Lambda timeout in seconds."
  type        = number
  default     = 900

  validation {
    condition     = var.migration_timeout >= 60 && var.migration_timeout <= 900
    error_message = "migration_timeout must be between 60 and 900 seconds."
  }
}

variable "migration_memory_size" {
  description = "Migration Lambda memory in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.migration_memory_size >= 128 && var.migration_memory_size <= 10240
    error_message = "migration_memory_size must be between 128 and 10240."
  }
}

variable "run_migrations_on_apply" {
  description = "Invoke the migration Lambda during terraform apply whenever sql_checksum changes. A failed migration fails the apply."
  type        = bool
  default     = true
}

variable "sql_checksum" {
  description = "Checksum of the SQL migrations packaged in the zip; a change triggers the migration Lambda. null: a hash of sql_directory's *.sql; when that holds none (modules/ copied without sql/), the analytics package's hash (analytics_package_sha256, else the local zip's) or the S3 object's version."
  type        = string
  default     = null

  validation {
    condition     = var.sql_checksum == null || try(length(var.sql_checksum) > 0, false)
    error_message = "sql_checksum must be a non-empty string, or null."
  }
}

variable "sql_directory" {
  description = "Directory whose *.sql files are hashed into the default sql_checksum. null: sql/ beside modules/ (../../sql from this module, the repository's layout). A directory without *.sql files (or none at all) lets the analytics package decide when the migrations run."
  type        = string
  default     = null

  validation {
    condition     = var.sql_directory == null || try(length(var.sql_directory) > 0, false)
    error_message = "sql_directory must be a non-empty path, or null."
  }
}

variable "log_retention_days" {
  description = "Retention of the Lambda and Aurora log groups, in days (one of CloudWatch Logs' allowed values)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the Lambda functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the functions' custom metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "MultiAccountObservability"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and . _ / # : - and must not start with AWS/."
  }
}

#------------------------------------------------------------------------------
# Aurora
#------------------------------------------------------------------------------

variable "database_name" {
  description = "Name of the PostgreSQL database created in the cluster (DB_NAME of the functions)."
  type        = string
  default     = "core"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a lower case letter and contain only lower case letters, digits and underscores (max 63)."
  }
}

variable "master_username" {
  description = "Master user of the cluster. Its password is generated and kept in Secrets Manager by RDS (manage_master_user_password), encrypted with the analytics key."
  type        = string
  default     = "dbadmin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin", "root"], var.master_username)
    error_message = "master_username must start with a lower case letter, contain only lower case letters, digits and underscores, and not be a reserved name."
  }
}

variable "aurora" {
  description = <<-EOT
    Aurora PostgreSQL Serverless v2 settings.
    engine_version: a version with Data API and scale-to-zero support (15.7+, 16.3+, 17.4+).
    min_capacity / max_capacity: ACUs (0-256 in steps of 0.5, min <= max, max >= 1). min 0 lets the cluster pause after seconds_until_auto_pause (300-86400) seconds without connections.
    instance_count: writer plus readers (1-15).
  EOT
  type = object({
    engine_version                        = optional(string, "16.6")
    min_capacity                          = optional(number, 0)
    max_capacity                          = optional(number, 4)
    seconds_until_auto_pause              = optional(number, 900)
    instance_count                        = optional(number, 1)
    backup_retention_period               = optional(number, 7)
    preferred_backup_window               = optional(string)
    preferred_maintenance_window          = optional(string)
    performance_insights_enabled          = optional(bool, true)
    performance_insights_retention_period = optional(number, 7)
    log_min_duration_statement_ms         = optional(number, 5000)
    apply_immediately                     = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition = (
      can(regex("^(1[5-9]|[2-9][0-9])\\.[0-9]+$", var.aurora.engine_version)) &&
      try(
        (tonumber(split(".", var.aurora.engine_version)[0]) == 15 && tonumber(split(".", var.aurora.engine_version)[1]) >= 7) ||
        (tonumber(split(".", var.aurora.engine_version)[0]) == 16 && tonumber(split(".", var.aurora.engine_version)[1]) >= 3) ||
        (tonumber(split(".", var.aurora.engine_version)[0]) == 17 && tonumber(split(".", var.aurora.engine_version)[1]) >= 4) ||
        tonumber(split(".", var.aurora.engine_version)[0]) >= 18,
        false
      )
    )
    error_message = "aurora.engine_version must be an Aurora PostgreSQL version with Data API and scale-to-zero support for Serverless v2: 15.7 or later 15.x, 16.3 or later 16.x, 17.4 or later (for example 16.6)."
  }

  validation {
    condition = (
      var.aurora.min_capacity >= 0 && var.aurora.min_capacity <= 256 &&
      var.aurora.max_capacity >= 1 && var.aurora.max_capacity <= 256 &&
      floor(var.aurora.min_capacity * 2) == var.aurora.min_capacity * 2 &&
      floor(var.aurora.max_capacity * 2) == var.aurora.max_capacity * 2
    )
    error_message = "aurora.min_capacity must be 0-256 and aurora.max_capacity 1-256 ACUs, in steps of 0.5."
  }

  validation {
    condition     = var.aurora.min_capacity <= var.aurora.max_capacity
    error_message = "aurora.min_capacity must not exceed aurora.max_capacity."
  }

  validation {
    condition     = var.aurora.seconds_until_auto_pause >= 300 && var.aurora.seconds_until_auto_pause <= 86400
    error_message = "aurora.seconds_until_auto_pause must be between 300 and 86400."
  }

  validation {
    condition     = var.aurora.instance_count >= 1 && var.aurora.instance_count <= 15 && floor(var.aurora.instance_count) == var.aurora.instance_count
    error_message = "aurora.instance_count must be a whole number between 1 and 15."
  }

  validation {
    condition     = var.aurora.backup_retention_period >= 1 && var.aurora.backup_retention_period <= 35
    error_message = "aurora.backup_retention_period must be between 1 and 35 days."
  }

  validation {
    condition     = contains([7, 31, 62, 93, 124, 155, 186, 217, 248, 279, 310, 341, 372, 403, 434, 465, 496, 527, 558, 589, 620, 651, 682, 713, 731], var.aurora.performance_insights_retention_period)
    error_message = "aurora.performance_insights_retention_period must be 7, 731 or a multiple of 31 up to 713."
  }

  validation {
    condition     = var.aurora.preferred_backup_window == null || can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.aurora.preferred_backup_window))
    error_message = "aurora.preferred_backup_window must look like hh24:mi-hh24:mi (UTC)."
  }

  validation {
    condition     = var.aurora.preferred_maintenance_window == null || can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.aurora.preferred_maintenance_window))
    error_message = "aurora.preferred_maintenance_window must look like ddd:hh24:mi-ddd:hh24:mi (UTC)."
  }

  validation {
    condition     = var.aurora.log_min_duration_statement_ms >= -1
    error_message = "aurora.log_min_duration_statement_ms must be -1 (off) or a number of milliseconds."
  }
}

variable "deletion_protection" {
  description = "Protect the Aurora cluster against deletion. Set false (and apply) before destroying."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Destroy the Aurora cluster without a final snapshot. Keep false outside of test environments."
  type        = bool
  default     = false
}

variable "vpc_id" {
  description = "VPC of the Aurora cluster. The Lambda functions reach it through the Data API and need no VPC access."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "At least two subnets, in different Availability Zones, for the DB subnet group. Private subnets are enough: nothing connects to the cluster directly unless allowed below."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold at least two ids like subnet-0123456789abcdef0."
  }
}

variable "database_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach PostgreSQL (5432) directly, e.g. a bastion or BI tool subnet. Empty: no ingress at all (the Data API needs none)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.database_ingress_cidr_blocks : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c)) && c != "0.0.0.0/0"])
    error_message = "database_ingress_cidr_blocks must hold IPv4 CIDR blocks, and not 0.0.0.0/0."
  }
}

variable "database_ingress_security_group_ids" {
  description = "Security groups allowed to reach PostgreSQL (5432) directly. Empty: no ingress at all (the Data API needs none)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.database_ingress_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "database_ingress_security_group_ids must hold ids like sg-0123456789abcdef0."
  }
}

#------------------------------------------------------------------------------
# Alarms
#------------------------------------------------------------------------------

variable "create_alarms" {
  description = "Create the CloudWatch alarms (DLQ depth, message age, receiver and migration errors, no uploads)."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "Existing SNS topic that receives the alarms. null creates a KMS-encrypted topic."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the created alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_email_addresses must hold e-mail addresses."
  }
}

variable "oldest_message_age_alarm_seconds" {
  description = "Alarm when the oldest message in the queue is older than this many seconds (the receiver is stuck or too slow)."
  type        = number
  default     = 3600

  validation {
    condition     = var.oldest_message_age_alarm_seconds >= 60
    error_message = "oldest_message_age_alarm_seconds must be at least 60."
  }
}

variable "create_no_uploads_alarm" {
  description = "Alarm when no object has been uploaded for a whole day (no S3 notification reached the queue in 24 hours)."
  type        = bool
  default     = true
}

#------------------------------------------------------------------------------
# Artifacts bucket (released zips for the senders)
#------------------------------------------------------------------------------

variable "create_artifacts_bucket" {
  description = "Create a bucket holding the released Lambda zips, readable by sender_organization_ids and sender_account_ids (GetObject through TLS, decryption through S3 only), and upload `artifacts` to it. Lambda takes code only from a bucket in its own region: the bucket serves senders whose home region is this module's region."
  type        = bool
  default     = false
}

variable "artifacts_bucket_name" {
  description = "Name of the artifacts bucket. Defaults to <name>-artifacts-<account id>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.artifacts_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts_bucket_name))
    error_message = "artifacts_bucket_name must be a valid S3 bucket name (3-63 lower case letters, digits, dots and hyphens)."
  }
}

variable "artifacts_version" {
  description = "Release version of the zips in `artifacts` (e.g. 0.2.0, as in their file names); they are stored under releases/<version>/<file name>. Required when artifacts are given."
  type        = string
  default     = null

  validation {
    condition     = var.artifacts_version == null || can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$", var.artifacts_version))
    error_message = "artifacts_version must be a semantic version such as 0.2.0."
  }
}

variable "artifacts" {
  description = "Local paths of released zips (dist/release/ of `make release`, or the files downloaded from a release) to upload to the artifacts bucket, by package (sender, analytics) and architecture (arm64, x86_64), e.g. { sender = { arm64 = \"sender-0.2.0-arm64.zip\" } }. Ignored unless create_artifacts_bucket is true."
  type        = map(map(string))
  default     = {}

  validation {
    condition     = alltrue([for package in keys(var.artifacts) : contains(["sender", "analytics"], package)])
    error_message = "artifacts keys must be sender or analytics."
  }

  validation {
    condition     = alltrue(flatten([for paths in values(var.artifacts) : [for architecture in keys(paths) : contains(["arm64", "x86_64"], architecture)]]))
    error_message = "Each package's keys must be arm64 or x86_64."
  }

  validation {
    condition     = alltrue(flatten([for paths in values(var.artifacts) : [for path in values(paths) : endswith(path, ".zip")]]))
    error_message = "Every artifact must be a .zip file."
  }
}

#------------------------------------------------------------------------------
# Organization roster (expected versus reporting accounts)
#------------------------------------------------------------------------------

variable "organization_roster_role_arn" {
  description = "Read-only role in the management account (created by modules/organization, which trusts output roster_function_role_arn) that the roster function assumes to list the organization's accounts, OUs and tags. null creates no roster function. The role may be created after this module: until then the daily run fails and the roster-errors alarm fires."
  type        = string
  default     = null

  validation {
    condition     = var.organization_roster_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.organization_roster_role_arn))
    error_message = "organization_roster_role_arn must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>), or null."
  }
}

variable "organization_roster_external_id" {
  description = "External id the roster role requires (sts:ExternalId), if any."
  type        = string
  default     = null

  validation {
    condition     = var.organization_roster_external_id == null || try(length(var.organization_roster_external_id) >= 2 && length(var.organization_roster_external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.organization_roster_external_id)), false)
    error_message = "organization_roster_external_id must be 2-1224 characters of letters, digits and + = , . @ : / _ -."
  }
}

variable "roster_schedule_expression" {
  description = "When the roster function refreshes the roster (EventBridge schedule expression, UTC). The default runs daily at 01:30, before the senders' 02:00 runs arrive."
  type        = string
  default     = "cron(30 1 * * ? *)"

  validation {
    condition     = can(regex("^(cron\\([^)]+\\)|rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\))$", var.roster_schedule_expression))
    error_message = "roster_schedule_expression must be an EventBridge cron(...) or rate(...) expression."
  }
}

variable "silent_after_hours" {
  description = "An expected account is silent when its last report is older than this many hours (SilentAccounts metric and alarm, v_expected_accounts). The default, 36, tolerates one late daily run."
  type        = number
  default     = 36

  validation {
    condition     = var.silent_after_hours >= 1 && var.silent_after_hours <= 2160 && floor(var.silent_after_hours) == var.silent_after_hours
    error_message = "silent_after_hours must be a whole number between 1 and 2160."
  }
}

variable "organization_cost_accounts" {
  description = "Management (payer) accounts whose senders run with cost_mode = \"organization\": the receiver accepts their documents' Cost Explorer rows for other linked accounts and files them under those accounts (receiver env ORGANIZATION_COST_ACCOUNTS). Such a document from any other account is refused (failed/ with its reason). Empty: no account may report another's cost."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.organization_cost_accounts : can(regex("^[0-9]{12}$", id))])
    error_message = "organization_cost_accounts must list 12-digit AWS account ids."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code-signing configuration for the receiver, migration, roster and report functions, or null for none. With one, Lambda deploys only zips signed by a profile it allows (sign the released zips with AWS Signer first). Terraform's source_code_hash only decides when to update the code; Lambda never checks it."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code-signing configuration ARN (arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>), or null."
  }
}

#------------------------------------------------------------------------------
# Morning report (reports.tf)
#------------------------------------------------------------------------------

variable "report_enabled" {
  description = "Create the morning report function: it renders the HTML report (the code of `python -m report`) as the read-only reader role into the data bucket as reports/<UTC date>.html. On by default because it is cheap (one run of a few seconds a day, a few hundred kB of S3 a day: docs/cost.md) and needs nobody to run a command."
  type        = bool
  default     = true
}

variable "report_schedule_expression" {
  description = "When the report function runs (EventBridge schedule expression, UTC). The default, daily at 06:00, comes after the senders' 02:00 daily runs have been loaded and before the European working day."
  type        = string
  default     = "cron(0 6 * * ? *)"

  validation {
    condition     = can(regex("^(cron\\([^)]+\\)|rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\))$", var.report_schedule_expression))
    error_message = "report_schedule_expression must be an EventBridge cron(...) or rate(...) expression."
  }
}

variable "report_days" {
  description = "Days the report shows, ending on the latest day with data in the database (REPORT_DAYS; `python -m report --days`)."
  type        = number
  default     = 30

  validation {
    condition     = var.report_days >= 1 && var.report_days <= 3660 && floor(var.report_days) == var.report_days
    error_message = "report_days must be a whole number between 1 and 3660."
  }
}

variable "report_cost_basis" {
  description = "Cost that drives the report's totals and charts (REPORT_COST_BASIS; `python -m report --cost-basis`): amortized spreads commitment fees over the days and accounts that use them, unblended books them on the 1st on the buyer."
  type        = string
  default     = "amortized"

  validation {
    condition     = contains(["amortized", "unblended"], var.report_cost_basis)
    error_message = "report_cost_basis must be amortized or unblended."
  }
}

variable "report_group_by" {
  description = "How the report groups accounts (REPORT_GROUP_BY; `python -m report --group-by`): ou (OU path), tag:<key> (an account tag's value) or label:<key> (an account label's value: the roster's tag of that key, else the label set on the account's sender)."
  type        = string
  default     = "ou"

  validation {
    condition     = var.report_group_by == "ou" || can(regex("^(tag|label):.{1,128}$", var.report_group_by))
    error_message = "report_group_by must be ou, tag:<key> or label:<key> (1-128 characters)."
  }
}

variable "report_new_findings_hours" {
  description = "The summary's new critical findings are those this database first loaded within this many hours before the run (NEW_FINDINGS_HOURS). The default, 24, matches a daily schedule: each finding is announced once."
  type        = number
  default     = 24

  validation {
    condition     = var.report_new_findings_hours >= 1 && var.report_new_findings_hours <= 744 && floor(var.report_new_findings_hours) == var.report_new_findings_hours
    error_message = "report_new_findings_hours must be a whole number between 1 and 744."
  }
}

variable "report_retention_days" {
  description = "Days after which a page under reports/ expires (the bucket's reports-expiration lifecycle rule; a same-day rerun's replaced version goes after noncurrent_version_expiration_days). null keeps them forever."
  type        = number
  default     = 90

  validation {
    condition     = var.report_retention_days == null || try(var.report_retention_days >= 1 && floor(var.report_retention_days) == var.report_retention_days, false)
    error_message = "report_retention_days must be a whole number of days >= 1, or null."
  }
}

variable "create_report_summary_topic" {
  description = "Create an SNS topic (<name>-reports, encrypted with the analytics key) to which the report function publishes a short plain-text summary after each run: totals, new critical findings, silent accounts. The module creates the topic rather than taking one so that its key, its policy and the function's sns:Publish and KMS grants are all known and least-privilege at plan time; subscribe e-mail (report_summary_email_addresses) or anything else (AWS Chatbot, a queue) to the report_summary_topic_arn output. Implied by a non-empty report_summary_email_addresses."
  type        = bool
  default     = false
}

variable "report_summary_email_addresses" {
  description = "E-mail addresses subscribed to the summary topic (each must confirm the subscription). Non-empty creates the topic."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.report_summary_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "report_summary_email_addresses must hold e-mail addresses."
  }
}

variable "retention_days" {
  description = "Days of daily detail kept in the partitioned snapshot and daily tables (RETENTION_DAYS of the maintenance run). Each month whose every day is older than this is rolled up into the monthly tables, then its partitions are detached and dropped; null keeps every day forever (partitions are still created ahead). The default, 400, keeps 13 months for year-over-year views. See docs/scale.md for what a day costs in storage."
  type        = number
  default     = 400
  nullable    = true

  validation {
    condition     = var.retention_days == null || try(var.retention_days >= 90 && var.retention_days <= 3660 && floor(var.retention_days) == var.retention_days, false)
    error_message = "retention_days must be null (keep forever) or a whole number of days between 90 and 3660."
  }
}

variable "maintenance_schedule_expression" {
  description = "When the daily database maintenance runs (EventBridge schedule expression, UTC): partitions ahead, monthly rollups, retention. The default, 05:50, falls after the senders' 02:00 runs have loaded and ten minutes before the 06:00 morning report, so one Aurora wake-up serves both (an auto-paused cluster pauses again only after seconds_until_auto_pause idle)."
  type        = string
  default     = "cron(50 5 * * ? *)"

  validation {
    condition     = can(regex("^(cron\\([^)]+\\)|rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\))$", var.maintenance_schedule_expression))
    error_message = "maintenance_schedule_expression must be an EventBridge cron(...) or rate(...) expression."
  }
}
