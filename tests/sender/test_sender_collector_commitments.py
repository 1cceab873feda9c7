"""commitments and marketplace_usage: Cost Explorer only when there is something to ask about.

Reservations are asked for the reservation services the window's cost and usage shows (without a
SERVICE filter Cost Explorer answers for EC2 only): coverage whatever the account owns
(commitments are shared across the billing family), two services per request grouped by instance
type; utilization only for a service whose free describe API lists a reservation of the account.
Responses are shaped like the API reference's and the CLI's examples.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sender.aws import Clients
from sender.collectors.commitments import COLLECTOR as COMMITMENTS
from sender.collectors.marketplace_usage import COLLECTOR as MARKETPLACE
from sender.intervals import Interval, Window
from support.sender_fixtures import (
    ACCOUNT,
    WireStub,
    access_denied,
    make_context,
    run_collector,
    section,
    stubbed,
)

G = "us-east-1"
R = "eu-west-1"  # the sender's region (make_context's), where reservations are described
OWN = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [ACCOUNT]}}  # every request carries it
EC2 = "Amazon Elastic Compute Cloud - Compute"
RDS = "Amazon Relational Database Service"
PERIOD = {"Start": "2026-11-24", "End": "2026-11-25"}
DAY = {"TimePeriod": PERIOD, "Granularity": "DAILY", "Filter": OWN}
USAGE_REQUEST = {
    "TimePeriod": PERIOD,
    "Granularity": "DAILY",
    "Metrics": ["UnblendedCost", "AmortizedCost", "UsageQuantity"],
    "GroupBy": [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    ],
    "Filter": OWN,
}
RI_TOTAL = {
    "UtilizationPercentage": "98.61",
    "PurchasedHours": "240",
    "TotalActualHours": "236.66",
    "UnusedHours": "3.34",
    "OnDemandCostOfRIHoursUsed": "75.02",
    "NetRISavings": "23.19",
    "TotalPotentialRISavings": "23.92",
    "AmortizedUpfrontFee": "12.56",
    "AmortizedRecurringFee": "40",
    "TotalAmortizedFee": "52.5600",
    "RICostForUnusedHours": "0.73",
}


def of(service=None, query=DAY):
    """The request of one account (and one service): filters are And-ed."""
    if service is None:
        return query
    service_filter = {"Dimensions": {"Key": "SERVICE", "Values": [service]}}
    return {**query, "Filter": {"And": [OWN, service_filter]}}


def usage(ce, *entries):
    """The window's cost and usage (the cost collectors' shared query): (service, usage type)."""
    groups = [
        {
            "Keys": [service, usage_type],
            "Metrics": {
                "UnblendedCost": {"Amount": "4.11", "Unit": "USD"},
                "AmortizedCost": {"Amount": "4.11", "Unit": "USD"},
                "UsageQuantity": {"Amount": "24", "Unit": "Hrs"},
            },
        }
        for service, usage_type in entries
    ]
    ce.add_response(
        "get_cost_and_usage",
        {"ResultsByTime": [{"TimePeriod": PERIOD, "Groups": groups, "Estimated": True}]},
        USAGE_REQUEST,
    )


def coverage_hours(reserved, total, pct):
    return {
        "CoveragesByTime": [],
        "Total": {
            "CoverageHours": {
                "OnDemandHours": str(float(total) - float(reserved)),
                "ReservedHours": reserved,
                "TotalRunningHours": total,
                "CoverageHoursPercentage": pct,
            }
        },
    }


NO_RI = {"UtilizationsByTime": [], "Total": {"PurchasedHours": "0"}}
# DescribeReservedInstances, shaped like the EC2 API reference's example
EC2_RESERVATION = {
    "ReservedInstancesId": "af9f760e-6f91-4559-85f7-4980eexample",
    "InstanceType": "m5.large",
    "Start": datetime(2026, 1, 10, 8, 0, tzinfo=UTC),
    "End": datetime(2027, 1, 10, 8, 0, tzinfo=UTC),
    "Duration": 31536000,
    "FixedPrice": 0.0,
    "UsagePrice": 0.0,
    "InstanceCount": 2,
    "ProductDescription": "Linux/UNIX",
    "State": "active",
    "InstanceTenancy": "default",
    "CurrencyCode": "USD",
    "OfferingType": "No Upfront",
    "OfferingClass": "standard",
    "Scope": "Region",
    "RecurringCharges": [{"Frequency": "Hourly", "Amount": 0.062}],
}


def reservations(ec2, *items):
    ec2.add_response("describe_reserved_instances", {"ReservedInstances": list(items)}, {})


def coverage_groups(*entries):
    """GetReservationCoverage grouped by INSTANCE_TYPE: (instance type, reserved, total)."""
    groups = [
        {
            "Attributes": {"instanceType": instance_type},
            "Coverage": {
                "CoverageHours": {
                    "ReservedHours": reserved,
                    "OnDemandHours": str(float(total) - float(reserved)),
                    "TotalRunningHours": total,
                    "CoverageHoursPercentage": "0",
                }
            },
        }
        for instance_type, reserved, total in entries
    ]
    return {"CoveragesByTime": [{"TimePeriod": PERIOD, "Groups": groups}]}


def paired(*services):
    """One coverage request for two services: their SERVICE values OR'd, grouped by type."""
    return {
        "TimePeriod": PERIOD,
        "Filter": {"And": [OWN, {"Dimensions": {"Key": "SERVICE", "Values": list(services)}}]},
        "GroupBy": [{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}],
    }


