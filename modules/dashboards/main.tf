#------------------------------------------------------------------------------
# QuickSight on the analytics database: a VPC connection into the Aurora cluster's subnets, one
# data source signing in as the read-only reader role, one data set per entry of datasets.json,
# their SPICE refreshes (incremental daily and full weekly for history data sets, full daily for
# the others), and the dashboard of dashboard-definition.json.
# Both JSON files are written by `make dashboards` (src/dashboards); this module only reads them.
#------------------------------------------------------------------------------

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  datasets_file             = coalesce(var.datasets_file, "${path.module}/datasets.json")
  dashboard_definition_file = coalesce(var.dashboard_definition_file, "${path.module}/dashboard-definition.json")

  datasets_document = jsondecode(file(local.datasets_file))
  definition        = jsondecode(file(local.dashboard_definition_file))

  # By key, in the file's order for lists. QuickSight ids take no underscore in some places
  # (physical table ids): the key with hyphens, as the DataSetId suffix.
  dataset_list = local.datasets_document.datasets
  datasets     = { for key, same in { for d in local.dataset_list : d.key => d... } : key => same[0] }
  dataset_ids  = { for key in keys(local.datasets) : key => "${var.name}-${replace(key, "_", "-")}" }
  spice_keys   = [for d in local.dataset_list : d.key if d.import_mode == "SPICE"]
  # History data sets (a "refresh" lookback window in the file): refreshed incrementally every
  # day and fully once a week; the others fully every day (README, "Refreshes").
  incremental_keys = [for d in local.dataset_list : d.key if d.import_mode == "SPICE" && try(d.refresh, null) != null]

  column_types = ["STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT", "BOOLEAN", "JSON"]

  # What is wrong with the two files, if anything (checked before anything is created).
  dataset_problems = concat(
    [for d in local.dataset_list : "data set key ${jsonencode(try(d.key, null))} must match ^[a-z][a-z0-9_]*$" if !can(regex("^[a-z][a-z0-9_]*$", d.key))],
    length(distinct([for d in local.dataset_list : d.key])) == length(local.dataset_list) ? [] : ["data set keys must be unique"],
    [for d in local.dataset_list : "data set ${d.key}: import_mode must be SPICE or DIRECT_QUERY" if !contains(["SPICE", "DIRECT_QUERY"], try(d.import_mode, ""))],
    [for d in local.dataset_list : "data set ${d.key}: sql is empty" if trimspace(try(d.sql, "")) == ""],
    [for d in local.dataset_list : "data set ${d.key}: name must be 1-${126 - length(var.name)} characters (QuickSight's 128 with the \"<name>: \" prefix)" if length(try(d.name, "")) < 1 || length("${var.name}: ${try(d.name, "")}") > 128],
    [for d in local.dataset_list : "data set ${d.key}: at least one column" if length(try(d.columns, [])) == 0],
    flatten([for d in local.dataset_list : [
      for c in try(d.columns, []) : "data set ${d.key}: column ${try(c.name, "?")} has type ${try(c.type, "?")}, not one of ${join(", ", local.column_types)}" if !contains(local.column_types, try(c.type, ""))
    ]]),
    [for d in local.dataset_list : "data set ${d.key}: id ${local.dataset_ids[d.key]} is longer than 64 characters" if length(local.dataset_ids[d.key]) > 64],
    [for d in local.dataset_list : "data set ${d.key}: a refresh lookback needs import_mode SPICE" if try(d.refresh, null) != null && try(d.import_mode, "") != "SPICE"],
    [for d in local.dataset_list : "data set ${d.key}: refresh must be {column, size (a whole number, 1 or more), unit HOUR, DAY or WEEK}" if try(d.refresh, null) != null && !try(d.refresh.size >= 1 && floor(d.refresh.size) == d.refresh.size && contains(["HOUR", "DAY", "WEEK"], d.refresh.unit) && length(d.refresh.column) > 0, false)],
    [for d in local.dataset_list : "data set ${d.key}: the refresh lookback column ${try(d.refresh.column, "?")} must be one of its DATETIME columns" if try(d.refresh, null) != null && !contains([for c in try(d.columns, []) : try(c.name, "") if try(c.type, "") == "DATETIME"], try(d.refresh.column, ""))],
  )
  declared_identifiers = [for d in try(local.definition.DataSetIdentifierDeclarations, []) : d.Identifier]
  definition_problems = concat(
    length(local.declared_identifiers) > 0 ? [] : ["the definition declares no DataSetIdentifierDeclarations"],
    [for i in local.declared_identifiers : "the definition declares data set ${i}, which ${local.datasets_file} does not hold" if !contains(keys(local.datasets), i)],
    length(try(local.definition.Sheets, [])) > 0 ? [] : ["the definition has no Sheets"],
  )

  # QuickSight permission actions, as the QuickSight API reference lists them for owners and
  # viewers of each resource type. reader: the dashboard only; author: also the data sets and
  # the data source (read, use in analyses); owner: everything.
  actions = {
    data_source = {
      owner  = ["quicksight:DeleteDataSource", "quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions", "quicksight:PassDataSource", "quicksight:UpdateDataSource", "quicksight:UpdateDataSourcePermissions"]
      author = ["quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions", "quicksight:PassDataSource"]
    }
    data_set = {
      owner = [
        "quicksight:CancelIngestion", "quicksight:CreateIngestion", "quicksight:CreateRefreshSchedule", "quicksight:DeleteDataSet",
        "quicksight:DeleteDataSetRefreshProperties", "quicksight:DeleteRefreshSchedule", "quicksight:DescribeDataSet",
        "quicksight:DescribeDataSetPermissions", "quicksight:DescribeDataSetRefreshProperties", "quicksight:DescribeIngestion",
        "quicksight:DescribeRefreshSchedule", "quicksight:ListIngestions", "quicksight:ListRefreshSchedules", "quicksight:PassDataSet",
        "quicksight:PutDataSetRefreshProperties", "quicksight:UpdateDataSet", "quicksight:UpdateDataSetPermissions",
        "quicksight:UpdateRefreshSchedule",
      ]
      author = ["quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions", "quicksight:DescribeIngestion", "quicksight:ListIngestions", "quicksight:PassDataSet"]
    }
    dashboard = {
      owner = [
        "quicksight:DeleteDashboard", "quicksight:DescribeDashboard", "quicksight:DescribeDashboardPermissions", "quicksight:ListDashboardVersions",
        "quicksight:QueryDashboard", "quicksight:UpdateDashboard", "quicksight:UpdateDashboardPermissions", "quicksight:UpdateDashboardPublishedVersion",
      ]
      author = ["quicksight:DescribeDashboard", "quicksight:ListDashboardVersions", "quicksight:QueryDashboard"]
      reader = ["quicksight:DescribeDashboard", "quicksight:ListDashboardVersions", "quicksight:QueryDashboard"]
    }
  }

  # Principal ARN -> actions, per resource type (a reader has none on the data source and sets).
  permissions = {
    for kind, by_access in local.actions : kind => {
      for p in var.principals : p.arn => sort(by_access[p.access]) if contains(keys(by_access), p.access)
    }
  }
}

# The two files are checked at plan time, before anything is created: a wrong file stops here
# with every problem listed rather than halfway through an apply.
resource "terraform_data" "definition_files" {
  input = {
    datasets   = sha256(file(local.datasets_file))
    definition = sha256(file(local.dashboard_definition_file))
  }

  lifecycle {
    precondition {
      condition     = length(local.dataset_problems) == 0
      error_message = "${local.datasets_file}: ${join("; ", local.dataset_problems)}."
    }

    precondition {
      condition     = length(local.definition_problems) == 0
      error_message = "${local.dashboard_definition_file}: ${join("; ", local.definition_problems)}."
    }
  }
}
