#------------------------------------------------------------------------------
# QuickSight reads the reader secret twice, as two different principals:
# - when the data source is created or updated, as the caller of CreateDataSource (whoever runs
#   terraform apply), which therefore needs secretsmanager:GetSecretValue on the reader secret
#   and kms:Decrypt of the analytics key (README, Prerequisites);
# - when someone opens the dashboard or a SPICE refresh runs, as QuickSight's account-wide
#   Secrets Manager role (aws-quicksight-secretsmanager-role-v0), which QuickSight creates when
#   an administrator grants it access to Secrets Manager. QuickSight's own policy on that role
#   grants GetSecretValue on the secrets the administrator picked, but nothing on a customer
#   managed KMS key: the reader secret is encrypted with the analytics key, so the inline policy
#   below adds kms:Decrypt, only through Secrets Manager and only for this secret (its encryption
#   context), plus GetSecretValue on this one secret so the console selection is not required.
# The analytics key policy delegates to IAM (its AccountAdministration statement names the
# account root), so an IAM policy suffices: the key policy needs no statement for QuickSight.
#------------------------------------------------------------------------------

resource "aws_iam_role_policy" "quicksight_secrets" {
  count = var.quicksight_secrets_role_name == null ? 0 : 1

  name = "${var.name}-quicksight-reader-secret"
  role = var.quicksight_secrets_role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadTheReaderSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = var.reader_secret_arn
      },
      {
        Sid      = "DecryptTheReaderSecretThroughSecretsManager"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = var.kms_key_arn
        Condition = {
          StringEquals = {
            "kms:ViaService"                  = "secretsmanager.${local.region}.${local.dns_suffix}"
            "kms:EncryptionContext:SecretARN" = var.reader_secret_arn
          }
        }
      },
    ]
  })
}