def plans(stub, *entries, token=None):
    expected = {"states": ["active", "retired"], "maxResults": 100}
    stub.add_response(
        "describe_savings_plans",
        {"savingsPlans": list(entries), **({"nextToken": token} if token else {})},
        expected,
    )


def no_sp_coverage(ce, query=DAY):
    ce.add_response("get_savings_plans_coverage", {"SavingsPlansCoverages": []}, query)


def test_reserved_instances_and_savings_plans(clients):
    with (
        stubbed(clients, "ce", G) as ce,
        stubbed(clients, "savingsplans", G) as sp,
        stubbed(clients, "ec2", R) as ec2,
    ):
        usage(ce, (EC2, "EUW1-BoxUsage:m5.large"), ("Amazon Simple Storage Service", "Requests"))
        reservations(ec2, {**EC2_RESERVATION, "State": "retired"}, EC2_RESERVATION)
        ce.add_response(
            "get_reservation_coverage", coverage_hours("236.66", "576.66", "41.04"), of(EC2)
        )
        ce.add_response(
            "get_reservation_utilization", {"UtilizationsByTime": [], "Total": RI_TOTAL}, of(EC2)
        )
        plans(
            sp,
            {
                "savingsPlanId": "sp-old",
                "start": "2023-01-01T00:00:00.000Z",
                "end": "2026-01-01T00:00:00.000Z",
                "state": "retired",
            },
            token="more",
        )
        sp.add_response(
            "describe_savings_plans",
            {
                "savingsPlans": [
                    {
                        "savingsPlanId": "sp-1",
                        "start": "2025-06-01T00:00:00.000Z",
                        "end": "2028-06-01T00:00:00.000Z",
                        "state": "active",
                        "currency": "USD",
                    }
                ]
            },
        )
        ce.add_response(
            "get_savings_plans_utilization",
            {
                "Total": {
                    "Utilization": {
                        "TotalCommitment": "96.0000",
                        "UsedCommitment": "96.0000",
                        "UnusedCommitment": "0",
                        "UtilizationPercentage": "100",
                    },
                    "Savings": {"NetSavings": "38.4000", "OnDemandCostEquivalent": "134.4000"},
                }
            },
            DAY,
        )
        ce.add_response(
            "get_savings_plans_coverage",
            {
                "SavingsPlansCoverages": [
                    {
                        "Coverage": {
                            "SpendCoveredBySavingsPlans": "96",
                            "OnDemandCost": "54.71",
                            "TotalCost": "150.71",
                            "CoveragePercentage": "63.7",
                        }
                    }
                ],
                "NextToken": "n",
            },
            DAY,
        )
        ce.add_response(
            "get_savings_plans_coverage",
            {
                "SavingsPlansCoverages": [
                    {"Coverage": {"SpendCoveredBySavingsPlans": "0", "TotalCost": "0"}}
                ]
            },
            {**DAY, "NextToken": "n"},
        )
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    ri, sp_item = section(outcome)
    assert ri == {
        "kind": "RI",
        "service": EC2,
        "period_start": "2026-11-24",
        "period_end": "2026-11-25",
        "utilization_pct": "98.61",
        "coverage_pct": "41.0397808067",  # 236.66 of 576.66 running hours
        "coverage_covered": "236.66",
        "coverage_eligible": "576.66",
        "commitment": "52.5600",
        "used": "51.83",
        "unused": "0.73",
        "net_savings": "23.19",
        "on_demand_equivalent": "75.02",
        "currency": "USD",
    }
    assert sp_item["coverage_pct"] == "63.698493796"  # 96 of 150.71 spend covered
    assert (sp_item["coverage_covered"], sp_item["coverage_eligible"]) == ("96", "150.71")
    assert (sp_item["utilization_pct"], sp_item["net_savings"]) == ("100", "38.4000")
    assert sp_item["service"] is None


