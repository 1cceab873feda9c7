"""commitment_inventory: every reservation (five services, per region) and Savings Plan (global)
the account owns, with Cost Explorer utilisation asked only for what it owns.

moto 5.2 implements none of these describe calls: botocore Stubber, with responses shaped like
the API references' examples (absent optional fields, non-ASCII names, an aws-cn ARN).
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime

from botocore.stub import Stubber

from sender.collectors.base import Shared
from sender.collectors.commitment_inventory import COLLECTOR
from support.sender_fixtures import (
    ACCOUNT,
    REGION,
    make_context,
    run_collector,
    section,
    stubbed,
)

GLOBAL = "us-east-1"  # where the ce and savingsplans clients of the aws partition live
PERIOD = {"Start": "2026-11-24", "End": "2026-11-25"}  # the DAILY window of make_context
EC2_SERVICE = "Amazon Elastic Compute Cloud - Compute"
EC2_RI = "9d5cb137-5d65-4479-b4ac-8c337EXAMPLE"
OPENSEARCH_RI = "2f8b9c4e-1d2a-4b3c-9e5f-6a7b8c9d0e1f"
PLAN = "3f8a1c2e-7b4d-4e9f-a1c3-5d6e7f8a9b0c"
PLAN_ARN = f"arn:aws-cn:savingsplans::{ACCOUNT}:savingsplan/{PLAN}"
RDS_ARN = f"arn:aws:rds:eu-west-1:{ACCOUNT}:ri:orders-db-ri-2026"


def utilisation_request(service: str) -> dict:
    return {
        "TimePeriod": PERIOD,
        "Filter": {
            "And": [
                {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}},
                {"Dimensions": {"Key": "SERVICE", "Values": [service]}},
            ]
        },
        "GroupBy": [{"Type": "DIMENSION", "Key": "SUBSCRIPTION_ID"}],
    }


def group(subscription: str, purchased: str, actual: str, unused_cost: str, **attributes):
    return {
        "Key": "SUBSCRIPTION_ID",
        "Value": subscription,
        "Attributes": attributes,
        "Utilization": {
            "UtilizationPercentage": "0",  # ignored: computed from the hours
            "PurchasedHours": purchased,
            "TotalActualHours": actual,
            "UnusedHours": str(float(purchased) - float(actual)),
            "RICostForUnusedHours": unused_cost,
            "NetRISavings": "15.7",
        },
    }


def stub_regional(stack: ExitStack, clients, region: str = REGION) -> dict[str, Stubber]:
    return {
        service: stack.enter_context(stubbed(clients, service, region))
        for service in ("ec2", "rds", "elasticache", "opensearch", "redshift")
    }


def test_reservations_of_every_service_with_their_utilisation(clients):
    with ExitStack() as stack:
        stubs = stub_regional(stack, clients)
        ce = stack.enter_context(stubbed(clients, "ce", GLOBAL))
        stubs["ec2"].add_response(
            "describe_reserved_instances",
            {
                "ReservedInstances": [
                    {  # the API reference's example, zonal, with a recurring charge
                        "ReservedInstancesId": EC2_RI,
                        "InstanceType": "m6i.xlarge",
                        "AvailabilityZone": "eu-west-1a",
                        "Start": datetime(2025, 10, 11, 9, 14, 2, tzinfo=UTC),
                        "End": datetime(2028, 10, 10, 9, 14, 1, tzinfo=UTC),
                        "Duration": 94608000,
                        "UsagePrice": 0.0,
                        "FixedPrice": 7012.5,
                        "InstanceCount": 8,
                        "ProductDescription": "Linux/UNIX",
                        "State": "active",
                        "InstanceTenancy": "default",
                        "CurrencyCode": "USD",
                        "OfferingType": "Partial Upfront",
                        "RecurringCharges": [{"Frequency": "Hourly", "Amount": 0.116}],
                        "OfferingClass": "standard",
                        "Scope": "Availability Zone",
                    },
                    {  # retired two years ago: no longer owned, not sent
                        "ReservedInstancesId": "0b3a0c5e-aaaa-4bbb-8ccc-1d2e3f4a5b6c",
                        "InstanceType": "t3.large",
                        "Start": datetime(2021, 6, 1, tzinfo=UTC),
                        "End": datetime(2024, 6, 1, tzinfo=UTC),
                        "State": "retired",
                    },
                    {  # queued: starts after the window, every optional field absent
                        "ReservedInstancesId": "5e6f7a8b-1111-4222-8333-444455556666",
                        "State": "queued",
                        "Start": datetime(2026, 12, 1, tzinfo=UTC),
                    },
                ]
            },
            {},
        )
        stubs["rds"].add_response(
            "describe_reserved_db_instances",
            {
                "ReservedDBInstances": [
                    {
                        "ReservedDBInstanceId": "orders-db-ri-2026",
                        "ReservedDBInstancesOfferingId": "438012d3-4052-4cc7-b2e3-8d3372e0e706",
                        "DBInstanceClass": "db.r6g.large",
                        "StartTime": datetime(2026, 2, 15, 8, tzinfo=UTC),
                        "Duration": 31536000,
                        "FixedPrice": 2980.0,
                        "UsagePrice": 0.0,
                        "CurrencyCode": "USD",
                        "DBInstanceCount": 2,
                        "ProductDescription": "postgresql",
                        "OfferingType": "All Upfront",
                        "MultiAZ": True,
                        "State": "active",
                        "RecurringCharges": [],
                        "ReservedDBInstanceArn": RDS_ARN,
                        "LeaseId": "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                    }
                ],
                "Marker": "m1",
            },
            {},
        )
        stubs["rds"].add_response(
            "describe_reserved_db_instances", {"ReservedDBInstances": []}, {"Marker": "m1"}
        )
        stubs["elasticache"].add_response(
            "describe_reserved_cache_nodes",
            {
                "ReservedCacheNodes": [
                    {  # retired last month: still listed (within 90 days)
                        "ReservedCacheNodeId": "sessions-2025",
                        "CacheNodeType": "cache.r6g.large",
                        "StartTime": datetime(2025, 11, 1, tzinfo=UTC),
                        "Duration": 31536000,
                        "FixedPrice": 0.0,
                        "UsagePrice": 0.0,
                        "CacheNodeCount": 2,
                        "ProductDescription": "redis",
                        "OfferingType": "No Upfront",
                        "State": "retired",
                        "RecurringCharges": [
                            {"RecurringChargeAmount": 0.09, "RecurringChargeFrequency": "Hourly"},
                            {"RecurringChargeAmount": 0.02, "RecurringChargeFrequency": "Hourly"},
                        ],
                        "ReservationARN": (
                            f"arn:aws:elasticache:eu-west-1:{ACCOUNT}:reserved-instance:sessions-2025"
                        ),
                    }
                ]
            },
            {},
        )
        stubs["opensearch"].add_response(
            "describe_reserved_instances",
            {
                "ReservedInstances": [
                    {
                        "ReservationName": "Suchcluster Zürich, Übersicht",
                        "ReservedInstanceId": OPENSEARCH_RI,
                        "BillingSubscriptionId": 2345678901,
                        "ReservedInstanceOfferingId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
                        "InstanceType": "r6g.large.search",
                        "StartTime": datetime(2026, 1, 5, tzinfo=UTC),
                        "Duration": 31536000,
                        "FixedPrice": 0.0,
                        "UsagePrice": 0.0,
                        "CurrencyCode": "USD",
                        "InstanceCount": 3,
                        "State": "active",
                        "PaymentOption": "NO_UPFRONT",
                        "RecurringCharges": [
                            {"RecurringChargeAmount": 0.123, "RecurringChargeFrequency": "Hourly"}
                        ],
                    }
                ]
            },
            {},
        )
        stubs["redshift"].add_response("describe_reserved_nodes", {"ReservedNodes": []}, {})
        ce.add_response(
            "get_reservation_utilization",
            {
                "UtilizationsByTime": [
                    {
                        "TimePeriod": PERIOD,
                        "Groups": [
                            group(
                                "1234567890",
                                "192",
                                "180",
                                "1.608",
                                leaseId=EC2_RI,
                                region="eu-west-1",
                                instanceType="m6i.xlarge",
                            )
                        ],
                    }
                ],
                "Total": {"UtilizationPercentage": "93.75"},
            },
            utilisation_request(EC2_SERVICE),
        )
        ce.add_response(
            "get_reservation_utilization",
            {
                "UtilizationsByTime": [
                    {
                        "TimePeriod": PERIOD,
                        "Groups": [
                            group(
                                "2222222222",
                                "48",
                                "48",
                                "0",
                                leaseId="a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                            )
                        ],
                    }
                ]
            },
            utilisation_request("Amazon Relational Database Service"),
        )
        ce.add_response(  # a group per day would be summed: here two half-days of one period
            "get_reservation_utilization",
            {
                "UtilizationsByTime": [
                    {"TimePeriod": PERIOD, "Groups": [group("2345678901", "36", "27", "0.5")]},
                    {"TimePeriod": PERIOD, "Groups": [group("2345678901", "36", "36", "0")]},
                ]
            },
            utilisation_request("Amazon OpenSearch Service"),
        )
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    items = {i["commitment_id"]: i for i in section(outcome)}
    assert sorted(items) == sorted(
        [
            EC2_RI,
            "5e6f7a8b-1111-4222-8333-444455556666",
            "orders-db-ri-2026",
            "sessions-2025",
            OPENSEARCH_RI,
        ]
    )
    assert items[EC2_RI] == {
        "service": "EC2",
        "region": REGION,
        "commitment_id": EC2_RI,
        "kind": "RI",
        "commitment_arn": None,
        "description": None,
        "instance_type": "m6i.xlarge",
        "plan_type": None,
        "product": "Linux/UNIX",
        "instance_family": None,
        "plan_region": None,
        "availability_zone": "eu-west-1a",
        "scope": "Availability Zone",
        "multi_az": None,
        "instance_count": 8,
        "duration_seconds": 94608000,
        "payment_option": "Partial Upfront",
        "offering_class": "standard",
        "state": "active",
        "start_at": "2025-10-11T09:14:02Z",
        "end_at": "2028-10-10T09:14:01Z",
        "end_computed": False,
        "upfront_fee": "7012.5",
        "usage_price": "0",
        "recurring_amount": "0.116",
        "recurring_frequency": "Hourly",
        "hourly_commitment": None,
        "currency": "USD",
        "utilization_pct": "93.75",  # 180 of 192 purchased hours
        "utilization_period_start": "2026-11-24",
        "utilization_period_end": "2026-11-25",
        "unused_cost": "1.608",
        "net_savings": "15.7",
    }
    queued = items["5e6f7a8b-1111-4222-8333-444455556666"]
    assert (queued["instance_type"], queued["end_at"], queued["utilization_pct"]) == (
        None,
        None,
        None,
    )
    rds = items["orders-db-ri-2026"]
    assert rds["commitment_arn"] == RDS_ARN
    assert (rds["end_at"], rds["end_computed"], rds["multi_az"]) == (
        "2027-02-15T08:00:00Z",  # StartTime + Duration: RDS gives no end
        True,
        True,
    )
    assert (rds["utilization_pct"], rds["recurring_amount"]) == ("100", None)
    cache = items["sessions-2025"]
    assert (cache["state"], cache["currency"], cache["recurring_amount"]) == (
        "retired",
        None,  # DescribeReservedCacheNodes names no currency
        "0.11",
    )
    assert cache["utilization_pct"] is None  # ended before the window: not asked
    search = items[OPENSEARCH_RI]
    assert search["description"] == "Suchcluster Zürich, Übersicht"
    assert (search["payment_option"], search["utilization_pct"], search["unused_cost"]) == (
        "NO_UPFRONT",
        "87.5",  # (27 + 36) / (36 + 36) hours
        "0.5",
    )


def test_savings_plans_with_their_utilisation_details(clients):
    with ExitStack() as stack:
        plans = stack.enter_context(stubbed(clients, "savingsplans", GLOBAL))
        ce = stack.enter_context(stubbed(clients, "ce", GLOBAL))
        plans.add_response(
            "describe_savings_plans",
            {
                "savingsPlans": [
                    {
                        "offeringId": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
                        "savingsPlanId": PLAN,
                        "savingsPlanArn": PLAN_ARN,
                        "description": "1 year No Upfront EC2Instance Savings Plan für Zürich",
                        "start": "2025-12-20T10:12:41.000Z",
                        "end": "2026-12-20T10:12:40.000Z",
                        "state": "active",
                        "region": "cn-north-1",
                        "ec2InstanceFamily": "m6i",
                        "savingsPlanType": "EC2Instance",
                        "paymentOption": "No Upfront",
                        "productTypes": ["EC2"],
                        "currency": "CNY",
                        "commitment": "12.6",
                        "upfrontPaymentAmount": "0",
                        "recurringPaymentAmount": "12.6",
                        "termDurationInSeconds": 31536000,
                        "tags": {},
                    }
                ],
                "nextToken": "t1",
            },
            {"maxResults": 100},
        )
        plans.add_response(
            "describe_savings_plans",
            {
                "savingsPlans": [
                    {  # a Compute plan: no family, no region, no recurring payment given
                        "savingsPlanId": "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                        "savingsPlanArn": (
                            f"arn:aws-cn:savingsplans::{ACCOUNT}:savingsplan/"
                            "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
                        ),
                        "start": "2027-01-01T00:00:00.000Z",
                        "end": "2030-01-01T00:00:00.000Z",
                        "state": "queued",
                        "savingsPlanType": "Compute",
                        "paymentOption": "All Upfront",
                        "productTypes": ["Lambda", "EC2", "Fargate"],
                        "commitment": "2.5",
                        "upfrontPaymentAmount": "65700",
                        "termDurationInSeconds": 94608000,
                    }
                ]
            },
            {"maxResults": 100, "nextToken": "t1"},
        )
        ce.add_response(
            "get_savings_plans_utilization_details",
            {
                "SavingsPlansUtilizationDetails": [
                    {
                        "SavingsPlanArn": PLAN_ARN,
                        "Attributes": {"Region": "cn-north-1"},
                        "Utilization": {
                            "TotalCommitment": "302.4",
                            "UsedCommitment": "290.9088",
                            "UnusedCommitment": "11.4912",
                            "UtilizationPercentage": "96.2",
                        },
                        "Savings": {"NetSavings": "86.17", "OnDemandCostEquivalent": "377.08"},
                    }
                ],
                "TimePeriod": PERIOD,
            },
            {
                "TimePeriod": PERIOD,
                "Filter": {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}},
            },
        )
        outcome = run_collector(COLLECTOR, make_context(clients, region=None))
    assert outcome.status == "ok", outcome.error
    items = {i["commitment_id"]: i for i in section(outcome)}
    active = items[PLAN]
    assert {k: active[k] for k in active if active[k] is not None} == {
        "service": "SavingsPlans",
        "commitment_id": PLAN,
        "kind": "SP",
        "commitment_arn": PLAN_ARN,  # another partition's ARN, kept as AWS gave it
        "description": "1 year No Upfront EC2Instance Savings Plan für Zürich",
        "plan_type": "EC2Instance",
        "product": "EC2",
        "instance_family": "m6i",
        "plan_region": "cn-north-1",
        "duration_seconds": 31536000,
        "payment_option": "No Upfront",
        "state": "active",
        "start_at": "2025-12-20T10:12:41Z",
        "end_at": "2026-12-20T10:12:40Z",
        "end_computed": False,
        "upfront_fee": "0",
        "recurring_amount": "12.6",
        "recurring_frequency": "Hourly",
        "hourly_commitment": "12.6",
        "currency": "CNY",
        "utilization_pct": "96.2",
        "utilization_period_start": "2026-11-24",
        "utilization_period_end": "2026-11-25",
        "unused_cost": "11.4912",
        "net_savings": "86.17",
    }
    assert active["region"] is None  # Savings Plans belong to the global task
    queued = items["7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"]
    assert (queued["product"], queued["recurring_amount"], queued["currency"]) == (
        "EC2, Fargate, Lambda",
        None,
        None,
    )
    assert queued["utilization_pct"] is None  # not in Cost Explorer's answer


def test_an_account_owning_nothing_makes_no_cost_explorer_request(clients):
    """Cost Explorer costs USD 0.01 a request: none unless a commitment is owned."""
    with ExitStack() as stack:
        stubs = stub_regional(stack, clients)
        plans = stack.enter_context(stubbed(clients, "savingsplans", GLOBAL))
        ce = stack.enter_context(stubbed(clients, "ce", GLOBAL))  # no response: a call fails
        stubs["ec2"].add_response("describe_reserved_instances", {"ReservedInstances": []}, {})
        stubs["rds"].add_response("describe_reserved_db_instances", {"ReservedDBInstances": []}, {})
        stubs["elasticache"].add_response(
            "describe_reserved_cache_nodes", {"ReservedCacheNodes": []}, {}
        )
        stubs["opensearch"].add_response(
            "describe_reserved_instances", {"ReservedInstances": []}, {}
        )
        stubs["redshift"].add_response("describe_reserved_nodes", {"ReservedNodes": []}, {})
        plans.add_response("describe_savings_plans", {"savingsPlans": []}, {"maxResults": 100})
        shared = Shared()
        regional = run_collector(COLLECTOR, make_context(clients, shared=shared))
        global_ = run_collector(COLLECTOR, make_context(clients, region=None, shared=shared))
        ce.assert_no_pending_responses()
    assert (regional.status, global_.status) == ("ok", "ok")
    assert regional.items == global_.items == []
    assert clients.calls_for("ce") == 0


def test_cost_mode_off_lists_commitments_without_utilisation(clients):
    with ExitStack() as stack:
        plans = stack.enter_context(stubbed(clients, "savingsplans", GLOBAL))
        stack.enter_context(stubbed(clients, "ce", GLOBAL))  # no response: a call fails
        plans.add_response(
            "describe_savings_plans",
            {
                "savingsPlans": [
                    {
                        "savingsPlanId": PLAN,
                        "savingsPlanArn": PLAN_ARN.replace("aws-cn", "aws"),
                        "start": "2025-12-20T10:12:41.000Z",
                        "end": "2026-12-20T10:12:40.000Z",
                        "state": "active",
                        "savingsPlanType": "Compute",
                    }
                ]
            },
            {"maxResults": 100},
        )
        ctx = make_context(clients, region=None)
        ctx.cost_mode = "off"
        outcome = run_collector(COLLECTOR, ctx)
    assert outcome.status == "ok", outcome.error
    [item] = outcome.items
    assert (item["commitment_id"], item["utilization_pct"]) == (PLAN, None)
    assert clients.calls_for("ce") == 0


def test_regions_share_one_utilisation_request_per_service(clients):
    """Two regions owning EC2 reservations: one GetReservationUtilization for both."""
    shared = Shared()
    outcomes = []
    with ExitStack() as stack:
        ce = stack.enter_context(stubbed(clients, "ce", GLOBAL))
        ce.add_response(
            "get_reservation_utilization",
            {
                "UtilizationsByTime": [
                    {
                        "TimePeriod": PERIOD,
                        "Groups": [
                            group("1", "24", "24", "0", leaseId="ri-eu"),
                            group("2", "24", "12", "1.5", leaseId="ri-us"),
                        ],
                    }
                ]
            },
            utilisation_request(EC2_SERVICE),
        )
        for region, ri in (("eu-west-1", "ri-eu"), ("us-east-1", "ri-us")):
            stubs = stub_regional(stack, clients, region)
            stubs["ec2"].add_response(
                "describe_reserved_instances",
                {
                    "ReservedInstances": [
                        {
                            "ReservedInstancesId": ri,
                            "State": "active",
                            "Start": datetime(2026, 1, 1, tzinfo=UTC),
                            "End": datetime(2027, 1, 1, tzinfo=UTC),
                        }
                    ]
                },
                {},
            )
            for service, operation, key in (
                ("rds", "describe_reserved_db_instances", "ReservedDBInstances"),
                ("elasticache", "describe_reserved_cache_nodes", "ReservedCacheNodes"),
                ("opensearch", "describe_reserved_instances", "ReservedInstances"),
                ("redshift", "describe_reserved_nodes", "ReservedNodes"),
            ):
                stubs[service].add_response(operation, {key: []}, {})
            outcomes.append(
                run_collector(COLLECTOR, make_context(clients, region=region, shared=shared))
            )
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert [o.items[0]["utilization_pct"] for o in outcomes] == ["100", "50"]
    assert clients.calls_for("ce") == 1


def test_one_denied_service_is_a_warning_and_all_denied_is_skipped(clients):
    services = {
        "ec2": ("describe_reserved_instances", "UnauthorizedOperation"),
        "rds": ("describe_reserved_db_instances", "AccessDenied"),
        "elasticache": ("describe_reserved_cache_nodes", "AccessDenied"),
        "opensearch": ("describe_reserved_instances", "AccessDeniedException"),
        "redshift": ("describe_reserved_nodes", "AccessDenied"),
    }
    with ExitStack() as stack:
        stubs = stub_regional(stack, clients)
        for service, (operation, code) in services.items():
            stubs[service].add_client_error(operation, code, "not authorized", 403)
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "skipped"
    with ExitStack() as stack:
        stubs = stub_regional(stack, clients)
        stubs["ec2"].add_response("describe_reserved_instances", {"ReservedInstances": []}, {})
        for service, (operation, code) in services.items():
            if service != "ec2":
                stubs[service].add_client_error(operation, code, "not authorized", 403)
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "partial"
    assert "not authorized" in (outcome.error or "")


def test_a_denied_utilisation_request_keeps_the_commitments_and_says_so(clients):
    """Cost Explorer denied (e.g. an SCP): the inventory stands, utilisation is null, and the
    run is partial with the reason."""
    with ExitStack() as stack:
        plans = stack.enter_context(stubbed(clients, "savingsplans", GLOBAL))
        ce = stack.enter_context(stubbed(clients, "ce", GLOBAL))
        plans.add_response(
            "describe_savings_plans",
            {
                "savingsPlans": [
                    {
                        "savingsPlanId": PLAN,
                        "savingsPlanArn": PLAN_ARN,
                        "start": "2025-12-20T10:12:41.000Z",
                        "end": "2026-12-20T10:12:40.000Z",
                        "state": "active",
                        "commitment": "12.6",
                    }
                ]
            },
            {"maxResults": 100},
        )
        ce.add_client_error(
            "get_savings_plans_utilization_details",
            "AccessDeniedException",
            "User is not authorized to perform ce:GetSavingsPlansUtilizationDetails",
            400,
        )
        outcome = run_collector(COLLECTOR, make_context(clients, region=None))
    assert outcome.status == "partial"
    assert "SavingsPlans utilisation" in (outcome.error or "")
    [item] = outcome.items
    assert (item["commitment_id"], item["hourly_commitment"], item["utilization_pct"]) == (
        PLAN,
        "12.6",
        None,
    )


def test_recurring_charges_of_several_frequencies_keep_the_hourly_ones(clients):
    with ExitStack() as stack:
        stubs = stub_regional(stack, clients)
        stubs["ec2"].add_response("describe_reserved_instances", {"ReservedInstances": []}, {})
        stubs["rds"].add_response(
            "describe_reserved_db_instances",
            {
                "ReservedDBInstances": [
                    {
                        "ReservedDBInstanceId": "legacy-ri",
                        "State": "retired",
                        "StartTime": datetime(2026, 10, 1, tzinfo=UTC),
                        "Duration": 2592000,  # 30 days: ended 2026-10-31, 25 days ago
                        "RecurringCharges": [
                            {"RecurringChargeAmount": 5.0, "RecurringChargeFrequency": "Monthly"},
                            {"RecurringChargeAmount": 0.25, "RecurringChargeFrequency": "Hourly"},
                            {"RecurringChargeAmount": 0.05, "RecurringChargeFrequency": "Hourly"},
                        ],
                    },
                    {
                        "ReservedDBInstanceId": "monthly-ri",
                        "State": "retired",
                        "StartTime": datetime(2025, 10, 1, tzinfo=UTC),
                        "Duration": 3888000,  # 45 days: ended 2025-11-15, over 90 days ago
                        "RecurringCharges": [
                            {"RecurringChargeAmount": 5.0, "RecurringChargeFrequency": "Monthly"}
                        ],
                    },
                ]
            },
            {},
        )
        stubs["elasticache"].add_response(
            "describe_reserved_cache_nodes", {"ReservedCacheNodes": []}, {}
        )
        stubs["opensearch"].add_response(
            "describe_reserved_instances", {"ReservedInstances": []}, {}
        )
        stubs["redshift"].add_response("describe_reserved_nodes", {"ReservedNodes": []}, {})
        outcome = run_collector(COLLECTOR, make_context(clients))
    assert outcome.status == "ok", outcome.error
    [item] = outcome.items  # the one that ended over 90 days ago is no longer sent
    assert (item["commitment_id"], item["end_at"], item["end_computed"]) == (
        "legacy-ri",
        "2026-10-31T00:00:00Z",
        True,
    )
    assert (item["recurring_amount"], item["recurring_frequency"]) == ("0.3", "Hourly")
