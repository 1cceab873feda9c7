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

  # Hash of every SQL migration shipped with the module; a change re-runs the migration Lambda.
  sql_dir = "${path.module}/../../sql"
  default_sql_checksum = sha256(join("\n", [
    for f in sort(fileset(local.sql_dir, "*.sql")) : "${f}=${filesha256("${local.sql_dir}/${f}")}"
  ]))
  sql_checksum = coalesce(var.sql_checksum, local.default_sql_checksum)
}