def test_rds_is_reported_and_two_services_share_one_coverage_request(clients):
    """Issue 17, item 2: without a SERVICE filter both reservation APIs answer for EC2 only, so
    an account holding only RDS reservations reported nothing. Issue 14: EC2 and RDS coverage
    come from one request (two SERVICE values, grouped by instance type: RDS classes start with
    ``db.``), and utilization is asked only for RDS, the service the account owns."""
    rds_total = {  # GetReservationUtilization, one db.r6g.large reservation, fully used
        "UtilizationPercentage": "100",
        "PurchasedHours": "24",
        "TotalActualHours": "24",
        "UnusedHours": "0",
        "OnDemandCostOfRIHoursUsed": "6.19",
        "NetRISavings": "2.35",
        "TotalPotentialRISavings": "2.35",
        "AmortizedUpfrontFee": "1.92",
        "AmortizedRecurringFee": "1.92",
        "TotalAmortizedFee": "3.84",
        "RICostForUnusedHours": "0",
    }
    rds_reservation = {  # DescribeReservedDBInstances, as the RDS API reference shows one
        "ReservedDBInstanceId": "mydbreservation-ö",
        "ReservedDBInstancesOfferingId": "649fd0c8-cf6d-47a0-bfa6-060f8e75e95f",
        "DBInstanceClass": "db.r6g.large",
        "StartTime": datetime(2026, 3, 1, 12, tzinfo=UTC),
        "Duration": 31536000,
        "FixedPrice": 0.0,
        "UsagePrice": 0.0,
        "CurrencyCode": "USD",
        "DBInstanceCount": 1,
        "ProductDescription": "postgresql",
        "OfferingType": "Partial Upfront",
        "MultiAZ": False,
        "State": "active",
        "RecurringCharges": [{"RecurringChargeAmount": 0.08, "RecurringChargeFrequency": "Hourly"}],
        "ReservedDBInstanceArn": "arn:aws-cn:rds:cn-north-1:123456789012:ri:mydbreservation",
    }
    with (
        stubbed(clients, "ce", G) as ce,
        stubbed(clients, "savingsplans", G) as sp,
        stubbed(clients, "ec2", R) as ec2,
        stubbed(clients, "rds", R) as rds_api,
    ):
        usage(ce, (EC2, "EUW1-BoxUsage:t3.large"), (RDS, "EUW1-InstanceUsage:db.r6g.large"))
        reservations(ec2)  # no EC2 reservation of its own
        rds_api.add_response(
            "describe_reserved_db_instances", {"ReservedDBInstances": [rds_reservation]}, {}
        )
        ce.add_response(
            "get_reservation_coverage",
            coverage_groups(("t3.large", "0", "48"), ("db.r6g.large", "24", "24")),
            paired(EC2, RDS),
        )
        ce.add_response(
            "get_reservation_utilization", {"UtilizationsByTime": [], "Total": rds_total}, of(RDS)
        )
        plans(sp)
        no_sp_coverage(ce)
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    ec2, rds = section(outcome)
    assert (ec2["service"], ec2["coverage_pct"], ec2["utilization_pct"]) == (EC2, "0", None)
    assert ec2["coverage_eligible"] == "48" and ec2["commitment"] is None  # no reservation owned
    assert (rds["service"], rds["utilization_pct"], rds["coverage_pct"]) == (RDS, "100", "100")
    assert (rds["commitment"], rds["net_savings"]) == ("3.84", "2.35")
    assert clients.calls_for("ce") == 4  # usage, coverage (both), RDS utilization, SP coverage


