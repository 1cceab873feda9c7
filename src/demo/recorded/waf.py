"""Which resources a web ACL protects: the WAF and CloudFront listings moto lacks.

moto records associations (``AssociateWebACL``, a distribution's ``WebACLId``) but cannot list
them per ACL, so the answers ask moto resource by resource: each load balancer and API Gateway
stage of the region through ``GetWebACLForResource``, each distribution's ``WebACLId``.
"""

from __future__ import annotations

from typing import Any

from demo.recorded import _moto
from demo.recorded._core import Answer, Answers, ApiError, Call


def _associated(call: Call, resource_arns: list[str], acl_arn: str) -> list[str]:
    waf = call.client("wafv2")
    found = []
    for resource_arn in resource_arns:
        acl = waf.get_web_acl_for_resource(ResourceArn=resource_arn).get("WebACL") or {}
        if acl.get("ARN") == acl_arn:
            found.append(resource_arn)
    return found


def _stages(call: Call) -> list[str]:
    def compute() -> list[str]:
        client = call.client("apigateway")
        arns = []
        for api in client.get_rest_apis().get("items", []):
            for stage in client.get_stages(restApiId=api["id"]).get("item", []):
                arns.append(
                    f"arn:aws:apigateway:{call.region}::/restapis/{api['id']}/stages/"
                    f"{stage['stageName']}"
                )
        return arns

    return call.cached("moto", "stages", call.region, call.today, compute=compute)


def list_resources_for_web_acl(call: Call) -> dict[str, Any]:
    acl_arn = call.params["WebACLArn"]
    kind = call.params.get("ResourceType") or "APPLICATION_LOAD_BALANCER"
    if f":{call.region}:" not in acl_arn or ":regional/webacl/" not in acl_arn:
        raise ApiError("WAFInvalidParameterException", f"{acl_arn} is not a regional web ACL")
    if kind == "APPLICATION_LOAD_BALANCER":
        candidates = [
            lb["LoadBalancerArn"]
            for lb in _moto.load_balancers(call)
            if lb.get("Type", "application") == "application"
        ]
    elif kind == "API_GATEWAY":
        candidates = _stages(call)
    else:
        candidates = []  # no App Runner, Cognito, AppSync or Verified Access in the demo
    return {"ResourceArns": _associated(call, candidates, acl_arn)}


def list_distributions_by_web_acl_id(call: Call) -> dict[str, Any]:
    acl = call.params["WebACLId"]
    listing = call.client("cloudfront").list_distributions().get("DistributionList") or {}
    items = [d for d in listing.get("Items") or [] if d.get("WebACLId") == acl]
    max_items = int(call.params.get("MaxItems") or 100)
    marker = call.params.get("Marker") or ""
    start = next((i + 1 for i, d in enumerate(items) if d["Id"] == marker), 0) if marker else 0
    chunk = items[start : start + max_items]
    truncated = start + max_items < len(items)
    result: dict[str, Any] = {
        "Marker": marker,
        "MaxItems": max_items,
        "IsTruncated": truncated,
        "Quantity": len(chunk),
    }
    if chunk:
        result["Items"] = chunk
    if truncated:
        result["NextMarker"] = chunk[-1]["Id"]
    return {"DistributionList": result}


MISSING = "not implemented by moto 5.2 (moto stores the associations but cannot list them)"
ANSWERS: Answers = {
    ("wafv2", "ListResourcesForWebACL"): Answer(MISSING, list_resources_for_web_acl),
    ("cloudfront", "ListDistributionsByWebACLId"): Answer(
        MISSING, list_distributions_by_web_acl_id
    ),
}
