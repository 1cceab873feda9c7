"""Seed each member account, through moto's normal APIs, with what a real account holds.

Per account and region: tagged EC2 instances (one stopped), an unattached volume, a load
balancer, Lambda functions, RDS instances, S3 buckets, KMS keys (some without rotation), secrets,
certificates, a CloudTrail trail (not in the sandbox), AWS Config with managed rules, GuardDuty,
Security Hub with findings, a WAF web ACL, a Resilience Hub app, IAM users (a console user
without MFA; in production a programmatic user with MFA),
support cases. What each profile holds differs, so the report has something to compare.

`advance` changes the accounts a little between two simulated scheduled days (new findings,
resolved ones), so the trends in the report move.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from demo.organization import Member
from demo.profiles import HOME_REGION, REGIONS

AMI = "ami-12c6146b"  # one of the images moto ships
CONFIG_RULES = (
    ("s3-bucket-server-side-encryption-enabled", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"),
    ("encrypted-volumes", "ENCRYPTED_VOLUMES"),
    ("rds-storage-encrypted", "RDS_STORAGE_ENCRYPTED"),
    ("iam-user-mfa-enabled", "IAM_USER_MFA_ENABLED"),
    ("root-account-mfa-enabled", "ROOT_ACCOUNT_MFA_ENABLED"),
    ("cloudtrail-enabled", "CLOUD_TRAIL_ENABLED"),
    ("restricted-ssh", "INCOMING_SSH_DISABLED"),
    ("s3-bucket-public-read-prohibited", "S3_BUCKET_PUBLIC_READ_PROHIBITED"),
)
# (control id, title, severity, resource type) — AWS Foundational Security Best Practices
CONTROLS = (
    ("EC2.2", "VPC default security groups should not allow inbound or outbound traffic",
     "HIGH", "AwsEc2SecurityGroup"),
    ("EC2.8", "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
     "HIGH", "AwsEc2Instance"),
    ("S3.5", "S3 general purpose buckets should require requests to use SSL",
     "MEDIUM", "AwsS3Bucket"),
    ("IAM.6", "Hardware MFA should be enabled for the root user", "CRITICAL", "AwsAccount"),
    ("KMS.4", "AWS KMS key rotation should be enabled", "MEDIUM", "AwsKmsKey"),
    ("RDS.3", "RDS DB instances should have encryption at-rest enabled",
     "MEDIUM", "AwsRdsDbInstance"),
    ("Lambda.2", "Lambda functions should use supported runtimes", "MEDIUM", "AwsLambdaFunction"),
    ("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region "
     "trail that includes read and write management events", "HIGH", "AwsAccount"),
    ("SSM.1", "EC2 instances should be managed by AWS Systems Manager", "MEDIUM", "AwsEc2Instance"),
    ("GuardDuty.1", "GuardDuty should be enabled", "HIGH", "AwsAccount"),
    ("EC2.19", "Security groups should not allow unrestricted access to ports with high risk",
     "CRITICAL", "AwsEc2SecurityGroup"),
    ("S3.8", "S3 general purpose buckets should block public access", "HIGH", "AwsS3Bucket"),
    ("ELB.1", "Application Load Balancer should be configured to redirect all HTTP requests to "
     "HTTPS", "MEDIUM", "AwsElbv2LoadBalancer"),
    ("CloudWatch.1", "A log metric filter and alarm should exist for usage of the root user",
     "LOW", "AwsAccount"),
    ("Config.1", "AWS Config should be enabled and use the service-linked role for resource "
     "recording", "MEDIUM", "AwsAccount"),
    ("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized "
     "ports", "HIGH", "AwsEc2SecurityGroup"),
    ("IAM.3", "IAM users' access keys should be rotated every 90 days or less", "MEDIUM",
     "AwsIamUser"),
    ("Account.1", "Security contact information should be provided for an AWS account",
     "MEDIUM", "AwsAccount"),
    ("EC2.9", "EC2 instances should not have a public IPv4 address", "HIGH", "AwsEc2Instance"),
    ("S3.9", "S3 general purpose buckets should have server access logging enabled",
     "LOW", "AwsS3Bucket"),
)  # fmt: skip
NORMALIZED = {"INFORMATIONAL": 0, "LOW": 20, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}
# how many control failures each environment starts with
FAILING = {"production": 6, "staging": 10, "sandbox": 15}


def seed(member: Member, first_day: date) -> None:
    """Create every resource of ``member`` (see the module docstring)."""
    profile = member.profile
    rng = random.Random(f"seed:{profile.key}")
    _iam(member)
    for region in REGIONS:
        _network_and_compute(member, region, rng)
        _storage_and_data(member, region, rng)
        _security_services(member, region, first_day, rng)
    _global(member)


def advance(member: Member, day: date) -> None:
    """What changes in an account during ``day``: a new finding or two, some get fixed (the
    control passes: Security Hub resolves the finding, which stays ACTIVE), now and then one is
    suppressed (reviewed, no action needed), and a resource deleted archives its finding."""
    rng = random.Random(f"advance:{member.profile.key}:{day}")
    for region in REGIONS:
        hub = member.session.client("securityhub", region_name=region)
        findings = hub.get_findings(MaxResults=100)["Findings"]
        open_ = [
            f
            for f in findings
            if f["RecordState"] == "ACTIVE" and f["Workflow"]["Status"] in ("NEW", "NOTIFIED")
        ]
        at = datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59)), UTC)
        changed = rng.sample(open_, k=min(len(open_), rng.choice((0, 1, 1, 2, 3))))
        updates = []
        for n, finding in enumerate(changed):
            finding = dict(finding)
            if n == 0:
                finding.update(_passed(finding))
            elif n == 1:
                finding["Workflow"] = {"Status": "SUPPRESSED"}
            else:
                finding["RecordState"] = "ARCHIVED"
            finding["UpdatedAt"] = _iso(at)
            updates.append(finding)
        new = rng.choice((0, 1, 1, 2, 3)) if member.profile.environment != "production" else 1
        offset = len(findings)
        for index in range(new):
            updates.append(_finding(member, region, offset + index, at, rng))
        if updates:
            hub.batch_import_findings(Findings=updates)


def _passed(finding: dict[str, Any]) -> dict[str, Any]:
    """What Security Hub changes when a control check passes: compliance PASSED, severity
    INFORMATIONAL, workflow RESOLVED; the finding stays ACTIVE (its control and standards kept)."""
    return {
        "Compliance": {**(finding.get("Compliance") or {}), "Status": "PASSED"},
        "Severity": {"Label": "INFORMATIONAL", "Normalized": 0},
        "Workflow": {"Status": "RESOLVED"},
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _tags(member: Member, name: str, **extra: str) -> list[dict[str, str]]:
    tags = {"Name": name, "Environment": member.profile.environment, "Team": "platform", **extra}
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _iam(member: Member) -> None:
    iam = member.session.client("iam", region_name="us-east-1")
    iam.create_account_alias(AccountAlias=f"acme-{member.profile.key}")
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True)
    people = ["alice", "bob", "carol", "deploy-bot"][: 4 if member.profile.key == "prod" else 3]
    for person in people:
        iam.create_user(UserName=person, Tags=[{"Key": "Team", "Value": "platform"}])
        iam.create_access_key(UserName=person)
        if person == "deploy-bot":  # programmatic only, yet with MFA (for sts:GetSessionToken)
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=person)
            iam.enable_mfa_device(
                UserName=person,
                SerialNumber=serial["VirtualMFADevice"]["SerialNumber"],
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )
        elif person in ("alice", "carol"):
            iam.create_login_profile(UserName=person, Password="Demo-password-123!")
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=person)
            iam.enable_mfa_device(
                UserName=person,
                SerialNumber=serial["VirtualMFADevice"]["SerialNumber"],
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )
        elif person == "bob":
            iam.create_login_profile(UserName=person, Password="Demo-password-123!")
    iam.create_role(
        RoleName="lambda-execution",
        AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        ),
    )


def _network_and_compute(member: Member, region: str, rng: random.Random) -> None:
    profile = member.profile
    ec2 = member.session.client("ec2", region_name=region)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    instance_ids = []
    for index, kind in enumerate(profile.instances.get(region, ())):
        name = f"{profile.key}-app-{index + 1}"
        reservation = ec2.run_instances(
            ImageId=AMI,
            InstanceType=kind,
            MinCount=1,
            MaxCount=1,
            SubnetId=subnets[index % len(subnets)],
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": _tags(member, name, CostCenter="cc-1042")}
            ],
        )
        instance_ids.append(reservation["Instances"][0]["InstanceId"])
    if len(instance_ids) > 2:
        ec2.stop_instances(InstanceIds=[instance_ids[-1]])
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    ec2.create_volume(
        AvailabilityZone=zone,
        Size=rng.choice((100, 200, 500)),
        VolumeType="gp2",
        TagSpecifications=[{"ResourceType": "volume", "Tags": _tags(member, "orphaned-data")}],
    )
    if profile.environment != "sandbox" and region == HOME_REGION:
        elb = member.session.client("elbv2", region_name=region)
        elb.create_load_balancer(
            Name=f"{profile.key}-web", Subnets=subnets, Tags=_tags(member, f"{profile.key}-web")
        )
        autoscaling = member.session.client("autoscaling", region_name=region)
        autoscaling.create_launch_configuration(
            LaunchConfigurationName=f"{profile.key}-workers", ImageId=AMI, InstanceType="t3.medium"
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"{profile.key}-workers",
            LaunchConfigurationName=f"{profile.key}-workers",
            MinSize=0,
            MaxSize=4,
            DesiredCapacity=0,
            VPCZoneIdentifier=subnets[0],
        )
    lambda_client = member.session.client("lambda", region_name=region)
    role = f"arn:aws:iam::{profile.account_id}:role/lambda-execution"
    runtimes = ("python3.12", "nodejs20.x", "python3.8")
    for index in range(profile.functions if region == HOME_REGION else 1):
        lambda_client.create_function(
            FunctionName=f"{profile.key}-{('api', 'worker', 'cron', 'etl')[index % 4]}-{index}",
            Runtime=runtimes[index % len(runtimes)],
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
            MemorySize=(128, 512, 1024, 3008)[index % 4],
            Tags={"Environment": profile.environment},
        )


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _storage_and_data(member: Member, region: str, rng: random.Random) -> None:
    profile = member.profile
    s3 = member.session.client("s3", region_name=region)
    if region == HOME_REGION:
        for index in range(profile.buckets):
            purpose = ("assets", "logs", "backups")[index % 3]
            name = f"acme-{profile.key}-{purpose}-{profile.account_id}"
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(member, name)})
    rds = member.session.client("rds", region_name=region)
    for index in range(profile.databases if region == HOME_REGION else 0):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{profile.key}-db-{index + 1}",
            DBInstanceClass=("db.r6g.large", "db.t4g.medium")[index % 2],
            Engine="postgres",
            MasterUsername="app",
            MasterUserPassword="demo-password-123",
            AllocatedStorage=100,
            StorageEncrypted=index == 0,
            Tags=_tags(member, f"{profile.key}-db-{index + 1}"),
        )
    kms = member.session.client("kms", region_name=region)
    for index, purpose in enumerate(
        ("data", "logs", "backups")[: 2 if region == HOME_REGION else 1]
    ):
        key = kms.create_key(
            Description=f"{profile.key} {purpose}",
            Tags=[{"TagKey": "Environment", "TagValue": profile.environment}],
        )["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{profile.key}-{purpose}", TargetKeyId=key)
        if index == 0 and profile.environment != "sandbox":
            kms.enable_key_rotation(KeyId=key)
    secrets = member.session.client("secretsmanager", region_name=region)
    for name in ("db/app", "api/stripe")[: 2 if region == HOME_REGION else 1]:
        secrets.create_secret(
            Name=f"{profile.key}/{name}", SecretString="demo", Tags=_tags(member, name)
        )
    acm = member.session.client("acm", region_name=region)
    acm.request_certificate(
        DomainName=f"{profile.key}.example.com",
        ValidationMethod="DNS",
        SubjectAlternativeNames=[f"www.{profile.key}.example.com"],
    )
    if profile.environment == "production" and region == HOME_REGION:
        # an imported certificate (ACM never renews those) three weeks from expiry
        acm.import_certificate(**_imported_certificate(f"legacy.{profile.key}.example.com", 21))
    if profile.environment != "sandbox" and region == HOME_REGION:
        trail_bucket = f"acme-{profile.key}-trail-{profile.account_id}"
        s3.create_bucket(
            Bucket=trail_bucket, CreateBucketConfiguration={"LocationConstraint": region}
        )
        cloudtrail = member.session.client("cloudtrail", region_name=region)
        cloudtrail.create_trail(
            Name="organization-audit", S3BucketName=trail_bucket, IsMultiRegionTrail=True
        )
        cloudtrail.start_logging(Name="organization-audit")
    del rng


def _imported_certificate(domain: str, days_left: int) -> dict[str, bytes]:
    """A self-signed certificate for ``domain`` and its key, as ImportCertificate takes them,
    valid for a year that ends ``days_left`` days from now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    not_after = datetime.now(UTC) + timedelta(days=days_left)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=365))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return {
        "Certificate": certificate.public_bytes(serialization.Encoding.PEM),
        "PrivateKey": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
    }