def test_a_member_covered_by_commitments_bought_elsewhere_reports_coverage(clients):
    """Issue 17, item 3: a Savings Plan and a reservation of another account of the billing
    family cover this account's usage; it owns neither, and still reports its coverage. No
    utilization is asked (issue 14: the free describe API says it owns no reservation)."""
    with (
        stubbed(clients, "ce", G) as ce,
        stubbed(clients, "savingsplans", G) as sp,
        stubbed(clients, "ec2", R) as ec2,
    ):
        usage(ce, (EC2, "EUW1-BoxUsage:m6i.xlarge"))
        expired = {**EC2_RESERVATION, "End": datetime(2026, 11, 20, tzinfo=UTC)}
        reservations(ec2, {**expired, "State": "retired"})  # ended before the window
        ce.add_response("get_reservation_coverage", coverage_hours("12", "48", "25"), of(EC2))
        plans(sp)  # this account owns no plan
        ce.add_response(
            "get_savings_plans_coverage",
            {
                "SavingsPlansCoverages": [
                    {
                        "Attributes": {},
                        "Coverage": {
                            "SpendCoveredBySavingsPlans": "30.72",
                            "OnDemandCost": "7.68",
                            "TotalCost": "38.40",
                            "CoveragePercentage": "80",
                        },
                        "TimePeriod": PERIOD,
                    }
                ]
            },
            DAY,
        )
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    ri, sp_item = section(outcome)
    assert (ri["kind"], ri["coverage_pct"], ri["utilization_pct"]) == ("RI", "25", None)
    assert (sp_item["kind"], sp_item["coverage_pct"]) == ("SP", "80")
    assert sp_item["utilization_pct"] is None and sp_item["commitment"] is None
    assert clients.calls_for("ce") == 3  # usage, RI coverage, SP coverage


def test_a_describe_that_fails_asks_utilization_as_before(clients):
    """Ownership unknown (the describe call is denied): utilization is asked, as before."""
    with (
        stubbed(clients, "ce", G) as ce,
        stubbed(clients, "savingsplans", G) as sp,
        stubbed(clients, "ec2", R) as ec2,
    ):
        usage(ce, (EC2, "EUW1-BoxUsage:m6i.xlarge"))
        access_denied(ec2, "describe_reserved_instances")
        ce.add_response("get_reservation_coverage", coverage_hours("12", "48", "25"), of(EC2))
        ce.add_response("get_reservation_utilization", NO_RI, of(EC2))
        plans(sp)
        no_sp_coverage(ce)
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok", outcome.error  # nothing is missing: utilization was asked
    assert section(outcome)[0]["coverage_pct"] == "25"


def test_services_with_the_same_instance_type_mark_are_asked_apart():
    from sender.collectors import commitments as c

    assert c._pairs([c.EC2, c.RDS, c.ELASTICACHE, c.MEMORYDB, c.REDSHIFT]) == [
        (c.EC2, c.RDS),
        (c.ELASTICACHE, c.MEMORYDB),
        (c.REDSHIFT,),
    ]
    assert c._pairs([c.RDS, c.MEMORYDB]) == [(c.RDS,), (c.MEMORYDB,)]  # both "db."
    assert c._pairs([c.EC2, c.REDSHIFT]) == [(c.EC2,), (c.REDSHIFT,)]  # neither marked
    assert c._pairs([c.OPENSEARCH, c.ELASTICSEARCH, c.EC2]) == [
        (c.OPENSEARCH, c.EC2),
        (c.ELASTICSEARCH,),
    ]
    assert c._service_of("db.r6g.large", (c.EC2, c.RDS)) == c.RDS
    assert c._service_of("r6g.large.search", (c.OPENSEARCH, c.EC2)) == c.OPENSEARCH
    assert c._service_of("m5.large", (c.ELASTICACHE, c.MEMORYDB)) is None


