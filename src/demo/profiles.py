"""The emulated organization: who the member accounts are and what they run.

Everything the demo seeds (moto resources, recorded responses for the APIs moto lacks) derives
from these profiles, so a run is deterministic: the same accounts, resources and costs every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

REGIONS = ("eu-west-1", "us-east-1")
HOME_REGION = "eu-west-1"


@dataclass(frozen=True)
class MarketplaceProduct:
    """A third-party product billed through AWS Marketplace (BILLING_ENTITY "AWS Marketplace")."""

    name: str  # what Cost Explorer shows as its SERVICE
    usage_type: str
    unit: str
    daily_cost: Decimal


@dataclass(frozen=True)
class AccountProfile:
    """One member account. ``account_id`` is filled in once moto has created the account."""

    key: str  # short, stable name used for seeding and as the random seed
    name: str
    email: str
    environment: str  # the Environment tag on its resources
    daily_spend: Decimal  # typical daily cost in USD, spread over ``services``
    # Cost Explorer SERVICE dimension values and their share of the daily spend
    services: dict[str, float] = field(default_factory=dict)
    instances: dict[str, tuple[str, ...]] = field(default_factory=dict)  # region -> instance types
    buckets: int = 2
    functions: int = 2
    databases: int = 1
    marketplace: tuple[MarketplaceProduct, ...] = ()
    account_id: str = ""


PROFILES: tuple[AccountProfile, ...] = (
    AccountProfile(
        key="prod",
        name="Production",
        email="aws-prod@example.com",
        environment="production",
        daily_spend=Decimal("412.50"),
        services={
            "Amazon Elastic Compute Cloud - Compute": 0.38,
            "Amazon Relational Database Service": 0.21,
            "Amazon Simple Storage Service": 0.09,
            "AWS Lambda": 0.05,
            "Amazon CloudFront": 0.07,
            "Elastic Load Balancing": 0.06,
            "Amazon CloudWatch": 0.04,
            "AWS Key Management Service": 0.01,
            "Amazon GuardDuty": 0.03,
            "AWS Config": 0.02,
            "AWS Security Hub": 0.02,
            "Amazon Virtual Private Cloud": 0.02,
        },
        instances={
            "eu-west-1": ("m6i.xlarge", "m6i.xlarge", "r6g.large", "c6g.2xlarge"),
            "us-east-1": ("m6i.large", "t3.medium"),
        },
        buckets=3,
        functions=4,
        databases=2,
        marketplace=(
            MarketplaceProduct(
                "Datadog Pro (Pay-As-You-Go)", "Datadog-Hosts", "Hosts", Decimal("38.40")
            ),
            MarketplaceProduct(
                "CrowdStrike Falcon Cloud Security", "Falcon-Workloads", "Units", Decimal("21.10")
            ),
        ),
    ),
    AccountProfile(
        key="staging",
        name="Staging",
        email="aws-staging@example.com",
        environment="staging",
        daily_spend=Decimal("96.20"),
        services={
            "Amazon Elastic Compute Cloud - Compute": 0.44,
            "Amazon Relational Database Service": 0.18,
            "Amazon Simple Storage Service": 0.08,
            "AWS Lambda": 0.06,
            "Elastic Load Balancing": 0.08,
            "Amazon CloudWatch": 0.06,
            "AWS Config": 0.04,
            "Amazon GuardDuty": 0.03,
            "Amazon Virtual Private Cloud": 0.03,
        },
        instances={"eu-west-1": ("t3.large", "t3.large", "m6i.large"), "us-east-1": ("t3.small",)},
        buckets=2,
        functions=3,
        databases=1,
        marketplace=(
            MarketplaceProduct(
                "Datadog Pro (Pay-As-You-Go)", "Datadog-Hosts", "Hosts", Decimal("9.60")
            ),
        ),
    ),
    AccountProfile(
        key="sandbox",
        name="Data Science Sandbox",
        email="aws-sandbox@example.com",
        environment="sandbox",
        daily_spend=Decimal("58.75"),
        services={
            "Amazon Elastic Compute Cloud - Compute": 0.52,
            "Amazon SageMaker": 0.22,
            "Amazon Simple Storage Service": 0.12,
            "Amazon Athena": 0.05,
            "AWS Glue": 0.05,
            "Amazon CloudWatch": 0.04,
        },
        instances={"eu-west-1": ("g5.xlarge", "t3.micro"), "us-east-1": ("t3.micro",)},
        buckets=2,
        functions=1,
        databases=0,
    ),
)