def _security_services(member: Member, region: str, first_day: date, rng: random.Random) -> None:
    profile = member.profile
    config = member.session.client("config", region_name=region)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{profile.account_id}:role/aws-service-role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": f"acme-config-{profile.account_id}"}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    for name, identifier in CONFIG_RULES:
        config.put_config_rule(
            ConfigRule={
                "ConfigRuleName": name,
                "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
            }
        )
    if profile.environment != "sandbox" or region == HOME_REGION:
        # the sandbox never enabled GuardDuty in us-east-1: its collector there is "skipped",
        # which the report's collection health shows
        guardduty = member.session.client("guardduty", region_name=region)
        guardduty.create_detector(Enable=True, FindingPublishingFrequency="SIX_HOURS")
    hub = member.session.client("securityhub", region_name=region)
    hub.enable_security_hub(EnableDefaultStandards=True)
    at = datetime.combine(first_day - timedelta(days=1), time(3), UTC)
    failing = FAILING.get(profile.environment, 8) // (1 if region == HOME_REGION else 2)
    findings = [_finding(member, region, index, at, rng) for index in range(failing)]
    # passed controls (ACTIVE, RESOLVED, INFORMATIONAL) outnumber the failures, as in a real
    # account; one failure was reviewed and suppressed, one the owner was notified of
    passed = 3 * failing
    findings += [
        {**f, **_passed(f)}
        for f in (_finding(member, region, failing + index, at, rng) for index in range(passed))
    ]
    findings[0]["Workflow"] = {"Status": "SUPPRESSED"}
    if failing > 1:
        findings[1]["Workflow"] = {"Status": "NOTIFIED"}
    hub.batch_import_findings(Findings=findings)
    if region == HOME_REGION and profile.environment != "sandbox":
        waf = member.session.client("wafv2", region_name=region)
        waf.create_web_acl(
            Name=f"{profile.key}-web",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            VisibilityConfig={
                "SampledRequestsEnabled": True,
                "CloudWatchMetricsEnabled": True,
                "MetricName": f"{profile.key}-web",
            },
            Rules=[
                {
                    "Name": "AWSManagedRulesCommonRuleSet",
                    "Priority": 0,
                    "Statement": {
                        "ManagedRuleGroupStatement": {
                            "VendorName": "AWS",
                            "Name": "AWSManagedRulesCommonRuleSet",
                        }
                    },
                    "OverrideAction": {"None": {}},
                    "VisibilityConfig": {
                        "SampledRequestsEnabled": True,
                        "CloudWatchMetricsEnabled": True,
                        "MetricName": "common",
                    },
                }
            ],
        )
    if region == HOME_REGION and profile.environment == "production":
        hub_rh = member.session.client("resiliencehub", region_name=region)
        policy = hub_rh.create_resiliency_policy(
            policyName="mission-critical",
            tier="MissionCritical",
            policy={
                kind: {"rtoInSecs": 300, "rpoInSecs": 60}
                for kind in ("Software", "Hardware", "AZ", "Region")
            },
        )["policy"]["policyArn"]
        for app in ("checkout", "catalog"):
            hub_rh.create_app(name=app, policyArn=policy, description=f"The {app} service")


