"""A fake Cost Explorer over an organization's billing lines, as the management account sees it.

`OrganizationBilling` answers the Cost Explorer operations the sender calls (and Savings Plans'
``DescribeSavingsPlans``) from a list of `Line` items, the way the API reference describes:
``GetAnomalies`` answers the `OrganizationBilling.anomalies` it is given.
``Filter`` expressions (``Dimensions`` on ``LINKED_ACCOUNT``, ``SERVICE``, ``USAGE_TYPE``,
``BILLING_ENTITY``; ``And``, ``Or``, ``Not``), up to two ``GroupBy`` dimensions, DAILY or MONTHLY
``ResultsByTime``, and grouped results cut into pages of ``page_size`` groups chained by
``NextPageToken``. Without a ``LINKED_ACCOUNT`` filter it answers with every account's cost: what
a sender in the payer account gets when it forgets to filter.

The caller's own reservations are listed by the free describe APIs (``DescribeReservedInstances``
and the other services' equivalents, `DESCRIBES`), from the `Commitment` items it owns; coverage
of two services in one request is grouped by ``INSTANCE_TYPE``, one instance type per service
(`INSTANCE_TYPES`).

It answers through botocore's ``before-call`` event, after botocore has validated the request
against the real ``ce`` model; every response is validated against the output shape too, so
nothing here can drift from the API. ``requests`` records every call (operation, parameters).
Shared by the tests and ``bench/sender_bench.py`` (organization request counts).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

CE_OPERATIONS = (
    "GetCostAndUsage",
    "GetCostForecast",
    "GetAnomalies",
    "GetDimensionValues",
    "GetReservationUtilization",
    "GetReservationCoverage",
    "GetSavingsPlansUtilization",
    "GetSavingsPlansCoverage",
)
DIMENSIONS = {
    "LINKED_ACCOUNT": "account",
    "SERVICE": "service",
    "USAGE_TYPE": "usage_type",
    "BILLING_ENTITY": "billing_entity",
}


@dataclass(frozen=True)
class Line:
    """Cost and usage of one account, day, service and usage type."""

    account: str
    day: date
    service: str
    usage_type: str
    unblended: Decimal
    amortized: Decimal
    quantity: Decimal
    unit: str
    billing_entity: str = "AWS"


@dataclass(frozen=True)
class Commitment:
    """Reservation or Savings Plans figures of one owning account (any window)."""

    account: str
    kind: str  # RI | SP
    utilization_pct: str = "98.61"
    coverage_pct: str = "41.20"
    commitment: str = "52.56"
    used: str = "51.83"
    net_savings: str = "23.19"
    on_demand_equivalent: str = "75.02"
    # RI: the SERVICE it reserves (Cost Explorer answers EC2 when a request names none)
    service: str = "Amazon Elastic Compute Cloud - Compute"
    # other accounts of the billing family whose usage it covers (commitments are shared)
    shared_with: tuple[str, ...] = ()


_PARAMS = "fake-cost-explorer-params"


def _remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """The API parameters, for the before-call handler of the same request (thread-safe)."""
    context[_PARAMS] = dict(params)


def _services_of(expression: dict[str, Any] | None) -> set[str] | None:
    """The SERVICE values a filter restricts to (directly or in an ``And``), None if any."""
    if not expression:
        return None
    for part in expression.get("And", [expression]):
        dimension = part.get("Dimensions") or {}
        if dimension.get("Key") == "SERVICE":
            return set(dimension["Values"])
    return None


def _accounts_of(expression: dict[str, Any] | None) -> set[str] | None:
    """The LINKED_ACCOUNT values a filter restricts to (directly or in an ``And``), None if any."""
    if not expression:
        return None
    for part in expression.get("And", [expression]):
        dimension = part.get("Dimensions") or {}
        if dimension.get("Key") == "LINKED_ACCOUNT":
            return set(dimension["Values"])
    return None


EC2 = "Amazon Elastic Compute Cloud - Compute"
# One instance type per reservation service, for coverage grouped by INSTANCE_TYPE: each names
# its service the way the real ones do (db., cache., .search; EC2 and Redshift unmarked).
INSTANCE_TYPES = {
    EC2: "m5.large",
    "Amazon Relational Database Service": "db.r6g.large",
    "Amazon ElastiCache": "cache.r6g.large",
    "Amazon MemoryDB": "db.r6g.xlarge",
    "Amazon Redshift": "ra3.xlplus",
    "Amazon OpenSearch Service": "r6g.large.search",
    "Amazon Elasticsearch Service": "r5.large.elasticsearch",
}
# boto3 service, operation, list key, start field -> the reservation services it lists
DESCRIBES = {
    ("ec2", "DescribeReservedInstances"): ("ReservedInstances", "Start", (EC2,)),
    ("rds", "DescribeReservedDBInstances"): (
        "ReservedDBInstances",
        "StartTime",
        ("Amazon Relational Database Service",),
    ),
    ("elasticache", "DescribeReservedCacheNodes"): (
        "ReservedCacheNodes",
        "StartTime",
        ("Amazon ElastiCache",),
    ),
    ("memorydb", "DescribeReservedNodes"): ("ReservedNodes", "StartTime", ("Amazon MemoryDB",)),
    ("redshift", "DescribeReservedNodes"): ("ReservedNodes", "StartTime", ("Amazon Redshift",)),
    ("opensearch", "DescribeReservedInstances"): (
        "ReservedInstances",
        "StartTime",
        ("Amazon OpenSearch Service", "Amazon Elasticsearch Service"),
    ),
}


def _amount(value: Decimal) -> str:
    return f"{value:.10f}"


@dataclass
class OrganizationBilling:
    lines: list[Line]
    page_size: int = 1000  # groups per GetCostAndUsage page (see bench/sender_bench.py)
    commitments: list[Commitment] = field(default_factory=list)
    caller: str | None = None  # the account whose DescribeSavingsPlans is answered
    estimated_from: date | None = None  # results ending after this day are Estimated
    anomalies: list[dict[str, Any]] = field(default_factory=list)  # GetAnomalies' Anomaly items
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _index: dict[tuple[date, str], list[Line]] = field(default_factory=dict, repr=False)
    _answers: dict[str, tuple[list[Any], list[Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[date, str], list[Line]] = defaultdict(list)
        for line in self.lines:
            index[(line.day, line.service)].append(line)
        self._index = dict(index)

    # --- wiring ----------------------------------------------------------------------------
    def install(
        self, clients: Any, region: str = "us-east-1", regions: tuple[str, ...] = ()
    ) -> OrganizationBilling:
        """Answer ``ce`` (and ``savingsplans``) calls of ``clients`` (a `sender.aws.Clients`),
        and the reservation describe calls in ``regions`` (default: ``region``)."""
        wiring = [
            ("ce", region, CE_OPERATIONS),
            ("savingsplans", region, ("DescribeSavingsPlans",)),
        ]
        for where in regions or (region,):
            wiring += [(service, where, (operation,)) for service, operation in DESCRIBES]
        for service, where, operations in wiring:
            client = clients.client(service, where)
            client.meta.events.register_first("before-parameter-build.*.*", _remember)
            for operation in operations:
                client.meta.events.register_first(
                    f"before-call.*.{operation}", self._handler(client, operation, service)
                )
        return self

    def _handler(self, client: Any, operation: str, service: str = "ce") -> Any:
        shape = client.meta.service_model.operation_model(operation).output_shape
        answer = (
            (lambda request: self._describe(service, operation))
            if (service, operation) in DESCRIBES
            else getattr(self, operation)
        )

        def handler(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
            request = context[_PARAMS]
            if (service, operation) not in DESCRIBES:  # requests: Cost Explorer's (paid) only
                self.requests.append((operation, request))
            try:
                response = answer(request)
            except ClientError as exc:
                return AWSResponse("https://fake", 400, {}, None), exc.response
            report = ParamValidator().validate(response, shape)
            if report.has_errors():
                raise AssertionError(report.generate_report())
            return AWSResponse("https://fake", 200, {}, None), response

        return handler

    def count(self, operation: str | None = None) -> int:
        return sum(1 for op, _ in self.requests if operation in (None, op))

    # --- filters and periods -------------------------------------------------------------
    def _matches(self, expression: dict[str, Any] | None, line: Line) -> bool:
        if not expression:
            return True
        if "And" in expression:
            return all(self._matches(e, line) for e in expression["And"])
        if "Or" in expression:
            return any(self._matches(e, line) for e in expression["Or"])
        if "Not" in expression:
            return not self._matches(expression["Not"], line)
        dimension = expression["Dimensions"]
        return getattr(line, DIMENSIONS[dimension["Key"]]) in dimension["Values"]

    def _selected(self, request: dict[str, Any]) -> list[Line]:
        start = date.fromisoformat(request["TimePeriod"]["Start"])
        end = date.fromisoformat(request["TimePeriod"]["End"])
        expression = request.get("Filter")
        services = _services_of(expression)  # an index lookup instead of a scan, when it can
        return [
            line
            for (day, service), lines in self._index.items()
            if start <= day < end and (services is None or service in services)
            for line in lines
            if self._matches(expression, line)
        ]

    @staticmethod
    def _periods(request: dict[str, Any]) -> list[tuple[date, date]]:
        start = date.fromisoformat(request["TimePeriod"]["Start"])
        end = date.fromisoformat(request["TimePeriod"]["End"])
        periods = []
        while start < end:
            if request.get("Granularity") == "MONTHLY":
                following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            else:
                following = start + timedelta(days=1)
            periods.append((start, min(following, end)))
            start = following
        return periods

    @staticmethod
    def _metrics(lines: Iterable[Line], metrics: list[str]) -> dict[str, dict[str, str]]:
        lines = list(lines)
        values = {
            "UnblendedCost": (sum((x.unblended for x in lines), Decimal(0)), "USD"),
            "AmortizedCost": (sum((x.amortized for x in lines), Decimal(0)), "USD"),
        }
        units = {x.unit for x in lines}
        quantity = sum((x.quantity for x in lines), Decimal(0))
        values["UsageQuantity"] = (quantity, units.pop() if len(units) == 1 else "N/A")
        return {m: {"Amount": _amount(values[m][0]), "Unit": values[m][1]} for m in metrics}

    # --- operations ------------------------------------------------------------------------
    def GetCostAndUsage(self, request: dict[str, Any]) -> dict[str, Any]:
        query = {k: v for k, v in request.items() if k != "NextPageToken"}
        cache_key = json.dumps(query, sort_keys=True)
        if cache_key not in self._answers:  # the next pages of a query read the same groups
            self._answers[cache_key] = self._entries(request)
        entries, by_period = self._answers[cache_key]
        keys = request.get("GroupBy", [])
        periods = self._periods(request)
        first = int(str(request.get("NextPageToken") or "page-0").removeprefix("page-"))
        size = self.page_size if keys else len(entries) or 1
        chunk = entries[first * size : (first + 1) * size]
        results: dict[int, dict[str, Any]] = {}
        for index, group in chunk:
            start, end = periods[index]
            result = results.setdefault(
                index,
                {
                    "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
                    "Total": {},
                    "Groups": [],
                    "Estimated": self.estimated_from is not None and end > self.estimated_from,
                },
            )
            if group is None:
                result["Total"] = self._metrics(by_period[index], request["Metrics"])
            else:
                result["Groups"].append(group)
        response: dict[str, Any] = {"ResultsByTime": [results[i] for i in sorted(results)]}
        if (first + 1) * size < len(entries):
            response["NextPageToken"] = f"page-{first + 1}"
        return response

    def _entries(self, request: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        """(period index, group or None) in page order, and each period's lines."""
        keys = [DIMENSIONS[g["Key"]] for g in request.get("GroupBy", [])]
        periods = self._periods(request)
        by_period: list[list[Line]] = [[] for _ in periods]
        for line in self._selected(request):
            for index, (start, end) in enumerate(periods):
                if start <= line.day < end:
                    by_period[index].append(line)
                    break
        entries: list[tuple[int, dict[str, Any] | None]] = []
        for index, inside in enumerate(by_period):
            if not keys:
                entries.append((index, None))
                continue
            groups: dict[tuple[str, ...], list[Line]] = defaultdict(list)
            for line in inside:
                groups[tuple(getattr(line, k) for k in keys)].append(line)
            for key in sorted(groups):
                metrics = self._metrics(groups[key], request["Metrics"])
                entries.append((index, {"Keys": list(key), "Metrics": metrics}))
        return entries, by_period

    def GetCostForecast(self, request: dict[str, Any]) -> dict[str, Any]:
        lines = [x for x in self.lines if self._matches(request.get("Filter"), x)]
        days = {x.day for x in lines} or {date.min}
        field_name = "unblended" if request["Metric"] == "UNBLENDED_COST" else "amortized"
        daily = sum((getattr(x, field_name) for x in lines), Decimal(0)) / len(days)
        mean = daily * 30
        period = request["TimePeriod"]
        return {
            "Total": {"Amount": _amount(mean), "Unit": "USD"},
            "ForecastResultsByTime": [
                {
                    "TimePeriod": period,
                    "MeanValue": _amount(mean),
                    "PredictionIntervalLowerBound": _amount(mean * Decimal("0.9")),
                    "PredictionIntervalUpperBound": _amount(mean * Decimal("1.1")),
                }
            ],
        }

    def GetAnomalies(self, request: dict[str, Any]) -> dict[str, Any]:
        """`anomalies` whose detected days reach DateInterval (open ones: to this day)."""
        interval = request["DateInterval"]
        first, last = interval["StartDate"], interval.get("EndDate") or "9999-12-31"
        return {
            "Anomalies": [
                a
                for a in self.anomalies
                if a["AnomalyStartDate"] <= last and a.get("AnomalyEndDate", "9999") >= first
            ]
        }

    def GetDimensionValues(self, request: dict[str, Any]) -> dict[str, Any]:
        assert request["Dimension"] == "LINKED_ACCOUNT", request
        kind = {"RESERVATIONS": "RI", "SAVINGS_PLANS": "SP"}[request["Context"]]
        accounts = sorted({c.account for c in self.commitments if c.kind == kind})
        values = [{"Value": a, "Attributes": {"description": f"account {a}"}} for a in accounts]
        return {"DimensionValues": values, "ReturnSize": len(values), "TotalSize": len(values)}

    def _commitment(self, request: dict[str, Any], kind: str) -> Commitment | None:
        services = _services_of(request.get("Filter")) or {EC2}  # the API's default: EC2
        for commitment in self.commitments:
            if kind == "RI" and commitment.service not in services:
                continue
            if commitment.kind == kind and self._matches(
                request.get("Filter"),
                Line(
                    commitment.account,
                    date.min,
                    commitment.service if kind == "RI" else "",
                    "",
                    Decimal(0),
                    Decimal(0),
                    Decimal(0),
                    "",
                ),
            ):
                return commitment
        return None

    def GetReservationUtilization(self, request: dict[str, Any]) -> dict[str, Any]:
        ri = self._commitment(request, "RI")
        if ri is None:
            return {"UtilizationsByTime": [], "Total": {"PurchasedHours": "0"}}
        unused = Decimal(ri.commitment) - Decimal(ri.used)
        total = {
            "UtilizationPercentage": ri.utilization_pct,
            "PurchasedHours": "240",
            "TotalAmortizedFee": ri.commitment,
            "RICostForUnusedHours": _amount(unused),
            "NetRISavings": ri.net_savings,
            "OnDemandCostOfRIHoursUsed": ri.on_demand_equivalent,
        }
        return {"UtilizationsByTime": [], "Total": total}

    def _covering(self, account: str, kind: str, service: str | None) -> Commitment | None:
        """The commitment covering an account's usage: its own or one shared with it."""
        for c in self.commitments:
            mine = c.account == account or account in c.shared_with
            if c.kind == kind and mine and (kind == "SP" or c.service == service):
                return c
        return None

    def _hours(self, request: dict[str, Any], account: str, service: str) -> dict | None:
        """Coverage hours of one account and service: its Hrs lines in the period (240 when a
        commitment covers it and no line says otherwise), covered at the commitment's rate."""
        start = date.fromisoformat(request["TimePeriod"]["Start"])
        end = date.fromisoformat(request["TimePeriod"]["End"])
        total = sum(
            (
                x.quantity
                for (day, s), lines in self._index.items()
                if s == service and start <= day < end
                for x in lines
                if x.account == account and x.unit == "Hrs"
            ),
            Decimal(0),
        )
        covering = self._covering(account, "RI", service)
        if covering is None and not total:
            return None
        total = total or Decimal(240)
        pct = Decimal(covering.coverage_pct) if covering else Decimal(0)
        reserved = total * pct / 100
        return {
            "ReservedHours": _amount(reserved),
            "OnDemandHours": _amount(total - reserved),
            "TotalRunningHours": _amount(total),
            "CoverageHoursPercentage": _amount(pct),
        }

    def _describe(self, service: str, operation: str) -> dict[str, Any]:
        """The caller's reservations of the services a describe API lists (one per owned
        reservation service, active for years around any window)."""
        items, start_field, services = DESCRIBES[(service, operation)]
        owned = [
            c
            for c in self.commitments
            if c.kind == "RI" and c.account == self.caller and c.service in services
        ]
        start = datetime(2025, 6, 1, tzinfo=UTC)
        reservations = []
        for c in owned:
            item: dict[str, Any] = {start_field: start, "Duration": 94608000, "State": "active"}
            if service == "ec2":
                item["End"] = start + timedelta(seconds=94608000)
                item["ReservedInstancesId"] = f"ri-{c.account}"
            reservations.append(item)
        return {items: reservations}

    def GetReservationCoverage(self, request: dict[str, Any]) -> dict[str, Any]:
        services = _services_of(request.get("Filter")) or {EC2}  # the API's default: EC2
        assert len(services) <= 2, "the API takes up to two SERVICE values"
        if len(services) == 2:
            return self._coverage_by_instance_type(request, sorted(services))
        (service,) = services
        accounts = _accounts_of(request.get("Filter"))
        if accounts is None:  # every account of the organization
            accounts = {x.account for x in self.lines} | {c.account for c in self.commitments}
            accounts |= {a for c in self.commitments for a in c.shared_with}
        hours = {a: self._hours(request, a, service) for a in sorted(accounts)}
        hours = {a: h for a, h in hours.items() if h}
        if request.get("GroupBy"):
            assert request["GroupBy"] == [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]
            groups = [
                {"Attributes": {"linkedAccount": a}, "Coverage": {"CoverageHours": h}}
                for a, h in hours.items()
            ]
            return {"CoveragesByTime": [{"TimePeriod": request["TimePeriod"], "Groups": groups}]}
        if not hours:
            return {"CoveragesByTime": [], "Total": {"CoverageHours": {}}}
        if len(hours) > 1:
            raise AssertionError("an ungrouped coverage request mixes accounts")
        return {"CoveragesByTime": [], "Total": {"CoverageHours": next(iter(hours.values()))}}

    def _coverage_by_instance_type(
        self, request: dict[str, Any], services: list[str]
    ) -> dict[str, Any]:
        """Two services of one account, grouped by INSTANCE_TYPE (no Granularity with GroupBy)."""
        assert request["GroupBy"] == [{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}], request
        assert "Granularity" not in request, "GroupBy and Granularity are exclusive"
        accounts = _accounts_of(request.get("Filter"))
        assert accounts is not None and len(accounts) == 1, "grouped by type: one account"
        (account,) = accounts
        groups = []
        for service in services:
            hours = self._hours(request, account, service)
            if hours:
                attributes = {"instanceType": INSTANCE_TYPES[service]}
                groups.append({"Attributes": attributes, "Coverage": {"CoverageHours": hours}})
        return {"CoveragesByTime": [{"TimePeriod": request["TimePeriod"], "Groups": groups}]}

    def GetSavingsPlansUtilization(self, request: dict[str, Any]) -> dict[str, Any]:
        sp = self._commitment(request, "SP")
        if sp is None:
            raise ClientError(
                {"Error": {"Code": "DataUnavailableException", "Message": "no data"}},
                "GetSavingsPlansUtilization",
            )
        unused = Decimal(sp.commitment) - Decimal(sp.used)
        return {
            "Total": {
                "Utilization": {
                    "TotalCommitment": sp.commitment,
                    "UsedCommitment": sp.used,
                    "UnusedCommitment": _amount(unused),
                    "UtilizationPercentage": sp.utilization_pct,
                },
                "Savings": {
                    "NetSavings": sp.net_savings,
                    "OnDemandCostEquivalent": sp.on_demand_equivalent,
                },
            }
        }

    def GetSavingsPlansCoverage(self, request: dict[str, Any]) -> dict[str, Any]:
        accounts = _accounts_of(request.get("Filter")) or set()
        covering = [self._covering(a, "SP", None) for a in sorted(accounts)]
        sp = next((c for c in covering if c), None)
        covered = Decimal(sp.used) if sp else Decimal(0)
        total = covered * 100 / Decimal(sp.coverage_pct) if sp else Decimal(0)
        coverage = {"SpendCoveredBySavingsPlans": _amount(covered), "TotalCost": _amount(total)}
        return {"SavingsPlansCoverages": [{"Coverage": coverage}]}

    def DescribeSavingsPlans(self, request: dict[str, Any]) -> dict[str, Any]:
        owned = [c for c in self.commitments if c.kind == "SP" and c.account == self.caller]
        plans = [
            {
                "savingsPlanId": f"sp-{c.account}",
                "start": "2025-06-01T00:00:00.000Z",
                "end": "2028-06-01T00:00:00.000Z",
                "state": "active",
            }
            for c in owned
        ]
        return {"savingsPlans": plans}
