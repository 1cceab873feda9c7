data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # `id` holds the region name in both the 5.x and 6.x providers (`name` is deprecated in 6.x).
  region     = data.aws_region.current.id
  dns_suffix = data.aws_partition.current.dns_suffix

  # Names and ARNs are built from inputs rather than read back from resources, so that policies
  # are known at plan time (reviewable, testable) and no dependency cycle appears between the key,
  # the bucket, the queue and their policies.
  bucket_name = coalesce(var.bucket_name, "${var.name}-${local.account_id}-${local.region}")
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"

  receiver_function_name  = "${var.name}-receiver"
  migration_function_name = "${var.name}-migrate"
  cluster_identifier      = var.name

  runtime = "python3.13"

  # source_code_hash: the given hash, else the local zip's when it exists (so that plan and
  # validate work before `make package`). Exactly one package input is set (preconditions).
  package_hash = (
    var.analytics_package_sha256 != null ? var.analytics_package_sha256 :
    var.analytics_package_path != null ? (
      fileexists(var.analytics_package_path) ? filebase64sha256(var.analytics_package_path) : null
    ) : null
  )

  # What re-runs the migration Lambda when it changes, first found of: the sql_checksum input; a
  # hash of the repository's sql/*.sql beside modules/ (what `make package` puts in the zip); when
  # modules/ was copied without sql/ (a registry or release user), the analytics package itself
  # (its SHA-256, the local zip's, or the S3 object's version), which carries the migrations.
  # Migrations apply once each, so a run for a code-only change does nothing.
  sql_dir   = coalesce(var.sql_directory, "${path.module}/../../sql")
  sql_files = sort(fileset(local.sql_dir, "*.sql"))
  sql_dir_checksum = length(local.sql_files) == 0 ? null : sha256(join("\n", [
    for f in local.sql_files : "${f}=${filesha256("${local.sql_dir}/${f}")}"
  ]))
  # try(): null without an S3 package or without its version.
  package_checksum = (
    local.package_hash != null ? "package:${local.package_hash}" :
    try("s3:${var.analytics_package_s3.bucket}/${var.analytics_package_s3.key}?versionId=${var.analytics_package_s3.version}", null)
  )
  sql_checksum_source = (
    var.sql_checksum != null ? "input" :
    local.sql_dir_checksum != null ? "sql_directory" :
    local.package_checksum != null ? "package" : "none"
  )
  # "none": no sql/ and a package with neither a hash nor a version (a local zip not built yet,
  # or an S3 object without version): the migrations then run on the first apply only.
  sql_checksum = coalesce(var.sql_checksum, local.sql_dir_checksum, local.package_checksum, sha256(""))
}
