#------------------------------------------------------------------------------
# Data source (the cluster, as the read-only reader role) and one data set per datasets.json entry
#------------------------------------------------------------------------------

# Orders the data source after the migration run (database_ready): on a first apply QuickSight
# would otherwise try the reader role before the migration function has created it.
resource "terraform_data" "database_ready" {
  input = var.database_ready
}

resource "aws_quicksight_data_source" "this" {
  data_source_id = "${var.name}-aurora"
  name           = "${var.name} Aurora (reader)"
  type           = "AURORA_POSTGRESQL"

  parameters {
    aurora_postgresql {
      host     = var.database_host
      port     = var.database_port
      database = var.database_name
    }
  }

  # The reader role's secret ({"username", "password", ...}, written by the migration function):
  # SELECT on the views and nothing else. Never the master secret (variables.tf refuses it).
  credentials {
    secret_arn = var.reader_secret_arn
  }

  ssl_properties {
    disable_ssl = false
  }

  vpc_connection_properties {
    vpc_connection_arn = aws_quicksight_vpc_connection.this.arn
  }

  dynamic "permission" {
    for_each = local.permissions.data_source
    content {
      principal = permission.key
      actions   = permission.value
    }
  }

  tags = var.tags

  # QuickSight connects when it creates the data source, so the cluster must admit it, and the
  # reader role must exist, by then; the data sets (SPICE ingestions start at creation) come
  # after the secret grant too.
  depends_on = [
    aws_vpc_security_group_ingress_rule.aurora_from_quicksight,
    aws_vpc_security_group_egress_rule.quicksight_to_aurora,
    aws_iam_role_policy.quicksight_secrets,
    terraform_data.definition_files,
    terraform_data.database_ready,
  ]
}

resource "aws_quicksight_data_set" "this" {
  for_each = local.datasets

  data_set_id = local.dataset_ids[each.key]
  name        = "${var.name}: ${each.value.name}"
  import_mode = each.value.import_mode

  physical_table_map {
    physical_table_map_id = replace(each.key, "_", "-")

    custom_sql {
      data_source_arn = aws_quicksight_data_source.this.arn
      name            = each.key
      sql_query       = each.value.sql

      dynamic "columns" {
        for_each = each.value.columns
        content {
          name = columns.value.name
          type = columns.value.type
        }
      }
    }
  }

  # The logical table QuickSight would create by itself, declared so that plans show no drift.
  logical_table_map {
    logical_table_map_id = replace(each.key, "_", "-")
    alias                = each.key

    source {
      physical_table_id = replace(each.key, "_", "-")
    }
  }

  # History data sets: an incremental refresh re-reads only the rows whose lookback column lies
  # in the window (the file's "refresh"; README, "Refreshes").
  dynamic "refresh_properties" {
    for_each = try(each.value.refresh, null) != null && each.value.import_mode == "SPICE" ? [each.value.refresh] : []
    content {
      refresh_configuration {
        incremental_refresh {
          lookback_window {
            column_name = refresh_properties.value.column
            size        = refresh_properties.value.size
            size_unit   = refresh_properties.value.unit
          }
        }
      }
    }
  }

  dynamic "permissions" {
    for_each = local.permissions.data_set
    content {
      principal = permissions.key
      actions   = permissions.value
    }
  }

  tags = var.tags
}

# One daily refresh per SPICE data set, after the morning load: incremental for a history data set
# (its lookback window), full for the others. DIRECT_QUERY data sets query the views live and need
# none.
resource "aws_quicksight_refresh_schedule" "this" {
  for_each = toset(local.spice_keys)

  data_set_id = aws_quicksight_data_set.this[each.key].data_set_id
  schedule_id = "${local.dataset_ids[each.key]}-daily"

  schedule {
    refresh_type = contains(local.incremental_keys, each.key) ? "INCREMENTAL_REFRESH" : "FULL_REFRESH"

    schedule_frequency {
      interval        = "DAILY"
      time_of_the_day = var.refresh_schedule.time_of_day
      timezone        = var.refresh_schedule.timezone
    }
  }
}

# A weekly full refresh of each history data set: it brings in what changed before the lookback
# window (a new account's backfilled history, a file loaded weeks late).
resource "aws_quicksight_refresh_schedule" "weekly_full" {
  for_each = toset(local.incremental_keys)

  data_set_id = aws_quicksight_data_set.this[each.key].data_set_id
  schedule_id = "${local.dataset_ids[each.key]}-weekly-full"

  schedule {
    refresh_type = "FULL_REFRESH"

    schedule_frequency {
      interval        = "WEEKLY"
      time_of_the_day = var.refresh_schedule.full_refresh_time_of_day
      timezone        = var.refresh_schedule.timezone

      refresh_on_day {
        day_of_week = var.refresh_schedule.full_refresh_day
      }
    }
  }
}