def test_no_commitments_cost_one_cost_explorer_call(clients):
    """No reservation service used, no plan: only the Savings Plans coverage is asked (the
    usage query is the cost collectors', shared per run)."""
    with stubbed(clients, "ce", G) as ce, stubbed(clients, "savingsplans", G) as sp:
        usage(ce, ("Amazon Simple Storage Service", "EUW1-Requests-Tier1"))
        plans(sp)
        ce.add_client_error(
            "get_savings_plans_coverage", service_error_code="DataUnavailableException"
        )
        outcome = run_collector(COMMITMENTS, make_context(clients, None))
    assert outcome.status == "ok" and section(outcome) == []
    assert clients.calls_for("ce") == 2  # the shared usage query, the Savings Plans coverage


def test_monthly_windows_ask_monthly_granularity(clients):
    window = Window(date(2026, 10, 1), date(2026, 11, 1))
    month = {
        "TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"},
        "Granularity": "MONTHLY",
        "Filter": OWN,
    }
    with stubbed(clients, "ce", G) as ce, stubbed(clients, "savingsplans", G) as sp:
        ce.add_response(
            "get_cost_and_usage",
            {"ResultsByTime": []},
            {**USAGE_REQUEST, "TimePeriod": month["TimePeriod"]},
        )
        plans(
            sp,
            {
                "savingsPlanId": "sp-late",
                "start": "2026-11-05T00:00:00.000Z",
                "end": "2029-11-05T00:00:00.000Z",
                "state": "active",
            },
        )  # after the window
        no_sp_coverage(ce, month)
        outcome = run_collector(
            COMMITMENTS, make_context(clients, None, interval=Interval.MONTHLY, window=window)
        )
    assert outcome.status == "ok" and section(outcome) == []


def test_commitments_access_denied_is_skipped(clients):
    with stubbed(clients, "ce", G) as ce, stubbed(clients, "ec2", R) as ec2:
        usage(ce, (EC2, "EUW1-BoxUsage:t3.large"))
        reservations(ec2)
        access_denied(ce, "get_reservation_coverage")
        assert run_collector(COMMITMENTS, make_context(clients, None)).status == "skipped"


def test_commitments_throttling_is_retried(clients):
    wire = WireStub(clients.client("ce", G))
    wire.add("GetCostAndUsage", {"ResultsByTime": []})
    wire.add_error("GetSavingsPlansCoverage", "ThrottlingException")
    wire.add("GetSavingsPlansCoverage", {"SavingsPlansCoverages": []})
    sp = WireStub(clients.client("savingsplans", G))
    sp.add_error("DescribeSavingsPlans", "ThrottlingException", status=429)
    sp.add("DescribeSavingsPlans", {"savingsPlans": []})
    assert run_collector(COMMITMENTS, make_context(clients, None)).status == "ok"
    wire.assert_done()
    sp.assert_done()


MARKET_REQUEST = {
    "TimePeriod": {"Start": "2026-11-24", "End": "2026-11-25"},
    "Granularity": "DAILY",
    "Metrics": ["UnblendedCost", "UsageQuantity"],
    "Filter": {
        "And": [OWN, {"Dimensions": {"Key": "BILLING_ENTITY", "Values": ["AWS Marketplace"]}}]
    },
    "GroupBy": [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    ],
}


def _market_group(product, usage_type, cost, quantity, unit):
    return {
        "Keys": [product, usage_type],
        "Metrics": {
            "UnblendedCost": {"Amount": cost, "Unit": "USD"},
            "UsageQuantity": {"Amount": quantity, "Unit": unit},
        },
    }


TOTALS_REQUEST = {  # the cost collector's comparison totals query (scheduled DAILY run)
    "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-25"},
    "Granularity": "DAILY",
    "Metrics": ["UnblendedCost", "AmortizedCost"],
    "GroupBy": [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "DIMENSION", "Key": "BILLING_ENTITY"},
    ],
    "Filter": OWN,
}


def _entity_group(service, entity, cost):
    money = {"Amount": cost, "Unit": "USD"}
    return {"Keys": [service, entity], "Metrics": {"UnblendedCost": money, "AmortizedCost": money}}


