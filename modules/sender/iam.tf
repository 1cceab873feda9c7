#------------------------------------------------------------------------------
# Execution role: read-only collector actions, one upload prefix, the analytics
# key for encryption only, its own DLQ and itself (history continuation), and
# the first-run claim parameter.
#------------------------------------------------------------------------------

locals {
  # Built by ./spec, shared with the organization's StackSet template.
  collectors_policy = jsonencode(module.spec.collectors_policy)
  sender_policy     = jsonencode(module.spec.sender_policy)
}

resource "aws_iam_role" "this" {
  name               = var.name
  description        = module.spec.role_description
  assume_role_policy = jsonencode(module.spec.assume_role_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy" "collectors" {
  name   = "collectors"
  role   = aws_iam_role.this.id
  policy = local.collectors_policy

  lifecycle {
    precondition {
      # IAM limits the inline policies of a role to 10,240 characters in total.
      condition     = length(local.collectors_policy) + length(local.sender_policy) <= 10240
      error_message = "The collector actions exceed the 10,240-character inline policy limit of a role: split them or use managed policies."
    }
  }
}

resource "aws_iam_role_policy" "sender" {
  name   = "sender"
  role   = aws_iam_role.this.id
  policy = local.sender_policy
}