def _finding(
    member: Member, region: str, index: int, at: datetime, rng: random.Random
) -> dict[str, Any]:
    control, title, severity, resource_type = CONTROLS[index % len(CONTROLS)]
    account = member.account_id
    finding_id = (
        f"arn:aws:securityhub:{region}:{account}:security-control/{control}/finding/"
        f"{member.profile.key}-{region}-{index:04d}"
    )
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": f"arn:aws:securityhub:{region}::product/aws/securityhub",
        "ProductName": "Security Hub",
        "GeneratorId": f"security-control/{control}",
        "AwsAccountId": account,
        "Region": region,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "FirstObservedAt": _iso(at - timedelta(days=rng.randint(0, 20))),
        "LastObservedAt": _iso(at),
        "CreatedAt": _iso(at),
        "UpdatedAt": _iso(at),
        "Severity": {"Label": severity, "Normalized": NORMALIZED[severity]},
        "Title": f"{control} {title}",
        "Description": f"This control checks whether {title[0].lower()}{title[1:]}.",
        "Resources": [
            {
                "Type": resource_type,
                "Id": f"arn:aws:ec2:{region}:{account}:resource/{member.profile.key}-{index}",
                "Region": region,
            }
        ],
        "Compliance": {
            "Status": "FAILED",
            "SecurityControlId": control,
            "AssociatedStandards": [{"StandardsId": s} for s in standards_ids(member, control)],
        },
        "Remediation": {
            "Recommendation": {
                "Text": "For information on how to correct this issue, consult the AWS Security "
                "Hub controls documentation.",
                "Url": f"https://docs.aws.amazon.com/console/securityhub/{control}/remediation",
            }
        },
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
    }


def standards_ids(member: Member, control: str) -> list[str]:
    """The enabled standards (their StandardsId) a control finding counts for: the demo's
    recorded GetEnabledStandards (demo.recorded.securityhub) enables them per environment."""
    from demo.recorded.securityhub import standards_of

    return standards_of(member.profile.environment, control)


def _global(member: Member) -> None:
    profile = member.profile
    account = member.session.client("account", region_name="us-east-1")
    account.put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress=f"security+{profile.key}@example.com",
        Name="Security Operations",
        PhoneNumber="+44 20 7946 0000",
        Title="SecOps on call",
    )
    if profile.environment == "production":
        support = member.session.client("support", region_name="us-east-1")
        for subject, severity in (
            ("RDS storage autoscaling did not trigger", "high"),
            ("Request Service Quotas increase for Lambda concurrency", "low"),
        ):
            support.create_case(
                subject=subject,
                serviceCode="amazon-rds" if "RDS" in subject else "service-limit-increase",
                severityCode=severity,
                categoryCode="other",
                communicationBody=subject,
                language="en",
                issueType="technical",
            )
