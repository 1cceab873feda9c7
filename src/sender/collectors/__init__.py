"""The collectors, one module per data category; `REGISTRY` lists them by name.

Each module holds a ``COLLECTOR`` declaration (name, scope, IAM actions, key fields) and its
``fetch``; listing it in ``_MODULES`` below registers it. That is the sender's share of a new
category: the contract section, the receiver's table declaration, a SQL migration, the fixture
and a test are the rest, listed in docs/adding-a-category.md and checked by
tests/project/test_categories.py. ``python -m sender iam-actions`` prints the IAM actions each
one declares (modules/sender/collector-actions.json must equal it).
"""

from __future__ import annotations

from sender.collectors import (
    account,
    acm_certificates,
    application_signals,
    cloudtrail_trails,
    commitment_inventory,
    commitments,
    compute_optimizer,
    config,
    cost,
    cost_anomalies,
    cost_by_tag,
    guardduty_findings,
    health_events,
    iam,
    inspector_findings,
    kms_keys,
    marketplace_usage,
    resilience_hub_apps,
    resources,
    secrets,
    securityhub,
    securityhub_standards,
    service_usage,
    ssm_instances,
    support_cases,
    trusted_advisor_checks,
    waf_web_acls,
)
from sender.collectors.base import Collector

_MODULES = (
    account,
    cost,
    service_usage,
    securityhub,
    securityhub_standards,
    guardduty_findings,
    inspector_findings,
    kms_keys,
    waf_web_acls,
    cloudtrail_trails,
    secrets,
    acm_certificates,
    config,
    ssm_instances,
    marketplace_usage,
    trusted_advisor_checks,
    health_events,
    application_signals,
    resilience_hub_apps,
    compute_optimizer,
    resources,
    commitments,
    commitment_inventory,
    support_cases,
    iam,
    cost_anomalies,
    cost_by_tag,
)

REGISTRY: dict[str, Collector] = {m.COLLECTOR.name: m.COLLECTOR for m in _MODULES}


def iam_actions() -> dict[str, list[str]]:
    """``{collector: sorted actions}``, sorted by collector (the Terraform module's input)."""
    return {name: sorted(set(REGISTRY[name].iam_actions)) for name in sorted(REGISTRY)}


__all__ = ["REGISTRY", "Collector", "iam_actions"]
