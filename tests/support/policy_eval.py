"""A minimal evaluator of AWS policy documents, to prove what a rendered policy allows or denies.

Why it exists: neither moto nor any emulator evaluates policy conditions (moto ignores bucket
policy conditions, and its own IAM condition check knows StringEquals only and answers DENIED
when an Allow's condition fails). The maintained simulator, ``@cloud-copilot/iam-simulate``, is
a Node package; PyPI has no maintained Python equivalent, so the tests use this small one.

What it does, following the IAM documentation's evaluation logic for ONE policy:

- a statement applies when its Action/NotAction, Resource/NotResource, Principal (``"*"``,
  ``{"AWS": ...}`` with account roots or ARNs, ``{"Service": ...}``) and every condition match;
- ``*`` and ``?`` wildcards in actions (case-insensitive) and resources (case-sensitive), and
  policy variables ``${key}`` in resources and condition values, resolved from the context;
- condition operators: ``String(Not)Equals``, ``String(Not)EqualsIgnoreCase``,
  ``String(Not)Like``, ``Arn(Not)Equals``, ``Arn(Not)Like``, ``Bool``, ``Null``,
  ``Numeric*``, each with ``...IfExists``; several values of one key are ORed (NORed for a
  negated operator); several keys and operators are ANDed; a missing key makes an operator false,
  a negated one true, an ``...IfExists`` one true;
- the result: an explicit Deny wins, then any Allow, else ``implicit_deny``.

What it does NOT cover: ``ForAllValues``/``ForAnyValue`` qualifiers, Date and IP operators,
``NotPrincipal``, multi-valued request keys other than plain lists, the combination of identity,
resource, boundary, session and SCP policies (callers evaluate each policy on its own), and how
a service fills the request context: the tests state the context of each request themselves,
as the S3 documentation describes it (the headers of the request as condition keys).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOW = "allow"
DENY = "explicit_deny"
IMPLICIT = "implicit_deny"

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Request:
    """One request: the action, the resource ARN, the caller and the condition keys."""

    action: str
    resource: str
    principal: str = "*"  # the caller's ARN (role, user or account root) or a service name
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


def evaluate(policy: Mapping[str, Any], request: Request) -> str:
    """``explicit_deny``, ``allow`` or ``implicit_deny`` for ``request`` under ``policy``."""
    statements = policy["Statement"]
    if isinstance(statements, Mapping):
        statements = [statements]
    applicable = [s for s in statements if _applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applicable):
        return DENY
    if any(s["Effect"] == "Allow" for s in applicable):
        return ALLOW
    return IMPLICIT


def matching_statements(policy: Mapping[str, Any], request: Request) -> list[str]:
    """The Sids of the statements that apply to ``request`` (to say why)."""
    return [str(s.get("Sid", "?")) for s in policy["Statement"] if _applies(s, request)]


def _applies(statement: Mapping[str, Any], request: Request) -> bool:
    return (
        _matches_action(statement, request.action)
        and _matches_resource(statement, request)
        and _matches_principal(statement.get("Principal"), request.principal)
        and _conditions_hold(statement.get("Condition", {}), request.context)
    )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return (
        re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
        is not None
    )


def _substitute(text: str, context: Mapping[str, Any]) -> str | None:
    """``${key}`` replaced from the context; None when a variable has no value."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        key = match.group(1)
        if key in ("*", "?", "$"):
            return key
        found = _lookup(context, key)
        if found is None or isinstance(found, list):
            missing = True
            return ""
        return str(found)

    result = _VARIABLE.sub(value, text)
    return None if missing else result


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    lowered = {k.lower(): v for k, v in context.items()}  # condition key names ignore case
    return lowered.get(key.lower())


def _matches_action(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_glob(a, action, ignore_case=True) for a in _as_list(statement["NotAction"]))
    return any(_glob(a, action, ignore_case=True) for a in _as_list(statement["Action"]))


def _matches_resource(statement: Mapping[str, Any], request: Request) -> bool:
    key = "NotResource" if "NotResource" in statement else "Resource"
    if key not in statement:  # key policies' Resource "*" is always present; trust policies: none
        return True
    hit = False
    for pattern in _as_list(statement[key]):
        resolved = _substitute(pattern, request.context)
        if resolved is not None and _glob(resolved, request.resource):
            hit = True
            break
    return not hit if key == "NotResource" else hit


def _matches_principal(principal: Any, caller: str) -> bool:
    if principal is None:  # identity policy: the caller is the policy's holder
        return True
    if principal == "*":
        return True
    for kind, values in principal.items():
        for value in _as_list(values):
            if value == "*":
                return True
            if kind == "Service" and value == caller:
                return True
            if kind == "AWS":
                if value == caller:
                    return True
                root = re.fullmatch(r"arn:[^:]+:iam::([0-9]{12}):root|([0-9]{12})", value)
                account = re.match(r"arn:[^:]+:(?:iam|sts)::([0-9]{12}):", caller)
                if root and account and account.group(1) in (root.group(1), root.group(2)):
                    return True
    return False


def _conditions_hold(
    conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any]
) -> bool:
    return all(
        _operator_holds(operator, key, _as_list(values), context)
        for operator, keys in conditions.items()
        for key, values in keys.items()
    )


def _operator_holds(
    operator: str, key: str, expected: list[Any], context: Mapping[str, Any]
) -> bool:
    if operator.startswith(("ForAllValues:", "ForAnyValue:")):
        raise NotImplementedError(f"{operator}: set qualifiers are not evaluated")
    actual = _lookup(context, key)
    if operator == "Null":
        (want,) = {str(v).lower() for v in expected}
        return (actual is None) == (want == "true")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    negated = "Not" in base
    if actual is None:
        return True if if_exists else negated
    compare = _COMPARATORS.get(base.replace("Not", ""))
    if compare is None:
        raise NotImplementedError(f"{operator} is not evaluated")
    values = [_substitute(str(v), context) for v in expected]
    actuals = _as_list(actual)
    matched = any(v is not None and compare(v, str(a)) for v in values for a in actuals)
    return not matched if negated else matched


def _numeric(op: str) -> Any:
    def compare(expected: str, actual: str) -> bool:
        a, e = float(actual), float(expected)
        return {
            "Equals": a == e,
            "LessThan": a < e,
            "LessThanEquals": a <= e,
            "GreaterThan": a > e,
            "GreaterThanEquals": a >= e,
        }[op]

    return compare


_COMPARATORS: dict[str, Any] = {
    "StringEquals": lambda e, a: e == a,
    "StringEqualsIgnoreCase": lambda e, a: e.lower() == a.lower(),
    "StringLike": lambda e, a: _glob(e, a),
    "ArnEquals": lambda e, a: _glob(e, a),  # ARN operators accept wildcards in every segment
    "ArnLike": lambda e, a: _glob(e, a),
    "Bool": lambda e, a: e.lower() == a.lower(),
    **{
        f"Numeric{op}": _numeric(op)
        for op in ("Equals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
    },
}


def statements_with(policy: Mapping[str, Any], sids: Iterable[str]) -> list[Mapping[str, Any]]:
    """The statements of ``policy`` with these Sids, in policy order."""
    wanted = set(sids)
    return [s for s in policy["Statement"] if s.get("Sid") in wanted]
