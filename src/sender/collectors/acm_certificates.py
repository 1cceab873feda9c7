"""ACM certificates with status, type, key algorithm, use and validity dates.

``ListCertificates`` returns these fields in its summaries (no ``DescribeCertificate`` per
certificate); without ``Includes.keyTypes`` it would list RSA-2048 certificates only, so every
key type of the service model is asked for.
https://docs.aws.amazon.com/acm/latest/APIReference/API_ListCertificates.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sender.collectors.base import Collector, Context
from sender.normalize import boolean, text, timestamp


def fetch(ctx: Context) -> Iterator[dict[str, Any]]:
    client = ctx.client("acm")
    key_types = list(client.meta.service_model.shape_for("KeyAlgorithm").enum)
    pages = ctx.pages(client, "list_certificates", Includes={"keyTypes": key_types})
    for page in pages:
        for cert in page.get("CertificateSummaryList", []):
            certificate_arn = ctx.arn(cert.get("CertificateArn"), "CertificateArn", key=True)
            if not certificate_arn:
                continue
            yield {
                "certificate_arn": certificate_arn,
                "region": ctx.region,
                "domain_name": text(cert.get("DomainName")),
                "status": text(cert.get("Status")),
                "type": text(cert.get("Type")),
                "key_algorithm": text(cert.get("KeyAlgorithm")),
                "in_use": boolean(cert.get("InUse")),
                "renewal_eligibility": text(cert.get("RenewalEligibility")),
                "not_before": timestamp(cert.get("NotBefore")),
                "not_after": timestamp(cert.get("NotAfter")),
            }


COLLECTOR = Collector(
    name="acm_certificates",
    scope="regional",
    fetch=fetch,
    keys=("certificate_arn",),
    services=("acm",),
    iam_actions=("acm:ListCertificates",),
    description=(
        "ACM certificates of every key type with status, type, key algorithm, in-use flag, "
        "renewal eligibility and validity (expiry). "
        "https://docs.aws.amazon.com/acm/latest/APIReference/API_ListCertificates.html"
    ),
)
