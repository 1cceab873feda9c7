#------------------------------------------------------------------------------
# QuickSight VPC connection: QuickSight places network interfaces in the cluster's subnets, with
# a security group of its own that may only reach the cluster on PostgreSQL's port.
#------------------------------------------------------------------------------

resource "aws_security_group" "quicksight" {
  name        = "${var.name}-quicksight"
  description = "QuickSight VPC connection of ${var.name}: PostgreSQL to the Aurora cluster only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-quicksight" })

  # No ingress and no egress block: Terraform removes the default allow-all egress rule, and the
  # one egress rule below is the only traffic allowed. VPC connections created since 27 April
  # 2023 track connections (stateful), so replies need no inbound rule.
}

resource "aws_vpc_security_group_egress_rule" "quicksight_to_aurora" {
  security_group_id            = aws_security_group.quicksight.id
  description                  = "PostgreSQL to the Aurora cluster of ${var.name}"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = var.database_security_group_id
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "aurora_from_quicksight" {
  security_group_id            = var.database_security_group_id
  description                  = "PostgreSQL from QuickSight (${var.name}-quicksight)"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = aws_security_group.quicksight.id
  tags                         = var.tags
}

# The role QuickSight assumes to manage the connection's network interfaces. The QuickSight user
# guide (VPC connection with the CLI) lists the EC2 actions it needs; the Describe calls take no
# resource, the others are scoped to this VPC connection's subnets, security group and the
# account's network interfaces in this region.
resource "aws_iam_role" "vpc_connection" {
  count = var.vpc_connection_role_arn == null ? 1 : 0

  name        = "${var.name}-quicksight-vpc"
  description = "Assumed by QuickSight to manage the network interfaces of the ${var.name} VPC connection"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "quicksight.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

locals {
  network_interfaces_arn = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"
  subnet_arns            = [for s in var.subnet_ids : "arn:${local.partition}:ec2:${local.region}:${local.account_id}:subnet/${s}"]
  security_group_arn     = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:security-group/${aws_security_group.quicksight.id}"

  vpc_connection_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "DescribeTakesNoResource"
        Effect   = "Allow"
        Action   = ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets"]
        Resource = "*"
      },
      {
        Sid      = "NetworkInterfacesInTheConnectionSubnets"
        Effect   = "Allow"
        Action   = "ec2:CreateNetworkInterface"
        Resource = concat([local.network_interfaces_arn, local.security_group_arn], local.subnet_arns)
      },
      {
        Sid      = "ManageTheNetworkInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]
        Resource = [local.network_interfaces_arn, local.security_group_arn]
      },
    ]
  }

  vpc_connection_role_arn = coalesce(var.vpc_connection_role_arn, one(aws_iam_role.vpc_connection[*].arn))
}

resource "aws_iam_role_policy" "vpc_connection" {
  count = var.vpc_connection_role_arn == null ? 1 : 0

  name   = "network-interfaces"
  role   = aws_iam_role.vpc_connection[0].id
  policy = jsonencode(local.vpc_connection_policy)
}

resource "aws_quicksight_vpc_connection" "this" {
  vpc_connection_id  = "${var.name}-aurora"
  name               = "${var.name} Aurora"
  role_arn           = local.vpc_connection_role_arn
  subnet_ids         = var.subnet_ids
  security_group_ids = [aws_security_group.quicksight.id]
  tags               = var.tags

  # QuickSight assumes the role while it creates the interfaces: its policy must exist first.
  depends_on = [aws_iam_role_policy.vpc_connection]
}
