#------------------------------------------------------------------------------
# Roster role: the analytics account's roster function assumes it to read the
# organization's accounts, OU path and tags. Read-only; scoped to this
# organization where the action has a resource type.
#------------------------------------------------------------------------------

locals {
  organization_id = data.aws_organizations_organization.this.id
  org_arn_prefix  = "arn:${local.partition}:organizations::${data.aws_organizations_organization.this.master_account_id}"

  roster_conditions = merge(
    var.analytics_roster_principal_arn == null ? {} : {
      ArnEquals = { "aws:PrincipalArn" = var.analytics_roster_principal_arn }
    },
    var.roster_external_id == null ? {} : {
      StringEquals = { "sts:ExternalId" = var.roster_external_id }
    },
  )

  roster_trust = {
    Version = "2012-10-17"
    Statement = [merge(
      {
        Sid       = "AnalyticsRosterFunction"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.analytics_account_id}:root" }
        Action    = "sts:AssumeRole"
      },
      # The condition, not the role as principal: IAM would reject a principal that does not
      # exist yet, and would silently break the trust if the role were recreated.
      length(local.roster_conditions) == 0 ? {} : { Condition = local.roster_conditions },
    )]
  }

  roster_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # These actions have no resource type: IAM accepts only "*" for them.
        Sid      = "OrganizationWide"
        Effect   = "Allow"
        Action   = ["organizations:DescribeOrganization", "organizations:ListAccounts", "organizations:ListRoots"]
        Resource = "*"
      },
      {
        # Accounts, OUs and roots of this organization only.
        Sid    = "ThisOrganizationTree"
        Effect = "Allow"
        Action = [
          "organizations:DescribeOrganizationalUnit",
          "organizations:ListAccountsForParent",
          "organizations:ListOrganizationalUnitsForParent",
          "organizations:ListParents",
          "organizations:ListTagsForResource",
        ]
        Resource = [
          "${local.org_arn_prefix}:account/${local.organization_id}/*",
          "${local.org_arn_prefix}:ou/${local.organization_id}/*",
          "${local.org_arn_prefix}:root/${local.organization_id}/*",
        ]
      },
    ]
  }
}

resource "aws_iam_role" "roster" {
  count = var.create_roster_role ? 1 : 0

  name                 = var.roster_role_name
  description          = "Read-only Organizations access for the observability roster of analytics account ${local.analytics_account_id}"
  assume_role_policy   = jsonencode(local.roster_trust)
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "roster" {
  count = var.create_roster_role ? 1 : 0

  name   = "read-organization"
  role   = aws_iam_role.roster[0].id
  policy = jsonencode(local.roster_policy)
}
