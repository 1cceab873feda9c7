"""Sender configuration, read once from the environment and validated.

Variable: meaning (default).

- ``REGION``: region of the analytics bucket, and the sender's home region (``ap-southeast-1``)
- ``BUCKET``: analytics bucket the document is uploaded to (required to upload)
- ``ANALYTICS_KMS_KEY``: ARN of the analytics KMS key, for SSE-KMS (required to upload)
- ``SENDER_REGIONS``: comma-separated regions the regional collectors cover (``REGION``)
- ``SENDER_COLLECTORS``: comma-separated collector names (every collector)
- ``SENDER_MAX_WORKERS``: collectors running at the same time (16)
- ``SENDER_COLLECTOR_TIMEOUT``: time budget of one collector in one region, seconds (240)
- ``SENDER_COST_HISTORY_MONTHS``: months Cost Explorer keeps, current month included (14)
- ``SENDER_COST_MODE``: ``account``: Cost Explorer for this account only; ``organization``: for
  every linked account, grouped by account (management account); ``off``: no Cost Explorer
  request, the management account collects (``account``)
- ``SENDER_COST_TAG_KEYS``: comma-separated cost-allocation tag keys; Cost Explorer groups each
  day's cost by each of them, one request per key and run (none)
- ``SENDER_COLLECTOR_METRICS``: ``true`` adds per-collector metrics, 3 custom metrics each
  (``false``: at most 10 custom metrics per run)
- ``SENDER_FIRST_RUN_PARAMETER``: SSM parameter the first run claims (`sender.first_run`) (off)
- ``SENDER_FIRST_RUN_BACKFILL_MONTHS``: months the first-run backfill covers, 0 = none (14)
- ``SENDER_ACCOUNT_LABELS``: labels of this account for grouping when there is no organization
  roster, a JSON object of label -> value (``{"product": "payments", "environment": "prod"}``);
  at most 50, keys 1-128 and values 0-256 characters of letters, digits, spaces and ``_.:/=+-@``
  (as AWS tags), keys not starting with ``aws:``; reported in the document's account section
  (``{}``)
- ``POWERTOOLS_METRICS_DISABLED``: ``true``: no custom metric at all; read by Powertools and
  `sender.handler`, not by `Settings` (``false``)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_REGION = "ap-southeast-1"
COST_MODES = ("account", "organization", "off")
REGION_RE = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]")
LABEL_LIMITS = (50, 128, 256)  # labels, key length, value length: as AWS tags
LABEL_PUNCTUATION = set("_.:/=+-@")


class ConfigurationError(ValueError):
    """An environment variable (or a request field) is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    region: str = DEFAULT_REGION
    bucket: str | None = None
    kms_key: str | None = None
    regions: tuple[str, ...] = (DEFAULT_REGION,)
    collectors: tuple[str, ...] = field(default_factory=tuple)  # empty: every collector
    max_workers: int = 16
    collector_timeout: float = 240.0
    cost_history_months: int = 14
    cost_mode: str = "account"  # one of COST_MODES
    cost_tag_keys: tuple[str, ...] = ()  # cost-allocation tag keys (cost_by_tag)
    collector_metrics: bool = False
    first_run_parameter: str | None = None
    first_run_backfill_months: int = 14
    account_labels: tuple[tuple[str, str], ...] = ()  # SENDER_ACCOUNT_LABELS, sorted by key

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        region = parse_regions(env.get("REGION", "") or DEFAULT_REGION, "REGION")
        if len(region) != 1:
            raise ConfigurationError("REGION must name exactly one region")
        regions = parse_regions(env.get("SENDER_REGIONS", "") or region[0], "SENDER_REGIONS")
        return cls(
            region=region[0],
            bucket=(env.get("BUCKET") or "").strip() or None,
            kms_key=(env.get("ANALYTICS_KMS_KEY") or "").strip() or None,
            regions=regions,
            collectors=parse_collectors(env.get("SENDER_COLLECTORS", "")),
            max_workers=_int(env, "SENDER_MAX_WORKERS", 16, 1, 64),
            collector_timeout=float(_int(env, "SENDER_COLLECTOR_TIMEOUT", 240, 5, 880)),
            cost_history_months=_int(env, "SENDER_COST_HISTORY_MONTHS", 14, 1, 38),
            cost_mode=parse_cost_mode(env.get("SENDER_COST_MODE", "")),
            cost_tag_keys=parse_cost_tag_keys(env.get("SENDER_COST_TAG_KEYS", "")),
            collector_metrics=_bool(env, "SENDER_COLLECTOR_METRICS", False),
            first_run_parameter=_parameter_name(env.get("SENDER_FIRST_RUN_PARAMETER", "")),
            first_run_backfill_months=_int(env, "SENDER_FIRST_RUN_BACKFILL_MONTHS", 14, 0, 38),
            account_labels=parse_account_labels(env.get("SENDER_ACCOUNT_LABELS", "")),
        )

    def require_upload_target(self) -> tuple[str, str]:
        if not self.bucket:
            raise ConfigurationError("environment variable BUCKET is not set")
        if not self.kms_key:
            raise ConfigurationError("environment variable ANALYTICS_KMS_KEY is not set")
        if not self.kms_key.startswith("arn:"):
            raise ConfigurationError(
                "ANALYTICS_KMS_KEY must be the key ARN (the key lives in the analytics account)"
            )
        return self.bucket, self.kms_key