def test_marketplace_usage_comes_from_the_cost_queries_without_a_request_of_its_own(clients):
    """Issue 14: the totals query, grouped by SERVICE and BILLING_ENTITY, names the products AWS
    Marketplace bills; their rows are the shared usage query's. No Marketplace request."""
    product = "Datadog Pro (Pay-As-You-Go) — Ünïcode"
    with stubbed(clients, "ce", G) as ce:
        ce.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": {"Start": "2026-11-23", "End": "2026-11-24"},
                        "Groups": [
                            _entity_group(EC2, "AWS", "12.5"),
                            _entity_group(product, "AWS Marketplace", "8.96"),
                        ],
                        "Total": {},
                        "Estimated": True,
                    }
                ]
            },
            TOTALS_REQUEST,
        )
        ce.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": PERIOD,
                        "Groups": [
                            {
                                "Keys": [EC2, "EUW1-BoxUsage:m5.large"],
                                "Metrics": {
                                    "UnblendedCost": {"Amount": "2.3", "Unit": "USD"},
                                    "AmortizedCost": {"Amount": "2.3", "Unit": "USD"},
                                    "UsageQuantity": {"Amount": "24", "Unit": "Hrs"},
                                },
                            },
                            {
                                "Keys": [product, "hosts"],
                                "Metrics": {
                                    "UnblendedCost": {"Amount": "8.9600000000", "Unit": "USD"},
                                    "AmortizedCost": {"Amount": "8.9600000000", "Unit": "USD"},
                                    "UsageQuantity": {"Amount": "14", "Unit": "Hosts"},
                                },
                            },
                        ],
                        "Estimated": True,
                    }
                ]
            },
            USAGE_REQUEST,
        )
        outcome = run_collector(MARKETPLACE, make_context(clients, None))
    assert outcome.status == "ok", outcome.error
    assert section(outcome) == [
        {
            "date": "2026-11-24",
            "product": product,
            "usage_type": "hosts",
            "unit": "Hosts",
            "quantity": "14",
            "cost": "8.96",
            "currency": "USD",
        }
    ]
    assert clients.calls_for("ce") == 2  # the two queries the cost collectors make anyway


def test_without_the_totals_query_marketplace_is_filtered_server_side_and_paginated(clients):
    """The totals query fails (no data): Marketplace asks its own filtered query, as before."""
    period = MARKET_REQUEST["TimePeriod"]
    with stubbed(clients, "ce", G) as ce:
        ce.add_client_error("get_cost_and_usage", service_error_code="DataUnavailableException")
        ce.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": period,
                        "Groups": [
                            _market_group(
                                "Datadog Pro (Pay-As-You-Go)",
                                "hosts",
                                "8.9600000000",
                                "14",
                                "Hosts",
                            )
                        ],
                    }
                ],
                "NextPageToken": "p",
            },
            MARKET_REQUEST,
        )
        ce.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {
                        "TimePeriod": period,
                        "Groups": [
                            _market_group(
                                "CIS Hardened Image Level 1",
                                "EUW1-MP:m6i.xlarge",
                                "1.4400",
                                "48",
                                "Hrs",
                            )
                        ],
                    }
                ]
            },
            {**MARKET_REQUEST, "NextPageToken": "p"},
        )
        outcome = run_collector(MARKETPLACE, make_context(clients, None))
    assert outcome.status == "ok"
    assert section(outcome) == [
        {
            "date": "2026-11-24",
            "product": "Datadog Pro (Pay-As-You-Go)",
            "usage_type": "hosts",
            "unit": "Hosts",
            "quantity": "14",
            "cost": "8.96",
            "currency": "USD",
        },
        {
            "date": "2026-11-24",
            "product": "CIS Hardened Image Level 1",
            "usage_type": "EUW1-MP:m6i.xlarge",
            "unit": "Hrs",
            "quantity": "48",
            "cost": "1.44",
            "currency": "USD",
        },
    ]


def test_marketplace_access_denied_is_skipped_and_throttling_retried(clients):
    with stubbed(clients, "ce", G) as ce:
        access_denied(ce, "get_cost_and_usage")
        assert run_collector(MARKETPLACE, make_context(clients, None)).status == "skipped"
    other = Clients()
    wire = WireStub(other.client("ce", G))
    wire.add_error("GetCostAndUsage", "ThrottlingException")
    wire.add("GetCostAndUsage", {"ResultsByTime": []})  # the totals query, retried
    wire.add("GetCostAndUsage", {"ResultsByTime": []})  # the usage query
    assert run_collector(MARKETPLACE, make_context(other, None)).status == "ok"
    wire.assert_done()
