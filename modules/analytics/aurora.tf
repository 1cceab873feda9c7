#------------------------------------------------------------------------------
# Aurora PostgreSQL Serverless v2, reached by the functions through the Data API
#------------------------------------------------------------------------------

locals {
  engine_major = split(".", var.aurora.engine_version)[0]
  auto_pause   = var.aurora.min_capacity == 0
}

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Aurora cluster of ${var.name}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_security_group" "aurora" {
  name        = "${var.name}-aurora"
  description = "Aurora cluster of ${var.name}: no ingress unless allowed; the Data API needs none"
  vpc_id      = var.vpc_id
  tags        = var.tags

  # No egress block: Terraform removes the default allow-all egress rule; the database initiates
  # no connections.
}

resource "aws_vpc_security_group_ingress_rule" "aurora_cidr" {
  for_each = toset(var.database_ingress_cidr_blocks)

  security_group_id = aws_security_group.aurora.id
  description       = "PostgreSQL from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = each.value
  tags              = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "aurora_sg" {
  for_each = toset(var.database_ingress_security_group_ids)

  security_group_id            = aws_security_group.aurora.id
  description                  = "PostgreSQL from ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
  tags                         = var.tags
}

resource "aws_rds_cluster_parameter_group" "this" {
  name        = "${var.name}-aurora-postgresql${local.engine_major}"
  family      = "aurora-postgresql${local.engine_major}"
  description = "Aurora cluster of ${var.name}: DDL and slow query logging"
  tags        = var.tags

  # Logs schema changes (the migrations) but never the data-bearing statements of the loader.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.aurora.log_min_duration_statement_ms)
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Created before the cluster so that the exported PostgreSQL log is encrypted and expires.
resource "aws_cloudwatch_log_group" "aurora" {
  name              = "/aws/rds/cluster/${local.cluster_identifier}/postgresql"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_rds_cluster" "this" {
  #checkov:skip=CKV_AWS_133:Automated backups are always on: backup_retention_period comes from var.aurora (default 7, validated 1-35), an optional() default checkov cannot resolve.
  #checkov:skip=CKV2_AWS_8:Backups use RDS automated backups (backup_retention_period) and a final snapshot; an AWS Backup plan is an organization-level choice left to the operator.
  cluster_identifier = local.cluster_identifier
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.aurora.engine_version
  database_name      = var.database_name

  master_username               = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn

  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.this.arn
  enable_http_endpoint                = true
  iam_database_authentication_enabled = true

  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.aurora.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name
  enabled_cloudwatch_logs_exports = ["postgresql"]

  backup_retention_period      = var.aurora.backup_retention_period
  preferred_backup_window      = var.aurora.preferred_backup_window
  preferred_maintenance_window = var.aurora.preferred_maintenance_window
  copy_tags_to_snapshot        = true
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = var.skip_final_snapshot
  final_snapshot_identifier    = var.skip_final_snapshot ? null : "${local.cluster_identifier}-final"
  apply_immediately            = var.aurora.apply_immediately

  serverlessv2_scaling_configuration {
    min_capacity             = var.aurora.min_capacity
    max_capacity             = var.aurora.max_capacity
    seconds_until_auto_pause = local.auto_pause ? var.aurora.seconds_until_auto_pause : null
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.aurora]
}

resource "aws_rds_cluster_instance" "this" {
  #checkov:skip=CKV_AWS_353:Performance Insights is on by default (var.aurora.performance_insights_enabled, an optional() default checkov cannot resolve) and may be turned off to save cost.
  #checkov:skip=CKV_AWS_118:Enhanced Monitoring needs an extra IAM role and bills per instance; Performance Insights and the CloudWatch metrics cover a Serverless v2 instance.
  count = var.aurora.instance_count

  identifier          = "${local.cluster_identifier}-${count.index + 1}"
  cluster_identifier  = aws_rds_cluster.this.id
  engine              = aws_rds_cluster.this.engine
  engine_version      = aws_rds_cluster.this.engine_version
  instance_class      = "db.serverless"
  promotion_tier      = count.index
  publicly_accessible = false

  db_subnet_group_name       = aws_db_subnet_group.this.name
  auto_minor_version_upgrade = true
  copy_tags_to_snapshot      = true
  apply_immediately          = var.aurora.apply_immediately

  performance_insights_enabled          = var.aurora.performance_insights_enabled
  performance_insights_kms_key_id       = var.aurora.performance_insights_enabled ? aws_kms_key.this.arn : null
  performance_insights_retention_period = var.aurora.performance_insights_enabled ? var.aurora.performance_insights_retention_period : null

  tags = var.tags
}

#------------------------------------------------------------------------------
# Database roles: the migrator owns the schema, the loader writes rows, the reader reads the
# views. Each has its own secret in the shape the Data API reads ({"username", "password", ...}).
# Terraform creates the secrets without a value, so no password is ever in the state or a plan:
# the migration function fills an empty secret with a generated password on its first run, then
# creates or updates the role with it (src/receiver/db/role_secrets.py, roles.py).
#------------------------------------------------------------------------------

locals {
  database_role_names = {
    for kind in ["migrator", "loader", "reader"] : kind => "${replace(var.name, "-", "_")}_${kind}"
  }
  database_role_secret_arns = { for kind, s in aws_secretsmanager_secret.database_role : kind => s.arn }
}

resource "aws_secretsmanager_secret" "database_role" {
  #checkov:skip=CKV2_AWS_57:No Secrets Manager rotation function: the migration function generates each password once and applies the secret's current password to its role on every run; to rotate, put a new value in the secret and invoke the migration function (modules/analytics/README.md, Security).
  for_each = local.database_role_names

  name                    = "${var.name}/database/${each.key}"
  description             = "PostgreSQL role ${each.value} of ${var.name} (${each.key}); value written by the migration function"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
  tags                    = var.tags
}