def split_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return [item.strip() for item in items if item.strip()]


def parse_regions(value: str | list[str] | tuple[str, ...] | None, what: str) -> tuple[str, ...]:
    regions = list(dict.fromkeys(split_list(value)))  # unique, in order
    if not regions:
        raise ConfigurationError(f"{what} names no region")
    bad = [r for r in regions if not REGION_RE.fullmatch(r)]
    if bad:
        raise ConfigurationError(f"{what}: not a region code: {', '.join(bad)}")
    return tuple(regions)


def parse_collectors(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    from sender.collectors import REGISTRY  # late: the registry imports every collector

    names = list(dict.fromkeys(split_list(value)))
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ConfigurationError(
            f"unknown collector(s): {', '.join(unknown)} (known: {', '.join(sorted(REGISTRY))})"
        )
    return tuple(names)


def parse_account_labels(raw: str | None) -> tuple[tuple[str, str], ...]:
    """``SENDER_ACCOUNT_LABELS``: a JSON object of label -> value, checked as AWS checks tags
    (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html); sorted by label."""
    raw = (raw or "").strip()
    if not raw:
        return ()
    try:
        labels = json.loads(raw)
    except ValueError:
        raise ConfigurationError("SENDER_ACCOUNT_LABELS must be a JSON object") from None
    if not isinstance(labels, dict):
        raise ConfigurationError("SENDER_ACCOUNT_LABELS must be a JSON object")
    most, key_max, value_max = LABEL_LIMITS
    if len(labels) > most:
        raise ConfigurationError(f"SENDER_ACCOUNT_LABELS: at most {most} labels")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise ConfigurationError(f"SENDER_ACCOUNT_LABELS: the value of {key!r} is not text")
        if not 1 <= len(key) <= key_max or not _label_text(key):
            raise ConfigurationError(
                f"SENDER_ACCOUNT_LABELS: label {key!r} must be 1-{key_max} letters, digits, "
                "spaces or _.:/=+-@"
            )
        if key.lower().startswith("aws:"):
            raise ConfigurationError(f"SENDER_ACCOUNT_LABELS: label {key!r} starts with aws:")
        if len(value) > value_max or not _label_text(value):
            raise ConfigurationError(
                f"SENDER_ACCOUNT_LABELS: the value of {key!r} must be 0-{value_max} letters, "
                "digits, spaces or _.:/=+-@"
            )
    return tuple(sorted(labels.items()))


def _label_text(value: str) -> bool:
    return all(c.isalnum() or c == " " or c in LABEL_PUNCTUATION for c in value)


def _parameter_name(raw: str) -> str | None:
    """An SSM parameter name (``/a/b`` or ``a``): letters, digits, ``_.-/``, at most 1011 chars."""
    name = raw.strip()
    if not name:
        return None
    if len(name) > 1011 or not re.fullmatch(r"/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*", name):
        raise ConfigurationError(
            f"SENDER_FIRST_RUN_PARAMETER is not an SSM parameter name: {raw!r}"
        )
    return name


def parse_cost_mode(value: str | None) -> str:
    """``SENDER_COST_MODE``: ``account`` (default), ``organization`` or ``off``."""
    mode = (value or "").strip().lower() or "account"
    if mode not in COST_MODES:
        raise ConfigurationError(
            f"SENDER_COST_MODE must be one of {', '.join(COST_MODES)}, got {value!r}"
        )
    return mode


MAX_COST_TAG_KEYS = 10  # each key costs one Cost Explorer request (USD 0.01) per run
# A tag key as AWS allows it (1-128 characters: letters, digits, spaces, _ . : / = + - @); a "$"
# would be ambiguous in Cost Explorer's "<key>$<value>" group keys and a "," splits the list.
TAG_KEY_RE = re.compile(r"[\w .:/=+\-@]{1,128}")


def parse_cost_tag_keys(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``SENDER_COST_TAG_KEYS``: comma-separated cost-allocation tag keys, unique, at most
    `MAX_COST_TAG_KEYS`; empty (the default): no tag query at all."""
    keys = list(dict.fromkeys(split_list(value)))
    bad = [k for k in keys if not TAG_KEY_RE.fullmatch(k)]
    if bad:
        raise ConfigurationError(f"SENDER_COST_TAG_KEYS: not a tag key: {', '.join(bad)}")
    if len(keys) > MAX_COST_TAG_KEYS:
        raise ConfigurationError(
            f"SENDER_COST_TAG_KEYS names {len(keys)} keys, at most {MAX_COST_TAG_KEYS}"
        )
    return tuple(keys)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")
